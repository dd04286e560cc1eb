"""The synchronous client."""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable, Iterator
from datetime import datetime
from types import TracebackType
from typing import TypeVar, Unpack
from uuid import UUID

import httpx

from process_center.client import _calls as calls
from process_center.client._base import BaseClient, ClientOptions
from process_center.client._calls import Call, Pager
from process_center.client._errors import ProcessCenterError
from process_center.client._models import Job, JobUpdate, JobUpdateResult, Page, Tenant
from process_center.client._retry import transport_error
from process_center.domain.jobs import JobStatus, JobType

T = TypeVar("T")


class Client(BaseClient):
    """A client of the Process Center API.

    >>> with Client(api_url, identity_url, client_id=..., client_secret=...) as pc:
    ...     for job in pc.jobs.list(customer_id, tenant_id):
    ...         print(job.job_id, job.status.display_name)

    Safe to share between threads: they share one connection pool and one token.
    """

    def __init__(
        self,
        api_url: str,
        identity_url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        **options: Unpack[ClientOptions],
    ) -> None:
        super().__init__(api_url, identity_url, **options)
        self._http = httpx.Client(transport=transport, **self._http_options())
        self.jobs = Jobs(self)
        self.tenants = Tenants(self)

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def send(self, call: Call[T]) -> T:
        """Send one described request, retrying as the client's ``retries`` allow."""
        correlation = self._new_correlation()
        attempt = 1
        while True:
            try:
                return self._attempt(call, correlation)
            except ProcessCenterError as error:
                delay = self._retry_delay(call, attempt, error)
                if delay is None:
                    raise
            time.sleep(delay)
            attempt += 1

    def _attempt(self, call: Call[T], correlation: str) -> T:
        try:
            response = self._http.request(
                call.method,
                call.path,
                params=call.params,
                json=call.json,
                headers=self._headers(call, correlation),
            )
        except httpx.TransportError as error:
            raise transport_error(error) from error
        return self._result(call, response)


class Jobs:
    """A tenant's jobs in the Process Center."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def page(
        self,
        customer_id: UUID | str,
        tenant_id: UUID | str,
        job_ids: Iterable[UUID | str] | None = None,
        *,
        page_index: int = 1,
        page_size: int = 50,
        statuses: Collection[JobStatus] | None = None,
        types: Collection[JobType] | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        include: Collection[str] | None = None,
    ) -> Page[Job]:
        """One page of the tenant's jobs, newest first.

        Beyond the documented ``job_ids``: ``statuses``, ``types``, a creation
        range (``created_after`` inclusive, ``created_before`` exclusive, both
        with a time zone), and ``include`` for extra fields ("times",
        "trigger", "progress"); a server that does not know them ignores them.
        """
        return self._client.send(
            calls.jobs_page(
                customer_id,
                tenant_id,
                job_ids=job_ids,
                query=calls.JobQuery(
                    statuses, types, created_after, created_before, include
                ),
                page_index=page_index,
                page_size=page_size,
            )
        )

    def list(
        self,
        customer_id: UUID | str,
        tenant_id: UUID | str,
        job_ids: Iterable[UUID | str] | None = None,
        *,
        page_size: int = calls.MAX_PAGE_SIZE,
        statuses: Collection[JobStatus] | None = None,
        types: Collection[JobType] | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        include: Collection[str] | None = None,
    ) -> Iterator[Job]:
        """Every matching job, newest first, fetching pages as they are needed.

        Takes the options of ``page``, and applies the filters itself too, so
        they hold against any server of the API.
        """
        job_ids = None if job_ids is None else list(job_ids)
        job_query = calls.JobQuery(
            statuses, types, created_after, created_before, include
        )
        pager: Pager[Job] = Pager(job_query.keeps)
        while not pager.done:
            page = self._client.send(
                calls.jobs_page(
                    customer_id,
                    tenant_id,
                    job_ids=job_ids,
                    query=job_query,
                    page_index=pager.next_index,
                    page_size=page_size,
                )
            )
            yield from pager.take(page)

    def get(
        self, customer_id: UUID | str, tenant_id: UUID | str, job_id: UUID | str
    ) -> Job:
        """One job with its times, trigger, progress and history."""
        return self._client.send(calls.job_detail(customer_id, tenant_id, job_id))

    def create(
        self,
        customer_id: UUID | str,
        tenant_id: UUID | str,
        job_type: JobType | int,
        *,
        job_id: UUID | str | None = None,
        trigger: str | None = None,
        message: str | None = None,
    ) -> Job:
        """Record a new job, Waiting. The client picks a ``job_id`` when none is
        given, so a retried create never makes two jobs."""
        return self._client.send(
            calls.create_job(
                customer_id,
                tenant_id,
                job_type,
                job_id=job_id,
                trigger=trigger,
                message=message,
            )
        )

    def update(
        self,
        customer_id: UUID | str,
        tenant_id: UUID | str,
        job_id: UUID | str,
        *,
        status: JobStatus | int | None = None,
        progress: int | None = None,
        message: str | None = None,
        if_match: str | None = None,
    ) -> Job:
        """Move a job's status, progress or message; ``if_match`` is its ETag."""
        return self._client.send(
            calls.update_job(
                customer_id,
                tenant_id,
                job_id,
                status=status,
                progress=progress,
                message=message,
                if_match=if_match,
            )
        )

    def update_many(
        self,
        customer_id: UUID | str,
        tenant_id: UUID | str,
        updates: Iterable[JobUpdate],
    ) -> list[JobUpdateResult]:
        """Apply up to 500 changes to the tenant's jobs in one request and one
        transaction, in order. A change the server refuses (unknown job, illegal
        move, stale ``if_match``) is left out and reported in its result; the
        others still apply."""
        return self._client.send(calls.update_jobs(customer_id, tenant_id, updates))

    def watch(
        self,
        customer_id: UUID | str,
        tenant_id: UUID | str,
        job_ids: Iterable[UUID | str],
        *,
        interval: float = 2.0,
        timeout: float | None = None,
        details: bool = True,
    ) -> Iterator[Job]:
        """Each job as first seen and at every change, until every job has ended.

        With ``details`` each pending job is read on its own, with progress and
        message; without, one batch listing per poll tells only the status,
        which is all a server of the documented API alone offers. After
        ``timeout`` seconds, ``WaitTimedOut`` is raised.
        """
        watch = calls.Watch(job_ids, timeout)
        while True:
            if details:
                jobs = [self.get(customer_id, tenant_id, j) for j in watch.pending]
            else:
                jobs = list(self.list(customer_id, tenant_id, watch.pending))
            yield from watch.changes(jobs)
            if watch.done:
                return
            watch.check_time()
            time.sleep(interval)


class Tenants:
    """The tenants the app may see (tenant discovery)."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def page(
        self,
        tenant_ids: Iterable[UUID | str] | None = None,
        *,
        page_index: int = 1,
        page_size: int = 50,
    ) -> Page[Tenant]:
        return self._client.send(
            calls.tenants_page(
                tenant_ids=tenant_ids, page_index=page_index, page_size=page_size
            )
        )

    def list(
        self,
        tenant_ids: Iterable[UUID | str] | None = None,
        *,
        page_size: int = calls.MAX_PAGE_SIZE,
    ) -> Iterator[Tenant]:
        tenant_ids = None if tenant_ids is None else list(tenant_ids)
        pager: Pager[Tenant] = Pager()
        while not pager.done:
            page = self.page(
                tenant_ids, page_index=pager.next_index, page_size=page_size
            )
            yield from pager.take(page)
