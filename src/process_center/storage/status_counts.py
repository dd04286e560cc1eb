"""How many of each tenant's jobs are in each status.

A listing filtered by status alone reads its ``totalCount`` from these
counts: counting the matching jobs instead walks an index entry per job,
over a million for a big tenant. Every write that adds, moves or removes a
job adjusts them in its own transaction, so they are exact whenever it
commits. Counts are changed by adding to them in place, never by reading and
writing back, so concurrent writers need no lock of their own; and they are
always taken in ascending status order, so two writers never wait on each
other's counts in a cycle.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from uuid import UUID

from sqlalchemy import Connection, bindparam, delete, func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.types import Uuid

from process_center.storage.models import TenantStatusCount

_counts = TenantStatusCount.__table__

# The same statement on SQLite (3.24 and later) and PostgreSQL.
_ADD = text(
    """
    INSERT INTO tenant_status_counts (tenant_id, status, job_count)
    VALUES (:tenant_id, :status, :delta)
    ON CONFLICT (tenant_id, status)
    DO UPDATE SET job_count = tenant_status_counts.job_count + excluded.job_count
    """
).bindparams(bindparam("tenant_id", type_=Uuid))


def adjust_status_counts(
    writer: Session | Connection, tenant_id: UUID, deltas: Mapping[int, int]
) -> None:
    """Add ``deltas[status]`` to the tenant's count of jobs in each status."""
    rows = [
        {"tenant_id": tenant_id, "status": status, "delta": delta}
        for status, delta in sorted(deltas.items())
        if delta
    ]
    if rows:
        writer.execute(_ADD, rows)


def move_status_count(
    writer: Session | Connection, tenant_id: UUID, from_status: int, to_status: int
) -> None:
    """Count one of the tenant's jobs under ``to_status`` instead of
    ``from_status``; nothing when they are the same."""
    if from_status != to_status:
        adjust_status_counts(writer, tenant_id, {from_status: -1, to_status: 1})


def jobs_in_statuses(
    connection: Connection, tenant_id: UUID, statuses: Collection[int]
) -> int:
    """How many of the tenant's jobs are in any of ``statuses``."""
    total = connection.scalar(
        select(func.coalesce(func.sum(_counts.c.job_count), 0)).where(
            _counts.c.tenant_id == tenant_id, _counts.c.status.in_(statuses)
        )
    )
    return int(total or 0)


def recount_status_counts(connection: Connection) -> None:
    """Count every tenant's jobs afresh: after jobs were loaded in bulk,
    around the writes that keep the counts."""
    connection.execute(delete(TenantStatusCount))
    connection.execute(
        text(
            "INSERT INTO tenant_status_counts (tenant_id, status, job_count) "
            "SELECT tenant_id, status, count(*) FROM jobs GROUP BY tenant_id, status"
        )
    )
