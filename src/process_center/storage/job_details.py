"""Whole job rows, for views that show more than the batch shape."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, select

from process_center.domain.errors import NotFound
from process_center.storage.models import Job, as_utc

_jobs = Job.__table__


@dataclass(frozen=True, slots=True)
class JobRecord:
    job_id: UUID
    seq: int
    type: int
    status: int
    progress: int | None
    message: str | None
    trigger_kind: str
    trigger_ref: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


_RECORD_COLUMNS = (
    _jobs.c.id,
    _jobs.c.seq,
    _jobs.c.type,
    _jobs.c.status,
    _jobs.c.progress,
    _jobs.c.message,
    _jobs.c.trigger_kind,
    _jobs.c.trigger_ref,
    _jobs.c.created_at,
    _jobs.c.started_at,
    _jobs.c.finished_at,
)


def _record(row: Any) -> JobRecord:
    return JobRecord(
        job_id=row.id,
        seq=row.seq,
        type=row.type,
        status=row.status,
        progress=row.progress,
        message=row.message,
        trigger_kind=row.trigger_kind,
        trigger_ref=row.trigger_ref,
        created_at=as_utc(row.created_at),
        started_at=_maybe_utc(row.started_at),
        finished_at=_maybe_utc(row.finished_at),
    )


def _maybe_utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else as_utc(moment)


def job_records(
    connection: Connection, tenant_id: UUID, job_ids: Sequence[UUID]
) -> list[JobRecord]:
    """The tenant's jobs among ``job_ids``, in the order given."""
    if not job_ids:
        return []
    query = select(*_RECORD_COLUMNS).where(
        _jobs.c.tenant_id == tenant_id, _jobs.c.id.in_(job_ids)
    )
    found = {row.id: _record(row) for row in connection.execute(query)}
    return [found[job_id] for job_id in job_ids if job_id in found]


def job_record(connection: Connection, tenant_id: UUID, job_id: UUID) -> JobRecord:
    records = job_records(connection, tenant_id, [job_id])
    if not records:
        raise NotFound(f"Job {job_id} was not found in this tenant.")
    return records[0]
