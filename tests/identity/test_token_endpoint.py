"""POST /connect/token with client secrets (RFC 6749 4.4, 2.3.1, 5.2)."""

from __future__ import annotations

import base64
import time
from urllib.parse import quote

import httpx
import jwt
import pytest

from process_center.domain.permissions import BASELINE_READ, TENANT_READ
from tests.conftest import LiveServer
from tests.factories import Factory, Registration, World


def form_for(registration: Registration, **extra: str) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_id": str(registration.client_id),
        "client_secret": registration.client_secret,
        **extra,
    }


def basic(client_id: str, secret: str) -> str:
    pair = f"{quote(client_id, safe='')}:{quote(secret, safe='')}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


def expect_oauth_error(response: httpx.Response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert response.headers["cache-control"] == "no-store"


class TestIssuing:
    def test_client_secret_post(self, http: httpx.Client, world: World) -> None:
        response = http.post("/connect/token", data=form_for(world.app))

        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        body = response.json()
        assert set(body) == {"access_token", "expires_in", "token_type", "scope"}
        assert body["expires_in"] == 3600
        assert body["token_type"] == "Bearer"
        assert body["scope"] == TENANT_READ

    def test_client_secret_basic(self, http: httpx.Client, world: World) -> None:
        response = http.post(
            "/connect/token",
            data={"grant_type": "client_credentials"},
            headers={
                "Authorization": basic(
                    str(world.app.client_id), world.app.client_secret
                )
            },
        )

        assert response.status_code == 200

    def test_token_is_an_rs256_jwt_verifiable_through_the_jwks(
        self, http: httpx.Client, world: World, live_server: LiveServer
    ) -> None:
        token = http.post("/connect/token", data=form_for(world.app)).json()[
            "access_token"
        ]
        discovery = http.get("/.well-known/openid-configuration").json()
        signing_key = jwt.PyJWKClient(discovery["jwks_uri"]).get_signing_key_from_jwt(
            token
        )

        claims = jwt.decode(
            token,
            signing_key.key,
            algorithms=["RS256"],
            audience="process-center-api",
            issuer=discovery["issuer"],
        )

        assert discovery["issuer"] == live_server.url
        assert claims["client_id"] == str(world.app.client_id)
        assert claims["exp"] - claims["iat"] == 3600
        assert abs(claims["iat"] - time.time()) < 60

    def test_scope_omitted_grants_every_permission_of_the_app(
        self, http: httpx.Client, world: World, factory: Factory
    ) -> None:
        registration = factory.app(world.partner_id, [TENANT_READ, BASELINE_READ])

        body = http.post("/connect/token", data=form_for(registration)).json()

        assert body["scope"].split() == sorted([TENANT_READ, BASELINE_READ])

    def test_scope_narrows_the_token(
        self, http: httpx.Client, world: World, factory: Factory
    ) -> None:
        registration = factory.app(world.partner_id, [TENANT_READ, BASELINE_READ])

        body = http.post(
            "/connect/token", data=form_for(registration, scope=BASELINE_READ)
        ).json()

        assert body["scope"] == BASELINE_READ

    def test_secret_is_not_stored_in_clear(
        self, world: World, factory: Factory
    ) -> None:
        from sqlalchemy import select

        from process_center.storage.models import ClientSecret

        with factory.database.session() as session:
            stored = session.scalars(select(ClientSecret.secret_hash)).all()

        assert stored and all(h.startswith("$argon2id$") for h in stored)
        assert all(world.app.client_secret not in h for h in stored)

    def test_signing_key_survives_a_restart(
        self, http: httpx.Client, world: World, database_url: str
    ) -> None:
        from tests.conftest import server_settings

        token = http.post("/connect/token", data=form_for(world.app)).json()[
            "access_token"
        ]
        restarted = LiveServer(server_settings(database_url))
        restarted.start()
        try:
            # The new process has another public URL, so it is another issuer:
            # compare the keys it publishes instead.
            with httpx.Client(base_url=restarted.url) as other:
                kids = {
                    key["kid"]
                    for key in other.get(
                        "/.well-known/openid-configuration/jwks"
                    ).json()["keys"]
                }
        finally:
            restarted.stop()

        assert jwt.get_unverified_header(token)["kid"] in kids


class TestRefusals:
    def test_wrong_secret_is_invalid_client(
        self, http: httpx.Client, world: World
    ) -> None:
        form = form_for(world.app)
        form["client_secret"] = "wrong"

        expect_oauth_error(
            http.post("/connect/token", data=form), 401, "invalid_client"
        )

    def test_unknown_client_is_invalid_client(
        self, http: httpx.Client, world: World
    ) -> None:
        form = form_for(world.app, client_id="2f0f4bd0-8d47-4c8a-9d1b-0b5e6f1c2a3d")

        expect_oauth_error(
            http.post("/connect/token", data=form), 401, "invalid_client"
        )

    def test_malformed_client_id_is_invalid_client(
        self, http: httpx.Client, world: World
    ) -> None:
        form = form_for(world.app, client_id="'; DROP TABLE jobs; --")

        expect_oauth_error(
            http.post("/connect/token", data=form), 401, "invalid_client"
        )

    def test_failed_basic_authentication_challenges(
        self, http: httpx.Client, world: World
    ) -> None:
        response = http.post(
            "/connect/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": basic(str(world.app.client_id), "wrong")},
        )

        expect_oauth_error(response, 401, "invalid_client")
        assert response.headers["www-authenticate"].startswith("Basic")

    def test_no_client_authentication(self, http: httpx.Client) -> None:
        response = http.post(
            "/connect/token", data={"grant_type": "client_credentials"}
        )

        expect_oauth_error(response, 401, "invalid_client")

    def test_other_grant_type_is_unsupported(
        self, http: httpx.Client, world: World
    ) -> None:
        form = form_for(world.app, grant_type="password")

        expect_oauth_error(
            http.post("/connect/token", data=form), 400, "unsupported_grant_type"
        )

    def test_missing_grant_type_is_invalid_request(
        self, http: httpx.Client, world: World
    ) -> None:
        form = form_for(world.app)
        del form["grant_type"]

        expect_oauth_error(
            http.post("/connect/token", data=form), 400, "invalid_request"
        )

    def test_scope_the_app_lacks_is_invalid_scope(
        self, http: httpx.Client, world: World
    ) -> None:
        form = form_for(world.app, scope=f"{TENANT_READ} {BASELINE_READ}")

        response = http.post("/connect/token", data=form)

        expect_oauth_error(response, 400, "invalid_scope")
        assert BASELINE_READ in response.json()["error_description"]

    def test_json_body_is_invalid_request(
        self, http: httpx.Client, world: World
    ) -> None:
        response = http.post("/connect/token", json=form_for(world.app))

        expect_oauth_error(response, 400, "invalid_request")

    def test_repeated_parameter_is_invalid_request(
        self, http: httpx.Client, world: World
    ) -> None:
        content = "grant_type=client_credentials&grant_type=client_credentials"
        response = http.post(
            "/connect/token",
            content=content,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )

        expect_oauth_error(response, 400, "invalid_request")

    def test_two_authentication_methods_are_invalid_request(
        self, http: httpx.Client, world: World
    ) -> None:
        response = http.post(
            "/connect/token",
            data=form_for(world.app),
            headers={
                "Authorization": basic(
                    str(world.app.client_id), world.app.client_secret
                )
            },
        )

        expect_oauth_error(response, 400, "invalid_request")

    @pytest.mark.parametrize(
        "header", ["Basic !!!", "Basic " + base64.b64encode(b"nocolon").decode()]
    )
    def test_malformed_basic_header_is_invalid_client(
        self, http: httpx.Client, header: str
    ) -> None:
        response = http.post(
            "/connect/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": header},
        )

        expect_oauth_error(response, 401, "invalid_client")
