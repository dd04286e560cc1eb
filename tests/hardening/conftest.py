"""Fixtures for hardening tests: extra servers with their own settings."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import orjson
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
