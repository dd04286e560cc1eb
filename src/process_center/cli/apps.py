"""Admin commands for API app registrations and their credentials."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

import click
from sqlalchemy.orm import Session

from process_center.cli.context import (
    AppContext,
    domain_errors,
    emit,
    json_option,
    pass_app,
)
from process_center.cli.credentials import read_certificate
from process_center.identity import apps as registrations
from process_center.identity import credentials
from process_center.identity.credentials import SECRET_YEARS, IssuedSecret
from process_center.storage.models import AppRegistration


@click.group()
def apps() -> None:
    """API app registrations: permissions, customer scope and credentials."""


@apps.command("create")
@click.option("--partner", "partner_id", type=click.UUID, required=True)
@click.option("--name", required=True)
@click.option("--permission", "permissions", multiple=True, required=True)
@click.option(
    "--customer",
    "customer_ids",
    type=click.UUID,
    multiple=True,
    help="Limit the app to this customer (repeatable). None: all customers.",
)
@click.option(
    "--group",
    "group_ids",
    type=click.UUID,
    multiple=True,
    help="Limit the app to the customers of this group (repeatable).",
)
@click.option(
    "--certificate",
    "certificate_files",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    multiple=True,
    help="Register this PEM or DER certificate for private_key_jwt (repeatable).",
)
@click.option(
    "--secret/--no-secret",
    default=None,
    help="Issue a client secret. Default: only when no --certificate is given.",
)
@click.option(
    "--secret-years",
    type=click.Choice([str(y) for y in SECRET_YEARS]),
    default="2",
    show_default=True,
    help="How long the client secret stays valid.",
)
@json_option
@pass_app
@domain_errors
def create_app(
    app: AppContext,
    partner_id: UUID,
    name: str,
    permissions: tuple[str, ...],
    customer_ids: tuple[UUID, ...],
    group_ids: tuple[UUID, ...],
    certificate_files: tuple[Path, ...],
    secret: bool | None,
    secret_years: str,
    as_json: bool,
) -> None:
    """Register an app and print its client id and secret (shown only now)."""
    with_secret = not certificate_files if secret is None else secret
    if not with_secret and not certificate_files:
        raise click.UsageError("An app needs a client secret or a --certificate.")
    with app.write() as session:
        registration = registrations.create_app(
            session,
            partner_id,
            name,
            permissions,
            customer_ids=customer_ids,
            group_ids=group_ids,
        )
        thumbprints = [
            credentials.add_certificate(
                session, registration, read_certificate(path)
            ).thumbprint
            for path in certificate_files
        ]
        issued = (
            credentials.add_secret(session, registration, int(secret_years))
            if with_secret
            else None
        )
    _print_created(as_json, name, registration.client_id, issued, thumbprints)


def _print_created(
    as_json: bool,
    name: str,
    client_id: UUID,
    secret: IssuedSecret | None,
    thumbprints: list[str],
) -> None:
    value: dict[str, object] = {"clientId": str(client_id)}
    lines = [f"Registered app {name}", f"  client id:     {client_id}"]
    if secret is not None:
        value["clientSecret"] = secret.value
        lines += [
            f"  client secret: {secret.value}",
            f"  (the secret is shown only once; it expires {secret.expires_at:%Y-%m-%d})",
        ]
    if thumbprints:
        value["certificateThumbprints"] = thumbprints
        lines += [f"  certificate:   {thumbprint}" for thumbprint in thumbprints]
    emit(as_json, value, "\n".join(lines))


@apps.command("list")
@click.option("--partner", "partner_id", type=click.UUID)
@json_option
@pass_app
def list_apps(app: AppContext, partner_id: UUID | None, as_json: bool) -> None:
    with app.read() as session:
        rows = [
            {
                "clientId": str(a.client_id),
                "partnerId": str(a.partner_id),
                "name": a.name,
                "permissions": sorted(p.permission for p in a.permissions),
                "customerScope": a.customer_scope,
            }
            for a in registrations.list_apps(session, partner_id)
        ]
    text = "\n".join(
        f"{r['clientId']}  {r['name']}  {' '.join(r['permissions'])}" for r in rows
    )
    emit(as_json, rows, text or "No apps.")


@apps.command("show")
@click.argument("client_id", type=click.UUID)
@json_option
@pass_app
@domain_errors
def show_app(app: AppContext, client_id: UUID, as_json: bool) -> None:
    """An app's permissions, customer scope and credentials (never a secret's value)."""
    with app.read() as session:
        registration = registrations.get_app(session, client_id)
        customer_ids, group_ids = registrations.chosen_scope(session, registration)
        value = {
            "clientId": str(registration.client_id),
            "partnerId": str(registration.partner_id),
            "name": registration.name,
            "permissions": sorted(p.permission for p in registration.permissions),
            "customerScope": registration.customer_scope,
            "customers": [str(c) for c in customer_ids],
            "groups": [str(g) for g in group_ids],
            "credentials": [
                {
                    "id": str(item.id),
                    "kind": item.kind,
                    "description": item.description,
                    "expiresAt": item.expires_at.isoformat(),
                }
                for item in credentials.list_credentials(session, registration)
            ],
        }
    emit(as_json, value, _describe(value))


def _describe(value: dict[str, Any]) -> str:
    lines = [f"{value['name']} ({value['clientId']})"]
    lines += [f"  permission  {p}" for p in value["permissions"]]
    if value["customerScope"] == "all":
        lines.append("  customers   all of the partner's")
    lines += [f"  customer    {c}" for c in value["customers"]]
    lines += [f"  group       {g}" for g in value["groups"]]
    lines += [
        f"  {c['kind']:<11} {c['id']}  expires {c['expiresAt'][:10]}"
        for c in value["credentials"]
    ]
    return "\n".join(lines)


@apps.command("delete")
@click.argument("client_id", type=click.UUID)
@pass_app
@domain_errors
def delete_app(app: AppContext, client_id: UUID) -> None:
    """Delete an app; its tokens stop working within seconds."""
    with app.write() as session:
        registrations.delete_app(session, client_id)
    click.echo(f"Deleted app {client_id}.")


def _change_command(
    name: str,
    change: Callable[[Session, AppRegistration, Sequence[Any]], int],
    help_text: str,
    value_type: click.ParamType[Any] | type[str] = str,
) -> None:
    """Register ``apps add-X`` or ``apps remove-X`` for customers, groups or permissions."""
    action, noun = name.split("-", 1)
    verb = "Added" if action == "add" else "Removed"

    @click.argument("client_id", type=click.UUID)
    @click.option(f"--{noun}", "values", type=value_type, multiple=True, required=True)
    @pass_app
    @domain_errors
    def command(app: AppContext, client_id: UUID, values: tuple[Any, ...]) -> None:
        with app.write() as session:
            changed = change(session, registrations.get_app(session, client_id), values)
        click.echo(f"{verb} {changed} {noun}(s) for app {client_id}.")

    command.__doc__ = help_text + " Tokens already issued follow within seconds."
    apps.command(name)(command)


_change_command(
    "add-customer",
    registrations.add_customers,
    "Add customers to an app's scope.",
    click.UUID,
)
_change_command(
    "remove-customer",
    registrations.remove_customers,
    "Take customers out of an app's scope.",
    click.UUID,
)
_change_command(
    "add-group",
    registrations.add_groups,
    "Scope an app to more customer groups.",
    click.UUID,
)
_change_command(
    "remove-group",
    registrations.remove_groups,
    "Take customer groups out of an app's scope.",
    click.UUID,
)
_change_command(
    "add-permission", registrations.add_permissions, "Grant an app more permissions."
)
_change_command(
    "remove-permission",
    registrations.remove_permissions,
    "Take permissions away from an app.",
)
