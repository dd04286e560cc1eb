"""The ledger's writes and reads: create a job, move it along, show it.

Each write is one transaction that locks the tenant and then the job, checks
the lifecycle against the locked row and appends to the job's history, so
writers racing the same change are served one after another: the first
wins, the rest see the state it left.
"""

from __future__ import annotations

import enum
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final
from uuid import UUID

import orjson
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from process_center.domain.errors import Conflict, InvalidInput, PreconditionFailed
from process_center.domain.jobs import JobStatus, JobType, check_transition
from process_center.storage.database import Database
from process_center.storage.jobs import add_job, find_tenant
from process_center.storage.ledger import (
    EventRow,
    find_job,
    history,
    job_for_update,
    lock_tenant,
    record_event,
)
from process_center.storage.models import Job, utcnow
from process_center.storage.status_counts import move_status_count

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
        with self.database.write() as session:
            _check_scope(session, scope)
            if new.job_id is not None:
                existing = session.get(Job, new.job_id)
                if existing is not None:
                    _check_same_request(existing, scope.tenant_id, digest)
                    return _detail(session, existing), False
            job = add_job(
                session,
                scope.tenant_id,
                new.job_type,
                job_id=new.job_id,
                trigger_kind=new.trigger.kind,
                trigger_ref=new.trigger.ref,
                create_digest=digest,
                message=new.message,
            )
            return _detail(session, job), True

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
        with self.database.write() as session:
            _check_scope(session, scope)
            lock_tenant(session, scope.tenant_id)
            job = job_for_update(session, scope.tenant_id, job_id)
            _check_version(job, expected_versions)
            from_status = _apply(job, change)
            move_status_count(session, scope.tenant_id, from_status, job.status)
            record_event(
                session,
                job,
                from_status=from_status,
                actor=change.actor,
                occurred_at=utcnow(),
            )
            session.flush()
            detail = _detail(session, job)
        self.on_change(scope.tenant_id)
        logger.info(
            "job_changed",
            extra={
                "job_id": str(job_id),
                "from_status": from_status,
                "status": detail.status,
                "version": detail.version,
            },
        )
        return detail

    def detail(self, scope: TenantScope, job_id: UUID) -> JobDetail:
        with self.database.session() as session:
            _check_scope(session, scope)
            return _detail(session, find_job(session, scope.tenant_id, job_id))


def _check_scope(session: Session, scope: TenantScope) -> None:
    find_tenant(
        session.connection(), scope.partner_id, scope.customer_id, scope.tenant_id
    )


def _check_same_request(existing: Job, tenant_id: UUID, digest: str | None) -> None:
    # A job of another tenant gets the same answer, so the 409 tells a caller
    # nothing about tenants it cannot see.
    if existing.tenant_id != tenant_id or existing.create_digest != digest:
        raise Conflict(
            f"Job {existing.id} already exists and was created by a different "
            "request; reuse a jobId only to repeat the same create."
        )


def _check_version(job: Job, expected_versions: frozenset[int] | None) -> None:
    if expected_versions is not None and job.version not in expected_versions:
        raise PreconditionFailed(
            f"Job {job.id} is at version {job.version}, not the one in If-Match; "
            "read it again and retry."
        )


def _apply(job: Job, change: JobChange) -> int:
    """Change the locked job in place; the status it had before."""
    current = JobStatus(job.status)
    if change.status is not None:
        check_transition(current, change.status)
        _move(job, change.status)
    elif current.is_terminal:
        raise Conflict(
            f"Job {job.id} has ended as {current.value} ({current.display_name}); "
            "its progress and message can no longer change."
        )
    if change.progress is not KEEP:
        job.progress = change.progress
    if change.message is not KEEP:
        job.message = change.message
    job.version += 1
    return int(current)


def _move(job: Job, target: JobStatus) -> None:
    now = utcnow()
    job.status = int(target)
    if target == JobStatus.IN_PROGRESS:
        job.started_at = now
    if target.is_terminal:
        job.finished_at = now


def _detail(session: Session, job: Job) -> JobDetail:
    session.flush()
    return JobDetail(
        job_id=job.id,
        tenant_id=job.tenant_id,
        job_type=job.type,
        status=job.status,
        progress=job.progress,
        message=job.message,
        trigger=Trigger(job.trigger_kind, job.trigger_ref),
        version=job.version,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        history=history(session, job.id),
    )
