"""A client assertion's jti is single-use, also across server processes on one store."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from process_center.identity.replay import ReplayGuard
from process_center.storage.database import Database
from process_center.storage.models import UsedAssertion
from tests.conftest import LiveServer, free_port
from tests.identity.support import (
    AssertionSigner,
    assert_invalid_client,
    assertion_form,
)

GRACE = timedelta(seconds=60)


@pytest.fixture(scope="module")
def second_server(live_server: LiveServer) -> Iterator[LiveServer]:
    """Another server on the same store and public URL, as a second process would be."""
    # A small pool: the suite shares one PostgreSQL server's connection limit.
    settings = live_server.settings.model_copy(update={"db_pool_size": 4})
    server = LiveServer(settings, f"http://127.0.0.1:{free_port()}")
    server.start()
    yield server
    server.stop()


def _post(base_url: str, assertion: str) -> httpx.Response:
    return httpx.post(
        f"{base_url}/connect/token", data=assertion_form(assertion), timeout=30
    )


class TestAcrossServers:
    def test_assertion_used_on_one_server_is_refused_by_the_other(
        self,
        live_server: LiveServer,
        second_server: LiveServer,
        signer: AssertionSigner,
    ) -> None:
        assertion = signer.sign()

        first = _post(live_server.url, assertion)
        replay = _post(second_server.url, assertion)

        assert first.status_code == 200, first.text
        assert_invalid_client(replay, "used before")

    def test_racing_replays_let_exactly_one_through(
        self,
        live_server: LiveServer,
        second_server: LiveServer,
        signer: AssertionSigner,
    ) -> None:
        assertion = signer.sign()
        targets = [live_server.url, second_server.url] * 4

        with ThreadPoolExecutor(max_workers=len(targets)) as pool:
            responses = list(pool.map(lambda url: _post(url, assertion), targets))

        statuses = sorted(response.status_code for response in responses)
        assert statuses == [200] + [401] * (len(targets) - 1)


class TestReplayGuard:
    def test_second_use_of_a_jti_is_refused_for_that_client_only(
        self, database: Database
    ) -> None:
        guard = ReplayGuard(database, GRACE)
        expires = datetime.now(UTC) + timedelta(minutes=5)
        client, other_client = uuid.uuid4(), uuid.uuid4()

        assert guard.first_use(client, "j-1", expires)
        assert not guard.first_use(client, "j-1", expires)
        assert guard.first_use(other_client, "j-1", expires)

    def test_purge_forgets_only_uses_past_expiry_and_grace(
        self, database: Database
    ) -> None:
        now = datetime.now(UTC)
        client = uuid.uuid4()
        with database.write() as session:
            for jti, age in (("old", 300), ("in-grace", 30), ("live", -300)):
                session.add(
                    UsedAssertion(
                        client_id=client,
                        jti=jti,
                        expires_at=now - timedelta(seconds=age),
                    )
                )

        removed = ReplayGuard(database, GRACE).purge(now)

        with database.session() as session:
            kept = set(session.scalars(select(UsedAssertion.jti)))
        assert removed == 1
        assert kept == {"in-grace", "live"}

    def test_purge_runs_on_its_own_now_and_then(self, database: Database) -> None:
        ticks = iter([0.0, 61.0, 61.0, 61.5])
        guard = ReplayGuard(database, GRACE, monotonic=lambda: next(ticks))
        client = uuid.uuid4()
        with database.write() as session:
            session.add(
                UsedAssertion(
                    client_id=client,
                    jti="stale",
                    expires_at=datetime.now(UTC) - timedelta(hours=1),
                )
            )

        guard.first_use(client, "fresh", datetime.now(UTC) + timedelta(minutes=5))

        with database.session() as session:
            jtis = set(session.scalars(select(UsedAssertion.jti)))
        assert jtis == {"fresh"}

    def test_a_jti_may_be_reused_once_its_old_assertion_is_long_expired(
        self, database: Database
    ) -> None:
        guard = ReplayGuard(database, GRACE, purge_interval_seconds=3600)
        client = uuid.uuid4()
        now = datetime.now(UTC)
        with database.write() as session:
            session.add(
                UsedAssertion(
                    client_id=client, jti="j", expires_at=now - timedelta(hours=1)
                )
            )

        assert guard.first_use(client, "j", now + timedelta(minutes=5))
        assert not guard.first_use(client, "j", now + timedelta(minutes=5))
        with database.session() as session:
            assert session.scalar(select(func.count()).select_from(UsedAssertion)) == 1
