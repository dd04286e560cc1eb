"""Shared fixtures: a real store (SQLite and PostgreSQL) behind a real HTTP server.

PostgreSQL tests need PROCESS_CENTER_TEST_POSTGRES_URL (a server where the
tests may create databases). Without it they skip with that reason, except in
CI (CI=true), where a missing PostgreSQL is an error.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from uuid import UUID

import httpx
import pytest
import uvicorn
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from process_center.api.app import create_app
from process_center.domain.permissions import TENANT_READWRITE
from process_center.identity.apps import create_app as create_registration
from process_center.identity.tokens import TokenIssuer
from process_center.settings import Settings
from process_center.storage.database import Database
from process_center.storage.migrate import upgrade
from process_center.storage.models import Base
from tests.factories import Factory, World, get_token

POSTGRES_URL_VARIABLE = "PROCESS_CENTER_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", "postgres"]
# Tables that outlive a test: the schema version and the signing keys the
# running server holds in memory.
_KEPT_TABLES = {"signing_keys"}


def postgres_admin_url() -> str | None:
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if url:
        return url
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {POSTGRES_URL_VARIABLE} is not set", pytrace=False)
    return None


def create_postgres_database(admin_url: str) -> tuple[str, Callable[[], None]]:
    """A new, empty database on the server, and a function that drops it."""
    name = f"pc_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(
        make_url(admin_url).set(drivername="postgresql+psycopg"),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(drivername="postgresql+psycopg", database=name)

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('store') / 'process-center.db'}"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    admin_url = postgres_admin_url()
    if admin_url is None:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_URL_VARIABLE}")
    url, drop = create_postgres_database(admin_url)
    yield url
    drop()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest) -> str:
    """The URL of a migrated store; every test using it runs on each backend."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture
def fresh_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty, migrated store of the same kind, for tests that change signing keys
    (the shared store's keys are held by the session's live server)."""
    if database_url.startswith("sqlite"):
        url, drop = f"sqlite:///{tmp_path / 'fresh.db'}", None
    else:
        admin_url = postgres_admin_url()
        assert admin_url is not None
        url, drop = create_postgres_database(admin_url)
    database = Database(url, pool_size=2)
    upgrade(database.engine)
    database.dispose()
    yield url
    if drop is not None:
        drop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class LiveServer:
    """The real app on uvicorn, in a thread of the test process."""

    def __init__(self, settings: Settings, bind_url: str | None = None) -> None:
        self.settings = settings
        self.app = create_app(settings)
        # Behind a reverse proxy the public URL differs from the bound one.
        self.bind_url = bind_url or settings.public_url
        host, port = self.bind_url.removeprefix("http://").split(":")
        config = uvicorn.Config(
            self.app, host=host, port=int(port), log_config=None, lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return self.bind_url

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def server_settings(database_url: str, **overrides: object) -> Settings:
    return Settings(
        database_url=database_url,
        public_url=f"http://127.0.0.1:{free_port()}",
        **overrides,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="session")
def live_server(database_url: str) -> Iterator[LiveServer]:
    server = LiveServer(server_settings(database_url))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def store(database_url: str, live_server: LiveServer) -> Iterator[Database]:
    """A second handle on the server's store, for arranging and checking rows."""
    database = Database(database_url, pool_size=2)
    upgrade(database.engine)
    yield database
    database.dispose()


@pytest.fixture
def database(store: Database) -> Iterator[Database]:
    """The store, emptied after the test (signing keys stay)."""
    yield store
    tables = [
        t for t in reversed(Base.metadata.sorted_tables) if t.name not in _KEPT_TABLES
    ]
    with store.engine.begin() as connection:
        if store.is_sqlite:
            for table in tables:
                connection.execute(table.delete())
        else:
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} CASCADE"))


@pytest.fixture
def factory(database: Database) -> Factory:
    return Factory(database)


@pytest.fixture
def http(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        yield client


@pytest.fixture
def world(factory: Factory) -> World:
    partner_id = factory.partner("Contoso")
    customer_id = factory.customer(partner_id, "Fabrikam")
    tenant_id = factory.tenant(customer_id, "fabrikam.onmicrosoft.com")
    return World(partner_id, customer_id, tenant_id, factory.app(partner_id))


@pytest.fixture
def token(http: httpx.Client, world: World) -> str:
    return get_token(http, world.app)


@pytest.fixture
def authed(http: httpx.Client, token: str) -> httpx.Client:
    http.headers["Authorization"] = f"Bearer {token}"
    return http


def mint_token(
    server: LiveServer,
    database: Database,
    partner_id: UUID,
    permissions: list[str],
    customer_ids: list[UUID] | None = None,
) -> str:
    """A token for a new app, signed by the server's own keys.

    Skips the token endpoint's secret hashing, which its own tests cover and
    which would dominate these tests' time.
    """
    with database.write() as session:
        app = create_registration(
            session,
            partner_id,
            "Producer",
            permissions,
            customer_ids=customer_ids or [],
            group_ids=[],
        )
        client_id = app.client_id
    settings = server.settings
    issuer = TokenIssuer(
        server.app.state.services.keys,
        issuer=settings.public_url,
        audience=settings.api_audience,
        lifetime_seconds=settings.token_lifetime_seconds,
    )
    return issuer.issue(client_id, partner_id, permissions)


@pytest.fixture
def write_token(live_server: LiveServer, database: Database, world: World) -> str:
    return mint_token(live_server, database, world.partner_id, [TENANT_READWRITE])


@pytest.fixture
def writer(live_server: LiveServer, write_token: str) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {write_token}"}
    with httpx.Client(base_url=live_server.url, timeout=30, headers=headers) as client:
        yield client
