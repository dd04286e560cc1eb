"""Discovery, and a third-party OAuth 2.0 client (authlib) that goes by it."""

from __future__ import annotations

import warnings

import httpx
import jwt
import pytest
from authlib.deprecate import AuthlibDeprecationWarning

with warnings.catch_warnings():
    # authlib announces at import that its httpx integration will move to
    # httpx2 (and makes that warning "always" shown); the integration as it
    # is now is what these tests exercise.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import OAuth2Client
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata
from joserfc.jwk import ECKey

from process_center.domain.permissions import KNOWN_PERMISSIONS
from process_center.settings import Settings
from process_center.storage.database import Database
from tests.conftest import LiveServer, free_port
from tests.factories import World
from tests.identity.support import (
    AssertionSigner,
    KeyPair,
    assertion_form,
    register_certificate,
)


def discover(
    base_url: str, monkeypatch: pytest.MonkeyPatch
) -> AuthorizationServerMetadata:
    """Read the discovery document and have authlib check it against RFC 8414."""
    document = httpx.get(f"{base_url}/.well-known/openid-configuration").json()
    metadata = AuthorizationServerMetadata(document)
    # authlib insists on https; the test server speaks plain HTTP on loopback.
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    metadata.validate()
    return metadata


def _jobs_status(live_server: LiveServer, world: World, token: dict[str, str]) -> int:
    response = httpx.post(
        f"{live_server.url}{world.jobs_path}",
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    return response.status_code


def test_discovery_lists_endpoints_methods_algorithms_and_scopes(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    metadata = discover(live_server.url, monkeypatch)

    assert metadata["issuer"] == live_server.url
    assert metadata["token_endpoint"] == f"{live_server.url}/connect/token"
    assert (
        metadata["jwks_uri"]
        == f"{live_server.url}/.well-known/openid-configuration/jwks"
    )
    assert metadata["grant_types_supported"] == ["client_credentials"]
    assert set(metadata["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
    }
    assert metadata["token_endpoint_auth_signing_alg_values_supported"] == [
        "RS256",
        "PS256",
        "ES256",
    ]
    assert set(metadata["scopes_supported"]) == KNOWN_PERMISSIONS


def test_public_url_behind_a_proxy_sets_issuer_audience_and_endpoints(
    database_url: str, world: World, rsa_pair: KeyPair, database: Database
) -> None:
    public_url = "https://pc.example.com/identity"
    bind_url = f"http://127.0.0.1:{free_port()}"
    server = LiveServer(
        Settings(database_url=database_url, public_url=public_url, db_pool_size=2),
        bind_url,
    )
    register_certificate(database, world.app.client_id, rsa_pair)
    server.start()
    try:
        document = httpx.get(f"{bind_url}/.well-known/openid-configuration").json()
        signer = AssertionSigner(
            world.app.client_id, rsa_pair, document["token_endpoint"]
        )
        response = httpx.post(
            f"{bind_url}/connect/token", data=assertion_form(signer.sign())
        )
    finally:
        server.stop()

    assert document["issuer"] == public_url
    assert document["token_endpoint"] == f"{public_url}/connect/token"
    assert document["jwks_uri"].startswith(public_url)
    assert response.status_code == 200, response.text
    claims = jwt.decode(
        response.json()["access_token"], options={"verify_signature": False}
    )
    assert claims["iss"] == public_url


class TestAuthlibByDiscovery:
    def test_private_key_jwt_rs256(
        self,
        live_server: LiveServer,
        world: World,
        database: Database,
        rsa_pair: KeyPair,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        register_certificate(database, world.app.client_id, rsa_pair)
        metadata = discover(live_server.url, monkeypatch)
        assert "private_key_jwt" in metadata["token_endpoint_auth_methods_supported"]

        with OAuth2Client(
            client_id=str(world.app.client_id),
            client_secret=rsa_pair.private_key_pem.decode(),
            token_endpoint_auth_method="private_key_jwt",
        ) as client:
            client.register_client_auth_method(
                PrivateKeyJWT(metadata["token_endpoint"])
            )
            token = client.fetch_token(
                metadata["token_endpoint"], grant_type="client_credentials"
            )

        assert token["token_type"] == "Bearer"
        assert _jobs_status(live_server, world, token) == 200

    def test_private_key_jwt_es256(
        self,
        live_server: LiveServer,
        world: World,
        database: Database,
        ec_pair: KeyPair,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        register_certificate(database, world.app.client_id, ec_pair)
        metadata = discover(live_server.url, monkeypatch)
        assert "ES256" in metadata["token_endpoint_auth_signing_alg_values_supported"]

        with OAuth2Client(
            client_id=str(world.app.client_id),
            client_secret=ECKey.import_key(ec_pair.private_key_pem),
            token_endpoint_auth_method="private_key_jwt",
        ) as client:
            client.register_client_auth_method(
                PrivateKeyJWT(metadata["token_endpoint"], alg="ES256")
            )
            token = client.fetch_token(
                metadata["token_endpoint"], grant_type="client_credentials"
            )

        assert _jobs_status(live_server, world, token) == 200

    def test_client_secret_basic(
        self, live_server: LiveServer, world: World, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        metadata = discover(live_server.url, monkeypatch)
        assert (
            "client_secret_basic" in metadata["token_endpoint_auth_methods_supported"]
        )

        with OAuth2Client(
            client_id=str(world.app.client_id),
            client_secret=world.app.client_secret,
            token_endpoint_auth_method="client_secret_basic",
        ) as client:
            token = client.fetch_token(
                metadata["token_endpoint"], grant_type="client_credentials"
            )

        assert _jobs_status(live_server, world, token) == 200
