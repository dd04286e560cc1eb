"""Real servers for client tests: the real app, optionally behind a gate that
counts requests and turns the next few away, as a proxy or rate limiter would."""

from __future__ import annotations

import threading
from collections import Counter, deque
from dataclasses import dataclass

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from process_center.client import Client
from process_center.settings import Settings
from tests.conftest import LiveServer
from tests.factories import Registration

TOKEN_PATH = "/connect/token"


@dataclass(frozen=True)
class Refusal:
    path_prefix: str
    status: int
    retry_after: str | None


class Gate:
    """An ASGI wrapper around the real app: counts every request by path and
    answers the next planned ones with an error instead of passing them on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.counts: Counter[str] = Counter()
        self._plan: deque[Refusal] = deque()
        self._lock = threading.Lock()

    def refuse_next(
        self,
        count: int,
        status: int,
        *,
        retry_after: str | None = None,
        path_prefix: str = "/partner/",
    ) -> None:
        with self._lock:
            self._plan.extend([Refusal(path_prefix, status, retry_after)] * count)

    def reset(self) -> None:
        with self._lock:
            self._plan.clear()
            self.counts.clear()

    @property
    def refusals_left(self) -> int:
        return len(self._plan)

    def count(self, path_prefix: str) -> int:
        return sum(n for path, n in self.counts.items() if path.startswith(path_prefix))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refusal = self._admit(scope["path"])
            if refusal is not None:
                await _refuse(refusal, scope, send)
                return
        await self.app(scope, receive, send)

    def _admit(self, path: str) -> Refusal | None:
        with self._lock:
            self.counts[path] += 1
            if self._plan and path.startswith(self._plan[0].path_prefix):
                return self._plan.popleft()
        return None


async def _refuse(refusal: Refusal, scope: Scope, send: Send) -> None:
    body = orjson.dumps(
        {
            "type": "about:blank",
            "title": "Refused by the gate",
            "status": refusal.status,
            "detail": f"The gate answered {refusal.status}.",
            "instance": scope["path"],
            "requestId": "gate",
        }
    )
    headers = [(b"content-type", b"application/problem+json"), (b"request-id", b"gate")]
    if refusal.retry_after is not None:
        headers.append((b"retry-after", refusal.retry_after.encode()))
    await send(
        {"type": "http.response.start", "status": refusal.status, "headers": headers}
    )
    await send({"type": "http.response.body", "body": body})


class GatedServer(LiveServer):
    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.gate = Gate(self.app)
        self.server.config.app = self.gate


def client_for(
    server_url: str, registration: Registration, **options: object
) -> Client:
    return Client(
        server_url,
        server_url,
        client_id=str(registration.client_id),
        client_secret=registration.client_secret,
        **options,  # type: ignore[arg-type]
    )
