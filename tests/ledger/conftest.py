"""Fixtures for the ledger: an app that may write, and the ledger's URLs."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

import httpx
import pytest

from process_center.domain.permissions import TENANT_READWRITE
from process_center.identity.apps import create_app
from process_center.identity.tokens import TokenIssuer
from process_center.storage.database import Database
from tests.conftest import LiveServer
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


def mint_token(
    server: LiveServer,
    database: Database,
    partner_id: UUID,
    permissions: list[str],
    customer_ids: list[UUID] | None = None,
) -> str:
    """A token for a new app, signed by the server's own keys.

    Skips the token endpoint's secret hashing, which its own tests cover and
    which would dominate these tests' time.
    """
    with database.write() as session:
        app = create_app(
            session,
            partner_id,
            "Producer",
            permissions,
            customer_ids=customer_ids or [],
            group_ids=[],
        )
        client_id = app.client_id
    settings = server.settings
    issuer = TokenIssuer(
        server.app.state.services.keys,
        issuer=settings.public_url,
        audience=settings.api_audience,
        lifetime_seconds=settings.token_lifetime_seconds,
    )
    return issuer.issue(client_id, partner_id, permissions)


@pytest.fixture
def write_token(live_server: LiveServer, database: Database, world: World) -> str:
    return mint_token(live_server, database, world.partner_id, [TENANT_READWRITE])


@pytest.fixture
def writer(live_server: LiveServer, write_token: str) -> Iterator[httpx.Client]:
    with writer_client(live_server.url, write_token) as client:
        yield client
