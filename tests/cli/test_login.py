"""``process-center login`` saves a private profile that later commands use."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from tests.cli.conftest import Invoke
from tests.conftest import LiveServer
from tests.factories import World


def test_login_saves_a_private_profile_that_commands_use(
    invoke: Invoke, live_server: LiveServer, world: World, profiles_file: Path
) -> None:
    only_file = {"PROCESS_CENTER_PROFILES_FILE": str(profiles_file)}

    login = invoke(
        "login", "--api-url", live_server.url, "--client-id", str(world.app.client_id),
        env=only_file, input=f"{world.app.client_secret}\n",
    )  # fmt: skip
    listing = invoke("tenants", "list", "--output", "json", env=only_file)

    assert login.exit_code == 0, login.output
    assert "Saved profile 'default'" in login.output
    assert world.app.client_secret not in login.output
    assert stat.S_IMODE(profiles_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(profiles_file.parent.stat().st_mode) == 0o700
    assert listing.exit_code == 0, listing.output
    assert json.loads(listing.output)[0]["tenantId"] == str(world.tenant_id)


def test_login_checks_the_credentials_before_saving(
    invoke: Invoke, live_server: LiveServer, world: World, profiles_file: Path
) -> None:
    result = invoke(
        "login", "--api-url", live_server.url, "--client-id", str(world.app.client_id),
        "--client-secret", "not-it",
        env={"PROCESS_CENTER_PROFILES_FILE": str(profiles_file)},
    )  # fmt: skip

    assert result.exit_code == 1
    assert "invalid_client" in result.output
    assert not profiles_file.exists()


def test_named_profiles_and_flags_over_the_profile(
    invoke: Invoke, live_server: LiveServer, world: World, profiles_file: Path
) -> None:
    env = {
        "PROCESS_CENTER_PROFILES_FILE": str(profiles_file),
        "PROCESS_CENTER_CLIENT_SECRET": world.app.client_secret,
    }
    invoke(
        "login", "--profile", "prod", "--api-url", live_server.url,
        "--client-id", str(world.app.client_id), env=env,
    )  # fmt: skip
    profile_only = {"PROCESS_CENTER_PROFILES_FILE": str(profiles_file)}

    with_profile = invoke("tenants", "list", "--profile", "prod", env=profile_only)
    wrong_secret_flag = invoke(
        "tenants",
        "list",
        "--profile",
        "prod",
        "--client-secret",
        "other",
        env=profile_only,
    )
    no_profile = invoke("tenants", "list", env=profile_only)

    assert with_profile.exit_code == 0, with_profile.output
    assert wrong_secret_flag.exit_code == 1
    assert "invalid_client" in wrong_secret_flag.output
    assert no_profile.exit_code == 2
    assert "process-center login" in no_profile.output


def test_logout_forgets_the_profile(
    invoke: Invoke, api_env: dict[str, str], profiles_file: Path
) -> None:
    invoke("login")

    first = invoke("logout")
    second = invoke("logout")

    assert first.output.startswith("Removed profile 'default'")
    assert second.output.startswith("No profile 'default'")
    assert json.loads(profiles_file.read_text()) == {"profiles": {}}
