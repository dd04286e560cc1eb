"""The API's requests, described once for both the sync and the async client."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from process_center.client._errors import NotFound, UnexpectedResponse, WaitTimedOut
from process_center.client._models import (
    Job,
    JobUpdate,
    JobUpdateResult,
    Page,
    Tenant,
    parse_model,
    parse_page,
)
from process_center.domain.jobs import JobStatus, JobType

T = TypeVar("T")
JOBS_PATH = (
    "/partner/external/v3/bm/customers/{customer}/tenants/{tenant}/process-center/jobs"
)
TENANTS_PATH = "/partner/external/v3/bm/tenants/batch"
MAX_PAGE_SIZE = 100
MAX_UPDATES = 500


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """One API request and how to read its answer.

    ``idempotent`` says whether sending it twice does no more than sending it
    once; only such requests are retried after they may have reached the server.
    """

    method: str
    path: str
    parse: Callable[[Any, dict[str, str]], T]
    params: dict[str, int] | None = None
    json: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    idempotent: bool = True


INCLUDES = frozenset({"times", "trigger", "progress"})


@dataclass(frozen=True, slots=True)
class JobQuery:
    """Filters and extra fields for a job listing, beyond the documented jobIds.

    Servers that know them apply the filters and add the fields; a server of
    the documented API alone ignores them, so the lazy listing applies the
    filters again to what it gets (``keeps``).
    """

    statuses: Collection[JobStatus] | None = None
    types: Collection[JobType] | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    include: Collection[str] | None = None

    def __post_init__(self) -> None:
        unknown = set(self.include or ()) - INCLUDES
        if unknown:
            raise ValueError(
                f"include takes {sorted(INCLUDES)}, not {sorted(unknown)}."
            )
        for moment in (self.created_after, self.created_before):
            if moment is not None and moment.tzinfo is None:
                raise ValueError("created_after and created_before need a time zone.")

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if self.statuses:
            body["statuses"] = sorted(int(status) for status in self.statuses)
        if self.types:
            body["types"] = sorted(int(job_type) for job_type in self.types)
        if self.created_after:
            body["createdAfter"] = self.created_after.isoformat()
        if self.created_before:
            body["createdBefore"] = self.created_before.isoformat()
        include = set(self.include or ())
        if self.created_after or self.created_before:
            # The creation time is needed to check the range here too.
            include.add("times")
        if include:
            body["include"] = sorted(include)
        return body

    def keeps(self, job: Job) -> bool:
        if self.statuses and job.status not in self.statuses:
            return False
        if self.types and job.type not in self.types:
            return False
        created = job.created_at
        if created is None:
            return True
        if self.created_after and created < self.created_after:
            return False
        return not (self.created_before and created >= self.created_before)


def jobs_page(
    customer_id: UUID | str,
    tenant_id: UUID | str,
    *,
    job_ids: Iterable[UUID | str] | None,
    query: JobQuery,
    page_index: int,
    page_size: int,
) -> Call[Page[Job]]:
    body: dict[str, Any] = {}
    if job_ids is not None:
        body["jobIds"] = [str(job_id) for job_id in job_ids]
    return Call(
        "POST",
        _jobs_path(customer_id, tenant_id) + "/batch",
        lambda document, _: parse_page(Job, document),
        params=_paging(page_index, page_size),
        json=body | query.body(),
    )


def job_detail(
    customer_id: UUID | str, tenant_id: UUID | str, job_id: UUID | str
) -> Call[Job]:
    return Call("GET", _job_path(customer_id, tenant_id, job_id), _parse_job)


def create_job(
    customer_id: UUID | str,
    tenant_id: UUID | str,
    job_type: JobType | int,
    *,
    job_id: UUID | str | None,
    trigger: str | None,
    message: str | None,
) -> Call[Job]:
    # The server treats a repeated create with the same jobId and body as one,
    # so choosing the id here makes the create safe to retry.
    body: dict[str, Any] = {
        "type": int(JobType(job_type)),
        "jobId": str(_guid(job_id) if job_id else uuid.uuid4()),
    }
    if trigger is not None:
        body["trigger"] = trigger
    if message is not None:
        body["message"] = message
    return Call("POST", _jobs_path(customer_id, tenant_id), _parse_job, json=body)


def update_job(
    customer_id: UUID | str,
    tenant_id: UUID | str,
    job_id: UUID | str,
    *,
    status: JobStatus | int | None,
    progress: int | None,
    message: str | None,
    if_match: str | None,
) -> Call[Job]:
    body: dict[str, Any] = {}
    if status is not None:
        body["status"] = int(JobStatus(status))
    if progress is not None:
        body["progress"] = progress
    if message is not None:
        body["message"] = message
    if not body:
        raise ValueError("Give at least one of status, progress or message.")
    # RFC 9110 13.1.1: with If-Match a repeat cannot apply twice (it gets 412).
    headers = {"If-Match": if_match} if if_match else {}
    return Call(
        "PATCH",
        _job_path(customer_id, tenant_id, job_id),
        _parse_job,
        json=body,
        headers=headers,
        idempotent=if_match is not None,
    )


def update_jobs(
    customer_id: UUID | str, tenant_id: UUID | str, updates: Iterable[JobUpdate]
) -> Call[list[JobUpdateResult]]:
    changes = [update.body() for update in updates]
    if not 1 <= len(changes) <= MAX_UPDATES:
        raise ValueError(
            f"Send 1 to {MAX_UPDATES} updates at once, not {len(changes)}."
        )
    return Call(
        "POST",
        _jobs_path(customer_id, tenant_id) + "/changes",
        _parse_update_results,
        json={"changes": changes},
        # Only a batch whose every change names its version cannot apply twice.
        idempotent=all("ifMatch" in change for change in changes),
    )


def _parse_update_results(
    document: Any, _headers: dict[str, str]
) -> list[JobUpdateResult]:
    if not isinstance(document, dict) or not isinstance(document.get("results"), list):
        raise UnexpectedResponse("The server sent no 'results' array for the updates.")
    return [
        parse_model(JobUpdateResult, item, "update result")
        for item in document["results"]
    ]


def tenants_page(
    *, tenant_ids: Iterable[UUID | str] | None, page_index: int, page_size: int
) -> Call[Page[Tenant]]:
    body = {"tenantIds": [str(t) for t in tenant_ids]} if tenant_ids is not None else {}
    return Call(
        "POST",
        TENANTS_PATH,
        lambda document, _: parse_page(Tenant, document),
        params=_paging(page_index, page_size),
        json=body,
    )


def _parse_job(document: Any, headers: dict[str, str]) -> Job:
    job = parse_model(Job, document, "job")
    etag = headers.get("etag")
    return job.model_copy(update={"etag": etag}) if etag and not job.etag else job


def _paging(page_index: int, page_size: int) -> dict[str, int]:
    if page_index < 1:
        raise ValueError("page_index starts at 1.")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}.")
    return {"pageIndex": page_index, "pageSize": page_size}


def _jobs_path(customer_id: UUID | str, tenant_id: UUID | str) -> str:
    return JOBS_PATH.format(customer=_guid(customer_id), tenant=_guid(tenant_id))


def _job_path(
    customer_id: UUID | str, tenant_id: UUID | str, job_id: UUID | str
) -> str:
    return f"{_jobs_path(customer_id, tenant_id)}/{_guid(job_id)}"


def _guid(value: UUID | str) -> UUID:
    # Anything else in a path segment could reach another resource.
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        raise ValueError(f"{value!r} is not a GUID.") from None


ItemT = TypeVar("ItemT", Job, Tenant)


class Pager(Generic[ItemT]):
    """Walks the pages of a listing: each item once, until the last page.

    Listings are newest first, so a job added while walking shifts the rest one
    place down and the next page repeats an item; it is yielded only once.
    """

    def __init__(self, keep: Callable[[ItemT], bool] | None = None) -> None:
        self.next_index = 1
        self.done = False
        self._keep: Callable[[ItemT], bool] = keep or _keep_all
        self._seen: set[UUID] = set()

    def take(self, page: Page[ItemT]) -> list[ItemT]:
        self.next_index += 1
        self.done = page.is_last or not page.items
        fresh = [item for item in page.items if _key(item) not in self._seen]
        self._seen.update(_key(item) for item in fresh)
        return [item for item in fresh if self._keep(item)]


def _keep_all(item: object) -> bool:
    return True


def _key(item: Job | Tenant) -> UUID:
    return item.job_id if isinstance(item, Job) else item.tenant_id


class Watch:
    """Follows jobs until each has ended, reporting every change once.

    A change is a new status, progress or message; a job is reported when
    first seen too, so a watcher always learns where each job starts.
    """

    def __init__(
        self, job_ids: Iterable[UUID | str], timeout: float | None = None
    ) -> None:
        self._deadline = None if timeout is None else time.monotonic() + timeout
        self.job_ids = list(dict.fromkeys(_guid(job_id) for job_id in job_ids))
        if not self.job_ids:
            raise ValueError("Give at least one job ID to watch.")
        self._last: dict[UUID, tuple[object, ...]] = {}
        self._ended: set[UUID] = set()

    @property
    def done(self) -> bool:
        return len(self._ended) == len(self.job_ids)

    def check_time(self) -> None:
        if self._deadline is not None and time.monotonic() >= self._deadline:
            left = len(self.pending)
            raise WaitTimedOut(f"{left} job(s) had not ended when time ran out.")

    @property
    def pending(self) -> list[UUID]:
        return [job_id for job_id in self.job_ids if job_id not in self._ended]

    def changes(self, jobs: Iterable[Job]) -> list[Job]:
        found = {job.job_id: job for job in jobs}
        missing = [job_id for job_id in self.pending if job_id not in found]
        if missing:
            names = ", ".join(str(job_id) for job_id in missing)
            raise NotFound(404, f"No such job in this tenant: {names}.")
        changed = []
        for job in found.values():
            state = (job.status, job.progress, job.message)
            if self._last.get(job.job_id) != state:
                self._last[job.job_id] = state
                changed.append(job)
            if job.is_terminal:
                self._ended.add(job.job_id)
        return changed
