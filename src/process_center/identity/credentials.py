"""An app's credentials: client secrets and certificates, added, listed and removed.

An app may hold several of each at once, so a client can move to a new
credential before the old one is deleted. A secret's value exists outside the
client only in the ``IssuedSecret`` returned when it is made; afterwards the
store holds its argon2id hash and the first characters as a hint.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from process_center.domain.errors import Conflict, InvalidInput, NotFound
from process_center.identity.certificates import (
    Certificate,
    load_der_certificate,
    parse_certificate,
)
from process_center.identity.hashing import hash_secret, new_client_secret
from process_center.storage.models import (
    AppRegistration,
    ClientCertificate,
    ClientSecret,
    as_utc,
)

SECRET_YEARS = (1, 2, 3)
# Enough to rotate without downtime; bounded because a wrong secret is
# checked against every stored hash, at about 20 ms each.
MAX_SECRETS_PER_APP = 5
MAX_CERTIFICATES_PER_APP = 5


@dataclass(frozen=True, slots=True)
class IssuedSecret:
    """A new secret: the only moment its value is known outside the client."""

    secret_id: UUID
    value: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class CredentialInfo:
    """One credential as an operator sees it; never a secret's value."""

    id: UUID
    kind: str
    description: str
    created_at: datetime
    expires_at: datetime

    def expired(self, now: datetime) -> bool:
        return self.expires_at <= now


def add_secret(session: Session, app: AppRegistration, years: int = 2) -> IssuedSecret:
    if years not in SECRET_YEARS:
        raise InvalidInput("A client secret is valid for 1, 2 or 3 years.")
    _check_room(session, ClientSecret, app, MAX_SECRETS_PER_APP, "secrets")
    value = new_client_secret()
    expires_at = datetime.now(UTC) + timedelta(days=365 * years)
    secret = ClientSecret(
        app_id=app.id,
        secret_hash=hash_secret(value),
        hint=value[:4],
        expires_at=expires_at,
    )
    session.add(secret)
    session.flush()
    return IssuedSecret(secret.id, value, expires_at)


def add_certificate(
    session: Session, app: AppRegistration, data: bytes
) -> ClientCertificate:
    """Register a PEM or DER certificate whose key will sign the app's assertions."""
    certificate = parse_certificate(data)
    if certificate.not_after <= datetime.now(UTC):
        raise InvalidInput(
            f"The certificate expired on {certificate.not_after:%Y-%m-%d}."
        )
    _check_room(
        session, ClientCertificate, app, MAX_CERTIFICATES_PER_APP, "certificates"
    )
    _check_new_thumbprint(session, app, certificate)
    row = ClientCertificate(
        app_id=app.id,
        thumbprint=certificate.thumbprint,
        certificate_der=certificate.der,
        subject=certificate.subject[:500],
        not_before=certificate.not_before,
        not_after=certificate.not_after,
    )
    session.add(row)
    session.flush()
    return row


def _check_new_thumbprint(
    session: Session, app: AppRegistration, certificate: Certificate
) -> None:
    existing = session.scalar(
        select(ClientCertificate.id).where(
            ClientCertificate.app_id == app.id,
            ClientCertificate.thumbprint == certificate.thumbprint,
        )
    )
    if existing is not None:
        raise Conflict(
            f"The certificate {certificate.thumbprint} is already registered "
            f"for this app (credential {existing})."
        )


def _check_room(
    session: Session,
    model: type[ClientSecret] | type[ClientCertificate],
    app: AppRegistration,
    limit: int,
    noun: str,
) -> None:
    count = session.scalar(
        select(func.count()).select_from(model).where(model.app_id == app.id)
    )
    if (count or 0) >= limit:
        raise Conflict(
            f"The app already has {limit} {noun}, the most it may hold; "
            "delete one first."
        )


def list_credentials(session: Session, app: AppRegistration) -> list[CredentialInfo]:
    """Secrets and certificates of the app, the newest first within each kind."""
    secrets = session.scalars(
        select(ClientSecret)
        .where(ClientSecret.app_id == app.id)
        .order_by(ClientSecret.created_at.desc())
    )
    certificates = session.scalars(
        select(ClientCertificate)
        .where(ClientCertificate.app_id == app.id)
        .order_by(ClientCertificate.created_at.desc())
    )
    return [_secret_info(row) for row in secrets] + [
        _certificate_info(row) for row in certificates
    ]


def _secret_info(row: ClientSecret) -> CredentialInfo:
    return CredentialInfo(
        id=row.id,
        kind="secret",
        description=f"{row.hint}...",
        created_at=as_utc(row.created_at),
        expires_at=as_utc(row.expires_at),
    )


def _certificate_info(row: ClientCertificate) -> CredentialInfo:
    certificate = load_der_certificate(row.certificate_der)
    return CredentialInfo(
        id=row.id,
        kind="certificate",
        description=(
            f"{row.thumbprint} {certificate.key_description} {certificate.subject}"
        ),
        created_at=as_utc(row.created_at),
        expires_at=as_utc(row.not_after),
    )


def delete_credential(
    session: Session, app: AppRegistration, credential_id: UUID
) -> str:
    """Delete one of the app's secrets or certificates; returns which kind it was."""
    row: ClientSecret | ClientCertificate | None = session.get(
        ClientSecret, credential_id
    ) or session.get(ClientCertificate, credential_id)
    if row is None or row.app_id != app.id:
        raise NotFound(f"The app has no credential {credential_id}.")
    session.delete(row)
    session.flush()
    return "secret" if isinstance(row, ClientSecret) else "certificate"
