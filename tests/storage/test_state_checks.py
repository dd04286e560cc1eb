"""Tenant states for kept pages on PostgreSQL: many listings share one check,
and none is told a state older than its own arrival."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

from process_center.storage.async_reads import AsyncReads
from process_center.storage.database import Database
from process_center.storage.page_cache import TenantState
from process_center.storage.state_checks import TenantStateChecks
from tests.factories import Factory, World

T = TypeVar("T")


@pytest.fixture
def postgres(database: Database) -> Database:
    if database.is_sqlite:
        pytest.skip("an embedded store is checked in-process, without a round trip")
    return database


def run(work: Callable[[TenantStateChecks], Awaitable[T]], url: str) -> T:
    async def main() -> T:
        reads = AsyncReads(url, pool_size=2)
        await reads.open()
        try:
            return await work(TenantStateChecks(reads))
        finally:
            await reads.close()

    return asyncio.run(main())


def owner_of(world: World) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    return (world.partner_id, world.customer_id, world.tenant_id)


def test_listings_waiting_together_share_a_check(
    postgres: Database, world: World, factory: Factory
) -> None:
    factory.jobs(world.tenant_id, 3)
    other = factory.tenant(world.customer_id, "other.onmicrosoft.com")
    others = World(world.partner_id, world.customer_id, other, world.app)

    async def work(
        checks: TenantStateChecks,
    ) -> tuple[list[TenantState | None], int, int]:
        owners = [owner_of(world), owner_of(others)] * 20
        states = await asyncio.gather(*(checks.state(owner) for owner in owners))
        return list(states), checks.checks, checks.owners_checked

    states, checks, owners_checked = run(work, postgres.url)

    assert states[0] is not None and states[0].job_count == 3
    assert states[1] is not None and states[1].job_count == 0
    assert states[::2] == [states[0]] * 20 and states[1::2] == [states[1]] * 20
    assert (checks, owners_checked) == (1, 2)


class HeldReads:
    """The store's reads, with the first answer held back until released:
    a check that has read its states but not yet handed them out."""

    def __init__(self, reads: AsyncReads) -> None:
        self._reads = reads
        self.first_read = asyncio.Event()
        self.release = asyncio.Event()

    async def read(self, work: Callable[[Any], Awaitable[T]]) -> T:
        result = await self._reads.read(work)
        if not self.first_read.is_set():
            self.first_read.set()
            await self.release.wait()
        return result


def test_a_write_before_the_request_is_always_seen(
    postgres: Database, world: World, factory: Factory
) -> None:
    async def work(checks: TenantStateChecks) -> tuple[int, int]:
        held = HeldReads(checks._reads)
        checks._reads = held  # type: ignore[assignment]
        first = asyncio.ensure_future(checks.state(owner_of(world)))
        await held.first_read.wait()

        # The first check has read the tenant with no jobs. A write commits,
        # and only then does a second listing arrive: it must not be handed
        # the answer of the check that was on its way before it came.
        await asyncio.to_thread(factory.jobs, world.tenant_id, 2)
        second = asyncio.ensure_future(checks.state(owner_of(world)))
        await asyncio.sleep(0)
        held.release.set()

        earlier, later = await first, await second
        assert earlier is not None and later is not None
        return earlier.job_count, later.job_count

    assert run(work, postgres.url) == (0, 2)


def test_an_owner_that_does_not_match_gets_no_state(
    postgres: Database, world: World
) -> None:
    intruder = (uuid.uuid4(), world.customer_id, world.tenant_id)
    unknown = (world.partner_id, world.customer_id, uuid.uuid4())

    async def work(checks: TenantStateChecks) -> list[TenantState | None]:
        return list(await asyncio.gather(checks.state(intruder), checks.state(unknown)))

    assert run(work, postgres.url) == [None, None]


def test_one_listing_given_up_leaves_the_others_their_answer(
    postgres: Database, world: World
) -> None:
    async def work(checks: TenantStateChecks) -> TenantState | None:
        abandoned = asyncio.ensure_future(checks.state(owner_of(world)))
        kept = asyncio.ensure_future(checks.state(owner_of(world)))
        await asyncio.sleep(0)
        abandoned.cancel()
        return await kept

    state = run(work, postgres.url)

    assert state is not None and state.job_count == 0


def test_a_store_that_is_away_fails_every_waiting_listing(
    postgres: Database, world: World
) -> None:
    async def work(
        checks: TenantStateChecks,
    ) -> list[BaseException | TenantState | None]:
        await checks._reads.close()
        return list(
            await asyncio.gather(
                checks.state(owner_of(world)),
                checks.state(owner_of(world)),
                return_exceptions=True,
            )
        )

    outcomes = run(work, postgres.url)

    assert len(outcomes) == 2
    assert all(isinstance(outcome, Exception) for outcome in outcomes)
