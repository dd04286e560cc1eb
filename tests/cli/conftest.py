from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from process_center.cli import main
from tests.conftest import LiveServer
from tests.factories import World

Invoke = Callable[..., Result]


@pytest.fixture
def profiles_file(tmp_path: Path) -> Path:
    return tmp_path / "config" / "profiles.json"


@pytest.fixture
def api_env(
    live_server: LiveServer, world: World, profiles_file: Path
) -> dict[str, str]:
    """Credentials as environment variables, the way scripts pass them."""
    return {
        "PROCESS_CENTER_API_URL": live_server.url,
        "PROCESS_CENTER_CLIENT_ID": str(world.app.client_id),
        "PROCESS_CENTER_CLIENT_SECRET": world.app.client_secret,
        "PROCESS_CENTER_PROFILES_FILE": str(profiles_file),
    }


@pytest.fixture
def invoke(api_env: dict[str, str]) -> Invoke:
    def run(*args: str, env: dict[str, str] | None = None, **kwargs: object) -> Result:
        return CliRunner().invoke(main, list(args), env=env or api_env, **kwargs)  # type: ignore[arg-type]

    return run


# The gated server counts requests, so a test can act between two polls.
from tests.client.conftest import gate, gated_server  # noqa: E402, F401

# Certificate key pairs are shared with the identity tests.
from tests.identity.conftest import rsa_pair  # noqa: E402, F401
