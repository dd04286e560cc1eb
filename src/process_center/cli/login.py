"""``login`` and ``logout``: save or forget a profile of API credentials."""

from __future__ import annotations

from pathlib import Path

import click

from process_center.cli.connection import (
    DEFAULT_PROFILE,
    Connection,
    Profile,
    ProfileStore,
    client_errors,
    client_for,
    connection_options,
    default_profiles_path,
)


@click.command()
@click.option(
    "--check/--no-check",
    default=True,
    show_default=True,
    help="Sign in and list one tenant before saving.",
)
@connection_options
@client_errors
def login(connection: Connection, check: bool) -> None:
    """Save credentials as a profile (only you may read the file).

    Without --client-secret or --private-key, the secret is asked for and not
    echoed.
    """
    profile = _complete(connection)
    if check:
        with client_for(profile, timeout=connection.request_timeout) as client:
            client.tenants.page(page_size=1)
    ProfileStore(connection.profiles_path).save(connection.profile, profile)
    click.echo(
        f"Saved profile '{connection.profile}' for {profile.api_url} "
        f"to {connection.profiles_path}."
    )


@click.command()
@click.option(
    "--profile",
    default=DEFAULT_PROFILE,
    show_default=True,
    envvar="PROCESS_CENTER_PROFILE",
)
@click.option(
    "--profiles-file",
    "profiles_path",
    envvar="PROCESS_CENTER_PROFILES_FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    default=default_profiles_path,
)
def logout(profile: str, profiles_path: Path) -> None:
    """Forget a saved profile."""
    if ProfileStore(profiles_path).delete(profile):
        click.echo(f"Removed profile '{profile}'.")
    else:
        click.echo(f"No profile '{profile}'.")


def _complete(connection: Connection) -> Profile:
    api_url = connection.api_url or click.prompt("API URL")
    client_id = connection.client_id or click.prompt("Client ID")
    secret = connection.client_secret
    if secret is None and connection.private_key is None:
        secret = click.prompt("Client secret", hide_input=True)
    return Profile(
        api_url=api_url.rstrip("/"),
        identity_url=(connection.identity_url or api_url).rstrip("/"),
        client_id=client_id,
        client_secret=secret,
        private_key=_absolute(connection.private_key),
        certificate=_absolute(connection.certificate),
    )


def _absolute(path: str | None) -> str | None:
    return str(Path(path).resolve()) if path else None
