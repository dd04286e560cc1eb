"""The JSON shapes of a job's detail and of its events, shared by the API,
the event stream and the page."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from process_center.ledger.service import JobDetail
from process_center.storage.ledger import EventRow


def iso_utc(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``; SQLite hands back naive UTC datetimes."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def detail_json(detail: JobDetail) -> dict[str, Any]:
    history = [history_json(event) for event in detail.history]
    return state_json(detail) | {"history": history}


def state_json(detail: JobDetail) -> dict[str, Any]:
    """The job without its history."""
    return {
        "jobId": str(detail.job_id),
        "type": detail.job_type,
        "status": detail.status,
        "progress": detail.progress,
        "message": detail.message,
        "trigger": {"kind": detail.trigger.kind, "ref": detail.trigger.ref},
        "createdAt": iso_utc(detail.created_at),
        "startedAt": iso_utc(detail.started_at),
        "finishedAt": iso_utc(detail.finished_at),
        "version": detail.version,
    }


def history_json(event: EventRow) -> dict[str, Any]:
    return {
        "eventId": event.id,
        "fromStatus": event.from_status,
        "status": event.to_status,
        "progress": event.progress,
        "message": event.message,
        "actor": event.actor,
        "occurredAt": iso_utc(event.occurred_at),
    }


def event_json(event: EventRow) -> dict[str, Any]:
    """A feed event: the history entry, with the job it belongs to."""
    return {"jobId": str(event.job_id), "type": event.job_type} | history_json(event)
