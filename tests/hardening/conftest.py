"""Fixtures for hardening tests: extra servers with their own settings."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import orjson
import pytest

from process_center.storage.database import Database
from tests.conftest import LiveServer, server_settings

StartServer = Callable[..., LiveServer]
ANY_STORE = "any_store"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{ANY_STORE}: does not depend on the store; runs on SQLite only"
    )


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Run tests marked any_store once, on SQLite, to keep the suite lean."""
    dropped = [item for item in items if _other_store_copy(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in dropped]


def _other_store_copy(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    return (
        item.get_closest_marker(ANY_STORE) is not None
        and callspec is not None
        and callspec.params.get("database_url") != "sqlite"
    )


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


def raw_exchange(server: LiveServer, head: str, body: bytes = b"") -> bytes:
    """Send a request's head and part of its body; read until the server closes."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(head.encode() + b"\r\n" + body)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def status_and_body(raw: bytes) -> tuple[int, dict[str, object]]:
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, orjson.loads(body)
