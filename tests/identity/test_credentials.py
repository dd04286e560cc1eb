"""Several secrets and certificates per app: added, listed, deleted, refused when due."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from process_center.domain.errors import Conflict, InvalidInput, NotFound
from process_center.identity.apps import get_app
from process_center.identity.credentials import (
    MAX_SECRETS_PER_APP,
    add_certificate,
    add_secret,
    delete_credential,
    list_credentials,
)
from process_center.storage.database import Database
from tests.factories import Factory, Registration, World
from tests.identity.support import KeyPair, new_key_pair, store_certificate_row


def _secret_status(http: httpx.Client, client_id: object, secret: str) -> int:
    form = {
        "grant_type": "client_credentials",
        "client_id": str(client_id),
        "client_secret": secret,
    }
    return http.post("/connect/token", data=form).status_code


class TestSecrets:
    def test_two_live_secrets_both_work_and_a_deleted_one_stops(
        self, http: httpx.Client, world: World, database: Database
    ) -> None:
        with database.write() as session:
            second = add_secret(session, get_app(session, world.app.client_id), years=3)
        assert _secret_status(http, world.app.client_id, world.app.client_secret) == 200
        assert _secret_status(http, world.app.client_id, second.value) == 200

        with database.write() as session:
            app = get_app(session, world.app.client_id)
            first_id = next(
                c.id for c in list_credentials(session, app) if c.id != second.secret_id
            )
            assert delete_credential(session, app, first_id) == "secret"

        deadline = time.monotonic() + 5
        while _secret_status(http, world.app.client_id, world.app.client_secret) != 401:
            assert time.monotonic() < deadline, "the deleted secret still works"
            time.sleep(0.1)
        assert _secret_status(http, world.app.client_id, second.value) == 200

    def test_secret_lasts_the_years_asked_for(
        self, database: Database, world: World
    ) -> None:
        with database.write() as session:
            issued = add_secret(session, get_app(session, world.app.client_id), years=3)

        expected = datetime.now(UTC) + timedelta(days=3 * 365)
        assert abs((issued.expires_at - expected).total_seconds()) < 60

    @pytest.mark.parametrize("years", [0, 4])
    def test_other_lifetimes_are_refused(
        self, database: Database, world: World, years: int
    ) -> None:
        with (
            database.write() as session,
            pytest.raises(InvalidInput, match="1, 2 or 3"),
        ):
            add_secret(session, get_app(session, world.app.client_id), years=years)

    def test_an_app_holds_a_bounded_number(
        self, database: Database, world: World
    ) -> None:
        with database.write() as session:
            app = get_app(session, world.app.client_id)
            for _ in range(MAX_SECRETS_PER_APP - 1):
                add_secret(session, app, years=1)
            with pytest.raises(Conflict, match="delete one first"):
                add_secret(session, app, years=1)


class TestCertificates:
    def test_listing_shows_kinds_and_expiry_but_never_a_secret(
        self, database: Database, world: World, rsa_pair: KeyPair
    ) -> None:
        with database.write() as session:
            app = get_app(session, world.app.client_id)
            row = add_certificate(session, app, rsa_pair.certificate_der)
            items = list_credentials(session, app)

        kinds = {item.kind: item for item in items}
        assert set(kinds) == {"secret", "certificate"}
        assert kinds["secret"].description == f"{world.app.client_secret[:4]}..."
        assert world.app.client_secret not in repr(items)
        assert row.thumbprint in kinds["certificate"].description
        assert (
            kinds["certificate"].expires_at == rsa_pair.certificate.not_valid_after_utc
        )

    def test_the_same_certificate_twice_is_a_conflict(
        self, database: Database, world: World, rsa_pair: KeyPair
    ) -> None:
        with database.write() as session:
            app = get_app(session, world.app.client_id)
            add_certificate(session, app, rsa_pair.certificate_pem)
            with pytest.raises(Conflict, match="already registered"):
                add_certificate(session, app, rsa_pair.certificate_der)

    def test_an_expired_certificate_is_refused_at_registration(
        self, database: Database, world: World, rsa_pair: KeyPair
    ) -> None:
        now = datetime.now(UTC)
        expired = new_key_pair(
            not_before=now - timedelta(days=9),
            not_after=now - timedelta(days=1),
            reuse_key=rsa_pair.private_key,
        )

        with database.write() as session, pytest.raises(InvalidInput, match="expired"):
            add_certificate(
                session, get_app(session, world.app.client_id), expired.certificate_pem
            )

    def test_a_credential_of_another_app_is_not_found(
        self, database: Database, world: World, factory: Factory
    ) -> None:
        other: Registration = factory.app(world.partner_id)
        with database.write() as session:
            theirs = list_credentials(session, get_app(session, other.client_id))[0]
            mine = get_app(session, world.app.client_id)
            with pytest.raises(NotFound):
                delete_credential(session, mine, theirs.id)


def test_an_unreadable_stored_certificate_leaves_the_other_credentials_working(
    http: httpx.Client, world: World, database: Database
) -> None:
    weak = new_key_pair(rsa_bits=1024)
    # Written past the admin checks, which would refuse a 1024-bit key.
    store_certificate_row(database, world.app.client_id, weak)

    assert _secret_status(http, world.app.client_id, world.app.client_secret) == 200
