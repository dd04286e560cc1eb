"""What the templates show: names, badges, times and durations, from stored rows."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from process_center.domain.jobs import JobStatus, JobType
from process_center.storage.job_details import JobRecord
from process_center.storage.ledger import EventRow
from process_center.storage.models import as_utc, utcnow

# Badge colours by status; each class meets WCAG AA contrast in app.css.
_BADGES = {
    JobStatus.WAITING: "waiting",
    JobStatus.IN_PROGRESS: "running",
    JobStatus.FINISHED: "finished",
    JobStatus.FAILED: "failed",
    JobStatus.SKIPPED: "skipped",
    JobStatus.FINISHED_WITH_EXCEPTION: "warning",
}


@dataclass(frozen=True, slots=True)
class StatusView:
    code: int
    name: str
    badge: str


@dataclass(frozen=True, slots=True)
class JobView:
    job_id: UUID
    seq: int
    type_code: int
    type_name: str
    status: StatusView
    progress: int | None
    message: str | None
    trigger: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    duration: str
    is_running: bool


@dataclass(frozen=True, slots=True)
class EventView:
    event_id: int
    from_status: StatusView | None
    to_status: StatusView
    progress: int | None
    message: str | None
    actor: str | None
    occurred_at: datetime


def status_view(code: int) -> StatusView:
    try:
        status = JobStatus(code)
    except ValueError:
        return StatusView(code, f"Unknown ({code})", "skipped")
    return StatusView(code, status.display_name, _BADGES[status])


def type_name(code: int) -> str:
    try:
        return JobType(code).display_name
    except ValueError:
        return f"Unknown type ({code})"


def format_duration(span: timedelta) -> str:
    """Like "2 h 05 min", "4 min 09 s" or "12 s": precise enough to compare runs."""
    seconds = max(0, int(span.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours >= 24:
        days, hours = divmod(hours, 24)
        return f"{days} d {hours:02d} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {seconds:02d} s"
    return f"{seconds} s"


def duration_of(record: JobRecord, now: datetime | None = None) -> str:
    if record.started_at is None:
        return "Not started"
    end = record.finished_at or now or utcnow()
    text = format_duration(end - record.started_at)
    return text if record.finished_at else f"{text} so far"


def job_view(record: JobRecord) -> JobView:
    trigger = record.trigger_kind.capitalize()
    if record.trigger_ref:
        trigger = f"{trigger} ({record.trigger_ref})"
    return JobView(
        job_id=record.job_id,
        seq=record.seq,
        type_code=record.type,
        type_name=type_name(record.type),
        status=status_view(record.status),
        progress=record.progress,
        message=record.message,
        trigger=trigger,
        created_at=record.created_at,
        started_at=record.started_at,
        finished_at=record.finished_at,
        duration=duration_of(record),
        is_running=record.status == JobStatus.IN_PROGRESS,
    )


def event_view(record: EventRow) -> EventView:
    return EventView(
        event_id=record.id,
        from_status=None
        if record.from_status is None
        else status_view(record.from_status),
        to_status=status_view(record.to_status),
        progress=record.progress,
        message=record.message,
        actor=record.actor,
        occurred_at=as_utc(record.occurred_at),
    )


def format_time(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def format_short_time(moment: datetime | None) -> str:
    """For table cells whose column header already says UTC."""
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


def iso_time(moment: datetime | None) -> str:
    return "" if moment is None else moment.isoformat(timespec="seconds")


TYPE_CHOICES = [(int(kind), kind.display_name) for kind in JobType]
STATUS_CHOICES = [(int(status), status.display_name) for status in JobStatus]


def new_form_token() -> str:
    return secrets.token_urlsafe(32)
