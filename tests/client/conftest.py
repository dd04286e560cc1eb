from __future__ import annotations

from collections.abc import Iterator

import pytest

from process_center.client import Client, Retries
from tests.client.servers import GatedServer, client_for
from tests.conftest import LiveServer, server_settings
from tests.factories import World

# Short waits keep retry tests quick; the waits themselves are checked elsewhere.
QUICK_RETRIES = Retries(attempts=4, backoff=0.01, max_backoff=0.05)
# The extra servers share a PostgreSQL server with every other test run.
SMALL_POOL = 2


@pytest.fixture(scope="session")
def gated_server(database_url: str, live_server: LiveServer) -> Iterator[GatedServer]:
    # Depends on live_server so the store is migrated and keyed before it starts.
    server = GatedServer(server_settings(database_url, db_pool_size=SMALL_POOL))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def gate(gated_server: GatedServer) -> Iterator[GatedServer]:
    gated_server.gate.reset()
    yield gated_server
    gated_server.gate.reset()


@pytest.fixture
def client(live_server: LiveServer, world: World) -> Iterator[Client]:
    with client_for(live_server.url, world.app, retries=QUICK_RETRIES) as pc:
        yield pc


# Tokens live 2 s here, so the client refreshes them after 1.5 s.
SHORT_TOKEN_SECONDS = 2


@pytest.fixture(scope="session")
def short_token_server(
    database_url: str, live_server: LiveServer
) -> Iterator[GatedServer]:
    server = GatedServer(
        server_settings(
            database_url,
            token_lifetime_seconds=SHORT_TOKEN_SECONDS,
            db_pool_size=SMALL_POOL,
        )
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def short_tokens(short_token_server: GatedServer) -> GatedServer:
    short_token_server.gate.reset()
    return short_token_server
