"""Listing jobs through the client, against the real server."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import anyio
import pytest

from process_center.client import AsyncClient, Client, Job, JobStatus, JobType
from process_center.client._calls import JobQuery
from tests.client.conftest import QUICK_RETRIES
from tests.client.servers import GatedServer
from tests.conftest import LiveServer
from tests.factories import Factory, World


class TestList:
    def test_walks_more_than_ten_pages_lazily(
        self, gate: GatedServer, world: World, factory: Factory
    ) -> None:
        created = factory.jobs(world.tenant_id, 115)
        with _client(gate, world) as pc:
            jobs = pc.jobs.list(world.customer_id, world.tenant_id, page_size=10)
            first = next(jobs)
            assert gate.gate.count("/partner/") == 1

            rest = list(jobs)

        assert [first.job_id, *(job.job_id for job in rest)] == list(reversed(created))
        assert gate.gate.count("/partner/") == 12

    def test_yields_typed_jobs_with_display_names(
        self, client: Client, world: World, factory: Factory
    ) -> None:
        factory.jobs(
            world.tenant_id, 1, job_type=JobType.RESTORE, status=JobStatus.FAILED
        )

        [job] = client.jobs.list(world.customer_id, world.tenant_id)

        assert isinstance(job, Job)
        assert job.type is JobType.RESTORE and job.type.display_name == "Restore"
        assert job.status is JobStatus.FAILED and job.status.display_name == "Failed"
        assert job.is_terminal

    def test_filters_by_job_ids(
        self, client: Client, world: World, factory: Factory
    ) -> None:
        wanted = factory.jobs(world.tenant_id, 5)[1:3]

        jobs = list(client.jobs.list(world.customer_id, world.tenant_id, wanted))

        assert {job.job_id for job in jobs} == set(wanted)

    def test_filters_by_status_and_type(
        self, client: Client, world: World, factory: Factory
    ) -> None:
        factory.jobs(
            world.tenant_id, 3, job_type=JobType.DEPLOY, status=JobStatus.FAILED
        )
        factory.jobs(
            world.tenant_id, 2, job_type=JobType.DEPLOY, status=JobStatus.FINISHED
        )
        factory.jobs(
            world.tenant_id, 4, job_type=JobType.RESTORE, status=JobStatus.FAILED
        )

        jobs = list(
            client.jobs.list(
                world.customer_id,
                world.tenant_id,
                statuses=[JobStatus.FAILED],
                types=[JobType.DEPLOY],
                page_size=2,
            )
        )

        assert len(jobs) == 3
        assert {(job.type, job.status) for job in jobs} == {
            (JobType.DEPLOY, JobStatus.FAILED)
        }

    def test_empty_tenant_yields_nothing(self, client: Client, world: World) -> None:
        assert list(client.jobs.list(world.customer_id, world.tenant_id)) == []


class TestPage:
    def test_returns_one_page_with_metadata(
        self, client: Client, world: World, factory: Factory
    ) -> None:
        factory.jobs(world.tenant_id, 7)

        page = client.jobs.page(
            world.customer_id, world.tenant_id, page_index=2, page_size=5
        )

        assert (page.page_index, page.page_size, page.total_count) == (2, 5, 7)
        assert len(page.items) == 2
        assert page.is_last

    @pytest.mark.parametrize(("index", "size"), [(0, 10), (1, 0), (1, 101)])
    def test_refuses_bad_paging_before_sending(
        self, client: Client, world: World, index: int, size: int
    ) -> None:
        with pytest.raises(ValueError, match="page"):
            client.jobs.page(
                world.customer_id, world.tenant_id, page_index=index, page_size=size
            )

    def test_refuses_an_id_that_is_not_a_guid(
        self, client: Client, world: World
    ) -> None:
        with pytest.raises(ValueError, match="not a GUID"):
            client.jobs.page("../../tenants/batch", world.tenant_id)


class TestTenants:
    def test_lists_visible_tenants_across_pages(
        self, client: Client, world: World, factory: Factory
    ) -> None:
        others = [
            factory.tenant(world.customer_id, f"t{n}.onmicrosoft.com") for n in range(4)
        ]

        tenants = list(client.tenants.list(page_size=2))

        assert {t.tenant_id for t in tenants} == {world.tenant_id, *others}
        assert all(t.customer_id == world.customer_id for t in tenants)

    def test_page_filters_by_tenant_ids(self, client: Client, world: World) -> None:
        page = client.tenants.page([world.tenant_id, uuid.uuid4()])

        assert [t.tenant_name for t in page.items] == ["fabrikam.onmicrosoft.com"]


def test_async_client_lists_every_page(
    live_server: LiveServer, world: World, factory: Factory
) -> None:
    created = factory.jobs(world.tenant_id, 45)

    async def collect() -> list[uuid.UUID]:
        async with AsyncClient(
            live_server.url,
            live_server.url,
            client_id=str(world.app.client_id),
            client_secret=world.app.client_secret,
            retries=QUICK_RETRIES,
        ) as pc:
            return [
                job.job_id
                async for job in pc.jobs.list(
                    world.customer_id, world.tenant_id, page_size=10
                )
            ]

    assert anyio.run(collect) == list(reversed(created))


def _client(server: LiveServer, world: World) -> Client:
    return Client(
        server.url,
        server.url,
        client_id=str(world.app.client_id),
        client_secret=world.app.client_secret,
        retries=QUICK_RETRIES,
    )


class TestJobQuery:
    def test_body_carries_filters_and_asks_for_times_with_a_range(self) -> None:
        after = datetime(2026, 1, 1, tzinfo=UTC)

        body = JobQuery(
            statuses=[JobStatus.FAILED, JobStatus.WAITING],
            types=[JobType.RESTORE],
            created_after=after,
            include=["progress"],
        ).body()

        assert body == {
            "statuses": [0, 3],
            "types": [10],
            "createdAfter": "2026-01-01T00:00:00+00:00",
            "include": ["progress", "times"],
        }

    def test_keeps_only_matching_jobs(self) -> None:
        query = JobQuery(
            statuses=[JobStatus.FAILED],
            created_after=datetime(2026, 1, 2, tzinfo=UTC),
            created_before=datetime(2026, 1, 3, tzinfo=UTC),
        )

        def job(status: JobStatus, day: int | None) -> Job:
            created = None if day is None else datetime(2026, 1, day, tzinfo=UTC)
            return Job(
                job_id=uuid.uuid4(),
                type=JobType.DEPLOY,
                status=status,
                created_at=created,
            )

        assert query.keeps(job(JobStatus.FAILED, 2))
        assert not query.keeps(job(JobStatus.FAILED, 3))
        assert not query.keeps(job(JobStatus.FAILED, 1))
        assert not query.keeps(job(JobStatus.FINISHED, 2))
        # Without a creation time the range cannot be checked here.
        assert query.keeps(job(JobStatus.FAILED, None))

    def test_refuses_naive_times_and_unknown_includes(self) -> None:
        with pytest.raises(ValueError, match="time zone"):
            JobQuery(created_after=datetime(2026, 1, 1))
        with pytest.raises(ValueError, match="include"):
            JobQuery(include=["secrets"])
