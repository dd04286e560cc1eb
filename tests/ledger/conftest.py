"""The ledger's URLs and clients (the `writer` fixture is in the root conftest)."""

from __future__ import annotations

from uuid import UUID

import httpx

from tests.factories import World


def ledger_path(world: World, job_id: UUID | str | None = None) -> str:
    base = (
        f"/partner/external/v3/bm/customers/{world.customer_id}"
        f"/tenants/{world.tenant_id}/process-center/jobs"
    )
    return base if job_id is None else f"{base}/{job_id}"


def events_path(world: World) -> str:
    return ledger_path(world) + "/events"


def writer_client(server_url: str, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=server_url,
        timeout=30,
        headers={"Authorization": f"Bearer {token}"},
    )
