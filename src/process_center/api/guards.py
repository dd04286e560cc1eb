"""Request bodies: bounded in size and in the time a client may take to send them.

uvicorn reads bodies as they arrive and has no deadline for them, so a client
that trickles bytes would hold a worker's connection and memory forever. Both
limits are enforced around ``receive``: a declared ``Content-Length`` over the
limit is refused before a byte is read; a body that grows past the limit or
takes too long is refused as soon as that happens.
"""

from __future__ import annotations

import asyncio
import time

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from process_center.api.problems import send_problem

_CLOSE = {"Connection": "close"}


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(
            413, f"The request body exceeds {limit} bytes.", headers=_CLOSE
        )


class BodyTimeout(HTTPException):
    def __init__(self, seconds: float) -> None:
        super().__init__(
            408,
            f"The request body did not arrive within {seconds:g} seconds.",
            headers=_CLOSE,
        )


class BodyGuardMiddleware:
    def __init__(self, app: ASGIApp, *, max_bytes: int, timeout_seconds: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_seconds = timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            error = BodyTooLarge(self.max_bytes)
            await send_problem(scope, send, 413, error.detail, error.headers)
            return
        if declared == 0:
            # Nothing to wait for: the empty body is already here.
            await self.app(scope, receive, send)
            return
        guarded = _GuardedReceive(receive, self.max_bytes, self.timeout_seconds)
        await self.app(scope, guarded, send)


class _GuardedReceive:
    """``receive`` with a byte budget and one deadline for the whole body.

    Both raise HTTPException subclasses, which the routes' exception handling
    turns into problem responses like any other HTTP error.
    """

    __slots__ = ("_deadline", "_done", "_limit", "_receive", "_received", "_seconds")

    def __init__(self, receive: Receive, limit: int, seconds: float) -> None:
        self._receive = receive
        self._limit = limit
        self._seconds = seconds
        self._deadline = time.monotonic() + seconds
        self._received = 0
        self._done = False

    async def __call__(self) -> Message:
        if self._done:
            # After the body, receive() waits for a disconnect, which may
            # rightly take as long as the response does.
            return await self._receive()
        remaining = self._deadline - time.monotonic()
        try:
            async with asyncio.timeout(max(remaining, 0)):
                message = await self._receive()
        except TimeoutError:
            raise BodyTimeout(self._seconds) from None
        if message["type"] == "http.request":
            self._received += len(message.get("body", b""))
            if self._received > self._limit:
                raise BodyTooLarge(self._limit)
            self._done = not message.get("more_body", False)
        else:
            self._done = True
        return message


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            # uvicorn's parsers refuse a non-numeric Content-Length already.
            return int(value) if value.isdigit() else None
    return None
