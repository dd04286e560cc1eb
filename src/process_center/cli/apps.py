"""Admin commands for API app registrations and their credentials."""

from __future__ import annotations

from uuid import UUID

import click

from process_center.cli.context import (
    AppContext,
    domain_errors,
    emit,
    json_option,
    pass_app,
)
from process_center.identity import apps as registrations
from process_center.identity.apps import SECRET_YEARS


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
    secret_years: str,
    as_json: bool,
) -> None:
    """Register an app and print its client id and secret (shown only now)."""
    with app.write() as session:
        registration = registrations.create_app(
            session,
            partner_id,
            name,
            permissions,
            customer_ids=customer_ids,
            group_ids=group_ids,
        )
        secret = registrations.add_secret(session, registration, int(secret_years))
    value = {"clientId": str(registration.client_id), "clientSecret": secret.value}
    text = (
        f"Registered app {name}\n"
        f"  client id:     {registration.client_id}\n"
        f"  client secret: {secret.value}\n"
        f"  (the secret is shown only once; it expires {secret.expires_at:%Y-%m-%d})"
    )
    emit(as_json, value, text)


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


@apps.command("delete")
@click.argument("client_id", type=click.UUID)
@pass_app
@domain_errors
def delete_app(app: AppContext, client_id: UUID) -> None:
    """Delete an app; its tokens stop working within seconds."""
    with app.write() as session:
        registrations.delete_app(session, client_id)
    click.echo(f"Deleted app {client_id}.")
