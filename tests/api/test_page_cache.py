"""Kept listing pages are served only while their tenant is unchanged: every
create, status change, delete and purge shows on the next poll, on this
server and on another one sharing the store."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from process_center.domain.jobs import JobStatus
from process_center.ledger.retention import purge_expired
from process_center.storage.database import Database
from process_center.storage.jobs import JobFilter, RenderedJobs, delete_job
from process_center.storage.models import utcnow
from process_center.storage.page_cache import PageCache, TenantState, page_key
from tests.conftest import LiveServer, free_port
from tests.factories import World, jobs_path
from tests.ledger.conftest import ledger_path, writer_client


def listing(
    client: httpx.Client, world: World, **body: object
) -> list[tuple[str, int]]:
    response = client.post(
        jobs_path(world.customer_id, world.tenant_id),
        params={"pageSize": 100},
        json=body,
    )
    assert response.status_code == 200, response.text
    document = response.json()
    assert document["metadata"]["totalCount"] >= len(document["data"])
    return [(item["jobId"], item["status"]) for item in document["data"]]


def cache_of(server: LiveServer) -> PageCache:
    cache = server.app.state.services.database.page_cache
    assert cache is not None
    return cache


@pytest.fixture
def reader(authed: httpx.Client) -> httpx.Client:
    return authed


def create_job(writer: httpx.Client, world: World) -> str:
    response = writer.post(ledger_path(world), json={"type": 1})
    assert response.status_code == 201, response.text
    job_id: str = response.json()["jobId"]
    return job_id


def move(writer: httpx.Client, world: World, job_id: str, status: JobStatus) -> None:
    response = writer.patch(ledger_path(world, job_id), json={"status": int(status)})
    assert response.status_code == 200, response.text


class TestOneServer:
    def test_a_repeated_poll_is_served_from_the_kept_page(
        self,
        live_server: LiveServer,
        reader: httpx.Client,
        writer: httpx.Client,
        world: World,
    ) -> None:
        create_job(writer, world)
        first = listing(reader, world)
        hits = cache_of(live_server).hits

        assert listing(reader, world) == first
        assert cache_of(live_server).hits == hits + 1

    def test_create_and_every_status_change_show_at_once(
        self, reader: httpx.Client, writer: httpx.Client, world: World
    ) -> None:
        job_id = create_job(writer, world)
        assert listing(reader, world) == [(job_id, JobStatus.WAITING)]

        move(writer, world, job_id, JobStatus.IN_PROGRESS)
        assert listing(reader, world) == [(job_id, JobStatus.IN_PROGRESS)]

        second = create_job(writer, world)
        assert listing(reader, world) == [
            (second, JobStatus.WAITING),
            (job_id, JobStatus.IN_PROGRESS),
        ]

        move(writer, world, job_id, JobStatus.FINISHED)
        assert listing(reader, world)[1] == (job_id, JobStatus.FINISHED)

    def test_a_batch_of_changes_shows_at_once(
        self, reader: httpx.Client, writer: httpx.Client, world: World
    ) -> None:
        first, second = create_job(writer, world), create_job(writer, world)
        assert len(listing(reader, world)) == 2

        changes = [{"jobId": first, "status": 1}, {"jobId": second, "status": 4}]
        response = writer.post(
            ledger_path(world) + "/changes", json={"changes": changes}
        )
        assert response.status_code == 200, response.text

        assert listing(reader, world) == [
            (second, JobStatus.SKIPPED),
            (first, JobStatus.IN_PROGRESS),
        ]

    def test_an_id_filtered_page_follows_its_jobs(
        self, reader: httpx.Client, writer: httpx.Client, world: World
    ) -> None:
        chosen = create_job(writer, world)
        create_job(writer, world)
        assert listing(reader, world, jobIds=[chosen]) == [(chosen, JobStatus.WAITING)]

        move(writer, world, chosen, JobStatus.SKIPPED)

        assert listing(reader, world, jobIds=[chosen]) == [(chosen, JobStatus.SKIPPED)]
        assert len(listing(reader, world)) == 2

    def test_a_status_filtered_page_follows_its_jobs(
        self,
        live_server: LiveServer,
        reader: httpx.Client,
        writer: httpx.Client,
        world: World,
    ) -> None:
        job_id = create_job(writer, world)
        running = {"statuses": [int(JobStatus.IN_PROGRESS)]}
        assert listing(reader, world, **running) == []
        hits = cache_of(live_server).hits
        assert listing(reader, world, **running) == []
        assert cache_of(live_server).hits == hits + 1

        move(writer, world, job_id, JobStatus.IN_PROGRESS)
        assert listing(reader, world, **running) == [(job_id, JobStatus.IN_PROGRESS)]

        move(writer, world, job_id, JobStatus.FINISHED)
        assert listing(reader, world, **running) == []
        assert listing(reader, world, statuses=[2]) == [(job_id, JobStatus.FINISHED)]

    def test_deleting_a_job_shows_at_once(
        self,
        reader: httpx.Client,
        writer: httpx.Client,
        database: Database,
        world: World,
    ) -> None:
        older = create_job(writer, world)
        newest = create_job(writer, world)
        assert len(listing(reader, world)) == 2

        with database.write() as session:
            delete_job(session, uuid.UUID(newest))

        assert listing(reader, world) == [(older, JobStatus.WAITING)]

    def test_purging_shows_at_once(
        self,
        reader: httpx.Client,
        writer: httpx.Client,
        database: Database,
        world: World,
    ) -> None:
        ended = create_job(writer, world)
        move(writer, world, ended, JobStatus.SKIPPED)
        kept = create_job(writer, world)
        assert len(listing(reader, world)) == 2

        purge_expired(database, retention_days=1, now=utcnow() + timedelta(days=2))

        assert listing(reader, world) == [(kept, JobStatus.WAITING)]


@pytest.fixture(scope="module")
def other_server(database_url: str, live_server: LiveServer) -> Iterator[LiveServer]:
    """A second server on the same store, as one issuer with the first."""
    settings = live_server.settings.model_copy(update={"db_pool_size": 2})
    server = LiveServer(settings, bind_url=f"http://127.0.0.1:{free_port()}")
    server.start()
    yield server
    server.stop()


class TestTwoServers:
    def test_a_change_through_one_server_shows_on_the_other(
        self,
        live_server: LiveServer,
        other_server: LiveServer,
        reader: httpx.Client,
        write_token: str,
        world: World,
    ) -> None:
        with writer_client(other_server.url, write_token) as elsewhere:
            job_id = create_job(elsewhere, world)
            assert listing(reader, world) == [(job_id, JobStatus.WAITING)]
            assert listing(reader, world) == [(job_id, JobStatus.WAITING)]

            move(elsewhere, world, job_id, JobStatus.FAILED)

            assert listing(reader, world) == [(job_id, JobStatus.FAILED)]
            assert cache_of(live_server).hits > 0


def _page(size: int) -> RenderedJobs:
    return RenderedJobs(b"x" * size, 1)


class TestBudget:
    def test_the_least_recently_used_pages_go_first(self) -> None:
        cache = PageCache(max_bytes=3 * 1400)
        state = TenantState(1, 0, 1, 0)
        keys = [page_key(uuid.uuid4(), JobFilter(), 1, 50) for _ in range(4)]
        for key in keys[:3]:
            cache.put(key, state, _page(1000))
        assert cache.get(keys[0], state) is not None

        cache.put(keys[3], state, _page(1000))

        assert len(cache) == 3
        assert cache.size_bytes <= cache.max_bytes
        assert cache.get(keys[1], state) is None  # the least recently used
        assert cache.get(keys[0], state) is not None

    def test_a_page_read_in_another_state_is_not_served(self) -> None:
        cache = PageCache(max_bytes=10_000)
        key = page_key(uuid.uuid4(), JobFilter(frozenset({str(uuid.uuid4())})), 1, 50)
        cache.put(key, TenantState(5, 0, 5, 17), _page(10))

        assert cache.get(key, TenantState(5, 0, 5, 18)) is None
        assert cache.get(key, TenantState(6, 0, 6, 17)) is None
        assert cache.get(key, TenantState(5, 0, 5, 17)) is not None

    def test_a_filter_is_keyed_by_what_it_selects(self) -> None:
        tenant, ids = uuid.uuid4(), [str(uuid.uuid4()) for _ in range(3)]

        same = page_key(tenant, JobFilter(frozenset(reversed(ids))), 1, 50)

        assert page_key(tenant, JobFilter(frozenset(ids)), 1, 50) == same
        assert page_key(tenant, JobFilter(frozenset(ids[:2])), 1, 50) != same
        assert page_key(tenant, JobFilter(), 1, 50) != same
        with_status = JobFilter(frozenset(ids), statuses=frozenset({2}))
        assert page_key(tenant, with_status, 1, 50) != same

    def test_a_page_over_the_whole_budget_is_not_kept(self) -> None:
        cache = PageCache(max_bytes=500)
        key = page_key(uuid.uuid4(), JobFilter(), 1, 50)

        cache.put(key, TenantState(1, 0, 1, 0), _page(1000))

        assert len(cache) == 0
