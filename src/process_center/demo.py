"""Demo data for ``serve --demo``: a partner, customers, tenants, an app and jobs.

Only ever used by the demo command; nothing here runs in a normal deployment.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from process_center.domain.jobs import JobStatus, JobType
from process_center.domain.permissions import TENANT_READ
from process_center.identity.apps import add_secret, create_app
from process_center.identity.hashing import hash_secret
from process_center.storage import directory, operators
from process_center.storage.database import Database
from process_center.storage.jobs import add_job
from process_center.storage.models import AppRegistration, ClientSecret, Partner, utcnow

DEMO_PARTNER = "Contoso Managed Services (demo)"
DEMO_APP = "Process Center demo (read-only)"
DEMO_OPERATOR = "operator@contoso.example"
_CUSTOMERS = {
    "Fabrikam, Inc.": ["fabrikam.onmicrosoft.com", "fabrikam-dev.onmicrosoft.com"],
    "Northwind Traders": ["northwindtraders.onmicrosoft.com"],
    "Tailspin Toys": ["tailspintoys.onmicrosoft.com", "tailspin-eu.onmicrosoft.com"],
}
_JOBS_PER_TENANT = 80


@dataclass(frozen=True)
class DemoCredentials:
    client_id: UUID
    client_secret: str
    customer_id: UUID
    tenant_id: UUID
    operator_email: str = DEMO_OPERATOR
    operator_password: str = ""


def seed_demo(database: Database, rng: random.Random | None = None) -> DemoCredentials:
    """Seed the demo partner once; every call issues the demo app a fresh secret."""
    # Demo data only: a seeded generator so every demo looks the same.
    rng = rng or random.Random(7)  # noqa: S311
    with database.write() as session:
        partner = session.scalar(select(Partner).where(Partner.name == DEMO_PARTNER))
        if partner is None:
            partner = directory.add_partner(session, DEMO_PARTNER)
            _seed_customers(session, partner.id, rng)
            create_app(session, partner.id, DEMO_APP, [TENANT_READ])
        app = session.scalar(
            select(AppRegistration).where(
                AppRegistration.partner_id == partner.id,
                AppRegistration.name == DEMO_APP,
            )
        )
        assert app is not None
        # The demo prints its secret at every start, so older ones are dropped.
        session.execute(delete(ClientSecret).where(ClientSecret.app_id == app.id))
        secret = add_secret(session, app, years=1)
        customer = directory.list_customers(session, partner.id)[0]
        tenant = directory.list_tenants(session, customer.id)[0]
        password = _reset_demo_operator(session, partner.id)
        return DemoCredentials(
            app.client_id,
            secret.value,
            customer.id,
            tenant.id,
            operator_password=password,
        )


def _reset_demo_operator(session: Session, partner_id: UUID) -> str:
    """The demo operator, with a new password at every start, like the secret."""
    password = secrets.token_urlsafe(12)
    operator = operators.find_operator(session, DEMO_OPERATOR)
    if operator is None:
        operators.add_operator(
            session, partner_id, DEMO_OPERATOR, hash_secret(password)
        )
    else:
        operator.password_hash = hash_secret(password)
        operators.clear_failed_sign_ins(session, operator.id)
    return password


def _seed_customers(session, partner_id: UUID, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    for organization, tenant_names in _CUSTOMERS.items():
        customer = directory.add_customer(session, partner_id, organization)
        for name in tenant_names:
            tenant = directory.add_tenant(session, customer.id, name)
            _seed_jobs(session, tenant.id, rng)


def _seed_jobs(session, tenant_id: UUID, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    moment = now - timedelta(days=14)
    for _ in range(_JOBS_PER_TENANT):
        moment += timedelta(minutes=rng.randint(30, 400))
        status = rng.choices(list(JobStatus), weights=[1, 1, 12, 2, 1, 2])[0]
        job = add_job(
            session,
            tenant_id,
            rng.choice(list(JobType)),
            status=status,
            trigger_kind=rng.choice(["schedule", "app", "operator"]),
        )
        job.created_at = min(moment, now)
        if status != JobStatus.WAITING:
            job.started_at = job.created_at + timedelta(seconds=rng.randint(1, 90))
        if status.is_terminal and status != JobStatus.SKIPPED:
            job.finished_at = job.started_at + timedelta(minutes=rng.randint(1, 45))  # type: ignore[operator]
        elif status == JobStatus.SKIPPED:
            job.finished_at = job.created_at


def print_demo_instructions(credentials: DemoCredentials, base_url: str) -> None:
    jobs_url = (
        f"{base_url}/partner/external/v3/bm/customers/{credentials.customer_id}"
        f"/tenants/{credentials.tenant_id}/process-center/jobs/batch?pageIndex=1&pageSize=5"
    )
    print(
        f"""
Process Center demo at {base_url}
  client id:     {credentials.client_id}
  client secret: {credentials.client_secret}

The Process Center page: {base_url}/process-center/
  email:         {credentials.operator_email}
  password:      {credentials.operator_password}

Get a token, then list jobs:

  TOKEN=$(curl -s {base_url}/connect/token \\
    -d grant_type=client_credentials \\
    -d client_id={credentials.client_id} \\
    -d client_secret={credentials.client_secret} \\
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

  curl -s -X POST '{jobs_url}' \\
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{{}}'
""",
        flush=True,
    )
