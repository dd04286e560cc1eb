"""The live feed of a tenant's job changes, as Server-Sent Events.

The feed is the ``job_events`` table read by id, so a client resumes exactly
where it left off by sending the last id it saw (``Last-Event-ID``). Readers
wait between reads until something may have changed:

- a change committed by this process wakes them at once (``FeedHub.wake``);
- on PostgreSQL, one LISTEN connection per process hears the NOTIFY that
  every change sends on commit, so changes made by other processes wake
  them too;
- otherwise (SQLite, or while the LISTEN connection is down) they poll
  every ``poll_seconds``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from uuid import UUID

import orjson
import psycopg
from sqlalchemy.engine import make_url
from starlette.concurrency import run_in_threadpool

from process_center.ledger.wire import event_json
from process_center.storage.database import Database
from process_center.storage.ledger import CHANGES_CHANNEL, EventRow, events_after

logger = logging.getLogger(__name__)

EVENTS_PER_READ = 200
_RECONNECT_SECONDS = (0.5, 1.0, 2.0, 5.0)


@dataclass(frozen=True, slots=True)
class FeedTiming:
    poll_seconds: float = 1.0
    heartbeat_seconds: float = 15.0
    stream_seconds: float = 300.0
    retry_millis: int = 2000


class FeedHub:
    """Wakes a process's feed readers when their tenant's jobs change."""

    def __init__(self, database: Database, timing: FeedTiming) -> None:
        self.database = database
        self.timing = timing
        self._waiters: dict[UUID, set[asyncio.Event]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._listener: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()

    @property
    def listening(self) -> bool:
        return self._listening.is_set()

    async def start(self, ready_timeout: float = 5.0) -> None:
        self._loop = asyncio.get_running_loop()
        if self.database.engine.dialect.name != "postgresql":
            return
        self._listener = asyncio.create_task(self._listen(), name="feed-listener")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._listening.wait(), ready_timeout)
        if not self.listening:
            logger.warning("feed_listener_not_ready", extra={"fallback": "polling"})

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        self._loop = None

    def wake(self, tenant_id: UUID) -> None:
        """Safe to call from any thread, e.g. a route's worker thread."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake_now, tenant_id)

    @contextlib.contextmanager
    def subscribe(self, tenant_id: UUID) -> Iterator[asyncio.Event]:
        event = asyncio.Event()
        self._waiters.setdefault(tenant_id, set()).add(event)
        try:
            yield event
        finally:
            waiters = self._waiters.get(tenant_id, set())
            waiters.discard(event)
            if not waiters:
                self._waiters.pop(tenant_id, None)

    def wait_seconds(self) -> float:
        if self.listening:
            return self.timing.heartbeat_seconds
        return self.timing.poll_seconds

    def _wake_now(self, tenant_id: UUID) -> None:
        for event in self._waiters.get(tenant_id, ()):
            event.set()

    def _wake_everyone(self) -> None:
        for waiters in self._waiters.values():
            for event in waiters:
                event.set()

    async def _listen(self) -> None:
        conninfo = (
            make_url(self.database.url)
            .set(drivername="postgresql")
            .render_as_string(hide_password=False)
        )
        failures = 0
        while True:
            try:
                await self._listen_once(conninfo)
            except (psycopg.Error, OSError) as error:
                self._listening.clear()
                delay = _RECONNECT_SECONDS[min(failures, len(_RECONNECT_SECONDS) - 1)]
                failures += 1
                logger.warning(
                    "feed_listener_lost",
                    extra={"error": type(error).__name__, "retry_seconds": delay},
                )
                await asyncio.sleep(delay)

    async def _listen_once(self, conninfo: str) -> None:
        async with await psycopg.AsyncConnection.connect(
            conninfo, autocommit=True, connect_timeout=3
        ) as connection:
            await connection.execute(f"LISTEN {CHANGES_CHANNEL}")
            self._listening.set()
            # Anything committed while we were not listening is found by a read.
            self._wake_everyone()
            async for notice in connection.notifies():
                with contextlib.suppress(ValueError):
                    self._wake_now(UUID(notice.payload))


async def stream_events(
    hub: FeedHub, tenant_id: UUID, after_id: int
) -> AsyncIterator[bytes]:
    """The tenant's events after ``after_id`` as SSE, then new ones as they come.

    The stream ends after ``stream_seconds``; the client reconnects with
    ``Last-Event-ID`` (browsers do it on their own). That bounds how long a
    revoked permission keeps a stream open, and lets servers shut down.
    """
    timing = hub.timing
    deadline = time.monotonic() + timing.stream_seconds
    yield f"retry: {timing.retry_millis}\n\n".encode()
    quiet_since = time.monotonic()
    with hub.subscribe(tenant_id) as wakeup:
        while time.monotonic() < deadline:
            # Cleared before reading, so a change during the read is not missed.
            wakeup.clear()
            events = await run_in_threadpool(_read, hub.database, tenant_id, after_id)
            for event in events:
                after_id = event.id
                yield _encode(event.id, event_json(event))
            if len(events) == EVENTS_PER_READ:
                continue
            if events:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= timing.heartbeat_seconds:
                yield b": keep-alive\n\n"
                quiet_since = time.monotonic()
            remaining = deadline - time.monotonic()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    wakeup.wait(), max(0.0, min(hub.wait_seconds(), remaining))
                )


def _read(database: Database, tenant_id: UUID, after_id: int) -> list[EventRow]:
    with database.engine.connect() as connection:
        return events_after(connection, tenant_id, after_id, EVENTS_PER_READ)


def _encode(event_id: int, data: dict[str, object]) -> bytes:
    return b"id: %d\nevent: job\ndata: %s\n\n" % (event_id, orjson.dumps(data))
