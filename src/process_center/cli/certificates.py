"""Self-signed certificates for trying out certificate credentials."""

from __future__ import annotations

import os
from pathlib import Path

import click

from process_center.cli.context import domain_errors, emit, json_option
from process_center.identity.certificates import new_development_certificate

CERTIFICATE_FILE = "certificate.pem"
PRIVATE_KEY_FILE = "private-key.pem"


@click.group()
def certificates() -> None:
    """Certificates for client authentication with private_key_jwt."""


@certificates.command("new")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for certificate.pem and private-key.pem (created if missing).",
)
@click.option("--name", default="process-center-client", show_default=True)
@click.option("--days", type=click.IntRange(1, 3650), default=365, show_default=True)
@click.option(
    "--key-type",
    type=click.Choice(["rsa", "ec"]),
    default="rsa",
    show_default=True,
    help="RSA 2048 (RS256/PS256) or EC P-256 (ES256).",
)
@json_option
@domain_errors
def new_certificate(
    out_dir: Path, name: str, days: int, key_type: str, as_json: bool
) -> None:
    """Make a self-signed certificate and private key, for development only."""
    certificate_path = out_dir / CERTIFICATE_FILE
    key_path = out_dir / PRIVATE_KEY_FILE
    for path in (certificate_path, key_path):
        if path.exists():
            raise click.UsageError(f"{path} exists; choose another --out folder.")
    pair = new_development_certificate(name, days=days, key_type=key_type)
    out_dir.mkdir(parents=True, exist_ok=True)
    certificate_path.write_bytes(pair.certificate_pem)
    _write_private(key_path, pair.private_key_pem)
    value = {
        "certificate": str(certificate_path),
        "privateKey": str(key_path),
        "thumbprint": pair.thumbprint,
    }
    text = (
        f"Wrote {certificate_path} (register it with the app)\n"
        f"  and {key_path} (keep it with the client; readable only by you)\n"
        f"  thumbprint {pair.thumbprint}"
    )
    emit(as_json, value, text)


def _write_private(path: Path, data: bytes) -> None:
    # Created with owner-only permissions, never briefly readable by others.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
