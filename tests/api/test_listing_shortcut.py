"""The listing's shortcut answers the common case itself, and hands everything
else, body intact, to the documented route."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import orjson
import pytest
from starlette.types import Receive, Scope, Send

from process_center.api.services import build_services
from process_center.api.shortcut import ListingShortcut
from process_center.storage.database import Database
from tests.conftest import LiveServer
from tests.factories import Factory, World, sign_access_token


class _Route:
    """Stands in for the routed app: records what reached it."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = await receive()
        self.bodies.append(message.get("body", b""))
        await send({"type": "http.response.start", "status": 599, "headers": []})
        await send({"type": "http.response.body", "body": b""})


Exchange = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]


def _through_shortcut(
    live_server: LiveServer, exchange: Exchange
) -> tuple[httpx.Response, _Route]:
    """``exchange`` against a shortcut of its own on the live server's store."""
    route = _Route()
    services = build_services(live_server.settings)

    async def run() -> httpx.Response:
        await services.database.open_async_reads()
        try:
            shortcut = ListingShortcut(route, services=services)
            transport = httpx.ASGITransport(app=shortcut)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://test"
            ) as client:
                return await exchange(client)
        finally:
            await services.database.close_async_reads()
            services.database.dispose()

    return asyncio.run(run()), route


@pytest.fixture
def bearer(database: Database, live_server: LiveServer, world: World) -> dict[str, str]:
    token = sign_access_token(database, live_server.settings.public_url, world.app)
    return {"Authorization": f"Bearer {token}"}


def test_a_plain_listing_is_answered_without_the_route_and_byte_for_byte(
    live_server: LiveServer,
    factory: Factory,
    world: World,
    bearer: dict[str, str],
    http: httpx.Client,
) -> None:
    job_ids = factory.jobs(world.tenant_id, 7)
    body = {"jobIds": [str(job_ids[1]), str(job_ids[4]).upper()]}
    cases: list[dict[str, Any]] = [
        {"params": {"pageSize": 3, "pageIndex": 2}},
        {"params": {"pageSize": 5}, "content": orjson.dumps(body)},
        {"params": {}, "content": b""},
    ]
    headers = {**bearer, "Content-Type": "application/json"}
    for case in cases:

        async def exchange(
            client: httpx.AsyncClient, case: dict[str, Any] = case
        ) -> httpx.Response:
            return await client.post(world.jobs_path, headers=headers, **case)

        response, route = _through_shortcut(live_server, exchange)
        routed = http.post(world.jobs_path, headers=headers, **case)

        assert route.bodies == []
        assert response.status_code == 200
        assert response.content == routed.content
        assert response.headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    ("headers", "content"),
    [
        ({}, b'{"jobIds": []}'),  # no token: the route answers 401
        (None, b'{"jobIds": ["not-a-guid"]}'),  # the route names the bad item
        (None, b'{"include": ["times"]}'),  # extra fields: the general path
        (None, b'{"statuses": [2]}'),  # filters the fast reads do not answer
    ],
)
def test_everything_else_reaches_the_route_with_its_body(
    live_server: LiveServer,
    factory: Factory,
    world: World,
    bearer: dict[str, str],
    headers: dict[str, str] | None,
    content: bytes,
) -> None:
    factory.jobs(world.tenant_id, 2)
    sent = {
        **(bearer if headers is None else headers),
        "Content-Type": "application/json",
    }

    async def exchange(client: httpx.AsyncClient) -> httpx.Response:
        return await client.post(world.jobs_path, headers=sent, content=content)

    response, route = _through_shortcut(live_server, exchange)

    assert response.status_code == 599
    assert route.bodies == [content]
