"""Reads on the event loop, for PostgreSQL: psycopg's async connections.

A listing is one statement. Handing it to a worker thread, and through
SQLAlchemy's pool and result objects, costs the server more CPU than the
statement itself; on the event loop, with psycopg's own pool and its
prepared statements, it costs a fraction. The writes and the general
queries keep the thread-and-session path.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import psycopg
from psycopg_pool import AsyncConnectionPool
from sqlalchemy.engine import make_url

T = TypeVar("T")

# Fail fast when the server is away, so callers get a 503 quickly instead of
# hanging on a dead socket. A peer that vanished without closing (host down,
# network cut) is noticed by TCP keepalives and the unacknowledged-data
# timeout in seconds, not the kernel's default quarter of an hour.
POSTGRES_CONNECT_OPTIONS: dict[str, Any] = {
    "connect_timeout": 3,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 3,
    "keepalives_count": 3,
    "tcp_user_timeout": 10_000,
}


def conninfo_of(url: str) -> str:
    """The libpq form of a SQLAlchemy PostgreSQL URL."""
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


class AsyncReads:
    """A small pool of autocommit connections for single-statement reads."""

    def __init__(self, url: str, *, pool_size: int) -> None:
        self._pool = AsyncConnectionPool(
            conninfo_of(url),
            min_size=1,
            max_size=pool_size,
            kwargs={**POSTGRES_CONNECT_OPTIONS, "autocommit": True},
            # As long as the threaded pool waits before a request gets 503.
            timeout=5,
            open=False,
        )
        self.is_open = False

    async def open(self) -> None:
        # Not waiting: a store that is down at start-up must not stop the
        # server from starting; requests get 503 until it is back.
        await self._pool.open(wait=False)
        self.is_open = True

    async def close(self) -> None:
        self.is_open = False
        await self._pool.close()

    async def read(
        self, work: Callable[[psycopg.AsyncConnection[Any]], Awaitable[T]]
    ) -> T:
        """``await work(connection)``; once more on a fresh connection when
        the pooled one turns out dead (the server restarted)."""
        async with self._pool.connection() as connection:
            try:
                return await work(connection)
            except psycopg.OperationalError:
                if not connection.broken:
                    raise
        async with self._pool.connection() as connection:
            return await work(connection)
