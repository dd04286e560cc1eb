"""Engines and sessions for SQLite (the embedded default) and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import anyio
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from process_center.storage.async_reads import POSTGRES_CONNECT_OPTIONS, AsyncReads
from process_center.storage.page_cache import PageCache
from process_center.storage.state_checks import TenantStateChecks

T = TypeVar("T")


def create_database_engine(
    url: str, *, pool_size: int = 10, single_statements: bool = False
) -> Engine:
    """An engine for ``url``.

    With ``single_statements`` its connections run in autocommit and skip the
    liveness ping: for reads that are one statement each, so neither a
    transaction nor a ping adds a round trip (``Database.read`` retries once
    instead when a pooled connection turns out dead).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, pool_size, for_reads=single_statements)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        # psycopg 3 rather than SQLAlchemy's default psycopg2.
        parsed = parsed.set(drivername="postgresql+psycopg")
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql":
        connect_args = dict(POSTGRES_CONNECT_OPTIONS)
    options: dict[str, Any] = {}
    if single_statements:
        options["isolation_level"] = "AUTOCOMMIT"
    return create_engine(
        parsed,
        pool_size=pool_size,
        # The single statements come from at most ``pool_size`` threads at once
        # (``Database.read_threads``), so their pool needs no overflow.
        max_overflow=0 if single_statements else pool_size,
        pool_pre_ping=not single_statements,
        pool_timeout=5,
        connect_args=connect_args,
        **options,
    )


def _sqlite_engine(url: str, pool_size: int, *, for_reads: bool) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    # A pool as big as the threads that use it: a connection opened past the
    # pool's size is closed after one use, and opening one costs more than
    # the query it serves.
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=pool_size,
        max_overflow=pool_size,
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # The sqlite3 module's own transaction handling would defer BEGIN;
        # we issue BEGIN IMMEDIATE ourselves for writes (see ``Database.transaction``).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if for_reads:
            # Room for the upper levels of the jobs indexes, so a lookup by
            # ID mostly stays in memory instead of reading pages again.
            cursor.execute("PRAGMA cache_size=-32768")
        cursor.close()

    if not for_reads:

        @event.listens_for(engine, "begin")
        def _begin(connection: Any) -> None:
            mode = connection.info.pop("sqlite_begin", "BEGIN")
            connection.exec_driver_sql(mode)

    return engine


class Database:
    """An engine and its session factory; the one way the services reach storage."""

    def __init__(
        self, url: str, *, pool_size: int = 10, page_cache_bytes: int = 0
    ) -> None:
        self.url = url
        self.engine = create_database_engine(url, pool_size=pool_size)
        self._reads = create_database_engine(
            url, pool_size=pool_size, single_statements=True
        )
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._pool_size = pool_size
        # PostgreSQL's single-statement reads on the event loop, once the
        # app has started (``open_async_reads``); None until then.
        self.async_reads: AsyncReads | None = None
        # Their batched checks of kept pages' tenants, with them.
        self.state_checks: TenantStateChecks | None = None
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Threads that read at once, no more than the pool holds connections:
        # past that, each extra thread would open (and close) a connection of
        # its own, which costs far more than waiting for a pooled one.
        self.read_threads = anyio.CapacityLimiter(pool_size)
        # Connections each pool may open: its size plus as many overflow.
        self.connection_capacity = 2 * pool_size
        # Listing pages kept while their tenant is unchanged; None when off.
        self.page_cache = PageCache(page_cache_bytes) if page_cache_bytes else None
        self._kept = threading.local()
        self._kept_lock = threading.Lock()
        self._kept_connections: list[Connection] = []

    def read(self, work: Callable[[Connection], T]) -> T:
        """``work(connection)`` on an autocommit connection, where each
        statement sees its own snapshot: for reads of one statement.

        A pooled connection that went stale (the server restarted) is
        dropped and the read runs once more on a new one.
        """
        if self.is_sqlite:
            return self._read_on_kept_connection(work)
        try:
            with self._reads.connect() as connection:
                return work(connection)
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
        with self._reads.connect() as connection:
            return work(connection)

    def _read_on_kept_connection(self, work: Callable[[Connection], T]) -> T:
        # SQLite: each thread keeps one reading connection. Checking one out of
        # the pool and returning it costs more than an indexed read.
        connection: Connection | None = getattr(self._kept, "connection", None)
        if connection is None:
            connection = self._kept.connection = self._reads.connect()
            with self._kept_lock:
                self._kept_connections.append(connection)
        try:
            return work(connection)
        except BaseException:
            self._kept.connection = None
            connection.invalidate()
            raise

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read session; whatever it did is rolled back at the end."""
        with self._sessions() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose work commits as one transaction, or not at all."""
        with (
            self.transaction() as connection,
            Session(bind=connection, expire_on_commit=False) as session,
        ):
            yield session
            # The transaction is the connection's, so the session's pending
            # changes must reach it before it commits.
            session.flush()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection whose statements commit as one transaction, or not at
        all: the write path without an ORM session's bookkeeping."""
        with self.engine.connect() as connection:
            if self.is_sqlite:
                # Take the write lock up front: a deferred transaction that
                # reads and then writes can fail with SQLITE_BUSY mid-way.
                connection.info["sqlite_begin"] = "BEGIN IMMEDIATE"
            with connection.begin():
                yield connection

    async def open_async_reads(self) -> None:
        if self.is_sqlite or self.async_reads is not None:
            return
        reads = AsyncReads(self.url, pool_size=self._pool_size)
        await reads.open()
        self.async_reads = reads
        self.state_checks = TenantStateChecks(reads)

    async def close_async_reads(self) -> None:
        reads, self.async_reads = self.async_reads, None
        self.state_checks = None
        if reads is not None:
            await reads.close()

    def dispose(self) -> None:
        with self._kept_lock:
            for connection in self._kept_connections:
                connection.invalidate()
            self._kept_connections.clear()
        self._kept = threading.local()
        self.engine.dispose()
        self._reads.dispose()
