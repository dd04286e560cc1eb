"""``process-center jobs watch`` follows jobs that change on the real server."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from uuid import UUID

import pytest

from process_center.domain.jobs import JobStatus
from process_center.ledger.service import JobChange, Ledger, TenantScope
from process_center.storage.database import Database
from tests.cli.conftest import Invoke
from tests.client.servers import GatedServer
from tests.factories import Factory, World

FAST = ["--interval", "0.2", "--no-details"]


def _args(world: World, *job_ids: UUID) -> list[str]:
    return [
        "jobs", "watch", *map(str, job_ids),
        "--customer", str(world.customer_id), "--tenant", str(world.tenant_id),
    ]  # fmt: skip


class Mover:
    """Moves jobs one step, through the ledger, after each step has been seen
    by two polls."""

    def __init__(self, gate: GatedServer, database: Database, world: World) -> None:
        self.gate = gate.gate
        self.ledger = Ledger(database)
        self.scope = TenantScope(world.partner_id, world.customer_id, world.tenant_id)
        self.error: BaseException | None = None

    def run(self, steps: list[list[tuple[UUID, JobStatus]]]) -> threading.Thread:
        thread = threading.Thread(target=self._run, args=(steps,), daemon=True)
        thread.start()
        return thread

    def _run(self, steps: list[list[tuple[UUID, JobStatus]]]) -> None:
        try:
            seen = 0
            for step in steps:
                self._wait_for_polls(seen + 2)
                for job_id, status in step:
                    self.ledger.change(self.scope, job_id, JobChange(status=status))
                seen = self.gate.count("/partner/")
        except BaseException as error:  # reported by the test
            self.error = error

    def _wait_for_polls(self, count: int) -> None:
        deadline = time.monotonic() + 20
        while self.gate.count("/partner/") < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the watch never made poll {count}")
            time.sleep(0.02)


@pytest.fixture
def gated_env(gate: GatedServer, api_env: dict[str, str]) -> Iterator[dict[str, str]]:
    yield {**api_env, "PROCESS_CENTER_API_URL": gate.url}


def test_follows_every_change_and_exits_1_when_a_job_fails(
    invoke: Invoke,
    gate: GatedServer,
    gated_env: dict[str, str],
    world: World,
    factory: Factory,
    database: Database,
) -> None:
    first, second = factory.jobs(world.tenant_id, 2)
    mover = Mover(gate, database, world)
    thread = mover.run(
        [
            [(first, JobStatus.IN_PROGRESS), (second, JobStatus.IN_PROGRESS)],
            [(first, JobStatus.FINISHED)],
            [(second, JobStatus.FAILED)],
        ]
    )

    result = invoke(*_args(world, first, second), *FAST, env=gated_env)
    thread.join(timeout=30)

    assert mover.error is None
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert [line.split("  ")[3] for line in lines if str(first) in line] == [
        "Waiting",
        "In progress",
        "Finished",
    ]
    assert [line.split("  ")[3] for line in lines if str(second) in line] == [
        "Waiting",
        "In progress",
        "Failed",
    ]
    assert lines[-1] == "All 2 job(s) ended: 1 Finished, 1 Failed."


def test_exits_0_when_every_job_ended_without_failing(
    invoke: Invoke, world: World, factory: Factory
) -> None:
    done = factory.jobs(world.tenant_id, 2, status=JobStatus.FINISHED)
    skipped = factory.jobs(world.tenant_id, 1, status=JobStatus.SKIPPED)

    result = invoke(*_args(world, *done, *skipped), *FAST)

    assert result.exit_code == 0, result.output
    assert (
        result.output.splitlines()[-1] == "All 3 job(s) ended: 2 Finished, 1 Skipped."
    )


def test_times_out_with_exit_3(invoke: Invoke, world: World, factory: Factory) -> None:
    [waiting] = factory.jobs(world.tenant_id, 1)

    result = invoke(*_args(world, waiting), *FAST, "--timeout", "1")

    assert result.exit_code == 3, result.output
    assert "1 job(s) had not ended" in result.output


def test_an_unknown_job_is_an_error(invoke: Invoke, world: World) -> None:
    missing = uuid.uuid4()

    result = invoke(*_args(world, missing), *FAST)

    assert result.exit_code == 1
    assert f"No such job in this tenant: {missing}" in result.output
