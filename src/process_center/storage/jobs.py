"""Job queries: the batch listing's hot path and the writes that keep its counters."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.orm import Session

from process_center.domain.errors import NotFound
from process_center.domain.jobs import JobStatus, JobSummary, JobType, Page
from process_center.storage.ledger import announce
from process_center.storage.models import Customer, Job, JobEvent, Tenant, utcnow

_jobs = Job.__table__
_tenants = Tenant.__table__
_customers = Customer.__table__


@dataclass(frozen=True, slots=True)
class TenantPaging:
    """The counters of one tenant that locate any page of its jobs."""

    tenant_id: UUID
    job_seq: int
    job_floor: int
    job_count: int

    @property
    def is_dense(self) -> bool:
        return self.job_count == self.job_seq - self.job_floor


@dataclass(frozen=True, slots=True)
class JobFilter:
    job_ids: frozenset[UUID] | None = None

    @property
    def is_empty(self) -> bool:
        return self.job_ids is None


def find_tenant(
    connection: Connection, partner_id: UUID, customer_id: UUID, tenant_id: UUID
) -> TenantPaging:
    """The tenant's paging counters; NotFound unless it belongs to the customer
    and the customer to the partner."""
    customer = connection.execute(
        select(_customers.c.id).where(
            _customers.c.id == customer_id, _customers.c.partner_id == partner_id
        )
    ).first()
    if customer is None:
        raise NotFound(f"Customer {customer_id} was not found.")
    row = connection.execute(
        select(_tenants.c.job_seq, _tenants.c.job_floor, _tenants.c.job_count).where(
            _tenants.c.id == tenant_id, _tenants.c.customer_id == customer_id
        )
    ).first()
    if row is None:
        raise NotFound(f"Tenant {tenant_id} was not found for customer {customer_id}.")
    return TenantPaging(tenant_id, row.job_seq, row.job_floor, row.job_count)


def list_jobs(
    connection: Connection,
    tenant: TenantPaging,
    job_filter: JobFilter,
    page_index: int,
    page_size: int,
) -> Page:
    """One page of the tenant's jobs, newest first."""
    if job_filter.job_ids is not None:
        return _page_of_chosen_jobs(
            connection, tenant, job_filter.job_ids, page_index, page_size
        )
    offset = (page_index - 1) * page_size
    if offset >= tenant.job_count:
        return Page([], tenant.job_count)
    if tenant.is_dense:
        rows = _dense_page(connection, tenant, offset, page_size)
    else:
        rows = _offset_page(connection, tenant, offset, page_size)
    return Page([JobSummary(*row) for row in rows], tenant.job_count)


def _dense_page(
    connection: Connection, tenant: TenantPaging, offset: int, page_size: int
) -> list[tuple[UUID, int, int]]:
    # With no holes in the numbering, the page at ``offset`` is a range of
    # seq numbers: no rows before it are read, however deep the page.
    highest = tenant.job_seq - offset
    lowest = max(highest - page_size, tenant.job_floor)
    query = (
        select(_jobs.c.id, _jobs.c.type, _jobs.c.status)
        .where(
            _jobs.c.tenant_id == tenant.tenant_id,
            _jobs.c.seq > lowest,
            _jobs.c.seq <= highest,
        )
        .order_by(_jobs.c.seq.desc())
    )
    return [tuple(row) for row in connection.execute(query)]  # type: ignore[misc]


def _offset_page(
    connection: Connection, tenant: TenantPaging, offset: int, page_size: int
) -> list[tuple[UUID, int, int]]:
    # Holes in the numbering (a job deleted out of order) force a walk.
    query = (
        select(_jobs.c.id, _jobs.c.type, _jobs.c.status)
        .where(_jobs.c.tenant_id == tenant.tenant_id)
        .order_by(_jobs.c.seq.desc())
        .offset(offset)
        .limit(page_size)
    )
    return [tuple(row) for row in connection.execute(query)]  # type: ignore[misc]


def _page_of_chosen_jobs(
    connection: Connection,
    tenant: TenantPaging,
    job_ids: frozenset[UUID],
    page_index: int,
    page_size: int,
) -> Page:
    if not job_ids:
        return Page([], 0)
    # Look the jobs up by primary key alone and drop other tenants' here:
    # given the tenant too, a planner may prefer scanning a big tenant's rows.
    query = select(
        _jobs.c.id, _jobs.c.type, _jobs.c.status, _jobs.c.seq, _jobs.c.tenant_id
    ).where(_jobs.c.id.in_(job_ids))
    rows = [
        row for row in connection.execute(query) if row.tenant_id == tenant.tenant_id
    ]
    rows.sort(key=lambda row: row.seq, reverse=True)
    start = (page_index - 1) * page_size
    chosen = rows[start : start + page_size] if start < len(rows) else []
    return Page([JobSummary(row.id, row.type, row.status) for row in chosen], len(rows))


def add_job(
    session: Session,
    tenant_id: UUID,
    job_type: JobType,
    *,
    status: JobStatus = JobStatus.WAITING,
    job_id: UUID | None = None,
    trigger_kind: str = "system",
    trigger_ref: str | None = None,
    create_digest: str | None = None,
    message: str | None = None,
) -> Job:
    """Add a job at the head of its tenant's numbering, in the caller's transaction."""
    seq = session.execute(
        update(Tenant)
        .where(Tenant.id == tenant_id)
        .values(job_seq=Tenant.job_seq + 1, job_count=Tenant.job_count + 1)
        .returning(Tenant.job_seq)
    ).scalar_one_or_none()
    if seq is None:
        raise NotFound(f"Tenant {tenant_id} was not found.")
    now = utcnow()
    job = Job(
        id=job_id or uuid.uuid4(),
        tenant_id=tenant_id,
        seq=seq,
        type=int(job_type),
        status=int(status),
        trigger_kind=trigger_kind,
        trigger_ref=trigger_ref,
        create_digest=create_digest,
        message=message,
        version=1,
        created_at=now,
        started_at=now if status != JobStatus.WAITING else None,
        finished_at=now if status.is_terminal else None,
    )
    session.add(job)
    session.flush()
    session.execute(
        insert(JobEvent).values(
            job_id=job.id,
            tenant_id=tenant_id,
            from_status=None,
            to_status=int(status),
            message=message,
            actor=trigger_ref,
            occurred_at=now,
        )
    )
    announce(session, tenant_id)
    return job


def delete_job(session: Session, job_id: UUID) -> None:
    """Delete one job and keep its tenant's counters true."""
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"Job {job_id} was not found.")
    session.delete(job)
    session.execute(delete(JobEvent).where(JobEvent.job_id == job_id))
    session.flush()
    recount_floor(session, job.tenant_id, removed=1)


def recount_floor(session: Session, tenant_id: UUID, *, removed: int) -> None:
    """After ``removed`` jobs of a tenant are deleted, fix its count and floor."""
    lowest = session.scalar(select(func.min(Job.seq)).where(Job.tenant_id == tenant_id))
    tenant = session.get(Tenant, tenant_id)
    assert tenant is not None
    tenant.job_count -= removed
    tenant.job_floor = tenant.job_seq if lowest is None else lowest - 1
