from __future__ import annotations

import pytest

from process_center.storage.database import Database
from tests.conftest import LiveServer
from tests.factories import World
from tests.identity.support import (
    AssertionSigner,
    KeyPair,
    new_key_pair,
    register_certificate,
)


@pytest.fixture(scope="session")
def rsa_pair() -> KeyPair:
    # Key generation is the slow part; one pair serves every test, each test
    # registers it for its own freshly made app.
    return new_key_pair("rsa")


@pytest.fixture(scope="session")
def ec_pair() -> KeyPair:
    return new_key_pair("ec")


@pytest.fixture(scope="session")
def other_pair() -> KeyPair:
    return new_key_pair("rsa")


@pytest.fixture
def signer(
    database: Database, world: World, rsa_pair: KeyPair, live_server: LiveServer
) -> AssertionSigner:
    """The world's app with the RSA certificate registered."""
    register_certificate(database, world.app.client_id, rsa_pair)
    return AssertionSigner(
        world.app.client_id, rsa_pair, live_server.settings.token_endpoint
    )
