"""Signing in with a certificate (private_key_jwt) against the real token endpoint."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from process_center.cli import main
from process_center.client import Client, TokenError
from process_center.identity.apps import get_app
from process_center.identity.credentials import add_certificate
from process_center.storage.database import Database
from tests.client.conftest import SHORT_TOKEN_SECONDS
from tests.client.servers import TOKEN_PATH, GatedServer
from tests.conftest import LiveServer
from tests.factories import World


def _new_pair(folder: Path, key_type: str) -> tuple[Path, Path]:
    """A key pair made by the project's own development command."""
    result = CliRunner().invoke(
        main, ["certificates", "new", "--out", str(folder), "--key-type", key_type]
    )
    assert result.exit_code == 0, result.output
    return folder / "private-key.pem", folder / "certificate.pem"


def _register(database: Database, world: World, certificate: Path) -> None:
    with database.write() as session:
        add_certificate(
            session, get_app(session, world.app.client_id), certificate.read_bytes()
        )


def _certificate_client(
    server: LiveServer, world: World, key: Path, cert: Path | None
) -> Client:
    return Client(
        server.url,
        server.url,
        client_id=str(world.app.client_id),
        private_key=key,
        certificate=cert,
    )


@pytest.mark.parametrize("key_type", ["rsa", "ec"])
def test_a_registered_certificate_signs_in(
    live_server: LiveServer,
    world: World,
    database: Database,
    tmp_path: Path,
    key_type: str,
) -> None:
    key, cert = _new_pair(tmp_path, key_type)
    _register(database, world, cert)

    with _certificate_client(live_server, world, key, cert) as pc:
        page = pc.tenants.page()

    assert [t.tenant_id for t in page.items] == [world.tenant_id]


def test_each_token_request_sends_a_fresh_assertion(
    short_tokens: GatedServer, world: World, database: Database, tmp_path: Path
) -> None:
    key, cert = _new_pair(tmp_path, "rsa")
    _register(database, world, cert)

    # The server refuses a replayed jti, so a second token proves a new assertion.
    with _certificate_client(short_tokens, world, key, None) as pc:
        pc.tenants.page()
        time.sleep(SHORT_TOKEN_SECONDS * 0.75 + 0.2)
        pc.tenants.page()

    assert short_tokens.gate.count(TOKEN_PATH) == 2


def test_an_unregistered_key_is_invalid_client(
    live_server: LiveServer, world: World, tmp_path: Path
) -> None:
    key, cert = _new_pair(tmp_path, "rsa")

    with (
        _certificate_client(live_server, world, key, cert) as pc,
        pytest.raises(TokenError) as raised,
    ):
        pc.tenants.page()

    assert raised.value.error == "invalid_client"
    assert raised.value.status == 401


def test_the_cli_signs_in_with_a_certificate_and_saves_only_its_path(
    live_server: LiveServer, world: World, database: Database, tmp_path: Path
) -> None:
    key, cert = _new_pair(tmp_path / "pair", "rsa")
    _register(database, world, cert)
    profiles = tmp_path / "profiles.json"
    env = {"PROCESS_CENTER_PROFILES_FILE": str(profiles)}

    login = CliRunner().invoke(
        main,
        [
            "login", "--api-url", live_server.url, "--client-id", str(world.app.client_id),
            "--private-key", str(key), "--certificate", str(cert),
        ],
        env=env,
    )  # fmt: skip
    listing = CliRunner().invoke(main, ["tenants", "list", "--output", "csv"], env=env)

    assert login.exit_code == 0, login.output
    assert listing.exit_code == 0, listing.output
    assert str(world.tenant_id) in listing.output
    saved = profiles.read_text()
    assert str(key.resolve()) in saved
    assert "PRIVATE KEY" not in saved
