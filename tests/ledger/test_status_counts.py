"""The ledger's writes keep the per-status job counts exact: every move,
every purge, and writers racing each other."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

import httpx
import pytest

from process_center.domain.errors import Conflict
from process_center.domain.jobs import ALLOWED_TRANSITIONS, JobStatus
from process_center.ledger.retention import purge_expired
from process_center.ledger.service import JobChange, Ledger, TenantScope
from process_center.storage.database import Database
from tests.conftest import LiveServer
from tests.factories import Factory, World, real_status_counts, status_counts
from tests.ledger.conftest import ledger_path
from tests.ledger.test_race import WRITERS, Call, race
from tests.ledger.test_retention import make_jobs

MOVES = [
    (source, target)
    for source, targets in ALLOWED_TRANSITIONS.items()
    for target in sorted(targets)
]
# The statuses a job passes through on its way to ``source``.
ROUTES = {JobStatus.WAITING: [], JobStatus.IN_PROGRESS: [JobStatus.IN_PROGRESS]}


def _scope(world: World) -> TenantScope:
    return TenantScope(world.partner_id, world.customer_id, world.tenant_id)


def _assert_exact(database: Database, world: World) -> None:
    assert status_counts(database, world.tenant_id) == real_status_counts(
        database, world.tenant_id
    )


@pytest.mark.parametrize(("source", "target"), MOVES)
def test_every_move_moves_one_count(
    database: Database,
    world: World,
    factory: Factory,
    source: JobStatus,
    target: JobStatus,
) -> None:
    ledger = Ledger(database)
    [job_id, _] = factory.jobs(world.tenant_id, 2)
    for status in ROUTES[source]:
        ledger.change(_scope(world), job_id, JobChange(status=status))

    ledger.change(_scope(world), job_id, JobChange(status=target))

    assert status_counts(database, world.tenant_id) == {0: 1, int(target): 1}


def test_progress_and_refused_moves_leave_the_counts(
    database: Database, world: World, factory: Factory
) -> None:
    ledger = Ledger(database)
    [job_id] = factory.jobs(world.tenant_id, 1)
    ledger.change(_scope(world), job_id, JobChange(status=JobStatus.IN_PROGRESS))

    ledger.change(_scope(world), job_id, JobChange(progress=40, message="half"))
    with pytest.raises(Conflict):
        ledger.change(_scope(world), job_id, JobChange(status=JobStatus.SKIPPED))

    assert status_counts(database, world.tenant_id) == {1: 1}


def test_purge_takes_each_purged_job_off_its_status(
    database: Database, world: World, factory: Factory
) -> None:
    now = datetime(2027, 6, 1, tzinfo=UTC)
    old, recent = now - timedelta(days=91), now - timedelta(days=1)
    plan = [
        (JobStatus.FINISHED, old),
        (JobStatus.FAILED, old),
        (JobStatus.FINISHED, old),
        (JobStatus.FINISHED, recent),  # stops the purge
        (JobStatus.SKIPPED, old),
    ]
    make_jobs(factory, database, world.tenant_id, plan)

    assert purge_expired(database, 90, now=now).jobs == 3

    assert status_counts(database, world.tenant_id) == {2: 1, 4: 1}


def test_racing_writers_keep_the_counts_exact(
    live_server: LiveServer,
    writer: httpx.Client,
    write_token: str,
    database: Database,
    world: World,
) -> None:
    created = [
        writer.post(ledger_path(world), json={"type": 5}).json()["jobId"]
        for _ in range(WRITERS)
    ]
    contested = ledger_path(world, created[0])
    calls: list[Call] = [
        *(
            partial(
                httpx.Client.patch, url=ledger_path(world, job_id), json={"status": 1}
            )
            for job_id in created[1:]
        ),
        *(
            partial(httpx.Client.patch, url=contested, json={"status": s})
            for s in (1, 3, 4)
        ),
        *(partial(httpx.Client.post, url=ledger_path(world), json={"type": 2}),) * 4,
    ]

    responses = race(live_server, write_token, calls)

    assert all(response.status_code in (200, 201, 409) for response in responses)
    _assert_exact(database, world)
    counts = status_counts(database, world.tenant_id)
    assert sum(counts.values()) == WRITERS + 4
    assert counts[1] >= WRITERS - 1
