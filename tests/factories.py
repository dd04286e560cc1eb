"""Small factories that write rows straight into a store, for tests."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from uuid import UUID

import httpx
import jwt
from sqlalchemy import func, select

from process_center.domain.jobs import JobStatus, JobType
from process_center.domain.permissions import TENANT_READ
from process_center.identity.apps import add_secret, create_app
from process_center.storage import directory
from process_center.storage.database import Database
from process_center.storage.jobs import add_job
from process_center.storage.models import Job, SigningKey, TenantStatusCount


@dataclass
class Registration:
    client_id: UUID
    client_secret: str
    partner_id: UUID


class Factory:
    def __init__(self, database: Database) -> None:
        self.database = database

    def partner(self, name: str = "Partner") -> UUID:
        with self.database.write() as session:
            return directory.add_partner(session, name).id

    def customer(self, partner_id: UUID, organization: str = "Customer") -> UUID:
        with self.database.write() as session:
            return directory.add_customer(session, partner_id, organization).id

    def tenant(self, customer_id: UUID, name: str = "tenant.onmicrosoft.com") -> UUID:
        with self.database.write() as session:
            return directory.add_tenant(session, customer_id, name).id

    def group(
        self, partner_id: UUID, customer_ids: list[UUID], name: str = "Group"
    ) -> UUID:
        with self.database.write() as session:
            group = directory.add_group(session, partner_id, name)
            directory.set_group_members(session, group, customer_ids)
            return group.id

    def app(
        self,
        partner_id: UUID,
        permissions: list[str] | None = None,
        *,
        customer_ids: list[UUID] | None = None,
        group_ids: list[UUID] | None = None,
        name: str = "App",
    ) -> Registration:
        with self.database.write() as session:
            app = create_app(
                session,
                partner_id,
                name,
                permissions or [TENANT_READ],
                customer_ids=customer_ids or [],
                group_ids=group_ids or [],
            )
            secret = add_secret(session, app, years=1)
            return Registration(app.client_id, secret.value, partner_id)

    def jobs(
        self,
        tenant_id: UUID,
        count: int,
        *,
        job_type: JobType = JobType.APPLY_BASELINE,
        status: JobStatus = JobStatus.WAITING,
    ) -> list[UUID]:
        with self.database.write() as session:
            return [
                add_job(session, tenant_id, job_type, status=status).id
                for _ in range(count)
            ]


def status_counts(database: Database, tenant_id: UUID) -> dict[int, int]:
    """The tenant's kept per-status counts, leaving out the zeros."""
    query = select(TenantStatusCount.status, TenantStatusCount.job_count).where(
        TenantStatusCount.tenant_id == tenant_id, TenantStatusCount.job_count != 0
    )
    with database.session() as session:
        return {status: count for status, count in session.execute(query)}


def real_status_counts(database: Database, tenant_id: UUID) -> dict[int, int]:
    """The tenant's jobs per status, counted."""
    query = (
        select(Job.status, func.count())
        .where(Job.tenant_id == tenant_id)
        .group_by(Job.status)
    )
    with database.session() as session:
        return {status: count for status, count in session.execute(query)}


@dataclass
class World:
    """A partner with one customer, one tenant and a read-only app."""

    partner_id: UUID
    customer_id: UUID
    tenant_id: UUID
    app: Registration

    @property
    def jobs_path(self) -> str:
        return jobs_path(self.customer_id, self.tenant_id)


def jobs_path(customer_id: UUID | str, tenant_id: UUID | str) -> str:
    return (
        f"/partner/external/v3/bm/customers/{customer_id}"
        f"/tenants/{tenant_id}/process-center/jobs/batch"
    )


def get_token(
    http: httpx.Client, registration: Registration, scope: str | None = None
) -> str:
    form = {
        "grant_type": "client_credentials",
        "client_id": str(registration.client_id),
        "client_secret": registration.client_secret,
    }
    if scope is not None:
        form["scope"] = scope
    response = http.post("/connect/token", data=form)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def sign_access_token(
    database: Database,
    settings_public_url: str,
    registration: Registration,
    **overrides: object,
) -> str:
    """An access token signed with the server's own active key, with claims of our choosing."""
    with database.session() as session:
        key = session.scalars(
            select(SigningKey).where(SigningKey.retired_at.is_(None))
        ).first()
        assert key is not None
        kid, pem = key.kid, key.private_key_pem
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": settings_public_url,
        "aud": "process-center-api",
        "sub": str(registration.client_id),
        "client_id": str(registration.client_id),
        "ptn": str(registration.partner_id),
        "scope": "elements.bm.tenant.read.all",
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "jti": uuid.uuid4().hex,
    }
    claims.update(overrides)
    claims = {name: value for name, value in claims.items() if value is not None}
    return jwt.encode(claims, pem, algorithm="RS256", headers={"kid": kid})
