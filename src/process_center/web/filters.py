"""The jobs view's query string: filters by type, status and creation time, and paging.

Paging uses the API's parameter names and limits (``pageIndex``, ``pageSize``),
so a page of the view is the same page the batch endpoint returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from process_center.api.params import Paging, parse_paging
from process_center.domain.errors import InvalidInput
from process_center.domain.jobs import JobStatus, JobType
from process_center.storage.jobs import JobFilter

PAGE_SIZES = (10, 25, 50, 100)


@dataclass(frozen=True, slots=True)
class JobsQuery:
    paging: Paging
    job_type: int | None = None
    status: int | None = None
    # As typed in the form (datetime-local, UTC), to show them back.
    created_from: str = ""
    created_to: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def is_filtered(self) -> bool:
        return any((self.job_type is not None, self.status is not None)) or bool(
            self.created_from or self.created_to
        )

    def job_filter(self) -> JobFilter:
        return JobFilter(
            types=None if self.job_type is None else frozenset({self.job_type}),
            statuses=None if self.status is None else frozenset({self.status}),
            created_after=_utc(self.created_from),
            created_before=_utc(self.created_to),
        )

    def link(self, page_index: int) -> str:
        """The query string of another page with the same filters."""
        values: dict[str, str | int] = {
            "type": "" if self.job_type is None else self.job_type,
            "status": "" if self.status is None else self.status,
            "from": self.created_from,
            "to": self.created_to,
            "pageSize": self.paging.page_size,
            "pageIndex": page_index,
        }
        return "?" + urlencode({k: v for k, v in values.items() if v != ""})


def parse_jobs_query(query: QueryParams) -> JobsQuery:
    """The query, or InvalidInput naming every field that is wrong."""
    errors: dict[str, list[str]] = {}
    paging = Paging(1, 50)
    try:
        paging = parse_paging(query)
    except InvalidInput as error:
        errors.update(error.errors)
    job_type = _choice(query.get("type", ""), "type", JobType, errors)
    status = _choice(query.get("status", ""), "status", JobStatus, errors)
    created_from = _moment(query.get("from", ""), "from", errors)
    created_to = _moment(query.get("to", ""), "to", errors)
    if not errors and created_from and created_to and created_from >= created_to:
        errors["to"] = ["'Created before' must be later than 'Created from'."]
    parsed = JobsQuery(paging, job_type, status, created_from, created_to, errors)
    if errors:
        raise InvalidFilters(parsed)
    return parsed


class InvalidFilters(InvalidInput):
    """Filters that cannot be applied; carries what was typed, to show it back."""

    def __init__(self, query: JobsQuery) -> None:
        super().__init__("Some filters are not valid.", query.errors)
        self.query = query


def _choice(
    raw: str,
    name: str,
    kind: type[JobType] | type[JobStatus],
    errors: dict[str, list[str]],
) -> int | None:
    if not raw.strip():
        return None
    try:
        return int(kind(int(raw)))
    except ValueError:
        errors[name] = [f"'{raw[:20]}' is not a known {name}."]
        return None


def _moment(raw: str, name: str, errors: dict[str, list[str]]) -> str:
    text = raw.strip()
    if not text:
        return ""
    try:
        if len(text) > 32:
            raise ValueError(text)
        datetime.fromisoformat(text)
    except ValueError:
        errors[name] = [f"'{raw[:32]}' is not a date and time like 2026-01-31T09:30."]
        return ""
    return text


def _utc(text: str) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    return (
        moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    )
