"""Per-status job counts: kept exact by the storage writes, filled by the
migration, and the source of a status-filtered listing's totalCount."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, insert

from process_center.domain.jobs import JobStatus, JobType
from process_center.storage.database import Database
from process_center.storage.jobs import delete_job
from process_center.storage.migrate import alembic_config, upgrade
from process_center.storage.models import Job, Tenant
from tests.factories import Factory, World, real_status_counts, status_counts

Step = Callable[[Config, str], None]


class TestKeptByWrites:
    def test_creates_count_each_job_under_its_status(
        self, database: Database, world: World, factory: Factory
    ) -> None:
        factory.jobs(world.tenant_id, 3)
        factory.jobs(world.tenant_id, 2, status=JobStatus.FINISHED)
        factory.jobs(world.tenant_id, 1, status=JobStatus.SKIPPED)

        assert status_counts(database, world.tenant_id) == {0: 3, 2: 2, 4: 1}
        assert status_counts(database, world.tenant_id) == real_status_counts(
            database, world.tenant_id
        )

    def test_delete_takes_the_job_off_its_status(
        self, database: Database, world: World, factory: Factory
    ) -> None:
        waiting = factory.jobs(world.tenant_id, 2)
        factory.jobs(world.tenant_id, 1, status=JobStatus.FAILED)

        with database.write() as session:
            delete_job(session, waiting[0])

        assert status_counts(database, world.tenant_id) == {0: 1, 3: 1}

    def test_counts_are_per_tenant(
        self, database: Database, world: World, factory: Factory
    ) -> None:
        other = factory.tenant(world.customer_id, "other.onmicrosoft.com")
        factory.jobs(world.tenant_id, 2)
        factory.jobs(other, 5)

        assert status_counts(database, world.tenant_id) == {0: 2}
        assert status_counts(database, other) == {0: 5}

    def test_deleting_a_tenant_deletes_its_counts(
        self, database: Database, world: World, factory: Factory
    ) -> None:
        factory.jobs(world.tenant_id, 2)

        with database.write() as session:
            session.delete(session.get(Tenant, world.tenant_id))

        assert status_counts(database, world.tenant_id) == {}


class TestStatusTotal:
    @pytest.mark.parametrize("statuses", [[0], [2], [0, 2], [1], [0, 2, 3, 4]])
    def test_total_count_with_statuses_is_the_real_count(
        self,
        authed: httpx.Client,
        database: Database,
        world: World,
        factory: Factory,
        statuses: list[int],
    ) -> None:
        factory.jobs(world.tenant_id, 4)
        factory.jobs(world.tenant_id, 3, status=JobStatus.FINISHED)
        factory.jobs(world.tenant_id, 1, status=JobStatus.FAILED)
        real = real_status_counts(database, world.tenant_id)

        body = authed.post(
            world.jobs_path, params={"pageSize": 2}, json={"statuses": statuses}
        ).json()

        assert body["metadata"]["totalCount"] == sum(real.get(s, 0) for s in statuses)
        assert {item["status"] for item in body["data"]} <= set(statuses)

    def test_other_filters_beside_statuses_are_still_counted(
        self, authed: httpx.Client, world: World, factory: Factory
    ) -> None:
        factory.jobs(world.tenant_id, 3, job_type=JobType.DEPLOY)
        factory.jobs(world.tenant_id, 2, job_type=JobType.RESTORE)

        body = authed.post(
            world.jobs_path, json={"statuses": [0], "types": [int(JobType.RESTORE)]}
        ).json()

        assert body["metadata"]["totalCount"] == 2


def _migrate(engine: Engine, step: Step, revision: str) -> None:
    config = alembic_config(engine)
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        step(config, revision)
        connection.commit()


def _job_row(tenant_id: uuid.UUID, seq: int, status: int) -> dict[str, object]:
    return {
        "id": uuid.uuid4(),
        "tenant_id": tenant_id,
        "seq": seq,
        "type": 1,
        "status": status,
        "trigger_kind": "system",
        "version": 1,
        "created_at": datetime.now(UTC),
    }


def test_migration_counts_the_jobs_already_stored(fresh_database_url: str) -> None:
    database = Database(fresh_database_url, pool_size=1)
    try:
        _migrate(database.engine, command.downgrade, "0003_ledger")
        factory = Factory(database)
        customer = factory.customer(factory.partner())
        first, second = factory.tenant(customer), factory.tenant(customer)
        statuses = {first: [0, 2, 2, 2, 5], second: [1, 3]}
        with database.write() as session:
            session.execute(
                insert(Job),
                [
                    _job_row(tenant_id, seq, status)
                    for tenant_id, plan in statuses.items()
                    for seq, status in enumerate(plan, start=1)
                ],
            )

        upgrade(database.engine)

        assert status_counts(database, first) == {0: 1, 2: 3, 5: 1}
        assert status_counts(database, second) == {1: 1, 3: 1}
    finally:
        database.dispose()
