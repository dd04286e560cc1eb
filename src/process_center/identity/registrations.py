"""What an app registration may do, as of now (or a few seconds ago).

Every request is checked against the registration's current state rather than
against what its token said when it was issued, so deleting an app or taking
away a permission or customer takes effect within ``registration_cache_seconds``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import select

from process_center.domain.errors import InvalidInput
from process_center.identity.cache import TTLCache
from process_center.identity.certificates import (
    Certificate,
    header_thumbprints,
    load_der_certificate,
)
from process_center.storage.database import Database
from process_center.storage.models import (
    AppCustomer,
    AppGroup,
    AppRegistration,
    ClientCertificate,
    ClientSecret,
    CustomerGroupMember,
    as_utc,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SecretRecord:
    id: UUID
    secret_hash: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class CertificateRecord:
    id: UUID
    certificate: Certificate
    # What a client assertion's header may name this certificate by.
    header_names: frozenset[str]

    @classmethod
    def from_der(cls, record_id: UUID, der: bytes) -> CertificateRecord:
        return cls(record_id, load_der_certificate(der), header_thumbprints(der))


@dataclass(frozen=True, slots=True)
class AppSnapshot:
    app_id: UUID
    client_id: UUID
    partner_id: UUID
    name: str
    permissions: frozenset[str]
    customer_scope: str
    # Unless the scope is "all": the customers chosen directly or through
    # customer groups, as they are right now.
    customer_ids: frozenset[UUID]
    secrets: tuple[SecretRecord, ...]
    certificates: tuple[CertificateRecord, ...]

    def allows_customer(self, customer_id: UUID) -> bool:
        return self.customer_scope == "all" or customer_id in self.customer_ids

    def live_secret(self, secret_id: UUID, now: datetime) -> SecretRecord | None:
        for secret in self.secrets:
            if secret.id == secret_id and secret.expires_at > now:
                return secret
        return None


def load_snapshot(database: Database, client_id: UUID) -> AppSnapshot | None:
    with database.session() as session:
        app = session.scalar(
            select(AppRegistration).where(AppRegistration.client_id == client_id)
        )
        if app is None:
            return None
        customer_ids: set[UUID] = set()
        if app.customer_scope != "all":
            customer_ids.update(
                session.scalars(
                    select(AppCustomer.customer_id).where(AppCustomer.app_id == app.id)
                )
            )
            customer_ids.update(
                session.scalars(
                    select(CustomerGroupMember.customer_id)
                    .join(AppGroup, AppGroup.group_id == CustomerGroupMember.group_id)
                    .where(AppGroup.app_id == app.id)
                )
            )
        secrets = [
            SecretRecord(row.id, row.secret_hash, as_utc(row.expires_at))
            for row in session.scalars(
                select(ClientSecret).where(ClientSecret.app_id == app.id)
            )
        ]
        certificates = _usable_certificates(
            session.scalars(
                select(ClientCertificate).where(ClientCertificate.app_id == app.id)
            )
        )
        return AppSnapshot(
            app_id=app.id,
            client_id=app.client_id,
            partner_id=app.partner_id,
            name=app.name,
            permissions=frozenset(p.permission for p in app.permissions),
            customer_scope=app.customer_scope,
            customer_ids=frozenset(customer_ids),
            secrets=tuple(secrets),
            certificates=tuple(certificates),
        )


def _usable_certificates(rows: Iterable[ClientCertificate]) -> list[CertificateRecord]:
    """Certificates this server can verify with. One that cannot be read (written
    by other means than the admin commands) is left out rather than taking the
    app's other credentials down with it."""
    usable = []
    for row in rows:
        try:
            usable.append(CertificateRecord.from_der(row.id, row.certificate_der))
        except (InvalidInput, ValueError):
            logger.warning(
                "certificate_unusable",
                extra={"certificate_id": str(row.id), "app_id": str(row.app_id)},
            )
    return usable


class RegistrationCache:
    """Snapshots by client id, each trusted for ``ttl_seconds`` at most."""

    def __init__(self, database: Database, ttl_seconds: float) -> None:
        self._database = database
        self._ttl = ttl_seconds
        self._snapshots: TTLCache[UUID, AppSnapshot | None] = TTLCache(maxsize=50_000)
        self._misses: TTLCache[UUID, bool] = TTLCache(maxsize=50_000)

    def get(self, client_id: UUID) -> AppSnapshot | None:
        snapshot = self._snapshots.get(client_id)
        if snapshot is not None:
            return snapshot
        if self._misses.get(client_id):
            return None
        snapshot = load_snapshot(self._database, client_id)
        if self._ttl > 0:
            if snapshot is None:
                self._misses.put(client_id, True, self._ttl)
            else:
                self._snapshots.put(client_id, snapshot, self._ttl)
        return snapshot

    def forget(self, client_id: UUID) -> None:
        self._snapshots.pop(client_id)
        self._misses.pop(client_id)
