"""private_key_jwt (RFC 7523) at the token endpoint, through real HTTP, on every backend."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import update

from process_center.identity.apps import delete_app, get_app
from process_center.storage.database import Database
from process_center.storage.models import ClientSecret
from tests.conftest import LiveServer
from tests.factories import World, get_token
from tests.identity.support import (
    AssertionSigner,
    KeyPair,
    assert_invalid_client,
    assertion_form,
    new_key_pair,
    register_certificate,
    request_token,
    store_certificate_row,
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: dict[str, str], claims: dict[str, object], key: bytes) -> str:
    """A JWT put together by hand, for algorithms no library will sign with."""
    signing_input = (
        f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    )
    if header["alg"] == "none":
        return f"{signing_input}."
    digest = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(digest)}"


def _jobs_status(http: httpx.Client, world: World, token: str) -> int:
    response = http.post(world.jobs_path, headers={"Authorization": f"Bearer {token}"})
    return response.status_code


class TestAccepted:
    @pytest.mark.parametrize("algorithm", ["RS256", "PS256"])
    def test_rsa_assertion_gets_token_the_jobs_endpoint_accepts(
        self, http: httpx.Client, world: World, signer: AssertionSigner, algorithm: str
    ) -> None:
        signer.algorithm = algorithm

        response = request_token(http, signer.sign())

        assert response.status_code == 200, response.text
        body = response.json()
        assert body["token_type"] == "Bearer"
        assert body["expires_in"] == 3600
        assert _jobs_status(http, world, body["access_token"]) == 200

    def test_es256_assertion_with_ec_certificate(
        self,
        http: httpx.Client,
        world: World,
        database: Database,
        ec_pair: KeyPair,
        live_server: LiveServer,
    ) -> None:
        register_certificate(database, world.app.client_id, ec_pair)
        signer = AssertionSigner(
            world.app.client_id, ec_pair, live_server.settings.token_endpoint, "ES256"
        )

        response = request_token(http, signer.sign())

        assert response.status_code == 200, response.text
        assert _jobs_status(http, world, response.json()["access_token"]) == 200

    def test_issuer_is_an_accepted_audience(
        self, http: httpx.Client, signer: AssertionSigner, live_server: LiveServer
    ) -> None:
        response = request_token(
            http, signer.sign(aud=[live_server.settings.public_url])
        )

        assert response.status_code == 200, response.text

    def test_client_id_in_the_form_matching_the_assertion(
        self, http: httpx.Client, signer: AssertionSigner
    ) -> None:
        form = assertion_form(signer.sign(), signer.client_id)

        assert http.post("/connect/token", data=form).status_code == 200

    def test_certificate_named_in_header_among_several(
        self,
        http: httpx.Client,
        database: Database,
        signer: AssertionSigner,
        other_pair: KeyPair,
    ) -> None:
        register_certificate(database, signer.client_id, other_pair)
        signer.headers = {"x5t#S256": signer.pair.x5t_s256}

        assert request_token(http, signer.sign()).status_code == 200

    def test_iat_a_little_ahead_is_within_clock_skew(
        self, http: httpx.Client, signer: AssertionSigner
    ) -> None:
        now = int(time.time())

        response = request_token(http, signer.sign(iat=now + 30, nbf=now + 30))

        assert response.status_code == 200, response.text

    def test_secret_and_certificate_both_work_for_one_app(
        self, http: httpx.Client, world: World, signer: AssertionSigner
    ) -> None:
        assert request_token(http, signer.sign()).status_code == 200
        assert get_token(http, world.app)


class TestRefused:
    def test_bad_signature(
        self, http: httpx.Client, signer: AssertionSigner, other_pair: KeyPair
    ) -> None:
        response = request_token(http, signer.sign(key=other_pair.private_key))

        assert_invalid_client(response, "signature")

    def test_tampered_payload(
        self, http: httpx.Client, signer: AssertionSigner
    ) -> None:
        header, _, signature = signer.sign().split(".")
        forged = _b64(json.dumps(signer.claims(sub="x")).encode())

        assert_invalid_client(request_token(http, f"{header}.{forged}.{signature}"))

    def test_wrong_audience(self, http: httpx.Client, signer: AssertionSigner) -> None:
        response = request_token(
            http, signer.sign(aud="https://elsewhere.example/token")
        )

        assert_invalid_client(response, "aud")

    @pytest.mark.parametrize(
        "exp", [None, "soon", [1]], ids=["missing", "word", "list"]
    )
    def test_missing_or_malformed_exp(
        self, http: httpx.Client, signer: AssertionSigner, exp: object
    ) -> None:
        response = request_token(http, signer.sign(exp=exp))

        assert_invalid_client(response, "exp")

    def test_numeric_string_exp_is_read_as_a_number(
        self, http: httpx.Client, signer: AssertionSigner
    ) -> None:
        response = request_token(http, signer.sign(exp=str(int(time.time()) + 300)))

        assert response.status_code == 200, response.text

    def test_expired(self, http: httpx.Client, signer: AssertionSigner) -> None:
        now = int(time.time())

        response = request_token(
            http, signer.sign(iat=now - 600, nbf=now - 600, exp=now - 120)
        )

        assert_invalid_client(response, "expired")

    @pytest.mark.parametrize("exp_ahead", [2 * 3600, 10**20], ids=["2h", "absurd"])
    def test_lifetime_over_sixty_minutes(
        self, http: httpx.Client, signer: AssertionSigner, exp_ahead: int
    ) -> None:
        response = request_token(http, signer.sign(exp=int(time.time()) + exp_ahead))

        assert_invalid_client(response, "60 minutes")

    def test_not_yet_valid_beyond_clock_skew(
        self, http: httpx.Client, signer: AssertionSigner
    ) -> None:
        response = request_token(http, signer.sign(nbf=int(time.time()) + 300))

        assert_invalid_client(response, "not valid yet")

    def test_missing_jti(self, http: httpx.Client, signer: AssertionSigner) -> None:
        assert_invalid_client(request_token(http, signer.sign(jti=None)), "jti")

    def test_replayed_jti(self, http: httpx.Client, signer: AssertionSigner) -> None:
        assertion = signer.sign()

        first = request_token(http, assertion)
        second = request_token(http, assertion)

        assert first.status_code == 200
        assert_invalid_client(second, "used before")

    def test_iss_other_than_the_client(
        self, http: httpx.Client, signer: AssertionSigner
    ) -> None:
        response = request_token(http, signer.sign(iss="someone-else"))

        assert_invalid_client(response, "iss and sub")

    def test_form_client_id_other_than_the_assertion(
        self, http: httpx.Client, signer: AssertionSigner
    ) -> None:
        form = assertion_form(signer.sign(iss="x", sub="x"), signer.client_id)

        assert_invalid_client(http.post("/connect/token", data=form), "iss and sub")

    def test_unknown_certificate(
        self, http: httpx.Client, signer: AssertionSigner, other_pair: KeyPair
    ) -> None:
        signer.headers = {"x5t#S256": other_pair.x5t_s256}

        response = request_token(http, signer.sign(key=other_pair.private_key))

        assert_invalid_client(response, "not registered")

    def test_app_without_certificate(
        self,
        http: httpx.Client,
        world: World,
        rsa_pair: KeyPair,
        live_server: LiveServer,
    ) -> None:
        signer = AssertionSigner(
            world.app.client_id, rsa_pair, live_server.settings.token_endpoint
        )

        assert_invalid_client(request_token(http, signer.sign()), "no certificate")

    @pytest.mark.parametrize(
        ("valid_from_days", "valid_to_days", "refusal"),
        [(-60, -1, "expired on"), (1, 60, "not valid before")],
        ids=["expired", "not-yet-valid"],
    )
    def test_certificate_outside_its_validity(
        self,
        http: httpx.Client,
        world: World,
        database: Database,
        live_server: LiveServer,
        other_pair: KeyPair,
        valid_from_days: int,
        valid_to_days: int,
        refusal: str,
    ) -> None:
        now = datetime.now(UTC)
        pair = new_key_pair(
            not_before=now + timedelta(days=valid_from_days),
            not_after=now + timedelta(days=valid_to_days),
            reuse_key=other_pair.private_key,
        )
        # Written directly: an admin cannot register an expired certificate,
        # but a registered one expires in time.
        store_certificate_row(database, world.app.client_id, pair)
        signer = AssertionSigner(
            world.app.client_id, pair, live_server.settings.token_endpoint
        )

        assert_invalid_client(request_token(http, signer.sign()), refusal)

    def test_alg_none(self, http: httpx.Client, signer: AssertionSigner) -> None:
        assertion = _unsigned({"alg": "none", "typ": "JWT"}, signer.claims(), b"")

        assert_invalid_client(request_token(http, assertion), "'none' is not accepted")

    def test_hs256_keyed_with_the_certificate_public_key(
        self, http: httpx.Client, signer: AssertionSigner
    ) -> None:
        for key in (signer.pair.public_key_pem, signer.pair.certificate_pem):
            assertion = _unsigned({"alg": "HS256", "typ": "JWT"}, signer.claims(), key)

            assert_invalid_client(
                request_token(http, assertion), "'HS256' is not accepted"
            )

    def test_es256_header_on_rsa_certificate(
        self, http: httpx.Client, signer: AssertionSigner, ec_pair: KeyPair
    ) -> None:
        signer.algorithm = "ES256"

        assert_invalid_client(request_token(http, signer.sign(key=ec_pair.private_key)))

    def test_deleted_app(
        self, http: httpx.Client, signer: AssertionSigner, database: Database
    ) -> None:
        with database.write() as session:
            delete_app(session, signer.client_id)

        assert_invalid_client(request_token(http, signer.sign()))

    def test_expired_secret(
        self, http: httpx.Client, world: World, database: Database
    ) -> None:
        with database.write() as session:
            app = get_app(session, world.app.client_id)
            session.execute(
                update(ClientSecret)
                .where(ClientSecret.app_id == app.id)
                .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
            )
        form = {
            "grant_type": "client_credentials",
            "client_id": str(world.app.client_id),
            "client_secret": world.app.client_secret,
        }

        assert_invalid_client(http.post("/connect/token", data=form), "expired")

    def test_garbage_assertion(
        self, http: httpx.Client, signer: AssertionSigner
    ) -> None:
        assert_invalid_client(request_token(http, "not.a.jwt"), "well-formed")

    def test_unknown_assertion_type(
        self, http: httpx.Client, signer: AssertionSigner
    ) -> None:
        form = assertion_form(signer.sign())
        form["client_assertion_type"] = (
            "urn:ietf:params:oauth:client-assertion-type:saml2-bearer"
        )

        assert_invalid_client(http.post("/connect/token", data=form), "assertion type")

    def test_missing_assertion_type_is_invalid_request(
        self, http: httpx.Client, signer: AssertionSigner
    ) -> None:
        form = assertion_form(signer.sign())
        del form["client_assertion_type"]

        response = http.post("/connect/token", data=form)

        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"


def test_refusals_are_logged_with_their_reason_but_no_credential(
    http: httpx.Client,
    world: World,
    signer: AssertionSigner,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assertion = signer.sign(aud="https://elsewhere.example/token")
    wrong_secret = world.app.client_secret[::-1]
    form = {
        "grant_type": "client_credentials",
        "client_id": str(world.app.client_id),
        "client_secret": wrong_secret,
    }

    with caplog.at_level("INFO", logger="process_center"):
        request_token(http, assertion)
        http.post("/connect/token", data=form)

    refusals = [r for r in caplog.records if r.getMessage() == "token_refused"]
    assert [r.error for r in refusals] == ["invalid_client", "invalid_client"]  # type: ignore[attr-defined]
    assert "aud" in refusals[0].reason  # type: ignore[attr-defined]
    logged = caplog.text + " ".join(str(vars(r)) for r in caplog.records)
    assert assertion not in logged
    assert wrong_secret not in logged


def _segments(header: object, claims: object) -> str:
    return (
        f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}.c2ln"
    )


@pytest.mark.parametrize(
    "assertion",
    [
        "",
        "...",
        "a.b",
        _segments([], {}),
        _segments({"alg": ["RS256"]}, {}),
        _segments({"alg": "RS256", "kid": {"x": 1}}, {"sub": "x"}),
        _segments({"alg": "RS256", "crit": ["exp"]}, {"sub": "x"}),
        _segments({"alg": "RS256"}, ["sub"]),
        _segments({"alg": "RS256"}, {"sub": 12}),
        _segments({"alg": "RS256" * 1000}, {"sub": "x"}),
    ],
)
def test_hostile_assertions_are_refused_without_a_server_error(
    http: httpx.Client, assertion: str
) -> None:
    response = request_token(http, assertion)

    assert response.status_code in (400, 401), response.text
    assert response.json()["error"] in ("invalid_client", "invalid_request")


def test_hostile_header_on_a_known_app_is_refused(
    http: httpx.Client, signer: AssertionSigner
) -> None:
    for header in (
        {"alg": "RS256", "kid": {"x": 1}},
        {"alg": "RS256", "x5t#S256": ["a"]},
        {"alg": "RS256", "crit": ["b64"], "b64": False},
    ):
        claims = signer.claims()
        assertion = _segments(header, claims)

        assert_invalid_client(request_token(http, assertion))
