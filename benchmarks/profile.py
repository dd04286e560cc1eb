"""The app called in-process: CPU time per request, and where it goes.

No network and no load generator: each scenario's requests go straight into
the ASGI app, one after another, on one event loop, and the process's CPU
time is read around them. That isolates what our code costs from uvicorn's
HTTP work and from whatever else shares the machine, so a change to the hot
path can be judged in a minute. ``--profile`` adds cProfile's top functions.
"""

from __future__ import annotations

import asyncio
import cProfile
import io
import logging
import os
import pstats
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import orjson

from benchmarks.dataset import Manifest
from benchmarks.driver import BENCH_ISSUER, HttpRequest
from benchmarks.scenarios import TOKEN_PATH, Scenario, _token_form, read_scenarios


@dataclass(frozen=True)
class InProcessResult:
    name: str
    requests: int
    cpu_us: float
    statuses: dict[int, int]


class _Lifespan:
    """Runs the app's startup and shutdown as a server would."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.inbox: asyncio.Queue[dict[str, str]] = asyncio.Queue()
        self.outbox: asyncio.Queue[dict[str, str]] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> _Lifespan:
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        self.task = asyncio.create_task(
            self.app(scope, self.inbox.get, self.outbox.put)
        )
        await self.inbox.put({"type": "lifespan.startup"})
        message = await self.outbox.get()
        if message["type"] != "lifespan.startup.complete":
            raise RuntimeError(f"startup failed: {message}")
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.inbox.put({"type": "lifespan.shutdown"})
        await self.outbox.get()
        assert self.task is not None
        await self.task


async def call(app: Any, request: HttpRequest) -> tuple[int, bytes]:
    """One request through the ASGI app: its status and body."""
    path, _, query = request.path.partition("?")
    headers = [(b"host", b"127.0.0.1")]
    if request.body:
        headers.append((b"content-type", request.content_type.encode()))
        headers.append((b"content-length", str(len(request.body)).encode()))
    if request.token:
        headers.append((b"authorization", f"Bearer {request.token}".encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    body = request.body.encode()
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    status = 0
    chunks: list[bytes] = []

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def _fetch_token(app: Any, manifest: Manifest) -> str:
    form = urlencode(_token_form(manifest))
    request = HttpRequest(
        "POST", TOKEN_PATH, form, content_type="application/x-www-form-urlencoded"
    )
    status, body = await call(app, request)
    if status != 200:
        raise RuntimeError(f"token request failed: {status} {body!r}")
    token: str = orjson.loads(body)["access_token"]
    return token


async def _measure(
    app: Any, scenario: Scenario, count: int, profiler: cProfile.Profile | None
) -> InProcessResult:
    requests = scenario.requests
    for index in range(min(count, 50)):  # warm the caches
        await call(app, requests[index % len(requests)])
    statuses: dict[int, int] = {}
    started = time.process_time()
    if profiler is not None:
        profiler.enable()
    for index in range(count):
        status, _ = await call(app, requests[index % len(requests)])
        statuses[status] = statuses.get(status, 0) + 1
    if profiler is not None:
        profiler.disable()
    elapsed = time.process_time() - started
    return InProcessResult(scenario.name, count, elapsed / count * 1e6, statuses)


async def _run(
    manifest: Manifest, only: Sequence[str], count: int, profile: bool
) -> list[tuple[InProcessResult, str]]:
    os.environ.setdefault("PROCESS_CENTER_DATABASE_URL", manifest.database_url)
    os.environ.setdefault("PROCESS_CENTER_PUBLIC_URL", BENCH_ISSUER)
    os.environ.setdefault("PROCESS_CENTER_APP_RATE_LIMIT", "1000000000/minute")
    os.environ.setdefault("PROCESS_CENTER_TOKEN_RATE_LIMIT", "1000000000/minute")
    from process_center.api.app import create_app
    from process_center.logs import configure_logging

    # The access log is written, as the server writes it, but to nowhere.
    configure_logging(os.environ.get("PROCESS_CENTER_LOG_LEVEL", "INFO"))
    logging.getLogger().handlers[0].setStream(open(os.devnull, "w"))  # noqa: SIM115
    app = create_app()
    results = []
    async with _Lifespan(app):
        token = await _fetch_token(app, manifest)
        for scenario in read_scenarios(manifest, token):
            if only and scenario.name not in only:
                continue
            profiler = cProfile.Profile() if profile else None
            result = await _measure(app, scenario, count, profiler)
            results.append((result, _top(profiler) if profiler else ""))
    return results


def _top(profiler: cProfile.Profile, limit: int = 35) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(limit)
    return out.getvalue()


def run(
    manifest: Manifest, only: Sequence[str], count: int, profile: bool
) -> list[tuple[InProcessResult, str]]:
    return asyncio.run(_run(manifest, only, count, profile))
