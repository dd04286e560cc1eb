"""Signing-key rotation: old and new tokens verify, retired keys leave the JWKS."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from sqlalchemy import update

from process_center.identity.keys import KeyRing
from process_center.settings import Settings
from process_center.storage.database import Database
from process_center.storage.models import SigningKey
from tests.cli.support import invoke_json
from tests.conftest import LiveServer, free_port
from tests.factories import Factory, World, get_token, jobs_path

_LIFETIME = 3600


def _kid(token: str) -> str:
    kid: str = jwt.get_unverified_header(token)["kid"]
    return kid


def _jwks_kids(server: LiveServer) -> set[str]:
    keys = httpx.get(f"{server.url}/.well-known/openid-configuration/jwks").json()[
        "keys"
    ]
    return {key["kid"] for key in keys}


def _until(condition: object, seconds: float = 5.0) -> bool:
    """Poll a condition (a callable) for a few seconds; True once it holds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def fresh_world(fresh_database_url: str) -> Iterator[tuple[Database, World]]:
    database = Database(fresh_database_url, pool_size=2)
    factory = Factory(database)
    partner_id = factory.partner()
    customer_id = factory.customer(partner_id)
    tenant_id = factory.tenant(customer_id)
    yield database, World(partner_id, customer_id, tenant_id, factory.app(partner_id))
    database.dispose()


def _server(url: str, public_url: str) -> LiveServer:
    server = LiveServer(
        Settings(database_url=url, public_url=public_url, db_pool_size=2),
        f"http://127.0.0.1:{free_port()}",
    )
    server.start()
    return server


def test_tokens_of_old_and_new_key_verify_on_every_server_after_rotation(
    fresh_database_url: str, fresh_world: tuple[Database, World]
) -> None:
    _, world = fresh_world
    public_url = "http://pc.test"
    before = _server(fresh_database_url, public_url)
    after = None
    try:
        with httpx.Client(base_url=before.url) as http:
            old_token = get_token(http, world.app)

        new_kid = invoke_json(fresh_database_url, "keys", "rotate")["kid"]
        # A server started now signs with the new key; the one started before
        # still signs with the old one until its next refresh.
        after = _server(fresh_database_url, public_url)
        with httpx.Client(base_url=after.url) as http:
            new_token = get_token(http, world.app)

        assert _kid(new_token) == new_kid != _kid(old_token)
        path = jobs_path(world.customer_id, world.tenant_id)
        for server in (before, after):
            for token in (old_token, new_token):
                assert _until(
                    lambda s=server, t=token: (
                        httpx.post(
                            f"{s.url}{path}", headers={"Authorization": f"Bearer {t}"}
                        ).status_code
                        == 200
                    )
                ), (server.url, _kid(token))
        assert _jwks_kids(after) == {_kid(old_token), new_kid}
        assert _jwks_kids(before) == {_kid(old_token), new_kid}
    finally:
        before.stop()
        if after is not None:
            after.stop()


class TestKeyRing:
    @pytest.fixture
    def store(self, fresh_database_url: str) -> Iterator[Database]:
        database = Database(fresh_database_url, pool_size=2)
        yield database
        database.dispose()

    @pytest.fixture
    def ring(self, store: Database) -> KeyRing:
        ring = KeyRing(store, _LIFETIME)
        ring.ensure_key()
        return ring

    def test_retired_key_stays_published_until_its_tokens_expired(
        self, ring: KeyRing
    ) -> None:
        old_kid = ring.active.kid

        new_kid = ring.rotate()

        assert ring.active.kid == new_kid
        assert {key["kid"] for key in ring.jwks()["keys"]} == {old_kid, new_kid}
        assert ring.verification_key(old_kid) is not None
        assert ring.prune() == []

    def test_retired_key_leaves_once_every_token_expired_and_prune_deletes_it(
        self, store: Database, ring: KeyRing
    ) -> None:
        old_kid = ring.active.kid
        new_kid = ring.rotate()
        # Retired long enough ago that every token it signed has expired,
        # allowing for a server that went on signing until its refresh.
        long_ago = datetime.now(UTC) - timedelta(seconds=_LIFETIME + 71)
        with store.write() as session:
            session.execute(
                update(SigningKey)
                .where(SigningKey.kid == old_kid)
                .values(retired_at=long_ago)
            )
        ring.reload()

        assert {key["kid"] for key in ring.jwks()["keys"]} == {new_kid}
        assert ring.verification_key(old_kid) is None
        assert ring.prune() == [old_kid]
        assert [key.kid for key in ring.all_keys()] == [new_kid]
