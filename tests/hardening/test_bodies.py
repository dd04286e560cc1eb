"""Hostile bodies and slow clients are refused early and clearly; bugs stay private."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import LiveServer
from tests.factories import World, get_token
from tests.hardening.conftest import StartServer, raw_exchange, status_and_body

LIMIT = 4096


@pytest.fixture
def guarded(start_server: StartServer) -> LiveServer:
    return start_server(max_body_bytes=LIMIT, body_timeout_seconds=1.0)


@pytest.fixture
def client(guarded: LiveServer, world: World) -> Iterator[httpx.Client]:
    """A client of the guarded server, holding a token of the world's app."""
    with httpx.Client(base_url=guarded.url, timeout=10) as http:
        http.headers["Authorization"] = f"Bearer {get_token(http, world.app)}"
        yield http


@pytest.mark.any_store
class TestBodySize:
    def test_declared_length_over_the_limit_is_413_before_reading(
        self, guarded: LiveServer, world: World
    ) -> None:
        # The body is never sent: the answer must not wait for it.
        raw = raw_exchange(
            guarded,
            f"POST {world.jobs_path} HTTP/1.1\r\nHost: x\r\n"
            f"Content-Type: application/json\r\nContent-Length: {LIMIT * 100}\r\n",
        )

        status, body = status_and_body(raw)
        assert status == 413
        assert body["detail"] == f"The request body exceeds {LIMIT} bytes."
        assert b"content-type: application/problem+json" in raw.lower()

    def test_streamed_body_over_the_limit_is_413(
        self, client: httpx.Client, world: World
    ) -> None:
        def chunks() -> Iterator[bytes]:
            yield b'{"jobIds": ["'
            for _ in range(LIMIT // 512 + 2):
                yield b"a" * 512
            yield b'"]}'

        response = client.post(
            world.jobs_path,
            content=chunks(),
            headers={"Content-Type": "application/json"},
        )

        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["requestId"] == response.headers["request-id"]

    def test_token_endpoint_body_over_the_limit_is_413(
        self, guarded: LiveServer
    ) -> None:
        def chunks() -> Iterator[bytes]:
            yield b"grant_type=client_credentials&scope="
            for _ in range(LIMIT // 512 + 2):
                yield b"a" * 512

        with httpx.Client(base_url=guarded.url, timeout=10) as http:
            response = http.post(
                "/connect/token",
                content=chunks(),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )

        assert response.status_code == 413


@pytest.mark.any_store
class TestSlowClients:
    def test_a_body_that_never_finishes_is_408(
        self, guarded: LiveServer, client: httpx.Client, world: World
    ) -> None:
        raw = raw_exchange(
            guarded,
            f"POST {world.jobs_path} HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: {client.headers['Authorization']}\r\n"
            "Content-Type: application/json\r\nContent-Length: 100\r\n",
            b'{"jobIds": [',
        )

        status, body = status_and_body(raw)
        assert status == 408
        assert body["detail"] == "The request body did not arrive within 1 seconds."


@pytest.mark.any_store
class TestMalformedJson:
    @pytest.mark.parametrize(
        "payload",
        [
            b"[" * 1500 + b"]" * 1500,
            b'{"jobIds": ' + b"[" * 1500 + b"]" * 1500 + b"}",
            b'{"jobIds": ["' + b"\\ud800" * 10 + b'"]}',
            b'{"jobIds": [1e999999]}',
            b'{"jobIds": [' + b"9" * 3000 + b"]}",
            b"\xff\xfe{}",
        ],
        ids=[
            "nested",
            "nested-in-field",
            "lone-surrogates",
            "huge-float",
            "huge-int",
            "bom",
        ],
    )
    def test_hostile_json_is_400(
        self, client: httpx.Client, world: World, payload: bytes
    ) -> None:
        response = client.post(
            world.jobs_path,
            content=payload,
            headers={"Content-Type": "application/json"},
        )

        assert response.status_code == 400, response.text
        assert response.json()["errors"]


@pytest.mark.any_store
class TestUnexpectedErrors:
    def test_a_bug_is_a_500_problem_with_the_request_id_and_one_logged_trace(
        self, start_server: StartServer, caplog: pytest.LogCaptureFixture
    ) -> None:
        server = start_server()

        def explode() -> None:
            raise RuntimeError("secret internals: /srv/db password=hunter2")

        server.app.add_api_route("/explode", explode)
        with (
            caplog.at_level(logging.INFO),
            httpx.Client(base_url=server.url, timeout=10) as http,
        ):
            response = http.get("/explode")

        assert response.status_code == 500
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        request_id = response.headers["request-id"]
        assert body["requestId"] == request_id
        assert "hunter2" not in response.text
        assert "Traceback" not in response.text
        traces = [r for r in caplog.records if r.exc_info]
        assert len(traces) == 1
        assert traces[0].__dict__["request_id"] == request_id
        access = [r for r in caplog.records if r.getMessage() == "request"]
        assert [r.__dict__["status"] for r in access] == [500]
