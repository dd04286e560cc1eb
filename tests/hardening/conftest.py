"""Fixtures for hardening tests: extra servers with their own settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from process_center.storage.database import Database
from tests.conftest import LiveServer, server_settings

StartServer = Callable[..., LiveServer]


@pytest.fixture
def start_server(database: Database) -> Iterator[StartServer]:
    """Starts servers on the test store with settings overridden; stops them after."""
    servers: list[LiveServer] = []

    def start(**overrides: object) -> LiveServer:
        server = LiveServer(server_settings(database.url, **overrides))
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
