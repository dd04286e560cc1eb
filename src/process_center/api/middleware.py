"""Request context: a request id on every response, one log line per request,
and a problem response for anything that escapes the routes."""

from __future__ import annotations

import logging
import random
import re
import time
from typing import Any

import psycopg
from psycopg_pool import PoolTimeout as AsyncPoolTimeout
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from process_center.api.problems import send_problem
from process_center.metrics import Metrics

logger = logging.getLogger("process_center.access")
error_logger = logging.getLogger("process_center.errors")

# A client's correlation id is echoed only if it looks like one: no header
# injection, nothing huge in our logs.
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
DATABASE_RETRY_AFTER_SECONDS = 5


def _is_database_unavailable(error: BaseException) -> bool:
    # SQLAlchemy's errors come from the threaded path, psycopg's own from the
    # listing's reads on the event loop (storage/async_reads.py).
    if isinstance(error, PoolTimeout | AsyncPoolTimeout):
        return True
    if isinstance(error, OperationalError | psycopg.OperationalError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, *, metrics: Metrics | None = None) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        request_id = _new_request_id()
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        client_request_id = _client_request_id(scope)
        started = time.perf_counter()
        status_holder: dict[str, Any] = {"status": 500, "started": False}

        async def send_with_ids(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["started"] = True
                headers = list(message.get("headers", []))
                headers.append((b"request-id", request_id.encode()))
                if client_request_id:
                    headers.append((b"client-request-id", client_request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_ids)
        except Exception as error:
            if status_holder["started"]:
                raise
            await self._send_failure(scope, send_with_ids, error, request_id)
        finally:
            self._log(scope, status_holder["status"], started, request_id)

    async def _send_failure(
        self, scope: Scope, send: Send, error: Exception, request_id: str
    ) -> None:
        if _is_database_unavailable(error):
            error_logger.warning(
                "database_unavailable",
                extra={"request_id": request_id, "error": type(error).__name__},
            )
            if self.metrics is not None:
                self.metrics.store_unavailable.inc()
            await send_problem(
                scope,
                send,
                503,
                "The job store is unavailable; retry shortly.",
                {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
            )
            return
        # The trace goes to the log, once; the client gets only the request id.
        error_logger.error(
            "unhandled_error", exc_info=error, extra={"request_id": request_id}
        )
        await send_problem(
            scope,
            send,
            500,
            "An unexpected error occurred. Quote the request id to support.",
        )

    def _log(self, scope: Scope, status: int, started: float, request_id: str) -> None:
        elapsed = time.perf_counter() - started
        state = scope.get("state", {})
        route = getattr(scope.get("route"), "path", None)
        logger.info(
            "request",
            extra={
                "request_id": request_id,
                "method": scope.get("method"),
                "path": scope.get("path"),
                "route": route,
                "status": status,
                "duration_ms": round(elapsed * 1000, 3),
                "client_id": state.get("client_id"),
            },
        )
        if self.metrics is not None:
            self.metrics.observe_request(scope["method"], route, status, elapsed)


def _new_request_id() -> str:
    # Request ids name requests in logs and support calls; they guard nothing,
    # so the fast generator will do where uuid4 would read the kernel's
    # entropy on every request.
    return f"{random.getrandbits(128):032x}"


def _client_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"client-request-id":
            text = value.decode("latin-1")
            return text if _CLIENT_REQUEST_ID.match(text) else None
    return None
