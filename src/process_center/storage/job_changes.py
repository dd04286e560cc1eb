"""The ledger's write statements, in SQLAlchemy Core: few round trips each.

A change locks its tenant's row first (see ``storage.ledger`` for why), in the
same statement that checks the caller's scope and, on PostgreSQL, queues the
NOTIFY that the commit sends. After the lock every statement takes a fresh
snapshot, so the job rows read next are the latest committed ones and no
other writer can touch them before this transaction ends.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BindParameter,
    Connection,
    DateTime,
    Integer,
    SmallInteger,
    String,
    Uuid,
    bindparam,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import TypeEngine

from process_center.domain.errors import NotFound
from process_center.storage.jobs import find_tenant
from process_center.storage.ledger import CHANGES_CHANNEL, EventRow
from process_center.storage.models import Customer, Job, JobEvent, Tenant
from process_center.storage.status_counts import adjust_status_counts

_jobs = Job.__table__
_events = JobEvent.__table__
_tenants = Tenant.__table__
_customers = Customer.__table__


@dataclass(frozen=True, slots=True)
class JobState:
    """A job's row as the ledger reads and rewrites it."""

    job_id: UUID
    tenant_id: UUID
    type: int
    status: int
    progress: int | None
    message: str | None
    trigger_kind: str
    trigger_ref: str | None
    create_digest: str | None
    version: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class NewEvent:
    """A history entry to append; the store hands out its id."""

    job_id: UUID
    from_status: int | None
    to_status: int
    progress: int | None
    message: str | None
    actor: str | None
    occurred_at: datetime


_STATE_COLUMNS = (
    _jobs.c.id,
    _jobs.c.tenant_id,
    _jobs.c.type,
    _jobs.c.status,
    _jobs.c.progress,
    _jobs.c.message,
    _jobs.c.trigger_kind,
    _jobs.c.trigger_ref,
    _jobs.c.create_digest,
    _jobs.c.version,
    _jobs.c.created_at,
    _jobs.c.started_at,
    _jobs.c.finished_at,
)
_HISTORY_COLUMNS = (
    _events.c.id,
    _events.c.from_status,
    _events.c.to_status,
    _events.c.progress,
    _events.c.message,
    _events.c.actor,
    _events.c.occurred_at,
)


# Statements are built once: building and keying one per call cost more CPU
# than the round trip it makes.
_SCOPE = (
    (_tenants.c.id == bindparam("tenant", type_=Uuid()))
    & (_tenants.c.customer_id == bindparam("customer", type_=Uuid()))
    & exists().where(
        _customers.c.id == bindparam("customer", type_=Uuid()),
        _customers.c.partner_id == bindparam("partner", type_=Uuid()),
    )
)
# NOTIFY is transactional: queued by the statement, sent only on commit.
_NOTIFY = func.pg_notify(CHANGES_CHANNEL, bindparam("channel_payload", type_=String()))
_LOCK = select(_tenants.c.id).where(_SCOPE).with_for_update()
_LOCK_AND_NOTIFY = _LOCK.add_columns(_NOTIFY)
_NEXT_NUMBER = (
    update(_tenants)
    .where(_SCOPE)
    .values(job_seq=_tenants.c.job_seq + 1, job_count=_tenants.c.job_count + 1)
    .returning(_tenants.c.job_seq)
)
_NEXT_NUMBER_AND_NOTIFY = _NEXT_NUMBER.returning(_NOTIFY)


def _scope_params(
    partner_id: UUID, customer_id: UUID, tenant_id: UUID
) -> dict[str, Any]:
    return {
        "partner": partner_id,
        "customer": customer_id,
        "tenant": tenant_id,
        "channel_payload": str(tenant_id),
    }


def lock_tenant_in_scope(
    connection: Connection,
    partner_id: UUID,
    customer_id: UUID,
    tenant_id: UUID,
    *,
    announce: bool = True,
) -> None:
    """Lock the tenant's row if it is the partner's customer's; else NotFound."""
    notify = announce and connection.dialect.name == "postgresql"
    query = _LOCK_AND_NOTIFY if notify else _LOCK
    params = _scope_params(partner_id, customer_id, tenant_id)
    if connection.execute(query, params).first() is None:
        _raise_not_found(connection, partner_id, customer_id, tenant_id)


def next_job_number(
    connection: Connection, partner_id: UUID, customer_id: UUID, tenant_id: UUID
) -> int:
    """Hand out the tenant's next job number, locking its row; else NotFound."""
    notify = connection.dialect.name == "postgresql"
    statement = _NEXT_NUMBER_AND_NOTIFY if notify else _NEXT_NUMBER
    params = _scope_params(partner_id, customer_id, tenant_id)
    row = connection.execute(statement, params).first()
    if row is None:
        _raise_not_found(connection, partner_id, customer_id, tenant_id)
    return int(row[0])


def _raise_not_found(
    connection: Connection, partner_id: UUID, customer_id: UUID, tenant_id: UUID
) -> None:
    # Only on the way out: find which of customer and tenant is missing.
    find_tenant(connection, partner_id, customer_id, tenant_id)
    raise NotFound(f"Tenant {tenant_id} was not found for customer {customer_id}.")


_INSERT_JOB = insert(_jobs)


def insert_job(connection: Connection, state: JobState, seq: int) -> None:
    connection.execute(
        _INSERT_JOB,
        {
            "id": state.job_id,
            "tenant_id": state.tenant_id,
            "seq": seq,
            "type": state.type,
            "status": state.status,
            "progress": state.progress,
            "message": state.message,
            "trigger_kind": state.trigger_kind,
            "trigger_ref": state.trigger_ref,
            "create_digest": state.create_digest,
            "version": state.version,
            "created_at": state.created_at,
            "started_at": state.started_at,
            "finished_at": state.finished_at,
        },
    )


_WITH_HISTORY = (
    select(*_STATE_COLUMNS, *_HISTORY_COLUMNS)
    .outerjoin(_events, _events.c.job_id == _jobs.c.id)
    .where(_jobs.c.id == bindparam("job", type_=Uuid()))
    .order_by(_events.c.id)
)
_WITH_HISTORY_IN_TENANT = _WITH_HISTORY.where(
    _jobs.c.tenant_id == bindparam("tenant", type_=Uuid())
)


def job_with_history(
    connection: Connection, job_id: UUID, tenant_id: UUID | None = None
) -> tuple[JobState, list[EventRow]] | None:
    """The job and its history, oldest first, in one query. Without
    ``tenant_id`` it is found in any tenant (the caller checks whose it is)."""
    if tenant_id is None:
        rows = connection.execute(_WITH_HISTORY, {"job": job_id}).all()
    else:
        params = {"job": job_id, "tenant": tenant_id}
        rows = connection.execute(_WITH_HISTORY_IN_TENANT, params).all()
    if not rows:
        return None
    state = JobState(*rows[0][: len(_STATE_COLUMNS)])
    history = [
        EventRow(row[13], job_id, state.type, *row[14:])
        for row in rows
        if row[13] is not None
    ]
    return state, history


_STATES = select(*_STATE_COLUMNS).where(
    _jobs.c.tenant_id == bindparam("tenant", type_=Uuid()),
    _jobs.c.id.in_(bindparam("jobs", expanding=True, type_=Uuid())),
)


def job_states(
    connection: Connection, tenant_id: UUID, job_ids: Collection[UUID]
) -> dict[UUID, JobState]:
    """The tenant's jobs among ``job_ids``; others' jobs are simply absent."""
    rows = connection.execute(_STATES, {"tenant": tenant_id, "jobs": list(job_ids)})
    return {row[0]: JobState(*row) for row in rows}


# Bound parameter -> attribute, for the jobs' new states and for their events.
_STATE_FIELDS = {
    "new_job": "job_id",
    "new_status": "status",
    "new_progress": "progress",
    "new_message": "message",
    "new_version": "version",
    "new_started": "started_at",
    "new_finished": "finished_at",
}
_EVENT_FIELDS = {
    "event_job": "job_id",
    "event_from": "from_status",
    "event_to": "to_status",
    "event_progress": "progress",
    "event_message": "message",
    "event_actor": "actor",
    "event_at": "occurred_at",
}

# SQLite: one row per parameter set; round trips cost nothing there.
_SAVE_STATE = (
    update(_jobs)
    .where(_jobs.c.id == bindparam("new_job"), _jobs.c.tenant_id == bindparam("tenant"))
    .values(
        {
            attribute: bindparam(name)
            for name, attribute in _STATE_FIELDS.items()
            if name != "new_job"
        }
    )
)
_ADD_EVENTS = (
    insert(_events)
    .values(
        {attribute: bindparam(name) for name, attribute in _EVENT_FIELDS.items()}
        | {"tenant_id": bindparam("tenant")}
    )
    .returning(_events.c.id, sort_by_parameter_order=True)
)


def _array(name: str, item_type: TypeEngine[Any]) -> BindParameter[Any]:
    return bindparam(name, type_=ARRAY(item_type))


_SMALL = SmallInteger()
_TEXT = String()
_MOMENT = DateTime(timezone=True)
_TENANT = bindparam("tenant", type_=Uuid())

# PostgreSQL: the new states and the events travel as arrays, one per column,
# in a single statement however many jobs change. Short SQL that the driver
# parses once and the server prepares, where a multi-row VALUES list would be
# new text for every batch size.
_moved = (
    func.unnest(
        _array("new_job", Uuid()),
        _array("new_status", _SMALL),
        _array("new_progress", _SMALL),
        _array("new_message", _TEXT),
        _array("new_version", Integer()),
        _array("new_started", _MOMENT),
        _array("new_finished", _MOMENT),
    )
    .table_valued(
        "id", "status", "progress", "message", "version", "started_at", "finished_at"
    )
    .render_derived()
)
_added = (
    func.unnest(
        _array("event_job", Uuid()),
        _array("event_from", _SMALL),
        _array("event_to", _SMALL),
        _array("event_progress", _SMALL),
        _array("event_message", _TEXT),
        _array("event_actor", _TEXT),
        _array("event_at", _MOMENT),
        # Ids are drawn in this order, so a job's events keep theirs.
    )
    .table_valued(
        "job_id",
        "from_status",
        "to_status",
        "progress",
        "message",
        "actor",
        "occurred_at",
        with_ordinality="n",
    )
    .render_derived()
)
_SAVE_ALL = (
    insert(_events)
    .from_select(
        [
            "job_id",
            "tenant_id",
            "from_status",
            "to_status",
            "progress",
            "message",
            "actor",
            "occurred_at",
        ],
        select(
            _added.c.job_id,
            _TENANT,
            _added.c.from_status,
            _added.c.to_status,
            _added.c.progress,
            _added.c.message,
            _added.c.actor,
            _added.c.occurred_at,
        ).order_by(_added.c.n),
    )
    .returning(_events.c.id)
    .add_cte(
        update(_jobs)
        .where(_jobs.c.id == _moved.c.id, _jobs.c.tenant_id == _TENANT)
        .values(
            status=_moved.c.status,
            progress=_moved.c.progress,
            message=_moved.c.message,
            version=_moved.c.version,
            started_at=_moved.c.started_at,
            finished_at=_moved.c.finished_at,
        )
        .cte("moved")
    )
)


def save_changes(
    connection: Connection,
    tenant_id: UUID,
    states: Sequence[JobState],
    events: Sequence[NewEvent],
) -> list[int]:
    """Write the jobs' new states and append their events; the events' ids,
    in the order given (so a job's events keep the order they happened in).

    The tenant's per-status counts move with the events, in one statement
    for the whole batch."""
    adjust_status_counts(connection, tenant_id, _status_deltas(events))
    if connection.dialect.name == "postgresql":
        params = _arrays(states, _STATE_FIELDS) | _arrays(events, _EVENT_FIELDS)
        rows = connection.execute(_SAVE_ALL, params | {"tenant": tenant_id})
        return [int(event_id) for event_id in rows.scalars()]
    if states:
        connection.execute(_SAVE_STATE, _rows(states, _STATE_FIELDS, tenant_id))
    rows = connection.execute(_ADD_EVENTS, _rows(events, _EVENT_FIELDS, tenant_id))
    return [int(event_id) for event_id in rows.scalars()]


def _status_deltas(events: Sequence[NewEvent]) -> dict[int, int]:
    deltas: dict[int, int] = defaultdict(int)
    for event in events:
        if event.from_status == event.to_status:
            continue
        if event.from_status is not None:
            deltas[event.from_status] -= 1
        deltas[event.to_status] += 1
    return deltas


def _arrays(items: Sequence[object], fields: dict[str, str]) -> dict[str, list[Any]]:
    return {name: [getattr(item, a) for item in items] for name, a in fields.items()}


def _rows(
    items: Sequence[object], fields: dict[str, str], tenant_id: UUID
) -> list[dict[str, Any]]:
    return [
        {name: getattr(item, a) for name, a in fields.items()} | {"tenant": tenant_id}
        for item in items
    ]
