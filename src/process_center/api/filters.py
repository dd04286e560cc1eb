"""The batch listing's optional filters and extra fields, read from its body.

Only ``jobIds`` is documented by the partner API; the rest are this service's
additions. Absent, ``null`` or empty means "no filter", as for ``jobIds``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Final
from uuid import UUID

import orjson

from process_center.api.params import parse_guid_texts
from process_center.domain.errors import InvalidInput
from process_center.ledger.wire import iso_utc
from process_center.storage.database import Database
from process_center.storage.jobs import JobFilter
from process_center.storage.ledger import JobExtras, job_extras

# What ``include`` may ask for; see the writers at the end for the fields.
INCLUDE_FIELDS: Final = ("times", "trigger", "progress")
_MAX_LIST = 20


def parse_job_filter(document: Mapping[str, Any], max_job_ids: int) -> JobFilter:
    errors: dict[str, list[str]] = {}
    details: list[str] = []
    values: dict[str, Any] = {}
    readers: dict[str, Callable[[], object]] = {
        "job_ids": lambda: parse_guid_texts(document, "jobIds", max_job_ids),
        "statuses": lambda: _integers(document, "statuses", 0, 5),
        "types": lambda: _integers(document, "types", 1, 10),
        "created_after": lambda: _moment(document, "createdAfter"),
        "created_before": lambda: _moment(document, "createdBefore"),
    }
    for name, read in readers.items():
        try:
            values[name] = read()
        except InvalidInput as error:
            errors.update(error.errors)
            details.append(error.detail)
    if errors:
        raise InvalidInput(" ".join(details), errors)
    return JobFilter(**values)


def parse_include(document: Mapping[str, Any]) -> tuple[str, ...]:
    """The extra item fields asked for, in a fixed order."""
    value = document.get("include")
    if value is None:
        return ()
    known = ", ".join(INCLUDE_FIELDS)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(
            "include must be an array of strings.",
            {"include": [f"Expected an array of: {known}."]},
        )
    unknown = sorted(set(value) - set(INCLUDE_FIELDS))
    if unknown:
        raise InvalidInput(
            f"include names unknown fields: {', '.join(unknown)[:200]}.",
            {"include": [f"Each item must be one of: {known}."]},
        )
    return tuple(name for name in INCLUDE_FIELDS if name in value)


def _integers(
    document: Mapping[str, Any], name: str, low: int, high: int
) -> frozenset[int] | None:
    value = document.get(name)
    if value is None or value == []:
        return None
    wrong = [f"Expected an array of integers from {low} to {high}."]
    if not isinstance(value, list) or len(value) > _MAX_LIST:
        raise InvalidInput(f"{name} is not valid.", {name: wrong})
    for item in value:
        # bool is an int in Python, but true is not a status.
        if isinstance(item, bool) or not isinstance(item, int):
            raise InvalidInput(f"{name} is not valid.", {name: wrong})
        if not low <= item <= high:
            raise InvalidInput(f"{name} is not valid.", {name: wrong})
    return frozenset(value)


def _moment(document: Mapping[str, Any], name: str) -> datetime | None:
    value = document.get(name)
    if value is None:
        return None
    wrong = [
        "Expected an ISO 8601 date and time with a time zone, "
        "such as 2026-12-01T00:00:00Z."
    ]
    if not isinstance(value, str) or len(value) > 40:
        raise InvalidInput(f"{name} is not valid.", {name: wrong})
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name} is not valid.", {name: wrong}) from None
    if moment.tzinfo is None:
        raise InvalidInput(f"{name} has no time zone.", {name: wrong})
    # Stores compare in UTC (SQLite keeps no offset at all).
    return moment.astimezone(UTC)


def add_extras(database: Database, body: bytes, include: tuple[str, ...]) -> bytes:
    """The page's body with the asked-for fields added to each item."""
    document = orjson.loads(body)
    ids = [UUID(item["jobId"]) for item in document["data"]]
    with database.engine.connect() as connection:
        extras = job_extras(connection, ids)
    for item, job_id in zip(document["data"], ids, strict=True):
        row = extras.get(job_id)
        if row is not None:
            for name in include:
                item.update(_EXTRA_WRITERS[name](row))
    return orjson.dumps(document)


def _times(row: JobExtras) -> dict[str, Any]:
    return {
        "createdAt": iso_utc(row.created_at),
        "startedAt": iso_utc(row.started_at),
        "finishedAt": iso_utc(row.finished_at),
    }


def _trigger(row: JobExtras) -> dict[str, Any]:
    return {"trigger": {"kind": row.trigger_kind, "ref": row.trigger_ref}}


def _progress(row: JobExtras) -> dict[str, Any]:
    return {"progress": row.progress, "message": row.message}


_EXTRA_WRITERS = {"times": _times, "trigger": _trigger, "progress": _progress}
