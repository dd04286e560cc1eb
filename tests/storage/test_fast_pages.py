"""The listing's fast reads agree with the plain ones, and survive a dropped
connection."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from process_center.storage.database import Database
from process_center.storage.jobs import (
    JobFilter,
    JobsPage,
    ListedJobs,
    delete_job,
    fast_pages,
    find_tenant,
    list_jobs,
)
from tests.factories import Factory, World


def _same(fast: JobsPage | None, plain: ListedJobs) -> bool:
    """The same page, and the same bytes on the wire."""
    return (
        fast is not None
        and fast.total_count == plain.total_count
        and fast.rows == plain.rows
        and fast.items_json() == plain.items_json()
    )


def _fast(
    database: Database, world: World, job_filter: JobFilter, index: int, size: int
) -> JobsPage | None:
    pages = fast_pages(database.engine.dialect.name)
    owner = (world.partner_id, world.customer_id, world.tenant_id)
    return database.read(lambda c: pages.read(c, owner, job_filter, index, size))


def _plain(
    database: Database, world: World, job_filter: JobFilter, index: int, size: int
) -> ListedJobs:
    with database.engine.connect() as connection:
        tenant = find_tenant(
            connection, world.partner_id, world.customer_id, world.tenant_id
        )
        return ListedJobs.of(list_jobs(connection, tenant, job_filter, index, size))


class TestFastPages:
    @pytest.mark.parametrize(
        ("index", "size"), [(1, 7), (2, 7), (4, 7), (5, 7), (1, 100)]
    )
    def test_pages_match_the_plain_listing(
        self, database: Database, world: World, factory: Factory, index: int, size: int
    ) -> None:
        factory.jobs(world.tenant_id, 30)

        fast = _fast(database, world, JobFilter(), index, size)

        assert _same(fast, _plain(database, world, JobFilter(), index, size))

    def test_id_filter_matches_the_plain_listing_and_skips_other_tenants(
        self, database: Database, world: World, factory: Factory
    ) -> None:
        mine = factory.jobs(world.tenant_id, 12)
        other_tenant = factory.tenant(world.customer_id, "other.onmicrosoft.com")
        theirs = factory.jobs(other_tenant, 3)
        chosen_ids = [*mine[::2], *theirs, uuid.uuid4()]
        chosen = JobFilter(frozenset(str(job_id) for job_id in chosen_ids))

        for index in (1, 2, 3):
            fast = _fast(database, world, chosen, index, 4)
            assert _same(fast, _plain(database, world, chosen, index, 4))
        first = _fast(database, world, chosen, 1, 4)
        assert first is not None
        assert first.total_count == 6

    def test_holes_in_the_numbering_hand_over_to_the_plain_listing(
        self, database: Database, world: World, factory: Factory
    ) -> None:
        created = factory.jobs(world.tenant_id, 10)
        with database.write() as session:
            delete_job(session, created[4])

        assert _fast(database, world, JobFilter(), 1, 5) is None

    def test_an_unknown_tenant_hands_over_to_the_plain_listing(
        self, database: Database, world: World
    ) -> None:
        stranger = World(world.partner_id, world.customer_id, uuid.uuid4(), world.app)

        assert _fast(database, stranger, JobFilter(), 1, 5) is None

    def test_a_tenant_of_another_partner_is_not_read(
        self, database: Database, world: World, factory: Factory
    ) -> None:
        factory.jobs(world.tenant_id, 3)
        intruder = World(uuid.uuid4(), world.customer_id, world.tenant_id, world.app)

        assert _fast(database, intruder, JobFilter(), 1, 5) is None


def test_a_read_survives_the_server_dropping_its_connection(
    database: Database, world: World, factory: Factory
) -> None:
    if database.is_sqlite:
        pytest.skip("an embedded store has no server to drop the connection")
    factory.jobs(world.tenant_id, 3)
    reader = Database(database.url, pool_size=1)
    try:
        assert _fast(reader, world, JobFilter(), 1, 5) is not None
        with database.engine.connect() as admin:
            admin.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        page = _fast(reader, world, JobFilter(), 1, 5)
    finally:
        reader.dispose()
    assert page is not None
    assert page.total_count == 3
