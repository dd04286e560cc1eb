"""The asynchronous client, twin of the synchronous one."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Iterable
from datetime import datetime
from types import TracebackType
from typing import TypeVar, Unpack
from uuid import UUID

import anyio
import httpx

from process_center.client import _calls as calls
from process_center.client._base import BaseClient, ClientOptions
from process_center.client._calls import Call, Pager
from process_center.client._errors import ProcessCenterError
from process_center.client._models import Job, JobUpdate, JobUpdateResult, Page, Tenant
from process_center.client._retry import transport_error
from process_center.domain.jobs import JobStatus, JobType

T = TypeVar("T")


class AsyncClient(BaseClient):
    """A client of the Process Center API for asyncio or trio.

    >>> async with AsyncClient(api_url, identity_url, client_id=..., client_secret=...) as pc:
    ...     async for job in pc.jobs.list(customer_id, tenant_id):
    ...         print(job.job_id, job.status.display_name)

    Tasks may share it: they share one connection pool and one token.
    """

    def __init__(
        self,
        api_url: str,
        identity_url: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        **options: Unpack[ClientOptions],
    ) -> None:
        super().__init__(api_url, identity_url, **options)
        self._http = httpx.AsyncClient(transport=transport, **self._http_options())
        self.jobs = AsyncJobs(self)
        self.tenants = AsyncTenants(self)

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def send(self, call: Call[T]) -> T:
        """Send one described request, retrying as the client's ``retries`` allow."""
        correlation = self._new_correlation()
        attempt = 1
        while True:
            try:
                return await self._attempt(call, correlation)
            except ProcessCenterError as error:
                delay = self._retry_delay(call, attempt, error)
                if delay is None:
                    raise
            await anyio.sleep(delay)
            attempt += 1

    async def _attempt(self, call: Call[T], correlation: str) -> T:
        try:
            response = await self._http.request(
                call.method,
                call.path,
                params=call.params,
                json=call.json,
                headers=self._headers(call, correlation),
            )
        except httpx.TransportError as error:
            raise transport_error(error) from error
        return self._result(call, response)


class AsyncJobs:
    """A tenant's jobs in the Process Center."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def page(
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
        return await self._client.send(
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

    async def list(
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
    ) -> AsyncIterator[Job]:
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
            page = await self._client.send(
                calls.jobs_page(
                    customer_id,
                    tenant_id,
                    job_ids=job_ids,
                    query=job_query,
                    page_index=pager.next_index,
                    page_size=page_size,
                )
            )
            for job in pager.take(page):
                yield job

    async def get(
        self, customer_id: UUID | str, tenant_id: UUID | str, job_id: UUID | str
    ) -> Job:
        """One job with its times, trigger, progress and history."""
        return await self._client.send(calls.job_detail(customer_id, tenant_id, job_id))

    async def create(
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
        return await self._client.send(
            calls.create_job(
                customer_id,
                tenant_id,
                job_type,
                job_id=job_id,
                trigger=trigger,
                message=message,
            )
        )

    async def update(
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
        return await self._client.send(
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

    async def update_many(
        self,
        customer_id: UUID | str,
        tenant_id: UUID | str,
        updates: Iterable[JobUpdate],
    ) -> list[JobUpdateResult]:
        """Apply up to 500 changes to the tenant's jobs in one request and one
        transaction, in order. A change the server refuses (unknown job, illegal
        move, stale ``if_match``) is left out and reported in its result; the
        others still apply."""
        return await self._client.send(
            calls.update_jobs(customer_id, tenant_id, updates)
        )

    async def watch(
        self,
        customer_id: UUID | str,
        tenant_id: UUID | str,
        job_ids: Iterable[UUID | str],
        *,
        interval: float = 2.0,
        timeout: float | None = None,
        details: bool = True,
    ) -> AsyncIterator[Job]:
        """Each job as first seen and at every change, until every job has ended.

        With ``details`` each pending job is read on its own, with progress and
        message; without, one batch listing per poll tells only the status,
        which is all a server of the documented API alone offers. After
        ``timeout`` seconds, ``WaitTimedOut`` is raised.
        """
        watch = calls.Watch(job_ids, timeout)
        while True:
            if details:
                jobs = [
                    await self.get(customer_id, tenant_id, job_id)
                    for job_id in watch.pending
                ]
            else:
                jobs = [
                    job
                    async for job in self.list(customer_id, tenant_id, watch.pending)
                ]
            for job in watch.changes(jobs):
                yield job
            if watch.done:
                return
            watch.check_time()
            await anyio.sleep(interval)


class AsyncTenants:
    """The tenants the app may see (tenant discovery)."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def page(
        self,
        tenant_ids: Iterable[UUID | str] | None = None,
        *,
        page_index: int = 1,
        page_size: int = 50,
    ) -> Page[Tenant]:
        return await self._client.send(
            calls.tenants_page(
                tenant_ids=tenant_ids, page_index=page_index, page_size=page_size
            )
        )

    async def list(
        self,
        tenant_ids: Iterable[UUID | str] | None = None,
        *,
        page_size: int = calls.MAX_PAGE_SIZE,
    ) -> AsyncIterator[Tenant]:
        tenant_ids = None if tenant_ids is None else list(tenant_ids)
        pager: Pager[Tenant] = Pager()
        while not pager.done:
            page = await self.page(
                tenant_ids, page_index=pager.next_index, page_size=page_size
            )
            for item in pager.take(page):
                yield item
