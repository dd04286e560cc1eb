"""Job queries: the batch listing's hot path and the writes that keep its counters."""

from __future__ import annotations

import functools
import json
import sqlite3
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

import orjson
import psycopg
from sqlalchemy import (
    ColumnElement,
    Connection,
    Uuid,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from process_center.domain.errors import NotFound
from process_center.domain.jobs import JobStatus, JobSummary, JobType, Page
from process_center.storage.ledger import announce
from process_center.storage.models import Customer, Job, JobEvent, Tenant, utcnow
from process_center.storage.page_cache import (
    KeptPage,
    PageCache,
    PageKey,
    TenantState,
    page_key,
)
from process_center.storage.status_counts import (
    adjust_status_counts,
    jobs_in_statuses,
)

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
    """Which of a tenant's jobs to list; None in a field means any."""

    # GUIDs as canonical text (lowercase, with dashes): the listing's fast
    # reads send them on as text, and parsing a thousand is not free.
    job_ids: frozenset[str] | None = None
    statuses: frozenset[int] | None = None
    types: frozenset[int] | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None

    @property
    def is_empty(self) -> bool:
        return self == JobFilter()

    @property
    def job_uuids(self) -> frozenset[UUID] | None:
        return None if self.job_ids is None else frozenset(map(UUID, self.job_ids))

    @property
    def is_ids_only(self) -> bool:
        """Nothing but (at most) a list of IDs: what ``FastPages`` answers."""
        return self == JobFilter(job_ids=self.job_ids)

    @property
    def is_statuses_only(self) -> bool:
        """Statuses and nothing else: the kept counts give the total."""
        return self.statuses is not None and self == JobFilter(statuses=self.statuses)


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


_events = JobEvent.__table__
# What page_cache calls the tenant's state, read only if the tenant is the
# customer's and the customer the partner's.
_TENANT_STATE = (
    select(
        _tenants.c.job_seq,
        _tenants.c.job_floor,
        _tenants.c.job_count,
        func.coalesce(
            select(func.max(_events.c.id))
            .where(_events.c.tenant_id == _tenants.c.id)
            .scalar_subquery(),
            0,
        ),
    )
    .join(_customers, _customers.c.id == _tenants.c.customer_id)
    .where(
        _tenants.c.id == bindparam("tenant", type_=Uuid()),
        _tenants.c.customer_id == bindparam("customer", type_=Uuid()),
        _customers.c.partner_id == bindparam("partner", type_=Uuid()),
    )
)


def read_tenant_state(
    connection: Connection, owner: tuple[UUID, UUID, UUID]
) -> TenantState | None:
    partner, customer, tenant = owner
    row = connection.execute(
        _TENANT_STATE, {"partner": partner, "customer": customer, "tenant": tenant}
    ).first()
    return None if row is None else TenantState(*row)


def read_listing(
    connection: Connection,
    owner: tuple[UUID, UUID, UUID],
    job_filter: JobFilter,
    page_index: int,
    page_size: int,
    cache: PageCache | None = None,
) -> JobsPage:
    """A page of any filter (NotFound names what is missing); kept in
    ``cache`` with the tenant's state, read before the page: a change that
    lands between the two makes the page newer than its state, never older,
    so at worst the next poll reads it again."""
    state = None if cache is None else read_tenant_state(connection, owner)
    tenant = find_tenant(connection, *owner)
    listed = ListedJobs.of(
        list_jobs(connection, tenant, job_filter, page_index, page_size)
    )
    if cache is None or state is None:
        return listed
    rendered = RenderedJobs(listed.items_json(), listed.total_count)
    cache.put(page_key(owner[2], job_filter, page_index, page_size), state, rendered)
    return rendered


def list_jobs(
    connection: Connection,
    tenant: TenantPaging,
    job_filter: JobFilter,
    page_index: int,
    page_size: int,
) -> Page:
    """One page of the tenant's jobs, newest first."""
    if not job_filter.is_ids_only:
        return _filtered_page(connection, tenant, job_filter, page_index, page_size)
    if job_filter.job_ids is not None:
        return _page_of_chosen_jobs(
            connection,
            tenant,
            frozenset(map(UUID, job_filter.job_ids)),
            page_index,
            page_size,
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


def _filtered_page(
    connection: Connection,
    tenant: TenantPaging,
    job_filter: JobFilter,
    page_index: int,
    page_size: int,
) -> Page:
    # Filters leave holes in any numbering, so these pages are an indexed
    # walk with an OFFSET; the unfiltered listing stays a range.
    conditions = _filter_conditions(tenant.tenant_id, job_filter)
    total = _filtered_total(connection, tenant.tenant_id, job_filter, conditions)
    offset = (page_index - 1) * page_size
    if offset >= total:
        return Page([], total)
    query = (
        select(_jobs.c.id, _jobs.c.type, _jobs.c.status)
        .where(*conditions)
        .order_by(_jobs.c.seq.desc())
        .offset(offset)
        .limit(page_size)
    )
    return Page([JobSummary(*row) for row in connection.execute(query)], total)


def _filtered_total(
    connection: Connection,
    tenant_id: UUID,
    job_filter: JobFilter,
    conditions: list[ColumnElement[bool]],
) -> int:
    if job_filter.statuses is not None and job_filter.is_statuses_only:
        return jobs_in_statuses(connection, tenant_id, job_filter.statuses)
    return connection.scalar(select(func.count()).where(*conditions)) or 0


def _filter_conditions(
    tenant_id: UUID, job_filter: JobFilter
) -> list[ColumnElement[bool]]:
    conditions = [_jobs.c.tenant_id == tenant_id]
    if job_filter.job_uuids is not None:
        conditions.append(_jobs.c.id.in_(job_filter.job_uuids))
    if job_filter.statuses is not None:
        conditions.append(_jobs.c.status.in_(job_filter.statuses))
    if job_filter.types is not None:
        conditions.append(_jobs.c.type.in_(job_filter.types))
    if job_filter.created_after is not None:
        conditions.append(_jobs.c.created_at >= job_filter.created_after)
    if job_filter.created_before is not None:
        conditions.append(_jobs.c.created_at < job_filter.created_before)
    return conditions


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
    adjust_status_counts(session, tenant_id, {int(status): 1})
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
    adjust_status_counts(session, job.tenant_id, {job.status: -1})
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

    def items_json(self) -> bytes:
        """The page's items as the JSON array of the response's ``data``."""
        return orjson.dumps(
            [
                {"jobId": job_id, "type": job_type, "status": status}
                for job_id, job_type, status in self.rows
            ]
        )


@dataclass(frozen=True, slots=True)
class RenderedJobs:
    """A page whose items the database wrote as JSON already."""

    items: bytes  # the JSON array of the response's ``data``
    total_count: int

    @property
    def rows(self) -> list[tuple[str, int, int]]:
        return [(i["jobId"], i["type"], i["status"]) for i in orjson.loads(self.items)]

    def items_json(self) -> bytes:
        return self.items


JobsPage = ListedJobs | RenderedJobs

# Offsets beyond this are past the end of any tenant; keeping them small keeps
# every parameter a 64-bit integer.
_OFFSET_CAP = 2**62


class FastPages(Protocol):
    """The batch listing's common reads, cut to the fewest round trips.

    ``read`` answers unfiltered and ID-filtered listings of a tenant whose
    numbering is dense, and says None otherwise (an unknown tenant, holes in
    the numbering, other filters): the caller then takes ``find_tenant`` and
    ``list_jobs``, which also name what was not found. ``owner`` is
    (partner, customer, tenant). With a ``cache``, a page whose tenant has
    not changed since it was kept is served from it (see ``page_cache``).
    """

    def read(
        self,
        connection: Connection,
        owner: tuple[UUID, UUID, UUID],
        job_filter: JobFilter,
        page_index: int,
        page_size: int,
        cache: PageCache | None = None,
    ) -> JobsPage | None: ...


def _answerable(job_filter: JobFilter) -> bool:
    return job_filter.is_ids_only


def _dense_range(state: TenantState, offset: int, size: int) -> tuple[int, int]:
    """The seq numbers (lowest, highest] of the page at ``offset``."""
    highest = state.job_seq - offset
    return max(highest - size, state.job_floor), highest


class PostgresPages:
    """One statement per listing: over a network each round trip counts.

    The statement checks the tenant's ownership, reads its state and reads
    the page at once, in one snapshot, outside any transaction. Given the
    state of a kept page, it reads the page only if the tenant's state is
    no longer that one.
    """

    # Each item is written as JSON by the server itself: one row and one
    # text value reach the client instead of a hundred rows of three. The
    # values are GUIDs and integers, which need no escaping. The API
    # serializes items as ``{"jobId":...,"type":...,"status":...}``; the
    # tests hold both paths to the same bytes.
    _ITEMS = """string_agg(
        '{"jobId":"' || j.id || '","type":' || j.type || ',"status":' || j.status || '}',
        ',' ORDER BY j.seq DESC)"""
    _STATE = """t.job_seq, t.job_floor, t.job_count, ev.last_event"""
    _CHANGED = f"""(({_STATE}) IS DISTINCT FROM (
        %(kept_seq)s::bigint, %(kept_floor)s::bigint,
        %(kept_count)s::bigint, %(kept_event)s::bigint))"""
    _OWNER = """
        FROM tenants AS t
        JOIN customers AS c ON c.id = t.customer_id
        CROSS JOIN LATERAL (
            SELECT coalesce(max(e.id), 0) AS last_event
            FROM job_events AS e WHERE e.tenant_id = t.id
        ) AS ev
        WHERE t.id = %(tenant)s AND t.customer_id = %(customer)s
            AND c.partner_id = %(partner)s
    """
    # CASE evaluates the page's subquery only when the kept page is stale.
    _DENSE = f"""
        SELECT {_STATE}, {_CHANGED}, t.job_count, CASE WHEN {_CHANGED} THEN (
            SELECT {_ITEMS}
            FROM (
                -- A subquery with its own LIMIT pins the planner to the
                -- range of the (tenant_id, seq) index.
                SELECT jobs.id, jobs.type, jobs.status, jobs.seq FROM jobs
                WHERE jobs.tenant_id = t.id
                    AND jobs.seq <= t.job_seq - %(offset)s
                    AND jobs.seq > greatest(
                        t.job_seq - %(offset)s - %(size)s, t.job_floor)
                ORDER BY jobs.seq DESC
                LIMIT %(size)s
            ) AS j) END
        {_OWNER}
    """  # noqa: S608 - built of constants only
    # Jobs are found by primary key alone, then matched to the tenant: offered
    # the tenant's index as well, a planner (a generic plan above all, once
    # the statement is prepared) may walk a big tenant's every job instead.
    # The IDs come as one array literal, far cheaper to send than a list.
    _CHOSEN = f"""
        WITH found AS MATERIALIZED (
            SELECT jobs.id, jobs.tenant_id, jobs.type, jobs.status, jobs.seq
            FROM jobs WHERE jobs.id = ANY(CAST(%(ids)s AS uuid[]))
        ), mine AS (
            SELECT * FROM found WHERE found.tenant_id = %(tenant)s
        )
        SELECT {_STATE}, {_CHANGED},
            CASE WHEN {_CHANGED} THEN (SELECT count(*) FROM mine) END,
            CASE WHEN {_CHANGED} THEN (
                SELECT {_ITEMS}
                FROM (
                    SELECT * FROM mine ORDER BY seq DESC
                    OFFSET %(offset)s LIMIT %(size)s
                ) AS j) END
        {_OWNER}
    """  # noqa: S608 - built of constants only

    def read(
        self,
        connection: Connection,
        owner: tuple[UUID, UUID, UUID],
        job_filter: JobFilter,
        page_index: int,
        page_size: int,
        cache: PageCache | None = None,
    ) -> RenderedJobs | None:
        statement = self._statement(owner, job_filter, page_index, page_size, cache)
        if statement is None:
            return None
        rows = connection.exec_driver_sql(statement.sql, statement.parameters).all()
        return statement.page(rows)

    async def read_async(
        self,
        connection: psycopg.AsyncConnection[Any],
        owner: tuple[UUID, UUID, UUID],
        job_filter: JobFilter,
        page_index: int,
        page_size: int,
        cache: PageCache | None = None,
    ) -> RenderedJobs | None:
        """``read`` on the event loop, through psycopg's own async connection."""
        statement = self._statement(owner, job_filter, page_index, page_size, cache)
        if statement is None:
            return None
        cursor = await connection.execute(statement.sql, statement.parameters)
        return statement.page(await cursor.fetchall())

    def _statement(
        self,
        owner: tuple[UUID, UUID, UUID],
        job_filter: JobFilter,
        page_index: int,
        page_size: int,
        cache: PageCache | None,
    ) -> _PageStatement | None:
        if not _answerable(job_filter):
            return None
        partner, customer, tenant = owner
        offset = min((page_index - 1) * page_size, _OFFSET_CAP)
        lookup = _Lookup.of(cache, owner, job_filter, page_index, page_size)
        parameters: dict[str, object] = {
            "offset": offset,
            "size": page_size,
            "tenant": tenant,
            "customer": customer,
            "partner": partner,
            **_kept_parameters(lookup.kept),
        }
        if job_filter.job_ids is None:
            return _PageStatement(self._DENSE, parameters, lookup, needs_dense=True)
        parameters["ids"] = "{" + ",".join(job_filter.job_ids) + "}"
        return _PageStatement(self._CHOSEN, parameters, lookup, needs_dense=False)


def _kept_parameters(kept: KeptPage | None) -> dict[str, int]:
    # No state a tenant can be in (its numbers are never negative) when
    # nothing is kept, so the page is read.
    state = TenantState(-1, -1, -1, -1) if kept is None else kept.state
    return {
        "kept_seq": state.job_seq,
        "kept_floor": state.job_floor,
        "kept_count": state.job_count,
        "kept_event": state.last_event,
    }


@dataclass(frozen=True, slots=True)
class _Lookup:
    """Where a page read would be kept, and what was kept there before."""

    cache: PageCache | None
    key: PageKey | None
    kept: KeptPage | None

    @classmethod
    def of(
        cls,
        cache: PageCache | None,
        owner: tuple[UUID, UUID, UUID],
        job_filter: JobFilter,
        page_index: int,
        page_size: int,
    ) -> _Lookup:
        if cache is None:
            return cls(None, None, None)
        key = page_key(owner[2], job_filter, page_index, page_size)
        return cls(cache, key, cache.kept(key))

    def keep(self, state: TenantState, page: RenderedJobs) -> RenderedJobs:
        if self.cache is not None and self.key is not None:
            self.cache.put(self.key, state, page)
        return page


@dataclass(frozen=True, slots=True)
class _PageStatement:
    """One PostgreSQL listing statement, and how to read its one row."""

    sql: str
    parameters: dict[str, object]
    lookup: _Lookup
    needs_dense: bool

    def page(self, rows: Sequence[Sequence[Any]]) -> RenderedJobs | None:
        if not rows:
            return None
        state = TenantState(*rows[0][:4])
        changed, total, items = rows[0][4:7]
        if self.needs_dense and not state.is_dense:
            return None
        if not changed and self.lookup.cache is not None:
            served = self.lookup.cache.serve(self.lookup.kept, state)
            if served is not None:
                return served
        return self.lookup.keep(state, RenderedJobs(f"[{items or ''}]".encode(), total))


class SqlitePages:
    """Two small statements in one read transaction, on the driver directly.

    In-process, a round trip costs nothing, while a join of the tenant and
    its page costs SQLite several times the two lookups apart; and the
    sqlite3 module's own calls cost a fraction of going through SQLAlchemy.
    The first statement reads the tenant's state; a kept page read in that
    state answers without the second.
    """

    _TENANT = """
        SELECT t.job_seq, t.job_floor, t.job_count, (
            SELECT coalesce(max(e.id), 0) FROM job_events AS e
            WHERE e.tenant_id = t.id)
        FROM tenants AS t JOIN customers AS c ON c.id = t.customer_id
        WHERE t.id = ? AND t.customer_id = ? AND c.partner_id = ?
    """
    _RANGE = """
        SELECT id, type, status FROM jobs
        WHERE tenant_id = ? AND seq > ? AND seq <= ?
        ORDER BY seq DESC
    """
    # By primary key first; the unary plus keeps SQLite off the tenant's
    # index, which for a big tenant would mean scanning its every job.
    _CHOSEN = """
        SELECT id, type, status FROM jobs
        WHERE id IN (SELECT value FROM json_each(?)) AND +tenant_id = ?
        ORDER BY seq DESC
    """

    def read(
        self,
        connection: Connection,
        owner: tuple[UUID, UUID, UUID],
        job_filter: JobFilter,
        page_index: int,
        page_size: int,
        cache: PageCache | None = None,
    ) -> JobsPage | None:
        driver = connection.connection.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        key = None
        if cache is not None:
            key = page_key(owner[2], job_filter, page_index, page_size)
        request = _SqliteRequest(owner, job_filter, page_index, page_size, key)
        try:
            if cache is not None and key is not None:
                # A kept page, of any filter, needs its tenant's state alone:
                # one statement, its own snapshot, no transaction around it.
                kept = cache.kept(key)
                if kept is not None:
                    served = cache.serve(kept, self._state(driver, request))
                    if served is not None:
                        return served
            if not _answerable(job_filter):
                return None
            driver.execute("BEGIN")
            try:
                return self._read(driver, request, cache)
            finally:
                driver.execute("COMMIT")
        except sqlite3.Error as error:
            raise DBAPIError.instance(
                "SELECT jobs", None, error, sqlite3.Error
            ) from error

    def _read(
        self,
        driver: sqlite3.Connection,
        request: _SqliteRequest,
        cache: PageCache | None,
    ) -> JobsPage | None:
        state = self._state(driver, request)
        if state is None:
            return None
        if request.job_filter.job_ids is None and not state.is_dense:
            return None
        page = self._read_page(driver, request.owner[2].hex, state, request)
        if cache is None or request.key is None:
            return page
        rendered = RenderedJobs(page.items_json(), page.total_count)
        cache.put(request.key, state, rendered)
        return rendered

    def _state(
        self, driver: sqlite3.Connection, request: _SqliteRequest
    ) -> TenantState | None:
        partner, customer, tenant = (guid.hex for guid in request.owner)
        row = driver.execute(self._TENANT, (tenant, customer, partner)).fetchone()
        return None if row is None else TenantState(*row)

    def _read_page(
        self,
        driver: sqlite3.Connection,
        tenant: str,
        state: TenantState,
        request: _SqliteRequest,
    ) -> ListedJobs:
        offset = min((request.page_index - 1) * request.page_size, _OFFSET_CAP)
        size = request.page_size
        job_ids = request.job_filter.job_ids
        if job_ids is not None:
            ids = json.dumps([job_id.replace("-", "") for job_id in job_ids])
            found = _with_dashes(driver.execute(self._CHOSEN, (ids, tenant)))
            return ListedJobs(found[offset : offset + size], len(found))
        lowest, highest = _dense_range(state, offset, size)
        if highest <= lowest:
            return ListedJobs([], state.job_count)
        rows = driver.execute(self._RANGE, (tenant, lowest, highest))
        return ListedJobs(_with_dashes(rows), state.job_count)


@dataclass(frozen=True, slots=True)
class _SqliteRequest:
    owner: tuple[UUID, UUID, UUID]
    job_filter: JobFilter
    page_index: int
    page_size: int
    key: PageKey | None  # where the page is kept; None without a cache


def _with_dashes(rows: Iterable[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    # SQLite keeps a GUID as 32 hex digits; the API shows the usual form.
    return [
        (f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}", job_type, status)
        for h, job_type, status in rows
    ]


@functools.cache
def fast_pages(dialect_name: str) -> FastPages:
    return SqlitePages() if dialect_name == "sqlite" else PostgresPages()
