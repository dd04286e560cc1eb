"""Job detail, create and update through the client, on the real ledger."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import anyio
import pytest

from process_center.client import (
    AsyncClient,
    Client,
    Conflict,
    JobStatus,
    JobType,
    JobUpdate,
    PreconditionFailed,
)
from process_center.domain.permissions import TENANT_READWRITE
from tests.client.conftest import QUICK_RETRIES
from tests.client.servers import GatedServer, client_for
from tests.conftest import LiveServer
from tests.factories import Factory, Registration, World


@pytest.fixture
def writer_app(world: World, factory: Factory) -> Registration:
    return factory.app(world.partner_id, [TENANT_READWRITE], name="Producer")


@pytest.fixture
def writer(live_server: LiveServer, writer_app: Registration) -> Iterator[Client]:
    with client_for(live_server.url, writer_app, retries=QUICK_RETRIES) as pc:
        yield pc


def test_create_then_read_the_detail(writer: Client, world: World) -> None:
    created = writer.jobs.create(
        world.customer_id, world.tenant_id, JobType.RESTORE, message="from the client"
    )

    job = writer.jobs.get(world.customer_id, world.tenant_id, created.job_id)

    assert job.type is JobType.RESTORE and job.status is JobStatus.WAITING
    assert job.message == "from the client"
    assert job.created_at is not None and job.created_at.tzinfo is not None
    assert job.trigger is not None and job.trigger.kind == "app"
    assert job.history is not None and job.history[0].status is JobStatus.WAITING
    assert job.etag == f'"{job.version}"'


def test_a_repeated_create_is_the_same_job(writer: Client, world: World) -> None:
    job_id = uuid.uuid4()

    first = writer.jobs.create(world.customer_id, world.tenant_id, 4, job_id=job_id)
    again = writer.jobs.create(world.customer_id, world.tenant_id, 4, job_id=job_id)

    assert first.job_id == again.job_id == job_id
    with pytest.raises(Conflict):
        writer.jobs.create(world.customer_id, world.tenant_id, 5, job_id=job_id)


def test_update_moves_the_job_and_reports_illegal_moves(
    writer: Client, world: World
) -> None:
    job = writer.jobs.create(world.customer_id, world.tenant_id, JobType.DEPLOY)

    running = writer.jobs.update(
        world.customer_id, world.tenant_id, job.job_id, status=JobStatus.IN_PROGRESS
    )
    with pytest.raises(Conflict) as raised:
        writer.jobs.update(
            world.customer_id, world.tenant_id, job.job_id, status=JobStatus.SKIPPED
        )

    assert running.status is JobStatus.IN_PROGRESS and running.started_at is not None
    assert raised.value.status == 409
    assert "Skipped" in raised.value.detail and "In progress" in raised.value.detail


def test_a_stale_etag_is_precondition_failed(writer: Client, world: World) -> None:
    job = writer.jobs.create(world.customer_id, world.tenant_id, JobType.DEPLOY)
    writer.jobs.update(world.customer_id, world.tenant_id, job.job_id, progress=10)

    with pytest.raises(PreconditionFailed) as raised:
        writer.jobs.update(
            world.customer_id,
            world.tenant_id,
            job.job_id,
            progress=20,
            if_match=job.etag,
        )

    assert raised.value.status == 412


def test_creates_and_conditional_updates_are_retried(
    gate: GatedServer, writer_app: Registration, world: World
) -> None:
    with client_for(gate.url, writer_app, retries=QUICK_RETRIES) as pc:
        gate.gate.refuse_next(1, 503, retry_after="0")
        job = pc.jobs.create(world.customer_id, world.tenant_id, JobType.DEPLOY)
        gate.gate.refuse_next(1, 503, retry_after="0")
        moved = pc.jobs.update(
            world.customer_id,
            world.tenant_id,
            job.job_id,
            progress=50,
            if_match=job.etag,
        )

    assert moved.progress == 50
    assert gate.gate.count("/partner/") == 4


def test_watch_reports_progress_until_the_job_ends(
    writer: Client, live_server: LiveServer, world: World, writer_app: Registration
) -> None:
    job = writer.jobs.create(
        world.customer_id, world.tenant_id, JobType.DAILY_TENANT_BACKUP
    )
    seen: list[tuple[JobStatus, int | None]] = []
    steps = [
        {"status": JobStatus.IN_PROGRESS},
        {"progress": 40},
        {"progress": 90},
        {"status": JobStatus.FINISHED},
    ]
    step_seen = threading.Event()

    def produce() -> None:
        with client_for(live_server.url, writer_app) as producer:
            for step in steps:
                assert step_seen.wait(timeout=20)
                step_seen.clear()
                producer.jobs.update(
                    world.customer_id, world.tenant_id, job.job_id, **step
                )  # type: ignore[arg-type]

    thread = threading.Thread(target=produce, daemon=True)
    thread.start()
    for change in writer.jobs.watch(
        world.customer_id, world.tenant_id, [job.job_id], interval=0.05, timeout=30
    ):
        seen.append((change.status, change.progress))
        step_seen.set()
    thread.join(timeout=10)

    assert seen == [
        (JobStatus.WAITING, None),
        (JobStatus.IN_PROGRESS, None),
        (JobStatus.IN_PROGRESS, 40),
        (JobStatus.IN_PROGRESS, 90),
        (JobStatus.FINISHED, 90),
    ]


def test_async_client_creates_and_reads(
    live_server: LiveServer, writer_app: Registration, world: World
) -> None:
    async def run() -> JobStatus:
        async with AsyncClient(
            live_server.url,
            live_server.url,
            client_id=str(writer_app.client_id),
            client_secret=writer_app.client_secret,
        ) as pc:
            job = await pc.jobs.create(
                world.customer_id, world.tenant_id, JobType.DEPLOY
            )
            await pc.jobs.update(
                world.customer_id, world.tenant_id, job.job_id, status=JobStatus.SKIPPED
            )
            changes = [
                change
                async for change in pc.jobs.watch(
                    world.customer_id, world.tenant_id, [job.job_id], interval=0.05
                )
            ]
            return changes[-1].status

    assert anyio.run(run) is JobStatus.SKIPPED


class TestUpdateMany:
    def test_applies_in_order_and_reports_each_outcome(
        self, writer: Client, world: World
    ) -> None:
        job = writer.jobs.create(world.customer_id, world.tenant_id, JobType.DEPLOY)
        unknown = uuid.uuid4()

        results = writer.jobs.update_many(
            world.customer_id,
            world.tenant_id,
            [
                JobUpdate(job.job_id, status=JobStatus.IN_PROGRESS, if_match=1),
                JobUpdate(unknown, progress=5),
                JobUpdate(job.job_id, progress=40, if_match=1),
                JobUpdate(job.job_id, status=JobStatus.FINISHED, message="done"),
            ],
        )

        assert [result.status for result in results] == [200, 404, 412, 200]
        assert [result.job_id for result in results][:2] == [job.job_id, unknown]
        finished = results[3].job
        assert finished is not None and finished.status is JobStatus.FINISHED
        assert finished.message == "done" and finished.version == 3
        refused = results[2].problem
        assert refused is not None and "version 2" in refused.detail
        assert not results[1].applied and results[1].job is None

    def test_refuses_more_updates_than_a_batch_holds(
        self, writer: Client, world: World
    ) -> None:
        updates = [JobUpdate(uuid.uuid4(), progress=1)] * 501

        with pytest.raises(ValueError, match="1 to 500"):
            writer.jobs.update_many(world.customer_id, world.tenant_id, updates)

    def test_refuses_an_update_that_changes_nothing(
        self, writer: Client, world: World
    ) -> None:
        with pytest.raises(ValueError, match="status, progress or message"):
            writer.jobs.update_many(
                world.customer_id, world.tenant_id, [JobUpdate(uuid.uuid4())]
            )

    def test_async_client_sends_the_same_batch(
        self, live_server: LiveServer, writer_app: Registration, world: World
    ) -> None:
        async def run() -> list[int]:
            async with AsyncClient(
                live_server.url,
                live_server.url,
                client_id=str(writer_app.client_id),
                client_secret=writer_app.client_secret,
            ) as pc:
                job = await pc.jobs.create(world.customer_id, world.tenant_id, 2)
                results = await pc.jobs.update_many(
                    world.customer_id,
                    world.tenant_id,
                    [
                        JobUpdate(job.job_id, status=JobStatus.IN_PROGRESS),
                        JobUpdate(job.job_id, status=JobStatus.IN_PROGRESS),
                    ],
                )
                return [result.status for result in results]

        assert anyio.run(run) == [200, 409]
