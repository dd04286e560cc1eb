"""Job queries: the batch listing's hot path and the writes that keep its counters."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Row, delete, func, insert, select, update
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

    @property
    def is_ids_only(self) -> bool:
        """Nothing but (at most) a list of IDs: what ``FastPages`` answers."""
        return self == JobFilter(job_ids=self.job_ids)


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


@dataclass(frozen=True, slots=True)
class ListedJobs:
    """A page as the wire shows it: ``(jobId, type, status)`` rows and the total."""

    rows: list[tuple[str, int, int]]
    total_count: int

    @classmethod
    def of(cls, page: Page) -> ListedJobs:
        rows = [(str(job.job_id), job.type, job.status) for job in page.items]
        return cls(rows, page.total_count)


# The hot path's statements, written once per dialect. Each checks the
# tenant's ownership, reads its counters and reads the page in ONE statement:
# one round trip, one consistent snapshot, no transaction to begin or end.
_DENSE_PAGE = """
SELECT t.job_seq, t.job_floor, t.job_count, {job_id}, j.type, j.status
FROM tenants AS t
JOIN customers AS c ON c.id = t.customer_id
LEFT JOIN jobs AS j ON j.tenant_id = t.id
    AND j.seq <= t.job_seq - {offset}
    AND j.seq > {greatest}(t.job_seq - {offset} - {size}, t.job_floor)
WHERE t.id = {tenant} AND t.customer_id = {customer} AND c.partner_id = {partner}
ORDER BY j.seq DESC
"""
# Jobs are found by primary key and only then matched to the tenant: given
# the tenant's index too, a planner may scan a big tenant's rows instead.
_CHOSEN_JOBS = """
SELECT t.job_seq, t.job_floor, t.job_count, {job_id}, j.type, j.status
FROM tenants AS t
JOIN customers AS c ON c.id = t.customer_id
LEFT JOIN jobs AS j ON {id_in_list} AND {job_tenant} = t.id
WHERE t.id = {tenant} AND t.customer_id = {customer} AND c.partner_id = {partner}
ORDER BY j.seq DESC
"""
_SQLITE = {
    # SQLite keeps GUIDs as 32 hex digits; the API shows them with dashes.
    "job_id": "substr(j.id, 1, 8) || '-' || substr(j.id, 9, 4) || '-' || "
    "substr(j.id, 13, 4) || '-' || substr(j.id, 17, 4) || '-' || substr(j.id, 21)",
    "greatest": "max",
    "id_in_list": "j.id IN (SELECT value FROM json_each(:ids))",
    # The unary plus keeps SQLite from using the tenant's index here.
    "job_tenant": "+j.tenant_id",
}
_POSTGRES = {
    "job_id": "CAST(j.id AS text)",
    "greatest": "greatest",
    "id_in_list": "j.id = ANY(%(ids)s)",
    "job_tenant": "j.tenant_id",
}
_PARAMETERS = ("offset", "size", "tenant", "customer", "partner")
# Offsets beyond this are past the end of any tenant; keeping them small keeps
# every parameter a 64-bit integer.
_OFFSET_CAP = 2**62


class FastPages:
    """The batch listing's common reads, one statement each.

    ``read`` answers unfiltered and ID-filtered listings of a tenant whose
    numbering is dense, and says None otherwise (an unknown tenant, holes in
    the numbering, other filters): the caller then takes ``find_tenant`` and
    ``list_jobs``, which also name what was not found.
    """

    def __init__(self, dialect_name: str) -> None:
        self._sqlite = dialect_name == "sqlite"
        words = _SQLITE if self._sqlite else _POSTGRES
        placeholder = ":{}" if self._sqlite else "%({})s"
        names = {name: placeholder.format(name) for name in _PARAMETERS}
        self._dense = _DENSE_PAGE.format(**words, **names)
        self._chosen = _CHOSEN_JOBS.format(**words, **names)

    def read(
        self,
        connection: Connection,
        owner: tuple[UUID, UUID, UUID],
        job_filter: JobFilter,
        page_index: int,
        page_size: int,
    ) -> ListedJobs | None:
        """``owner`` is (partner, customer, tenant)."""
        if not job_filter.is_ids_only:
            return None
        if job_filter.job_ids is not None and not job_filter.job_ids:
            return ListedJobs([], 0)
        offset = min((page_index - 1) * page_size, _OFFSET_CAP)
        parameters = self._parameters(owner, offset, page_size)
        if job_filter.job_ids is None:
            rows = connection.exec_driver_sql(self._dense, parameters).all()
            return self._dense_result(rows)
        parameters["ids"] = self._ids(job_filter.job_ids)
        rows = connection.exec_driver_sql(self._chosen, parameters).all()
        return self._chosen_result(rows, offset, page_size)

    def _parameters(
        self, owner: tuple[UUID, UUID, UUID], offset: int, page_size: int
    ) -> dict[str, object]:
        partner, customer, tenant = owner
        if self._sqlite:
            partner, customer, tenant = partner.hex, customer.hex, tenant.hex  # type: ignore[assignment]
        return {
            "offset": offset,
            "size": page_size,
            "tenant": tenant,
            "customer": customer,
            "partner": partner,
        }

    def _ids(self, job_ids: frozenset[UUID]) -> object:
        if self._sqlite:
            return "[" + ",".join(f'"{job_id.hex}"' for job_id in job_ids) + "]"
        return list(job_ids)

    @staticmethod
    def _dense_result(rows: Sequence[Row[Any]]) -> ListedJobs | None:
        if not rows:
            return None
        job_seq, job_floor, job_count = rows[0][:3]
        if job_count != job_seq - job_floor:
            return None
        page = [(row[3], row[4], row[5]) for row in rows if row[3] is not None]
        return ListedJobs(page, job_count)

    @staticmethod
    def _chosen_result(
        rows: Sequence[Row[Any]], offset: int, page_size: int
    ) -> ListedJobs | None:
        if not rows:
            return None
        found = [(row[3], row[4], row[5]) for row in rows if row[3] is not None]
        return ListedJobs(found[offset : offset + page_size], len(found))


@functools.cache
def fast_pages(dialect_name: str) -> FastPages:
    return FastPages(dialect_name)
