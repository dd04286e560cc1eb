"""The jobs listing's common case, answered ahead of the framework's routing.

Partners poll the batch listing far more often than they call anything else,
and a first page costs little to read; the framework's exception handling,
routing and request objects would otherwise be a large share of each poll
(see docs/benchmarks.md). This layer sits inside our own middleware, so the
request id, the access log, the metrics, the rate limits and the body limits
apply as to any request, and answers only what it can answer in full: a
valid request whose page the fast reads find. Everything else, every error
included, goes on to the documented route with the body replayed, so the API
answers it exactly as it always has.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import anyio.to_thread
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from process_center.api.routes.jobs import (
    FAST_ROUTES,
    ListingRequest,
    fast_page,
    fast_page_async,
    page_body,
    understand_listing,
)
from process_center.api.services import Services
from process_center.domain.errors import DomainError
from process_center.identity.errors import BearerError
from process_center.storage.jobs import JobsPage

_LISTING_PATH = re.compile(
    r"/partner/external/v3/bm/customers/([^/]+)/tenants/([^/]+)"
    r"/process-center/jobs/batch"
)
_JSON_HEADERS = [(b"content-type", b"application/json")]


class ListingShortcut:
    def __init__(self, app: ASGIApp, *, services: Services) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = None
        if scope["type"] == "http" and scope["method"] == "POST":
            match = _LISTING_PATH.fullmatch(scope["path"])
        if match is None:
            await self.app(scope, receive, send)
            return

        try:
            body = await _read_body(receive)
        except HTTPException as error:
            # Over the size or time limit: the route reports it as it would.
            await self.app(scope, _Raise(error), send)
            return
        answer = await self._answer(scope, match.groups(), body)
        if answer is None:
            await self.app(scope, _Replay(body, receive), send)
            return

        # Logs and metrics name the route as they would for the routed request.
        scope["route"] = FAST_ROUTES[0]
        headers = [*_JSON_HEADERS, (b"content-length", b"%d" % len(answer))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": answer})

    async def _answer(
        self, scope: Scope, path_ids: tuple[str, ...], body: bytes
    ) -> bytes | None:
        """The response body, or None for the documented route to answer."""
        listing = self._understand(scope, path_ids, body)
        if listing is None or listing.include:
            return None
        page = await self._read(listing)
        return None if page is None else page_body(page, listing.paging)

    def _understand(
        self, scope: Scope, path_ids: tuple[str, ...], body: bytes
    ) -> ListingRequest | None:
        authorization, content_type = _headers(scope)
        try:
            return understand_listing(
                self.services,
                scope.setdefault("state", {}),
                authorization,
                scope["query_string"],
                (path_ids[0], path_ids[1]),
                body,
                content_type,
            )
        except (DomainError, BearerError):
            return None

    async def _read(self, listing: ListingRequest) -> JobsPage | None:
        database = self.services.database
        if database.is_sqlite:
            # Answered after every request the loop read in this turn has
            # been understood, so the answers go out together: one yield,
            # +10% on a kept first page under load (docs/benchmarks.md).
            await asyncio.sleep(0)
            return fast_page(database, listing)
        if database.async_reads is not None:
            return await fast_page_async(database, database.async_reads, listing)
        return await anyio.to_thread.run_sync(
            fast_page, database, listing, limiter=database.read_threads
        )


def _headers(scope: Scope) -> tuple[str | None, str | None]:
    authorization = content_type = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = value.decode("latin-1")
        elif name == b"content-type":
            content_type = value.decode("latin-1")
    return authorization, content_type


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


class _Replay:
    """``receive`` that gives the body once more, then the client's own."""

    __slots__ = ("_body", "_receive")

    def __init__(self, body: bytes, receive: Receive) -> None:
        self._body: bytes | None = body
        self._receive = receive

    async def __call__(self) -> Message:
        if self._body is None:
            return await self._receive()
        message: dict[str, Any] = {
            "type": "http.request",
            "body": self._body,
            "more_body": False,
        }
        self._body = None
        return message


class _Raise:
    """``receive`` that fails as the client's did."""

    __slots__ = ("_error",)

    def __init__(self, error: HTTPException) -> None:
        self._error = error

    async def __call__(self) -> Message:
        raise self._error
