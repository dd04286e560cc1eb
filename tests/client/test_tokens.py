"""Tokens: fetched once, shared, refreshed before they expire, and refreshed
once when the server refuses one early."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import anyio
import pytest

from process_center.client import (
    AsyncClient,
    Client,
    TokenError,
    Unauthorized,
)
from process_center.identity.apps import delete_app
from process_center.storage.database import Database
from tests.client.conftest import QUICK_RETRIES, SHORT_TOKEN_SECONDS, SMALL_POOL
from tests.client.servers import TOKEN_PATH, GatedServer, client_for
from tests.conftest import LiveServer, server_settings
from tests.factories import World

DISCOVERY_PATH = "/.well-known/openid-configuration"
CALLERS = 12


def _wait_for_refresh_time() -> None:
    # The client refreshes a quarter of the lifetime early.
    time.sleep(SHORT_TOKEN_SECONDS * 0.75 + 0.2)


def test_one_token_serves_many_calls(gate: GatedServer, world: World) -> None:
    with client_for(gate.url, world.app) as pc:
        for _ in range(5):
            pc.tenants.page()

    assert gate.gate.count(TOKEN_PATH) == 1
    assert gate.gate.count(DISCOVERY_PATH) == 1
    assert gate.gate.count("/partner/") == 5


def test_a_token_is_refreshed_before_it_expires(
    short_tokens: GatedServer, world: World
) -> None:
    with client_for(short_tokens.url, world.app) as pc:
        pc.tenants.page()
        _wait_for_refresh_time()
        pc.tenants.page()

    assert short_tokens.gate.count(TOKEN_PATH) == 2
    # Had the token been used after expiry, the server would have refused it
    # and the client would have asked again.
    assert short_tokens.gate.count("/partner/") == 2


# Tokens live an hour on the gate server, so only the client's state decides
# when to fetch one: at first, and again after invalidate().


def test_concurrent_threads_share_one_refresh(gate: GatedServer, world: World) -> None:
    with client_for(gate.url, world.app) as pc:
        _call_together(pc)
        assert gate.gate.count(TOKEN_PATH) == 1

        pc.auth.invalidate()
        _call_together(pc)

    assert gate.gate.count(TOKEN_PATH) == 2
    # More only if a busy store made the server answer 503 and the client retry.
    assert gate.gate.count("/partner/") >= 2 * CALLERS


def test_concurrent_tasks_share_one_refresh(gate: GatedServer, world: World) -> None:
    async def run() -> None:
        async with AsyncClient(
            gate.url,
            gate.url,
            client_id=str(world.app.client_id),
            client_secret=world.app.client_secret,
        ) as pc:
            for round_ in range(2):
                if round_:
                    pc.auth.invalidate()
                async with anyio.create_task_group() as group:
                    for _ in range(CALLERS):
                        group.start_soon(pc.tenants.page)

    anyio.run(run)

    assert gate.gate.count(TOKEN_PATH) == 2
    # More only if a busy store made the server answer 503 and the client retry.
    assert gate.gate.count("/partner/") >= 2 * CALLERS


def test_a_refused_token_is_refreshed_once(
    gate: GatedServer, world: World, database: Database
) -> None:
    with client_for(gate.url, world.app, retries=QUICK_RETRIES) as pc:
        pc.tenants.page()
        with database.write() as session:
            delete_app(session, world.app.client_id)

        # The server notices within its registration cache time (2 s).
        error = _first_error(pc, deadline=time.monotonic() + 10)

    assert isinstance(error, TokenError)
    assert error.error == "invalid_client" and error.status == 401
    assert gate.gate.count(TOKEN_PATH) == 2


def test_a_token_refused_after_refresh_is_unauthorized(
    database_url: str, gate: GatedServer, world: World
) -> None:
    # A second deployment trusts only its own issuer, so it refuses every
    # token the first one issues, fresh or not.
    api = LiveServer(server_settings(database_url, db_pool_size=SMALL_POOL))
    api.start()
    try:
        with (
            Client(
                api.url,
                gate.url,
                client_id=str(world.app.client_id),
                client_secret=world.app.client_secret,
            ) as pc,
            pytest.raises(Unauthorized) as raised,
        ):
            pc.tenants.page()
    finally:
        api.stop()

    assert raised.value.status == 401
    assert "another issuer" in raised.value.detail
    assert raised.value.request_id
    assert gate.gate.count(TOKEN_PATH) == 2


def _call_together(pc: Client) -> None:
    start = threading.Barrier(CALLERS)

    def call() -> None:
        start.wait(timeout=10)
        pc.tenants.page()

    with ThreadPoolExecutor(CALLERS) as pool:
        for future in [pool.submit(call) for _ in range(CALLERS)]:
            future.result(timeout=30)


def _first_error(pc: Client, *, deadline: float) -> Exception:
    while time.monotonic() < deadline:
        try:
            pc.tenants.page()
        except Exception as error:
            return error
        time.sleep(0.2)
    raise AssertionError("the server never refused the deleted app's token")
