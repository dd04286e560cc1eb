"""Retention: old ended jobs are purged from the oldest end of each tenant's
numbering, and paging and totalCount stay true."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from uuid import UUID

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update

from process_center.cli import main
from process_center.domain.jobs import JobStatus
from process_center.ledger import retention
from process_center.ledger.retention import purge_expired
from process_center.storage.database import Database
from process_center.storage.models import Job, JobEvent, Tenant
from tests.conftest import LiveServer, server_settings
from tests.factories import Factory, World

NOW = datetime(2027, 6, 1, tzinfo=UTC)
OLD = NOW - timedelta(days=91)
RECENT = NOW - timedelta(days=89)


def make_jobs(
    factory: Factory,
    database: Database,
    tenant_id: UUID,
    plan: list[tuple[JobStatus, datetime | None]],
) -> list[UUID]:
    """One job per (status, finished at) in ``plan``, numbered in that order."""
    ids = []
    for status, finished_at in plan:
        [job_id] = factory.jobs(tenant_id, 1, status=status)
        with database.write() as session:
            session.execute(
                update(Job).where(Job.id == job_id).values(finished_at=finished_at)
            )
        ids.append(job_id)
    return ids


def counters(database: Database, tenant_id: UUID) -> tuple[int, int, int]:
    with database.session() as session:
        tenant = session.get(Tenant, tenant_id)
        assert tenant is not None
        return tenant.job_seq, tenant.job_floor, tenant.job_count


def listing(
    client: httpx.Client, world: World, page_size: int = 2
) -> tuple[list[str], int]:
    seen: list[str] = []
    total = -1
    for page_index in range(1, 20):
        body = client.post(
            world.jobs_path, params={"pageIndex": page_index, "pageSize": page_size}
        ).json()
        total = body["metadata"]["totalCount"]
        if not body["data"]:
            break
        seen += [item["jobId"] for item in body["data"]]
    return seen, total


def test_purges_the_oldest_ended_jobs_up_to_the_first_to_keep(
    authed: httpx.Client, world: World, factory: Factory, database: Database
) -> None:
    jobs = make_jobs(
        factory,
        database,
        world.tenant_id,
        [
            (JobStatus.FINISHED, OLD),
            (JobStatus.FAILED, OLD),
            (JobStatus.SKIPPED, OLD),
            (JobStatus.IN_PROGRESS, None),  # still running: stops the run
            (JobStatus.FINISHED, OLD),
            (JobStatus.FINISHED, RECENT),
        ],
    )

    report = purge_expired(database, 90, now=NOW)

    assert (report.jobs, report.tenants) == (3, 1)
    assert counters(database, world.tenant_id) == (6, 3, 3)
    seen, total = listing(authed, world)
    assert total == 3
    assert seen == [str(job_id) for job_id in reversed(jobs[3:])]
    with database.session() as session:
        events = session.scalar(select(func.count()).select_from(JobEvent))
    assert events == 3


def test_purging_everything_keeps_numbering_going(
    authed: httpx.Client, world: World, factory: Factory, database: Database
) -> None:
    make_jobs(factory, database, world.tenant_id, [(JobStatus.FINISHED, OLD)] * 4)
    purge_expired(database, 90, now=NOW)

    [new_job] = factory.jobs(world.tenant_id, 1)

    assert counters(database, world.tenant_id) == (5, 4, 1)
    assert listing(authed, world) == ([str(new_job)], 1)


def test_purges_in_batches_across_tenants(
    authed: httpx.Client,
    world: World,
    factory: Factory,
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(retention, "PURGE_BATCH", 2)
    other = factory.tenant(world.customer_id, "other.onmicrosoft.com")
    make_jobs(factory, database, world.tenant_id, [(JobStatus.FAILED, OLD)] * 5)
    kept = make_jobs(factory, database, world.tenant_id, [(JobStatus.FINISHED, RECENT)])
    make_jobs(factory, database, other, [(JobStatus.FINISHED, OLD)] * 3)

    report = purge_expired(database, 90, now=NOW)

    assert (report.jobs, report.tenants) == (8, 2)
    assert counters(database, world.tenant_id) == (6, 5, 1)
    assert counters(database, other) == (3, 3, 0)
    assert listing(authed, world) == ([str(kept[0])], 1)


def test_jobs_written_through_the_ledger_are_kept_until_they_age(
    writer: httpx.Client, world: World, database: Database
) -> None:
    path = world.jobs_path.removesuffix("/batch")
    job_id = writer.post(path, json={"type": 3}).json()["jobId"]
    writer.patch(f"{path}/{job_id}", json={"status": 4})

    assert purge_expired(database, 90).jobs == 0
    assert (
        purge_expired(database, 90, now=datetime.now(UTC) + timedelta(days=91)).jobs
        == 1
    )


def test_server_purges_periodically(
    database_url: str, world: World, factory: Factory, database: Database
) -> None:
    two_days_ago = datetime.now(UTC) - timedelta(days=2)
    plan = [(JobStatus.FINISHED, two_days_ago)] * 2
    make_jobs(factory, database, world.tenant_id, plan)
    settings = server_settings(
        database_url, retention_days=1, retention_interval_seconds=0.2, db_pool_size=2
    )
    server = LiveServer(settings)
    server.start()
    try:
        deadline = time.monotonic() + 15
        while counters(database, world.tenant_id)[2] and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        server.stop()

    assert counters(database, world.tenant_id) == (2, 2, 0)


def test_cli_purge_reports_what_it_removed(
    world: World, factory: Factory, database: Database
) -> None:
    two_days_ago = datetime.now(UTC) - timedelta(days=2)
    make_jobs(factory, database, world.tenant_id, [(JobStatus.FINISHED, two_days_ago)])

    result = CliRunner().invoke(
        main,
        ["--database-url", database.url, "jobs", "purge", "--days", "1", "--json"],
    )

    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["jobs"] == 1, result.output
