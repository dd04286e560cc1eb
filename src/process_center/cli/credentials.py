"""Admin commands for an app's client secrets and certificates."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import click

from process_center.cli.context import (
    AppContext,
    domain_errors,
    emit,
    json_option,
    pass_app,
)
from process_center.domain.errors import InvalidInput
from process_center.identity import credentials as store
from process_center.identity.apps import get_app
from process_center.identity.certificates import parse_certificate
from process_center.identity.credentials import SECRET_YEARS

# A certificate is a few kilobytes; anything far larger is the wrong file.
_MAX_CERTIFICATE_BYTES = 64 * 1024


def read_certificate(path: Path) -> bytes:
    """The bytes of a certificate file, checked to parse, errors naming the file."""
    if path.stat().st_size > _MAX_CERTIFICATE_BYTES:
        raise InvalidInput(f"{path}: too large to be a certificate.")
    data = path.read_bytes()
    try:
        parse_certificate(data)
    except InvalidInput as error:
        raise InvalidInput(f"{path}: {error.detail}") from error
    return data


@click.group()
def credentials() -> None:
    """An app's client secrets and certificates: several may be live at once."""


@credentials.command("list")
@click.argument("client_id", type=click.UUID)
@json_option
@pass_app
@domain_errors
def list_credentials(app: AppContext, client_id: UUID, as_json: bool) -> None:
    """List an app's credentials. A secret's value is never shown again."""
    now = datetime.now(UTC)
    with app.read() as session:
        items = store.list_credentials(session, get_app(session, client_id))
    rows = [
        {
            "id": str(item.id),
            "kind": item.kind,
            "description": item.description,
            "createdAt": item.created_at.isoformat(),
            "expiresAt": item.expires_at.isoformat(),
            "expired": item.expired(now),
        }
        for item in items
    ]
    text = "\n".join(
        f"{item.id}  {item.kind:<11}  expires {item.expires_at:%Y-%m-%d}"
        f"{'  EXPIRED' if item.expired(now) else ''}  {item.description}"
        for item in items
    )
    emit(as_json, rows, text or "No credentials.")


@credentials.command("add-secret")
@click.argument("client_id", type=click.UUID)
@click.option(
    "--years",
    type=click.Choice([str(y) for y in SECRET_YEARS]),
    default="2",
    show_default=True,
    help="How long the secret stays valid.",
)
@json_option
@pass_app
@domain_errors
def add_secret(app: AppContext, client_id: UUID, years: str, as_json: bool) -> None:
    """Issue another client secret; print it (shown only now)."""
    with app.write() as session:
        secret = store.add_secret(session, get_app(session, client_id), int(years))
    value = {
        "id": str(secret.secret_id),
        "clientSecret": secret.value,
        "expiresAt": secret.expires_at.isoformat(),
    }
    text = (
        f"New client secret {secret.secret_id} for app {client_id}:\n"
        f"  {secret.value}\n"
        f"  (shown only once; it expires {secret.expires_at:%Y-%m-%d})"
    )
    emit(as_json, value, text)


@credentials.command("add-certificate")
@click.argument("client_id", type=click.UUID)
@click.argument(
    "certificate_file", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@json_option
@pass_app
@domain_errors
def add_certificate(
    app: AppContext, client_id: UUID, certificate_file: Path, as_json: bool
) -> None:
    """Register a certificate (PEM or DER, e.g. a .cer file) for private_key_jwt."""
    data = read_certificate(certificate_file)
    with app.write() as session:
        row = store.add_certificate(session, get_app(session, client_id), data)
    value = {
        "id": str(row.id),
        "thumbprint": row.thumbprint,
        "notAfter": row.not_after.isoformat(),
    }
    emit(
        as_json,
        value,
        f"Registered certificate {row.thumbprint} for app {client_id} "
        f"(credential {row.id}, valid until {row.not_after:%Y-%m-%d}).",
    )


@credentials.command("delete")
@click.argument("client_id", type=click.UUID)
@click.argument("credential_id", type=click.UUID)
@pass_app
@domain_errors
def delete_credential(app: AppContext, client_id: UUID, credential_id: UUID) -> None:
    """Delete a secret or certificate; it stops working within seconds."""
    with app.write() as session:
        kind = store.delete_credential(
            session, get_app(session, client_id), credential_id
        )
    click.echo(f"Deleted {kind} {credential_id} of app {client_id}.")
