"""The ledger's writes and reads: create a job, move it along, show it.

Each write is one transaction that locks the tenant and then the job, checks
the lifecycle against the locked row and appends to the job's history, so
writers racing the same change are served one after another: the first
wins, the rest see the state it left.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final
from uuid import UUID

import orjson
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from process_center.domain.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PreconditionFailed,
)
from process_center.domain.jobs import JobStatus, JobType, check_transition
from process_center.storage.database import Database
from process_center.storage.job_changes import (
    JobState,
    NewEvent,
    insert_job,
    job_states,
    job_with_history,
    lock_tenant_in_scope,
    next_job_number,
    save_changes,
)
from process_center.storage.jobs import find_tenant
from process_center.storage.ledger import EventRow
from process_center.storage.models import utcnow

logger = logging.getLogger(__name__)

TRIGGER_KINDS: Final = frozenset({"app", "operator", "schedule", "system"})


class _Keep(enum.Enum):
    KEEP = "keep"


KEEP: Final = _Keep.KEEP
"""A field of a change that the caller did not mention."""


@dataclass(frozen=True, slots=True)
class TenantScope:
    """A tenant as a caller names it: it must belong to the customer, and the
    customer to the partner."""

    partner_id: UUID
    customer_id: UUID
    tenant_id: UUID


@dataclass(frozen=True, slots=True)
class Trigger:
    kind: str
    ref: str | None = None


@dataclass(frozen=True, slots=True)
class NewJob:
    job_type: JobType
    trigger: Trigger
    job_id: UUID | None = None
    message: str | None = None

    def digest(self, tenant_id: UUID) -> str:
        """What makes two creates with one jobId the same request."""
        fields = {
            "tenant": str(tenant_id),
            "type": int(self.job_type),
            "trigger": [self.trigger.kind, self.trigger.ref],
            "message": self.message,
        }
        return hashlib.sha256(orjson.dumps(fields)).hexdigest()


@dataclass(frozen=True, slots=True)
class JobChange:
    """A move of status, progress or message; KEEP leaves a field as it is."""

    status: JobStatus | None = None
    progress: int | _Keep | None = KEEP
    message: str | _Keep | None = KEEP
    actor: str | None = None

    @property
    def is_empty(self) -> bool:
        return self.status is None and self.progress is KEEP and self.message is KEEP


@dataclass(frozen=True, slots=True)
class JobDetail:
    job_id: UUID
    tenant_id: UUID
    job_type: int
    status: int
    progress: int | None
    message: str | None
    trigger: Trigger
    version: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    history: list[EventRow]

    @classmethod
    def of(cls, state: JobState, history: list[EventRow]) -> JobDetail:
        return cls(
            job_id=state.job_id,
            tenant_id=state.tenant_id,
            job_type=state.type,
            status=state.status,
            progress=state.progress,
            message=state.message,
            trigger=Trigger(state.trigger_kind, state.trigger_ref),
            version=state.version,
            created_at=state.created_at,
            started_at=state.started_at,
            finished_at=state.finished_at,
            history=history,
        )


@dataclass(frozen=True, slots=True)
class ChangeRequest:
    """One change of a batch: the job, the change, and the versions it may be at
    (any when None)."""

    job_id: UUID
    change: JobChange
    expected_versions: frozenset[int] | None = None


ChangeOutcome = JobDetail | DomainError
"""A batch item's result: the job as the change left it (without its history),
or why the change was refused and left unapplied."""

MAX_CHANGES: Final = 500
"""Changes one batch may carry."""


ChangeListener = Callable[[UUID], None]


class Ledger:
    """Creates and moves jobs; ``on_change`` hears of each committed change."""

    def __init__(
        self, database: Database, on_change: ChangeListener | None = None
    ) -> None:
        self.database = database
        self.on_change = on_change or (lambda _tenant_id: None)

    def create(self, scope: TenantScope, new: NewJob) -> tuple[JobDetail, bool]:
        """The job, and whether this call created it (False: an identical
        earlier create with the same jobId)."""
        if new.trigger.kind not in TRIGGER_KINDS:
            raise InvalidInput(
                f"'{new.trigger.kind[:20]}' is not a kind of trigger.",
                {"trigger": [f"Expected one of: {', '.join(sorted(TRIGGER_KINDS))}."]},
            )
        try:
            detail, created = self._create_once(scope, new)
        except IntegrityError:
            # A concurrent create with the same jobId committed first; the
            # retry finds its job and compares the requests.
            detail, created = self._create_once(scope, new)
        if created:
            self.on_change(scope.tenant_id)
            logger.info(
                "job_created",
                extra={"job_id": str(detail.job_id), "tenant_id": str(scope.tenant_id)},
            )
        return detail, created

    def _create_once(self, scope: TenantScope, new: NewJob) -> tuple[JobDetail, bool]:
        digest = new.digest(scope.tenant_id) if new.job_id else None
        with self.database.transaction() as connection:
            if new.job_id is not None:
                repeated = _repeated_create(connection, scope, new.job_id, digest)
                if repeated is not None:
                    return repeated, False
            seq = next_job_number(connection, *_ids(scope))
            state = _new_state(scope.tenant_id, new, digest)
            insert_job(connection, state, seq)
            event = _event(state, from_status=None, actor=new.trigger.ref)
            (event_id,) = save_changes(connection, scope.tenant_id, [], [event])
        return JobDetail.of(state, [_event_row(event_id, state, event)]), True

    def change(
        self,
        scope: TenantScope,
        job_id: UUID,
        change: JobChange,
        expected_versions: frozenset[int] | None = None,
    ) -> JobDetail:
        """Apply ``change`` if the job is at one of ``expected_versions``
        (any version when None) and the lifecycle allows it."""
        if change.is_empty:
            raise InvalidInput(
                "Nothing to change: give status, progress or message.",
                {"body": ["Give at least one of status, progress, message."]},
            )
        with self.database.transaction() as connection:
            lock_tenant_in_scope(connection, *_ids(scope))
            found = job_with_history(connection, job_id, scope.tenant_id)
            if found is None:
                raise _job_not_found(job_id, scope)
            before, history = found
            state, event = _step(before, change, expected_versions, utcnow())
            (event_id,) = save_changes(connection, scope.tenant_id, [state], [event])
        self.on_change(scope.tenant_id)
        logger.info(
            "job_changed",
            extra={
                "job_id": str(job_id),
                "from_status": event.from_status,
                "status": state.status,
                "version": state.version,
            },
        )
        return JobDetail.of(state, [*history, _event_row(event_id, state, event)])

    def change_many(
        self, scope: TenantScope, requests: list[ChangeRequest]
    ) -> list[ChangeOutcome]:
        """Apply each change in order, in one transaction, as if each were sent
        on its own: a refused change is left out and the rest still apply."""
        _check_each_changes_something(requests)
        with self.database.transaction() as connection:
            lock_tenant_in_scope(connection, *_ids(scope))
            states = job_states(
                connection, scope.tenant_id, {item.job_id for item in requests}
            )
            outcomes, events = _plan(scope, states, requests, utcnow())
            changed_ids = dict.fromkeys(event.job_id for event in events)
            changed = [states[job_id] for job_id in changed_ids]
            if events:
                save_changes(connection, scope.tenant_id, changed, events)
        if events:
            self.on_change(scope.tenant_id)
        logger.info(
            "jobs_changed",
            extra={
                "tenant_id": str(scope.tenant_id),
                "applied": len(events),
                "refused": len(requests) - len(events),
            },
        )
        return outcomes

    def detail(self, scope: TenantScope, job_id: UUID) -> JobDetail:
        with self.database.engine.connect() as connection:
            find_tenant(connection, *_ids(scope))
            found = job_with_history(connection, job_id, scope.tenant_id)
        if found is None:
            raise _job_not_found(job_id, scope)
        return JobDetail.of(*found)


def _ids(scope: TenantScope) -> tuple[UUID, UUID, UUID]:
    return scope.partner_id, scope.customer_id, scope.tenant_id


def _check_each_changes_something(requests: list[ChangeRequest]) -> None:
    for number, request in enumerate(requests):
        if request.change.is_empty:
            raise InvalidInput(
                f"Change {number} changes nothing.",
                {f"changes.{number}": ["Give status, progress or message."]},
            )


def _job_not_found(job_id: UUID, scope: TenantScope) -> NotFound:
    return NotFound(f"Job {job_id} was not found in tenant {scope.tenant_id}.")


def _repeated_create(
    connection: Connection, scope: TenantScope, job_id: UUID, digest: str | None
) -> JobDetail | None:
    """The job an identical earlier create made, if there was one."""
    lock_tenant_in_scope(connection, *_ids(scope), announce=False)
    found = job_with_history(connection, job_id)
    if found is None:
        return None
    state, history = found
    # A job of another tenant gets the same answer, so the 409 tells a caller
    # nothing about tenants it cannot see.
    if state.tenant_id != scope.tenant_id or state.create_digest != digest:
        raise Conflict(
            f"Job {job_id} already exists and was created by a different "
            "request; reuse a jobId only to repeat the same create."
        )
    return JobDetail.of(state, history)


def _new_state(tenant_id: UUID, new: NewJob, digest: str | None) -> JobState:
    return JobState(
        job_id=new.job_id or uuid.uuid4(),
        tenant_id=tenant_id,
        type=int(new.job_type),
        status=int(JobStatus.WAITING),
        progress=None,
        message=new.message,
        trigger_kind=new.trigger.kind,
        trigger_ref=new.trigger.ref,
        create_digest=digest,
        version=1,
        created_at=utcnow(),
        started_at=None,
        finished_at=None,
    )


def _plan(
    scope: TenantScope,
    states: dict[UUID, JobState],
    requests: list[ChangeRequest],
    now: datetime,
) -> tuple[list[ChangeOutcome], list[NewEvent]]:
    """Each request's outcome, moving ``states`` along as the changes apply."""
    outcomes: list[ChangeOutcome] = []
    events: list[NewEvent] = []
    for request in requests:
        state = states.get(request.job_id)
        try:
            if state is None:
                raise _job_not_found(request.job_id, scope)
            state, event = _step(state, request.change, request.expected_versions, now)
        except (NotFound, Conflict, PreconditionFailed) as refused:
            outcomes.append(refused)
            continue
        states[request.job_id] = state
        events.append(event)
        outcomes.append(JobDetail.of(state, []))
    return outcomes, events


def _step(
    state: JobState,
    change: JobChange,
    expected_versions: frozenset[int] | None,
    now: datetime,
) -> tuple[JobState, NewEvent]:
    """The job after ``change``, and the history entry that records it."""
    _check_version(state, expected_versions)
    moved = _apply(state, change, now)
    return moved, _event(moved, from_status=state.status, actor=change.actor, at=now)


def _check_version(job: JobState, expected_versions: frozenset[int] | None) -> None:
    if expected_versions is not None and job.version not in expected_versions:
        raise PreconditionFailed(
            f"Job {job.job_id} is at version {job.version}, not the one in If-Match; "
            "read it again and retry."
        )


def _apply(job: JobState, change: JobChange, now: datetime) -> JobState:
    current = JobStatus(job.status)
    fields: dict[str, object] = {"version": job.version + 1}
    if change.status is not None:
        check_transition(current, change.status)
        fields |= _moved(change.status, now)
    elif current.is_terminal:
        raise Conflict(
            f"Job {job.job_id} has ended as {current.value} "
            f"({current.display_name}); its progress and message can no longer change."
        )
    if change.progress is not KEEP:
        fields["progress"] = change.progress
    if change.message is not KEEP:
        fields["message"] = change.message
    return dataclasses.replace(job, **fields)  # type: ignore[arg-type]


def _moved(target: JobStatus, now: datetime) -> dict[str, object]:
    fields: dict[str, object] = {"status": int(target)}
    if target == JobStatus.IN_PROGRESS:
        fields["started_at"] = now
    if target.is_terminal:
        fields["finished_at"] = now
    return fields


def _event(
    state: JobState,
    *,
    from_status: int | None,
    actor: str | None,
    at: datetime | None = None,
) -> NewEvent:
    return NewEvent(
        job_id=state.job_id,
        from_status=from_status,
        to_status=state.status,
        progress=state.progress,
        message=state.message,
        actor=actor,
        occurred_at=at or state.created_at,
    )


def _event_row(event_id: int, state: JobState, event: NewEvent) -> EventRow:
    return EventRow(
        id=event_id,
        job_id=event.job_id,
        job_type=state.type,
        from_status=event.from_status,
        to_status=event.to_status,
        progress=event.progress,
        message=event.message,
        actor=event.actor,
        occurred_at=event.occurred_at,
    )
