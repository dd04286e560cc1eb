"""Ledger queries: a job's history, the change feed, and retention.

Every write that adds a job event first locks the tenant's row. Event ids
come from one sequence, so without the lock two transactions of one tenant
could commit out of id order, and a feed reader that has moved past the
higher id would never see the lower one. With it, a tenant's events become
visible in id order, which is what makes ``Last-Event-ID`` resumption exact.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import (
    Connection,
    CursorResult,
    Row,
    Select,
    delete,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

from process_center.domain.jobs import JobStatus
from process_center.storage.models import Job, JobEvent, Tenant
from process_center.storage.status_counts import adjust_status_counts

ACTIVE_STATUSES = (int(JobStatus.WAITING), int(JobStatus.IN_PROGRESS))
# The PostgreSQL channel that announces "tenant X has new job events".
CHANGES_CHANNEL = "process_center_job_events"

_events = JobEvent.__table__
_jobs = Job.__table__


@dataclass(frozen=True, slots=True)
class EventRow:
    """One job event as the history and the feed show it."""

    id: int
    job_id: UUID
    job_type: int
    from_status: int | None
    to_status: int
    progress: int | None
    message: str | None
    actor: str | None
    occurred_at: datetime


def announce(session: Session, tenant_id: UUID) -> None:
    """Wake other processes' feed listeners once this transaction commits."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_notify(CHANGES_CHANNEL, str(tenant_id))))


def _event_query() -> Select[Any]:
    return select(
        _events.c.id,
        _events.c.job_id,
        _jobs.c.type.label("job_type"),
        _events.c.from_status,
        _events.c.to_status,
        _events.c.progress,
        _events.c.message,
        _events.c.actor,
        _events.c.occurred_at,
    ).join(_jobs, _jobs.c.id == _events.c.job_id)


def history(session: Session | Connection, job_id: UUID) -> list[EventRow]:
    rows = session.execute(
        _event_query().where(_events.c.job_id == job_id).order_by(_events.c.id)
    )
    return _event_rows(rows)


def events_after(
    connection: Connection, tenant_id: UUID, after_id: int, limit: int
) -> list[EventRow]:
    """The tenant's events with ids above ``after_id``, oldest first."""
    rows = connection.execute(
        _event_query()
        .where(_events.c.tenant_id == tenant_id, _events.c.id > after_id)
        .order_by(_events.c.id)
        .limit(limit)
    )
    return _event_rows(rows)


def latest_event_id(connection: Connection, tenant_id: UUID) -> int:
    latest = connection.execute(
        select(func.max(_events.c.id)).where(_events.c.tenant_id == tenant_id)
    ).scalar()
    return int(latest or 0)


def _event_rows(rows: Iterable[Row[Any]]) -> list[EventRow]:
    return [EventRow(**row._asdict()) for row in rows]


@dataclass(frozen=True, slots=True)
class JobExtras:
    """What a batch item may show beyond its documented fields."""

    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    trigger_kind: str
    trigger_ref: str | None
    progress: int | None
    message: str | None


def job_extras(
    connection: Connection, job_ids: Iterable[UUID]
) -> dict[UUID, JobExtras]:
    query = select(
        _jobs.c.id,
        _jobs.c.created_at,
        _jobs.c.started_at,
        _jobs.c.finished_at,
        _jobs.c.trigger_kind,
        _jobs.c.trigger_ref,
        _jobs.c.progress,
        _jobs.c.message,
    ).where(_jobs.c.id.in_(list(job_ids)))
    return {row[0]: JobExtras(*row[1:]) for row in connection.execute(query)}


def tenants_with_jobs_finished_before(session: Session, cutoff: datetime) -> list[UUID]:
    return list(
        session.scalars(
            select(_jobs.c.tenant_id).where(_jobs.c.finished_at < cutoff).distinct()
        )
    )


@dataclass(frozen=True, slots=True)
class Purged:
    jobs: int
    done: bool  # nothing more of this tenant qualifies


def purge_prefix(
    session: Session, tenant_id: UUID, cutoff: datetime, limit: int
) -> Purged:
    """Delete the tenant's oldest jobs, up to ``limit`` numbers, while every one
    ended before ``cutoff``.

    Purging only from the low end of the numbering keeps it dense, so paging
    stays a range lookup and ``job_count`` stays exact without a recount.
    """
    tenant = session.execute(
        select(Tenant).where(Tenant.id == tenant_id).with_for_update()
    ).scalar_one_or_none()
    if tenant is None:
        return Purged(0, done=True)
    last_qualifying = _first_kept_seq(session, tenant, cutoff) - 1
    upto = min(last_qualifying, tenant.job_floor + limit)
    if upto <= tenant.job_floor:
        return Purged(0, done=True)
    doomed = select(_jobs.c.id).where(
        _jobs.c.tenant_id == tenant_id, _jobs.c.seq <= upto
    )
    adjust_status_counts(session, tenant_id, _purged_per_status(session, tenant, upto))
    session.execute(delete(JobEvent).where(JobEvent.job_id.in_(doomed)))
    result = session.execute(
        delete(Job).where(Job.tenant_id == tenant_id, Job.seq <= upto)
    )
    deleted = int(cast(CursorResult[Any], result).rowcount)
    tenant.job_floor = upto
    tenant.job_count -= deleted
    return Purged(deleted, done=upto == last_qualifying)


def _purged_per_status(session: Session, tenant: Tenant, upto: int) -> dict[int, int]:
    """Minus the jobs numbered up to ``upto`` in each status: what purging
    them takes off the tenant's status counts."""
    rows = session.execute(
        select(_jobs.c.status, func.count())
        .where(
            _jobs.c.tenant_id == tenant.id,
            _jobs.c.seq > tenant.job_floor,
            _jobs.c.seq <= upto,
        )
        .group_by(_jobs.c.status)
    )
    return {status: -count for status, count in rows}


def _first_kept_seq(session: Session, tenant: Tenant, cutoff: datetime) -> int:
    """The lowest number whose job must stay (one past the end if none)."""
    kept = session.scalar(
        select(_jobs.c.seq)
        .where(
            _jobs.c.tenant_id == tenant.id,
            _jobs.c.seq > tenant.job_floor,
            or_(
                _jobs.c.status.in_(ACTIVE_STATUSES),
                _jobs.c.finished_at.is_(None),
                _jobs.c.finished_at >= cutoff,
            ),
        )
        .order_by(_jobs.c.seq)
        .limit(1)
    )
    return tenant.job_seq + 1 if kept is None else int(kept)
