"""Jobs: what they are, and the lifecycle they follow."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from process_center.domain.errors import IllegalTransition


class JobType(enum.IntEnum):
    APPLY_BASELINE = 1
    AUTO_ALIGNMENT = 2
    CREATE_BASELINE = 3
    DETECT_DRIFT = 4
    DEPLOY = 5
    DEPLOY_DETECTED_DEVIATIONS = 6
    DAILY_TENANT_BACKUP = 7
    EDIT_TENANT_CONFIGURATIONS = 8
    RESTORE_TO_SPECIFIC_DATE = 9
    RESTORE = 10

    @property
    def display_name(self) -> str:
        return _TYPE_NAMES[self]


_TYPE_NAMES = {
    JobType.APPLY_BASELINE: "Apply baseline",
    JobType.AUTO_ALIGNMENT: "Auto-alignment",
    JobType.CREATE_BASELINE: "Create baseline",
    JobType.DETECT_DRIFT: "Detect drift",
    JobType.DEPLOY: "Deploy",
    JobType.DEPLOY_DETECTED_DEVIATIONS: "Deploy detected deviations",
    JobType.DAILY_TENANT_BACKUP: "Daily tenant backup",
    JobType.EDIT_TENANT_CONFIGURATIONS: "Edit tenant configurations",
    JobType.RESTORE_TO_SPECIFIC_DATE: "Restore to a specific date",
    JobType.RESTORE: "Restore",
}


class JobStatus(enum.IntEnum):
    WAITING = 0
    IN_PROGRESS = 1
    FINISHED = 2
    FAILED = 3
    SKIPPED = 4
    FINISHED_WITH_EXCEPTION = 5

    @property
    def display_name(self) -> str:
        return _STATUS_NAMES[self]

    @property
    def is_terminal(self) -> bool:
        return self not in (JobStatus.WAITING, JobStatus.IN_PROGRESS)


_STATUS_NAMES = {
    JobStatus.WAITING: "Waiting",
    JobStatus.IN_PROGRESS: "In progress",
    JobStatus.FINISHED: "Finished",
    JobStatus.FAILED: "Failed",
    JobStatus.SKIPPED: "Skipped",
    JobStatus.FINISHED_WITH_EXCEPTION: "Finished with exception",
}

# Waiting jobs start, are skipped, or fail to start; running jobs end.
# Terminal statuses have no way out.
ALLOWED_TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    JobStatus.WAITING: frozenset(
        {JobStatus.IN_PROGRESS, JobStatus.SKIPPED, JobStatus.FAILED}
    ),
    JobStatus.IN_PROGRESS: frozenset(
        {JobStatus.FINISHED, JobStatus.FAILED, JobStatus.FINISHED_WITH_EXCEPTION}
    ),
}


def check_transition(current: JobStatus, target: JobStatus) -> None:
    """Raise IllegalTransition unless a job may move from ``current`` to ``target``."""
    if target not in ALLOWED_TRANSITIONS.get(current, frozenset()):
        raise IllegalTransition(
            f"A job cannot move from {current.value} ({current.display_name}) "
            f"to {target.value} ({target.display_name})."
        )


@dataclass(frozen=True, slots=True)
class JobSummary:
    """The documented shape of a job in a batch listing."""

    job_id: UUID
    type: int
    status: int


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a listing, with the total number of matches."""

    items: list[JobSummary]
    total_count: int


@dataclass(frozen=True, slots=True)
class JobTimes:
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
