"""Tenant states for kept listing pages, checked many at a time (PostgreSQL).

A listing whose page is kept (``page_cache``) needs only its tenant's state
from the store to know the page is still true. On PostgreSQL that is a round
trip, and a round trip costs this process more CPU than serving the page.
Under load many listings wait for a state at once, so the ones that arrive
while a check is on its way are sent together in the next check: one
statement, one connection, one round trip for all of them.

A listing never joins a check already sent, so the state it is given was
read after it arrived: a write committed before the request is always seen,
on whichever process it was made.
"""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

from process_center.storage.async_reads import AsyncReads
from process_center.storage.page_cache import TenantState

Owner = tuple[UUID, UUID, UUID]  # partner, customer, tenant

_STATES = """
    SELECT o.tenant, o.customer, o.partner,
        t.job_seq, t.job_floor, t.job_count, coalesce((
            SELECT max(e.id) FROM job_events AS e WHERE e.tenant_id = t.id), 0)
    FROM unnest(
        CAST(%(tenants)s AS uuid[]),
        CAST(%(customers)s AS uuid[]),
        CAST(%(partners)s AS uuid[])) AS o(tenant, customer, partner)
    JOIN tenants AS t ON t.id = o.tenant AND t.customer_id = o.customer
    JOIN customers AS c ON c.id = t.customer_id AND c.partner_id = o.partner
"""


class TenantStateChecks:
    """The states of tenants, read for every listing that waits, together."""

    def __init__(self, reads: AsyncReads) -> None:
        self._reads = reads
        self._waiting: dict[Owner, asyncio.Future[TenantState | None]] = {}
        self._sending = False
        # How many checks were sent, and for how many owners: the batching
        # the docs and tests speak of.
        self.checks = 0
        self.owners_checked = 0

    async def state(self, owner: Owner) -> TenantState | None:
        """The tenant's state now; None if it is not the customer's and the
        partner's (the listing's general path then says what is wrong)."""
        future = self._waiting.get(owner)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._waiting[owner] = future
            if not self._sending:
                self._sending = True
                asyncio.get_running_loop().create_task(self._send_all())
        # Shielded: one listing given up on must not cancel the others' wait.
        return await asyncio.shield(future)

    async def _send_all(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, {}
                await self._send(batch)
        finally:
            self._sending = False

    async def _send(
        self, batch: dict[Owner, asyncio.Future[TenantState | None]]
    ) -> None:
        try:
            states = await self._reads.read(lambda c: self._read(c, list(batch)))
        except Exception as error:
            for future in batch.values():
                if not future.done():
                    future.set_exception(error)
                    # Marked seen: a waiter that gave up must not leave it unread.
                    future.exception()
            return
        for owner, future in batch.items():
            if not future.done():
                future.set_result(states.get(owner))

    async def _read(
        self, connection: Any, owners: list[Owner]
    ) -> dict[Owner, TenantState]:
        self.checks += 1
        self.owners_checked += len(owners)
        parameters = {
            "partners": [partner for partner, _, _ in owners],
            "customers": [customer for _, customer, _ in owners],
            "tenants": [tenant for _, _, tenant in owners],
        }
        cursor = await connection.execute(_STATES, parameters)
        return {
            (row[2], row[1], row[0]): TenantState(*row[3:7])
            for row in await cursor.fetchall()
        }
