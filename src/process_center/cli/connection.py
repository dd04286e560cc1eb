"""How API commands reach a server: credentials from flags, environment
variables or a saved profile, and one line on stderr for any client error."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
import platformdirs

from process_center.client import Client, ProcessCenterError, Retries

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_PROFILE = "default"


@dataclass(frozen=True)
class Profile:
    """Where the API is and how to sign in; saved by ``process-center login``."""

    api_url: str
    identity_url: str
    client_id: str
    client_secret: str | None = None
    private_key: str | None = None
    certificate: str | None = None

    def __repr__(self) -> str:
        # Never show the secret, even in a traceback.
        return f"Profile(api_url={self.api_url!r}, client_id={self.client_id!r})"


def default_profiles_path() -> Path:
    return Path(platformdirs.user_config_dir("process-center")) / "profiles.json"


class ProfileStore:
    """Profiles in one JSON file that only its owner may read (mode 0600)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self, name: str) -> Profile | None:
        entry = self._read().get(name)
        if entry is None:
            return None
        known = {field.name for field in fields(Profile)}
        return Profile(**{key: value for key, value in entry.items() if key in known})

    def save(self, name: str, profile: Profile) -> None:
        profiles = self._read()
        profiles[name] = {k: v for k, v in asdict(profile).items() if v is not None}
        self._write(profiles)

    def delete(self, name: str) -> bool:
        profiles = self._read()
        if profiles.pop(name, None) is None:
            return False
        self._write(profiles)
        return True

    def _read(self) -> dict[str, dict[str, Any]]:
        try:
            document = json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            raise click.ClickException(f"Cannot read {self.path}: {error}") from None
        profiles = document.get("profiles") if isinstance(document, dict) else None
        if not isinstance(profiles, dict):
            raise click.ClickException(f"{self.path} holds no profiles.")
        return profiles

    def _write(self, profiles: dict[str, dict[str, Any]]) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Written to a private temporary file and renamed over the old one, so
        # the file is never readable by others nor half-written.
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".profiles-")
        try:
            with os.fdopen(handle, "w") as file:
                json.dump({"profiles": profiles}, file, indent=2)
                file.flush()
                os.fsync(file.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


@dataclass(frozen=True)
class Connection:
    """What the connection options said; a profile fills what they leave out."""

    profile: str
    profiles_path: Path
    api_url: str | None
    identity_url: str | None
    client_id: str | None
    client_secret: str | None
    private_key: str | None
    certificate: str | None
    request_timeout: float

    def __repr__(self) -> str:
        return f"Connection(profile={self.profile!r}, api_url={self.api_url!r})"

    def resolve(self) -> Profile:
        saved = ProfileStore(self.profiles_path).load(self.profile)
        given_key = self.client_secret is not None or self.private_key is not None
        credentials_from = self if given_key or saved is None else saved
        api_url = self.api_url or (saved.api_url if saved else None)
        client_id = self.client_id or (saved.client_id if saved else None)
        if not api_url or not client_id:
            raise click.UsageError(
                "No API URL or client id: pass --api-url and --client-id, set "
                "PROCESS_CENTER_API_URL and PROCESS_CENTER_CLIENT_ID, or run "
                "'process-center login'."
            )
        identity_url = self.identity_url or (saved.identity_url if saved else None)
        return Profile(
            api_url=api_url,
            identity_url=identity_url or api_url,
            client_id=client_id,
            client_secret=credentials_from.client_secret,
            private_key=credentials_from.private_key,
            certificate=credentials_from.certificate,
        )

    def open_client(self) -> Client:
        return client_for(self.resolve(), timeout=self.request_timeout)


def client_for(profile: Profile, *, timeout: float) -> Client:
    if profile.client_secret is None and profile.private_key is None:
        raise click.UsageError(
            "No credentials: pass --client-secret (better: set "
            "PROCESS_CENTER_CLIENT_SECRET) or --private-key, or run "
            "'process-center login'."
        )
    try:
        return Client(
            profile.api_url,
            profile.identity_url,
            client_id=profile.client_id,
            client_secret=profile.client_secret,
            private_key=profile.private_key,
            certificate=profile.certificate,
            timeout=timeout,
            retries=Retries(),
        )
    except (OSError, ValueError) as error:
        raise click.UsageError(str(error)) from None


_OPTIONS = [
    click.option(
        "--profile",
        envvar="PROCESS_CENTER_PROFILE",
        default=DEFAULT_PROFILE,
        show_default=True,
        help="Saved profile to use for what the other options leave out.",
    ),
    click.option(
        "--profiles-file",
        "profiles_path",
        envvar="PROCESS_CENTER_PROFILES_FILE",
        type=click.Path(dir_okay=False, path_type=Path),
        default=default_profiles_path,
        help="Where profiles are saved.",
    ),
    click.option("--api-url", envvar="PROCESS_CENTER_API_URL", help="API base URL."),
    click.option(
        "--identity-url",
        envvar="PROCESS_CENTER_IDENTITY_URL",
        help="Identity service URL (default: the API URL).",
    ),
    click.option("--client-id", envvar="PROCESS_CENTER_CLIENT_ID"),
    click.option(
        "--client-secret",
        envvar="PROCESS_CENTER_CLIENT_SECRET",
        help="Prefer the environment variable: flags show in process lists.",
    ),
    click.option(
        "--private-key",
        envvar="PROCESS_CENTER_PRIVATE_KEY",
        type=click.Path(exists=True, dir_okay=False),
        help="The certificate's private key (PEM or DER), instead of a secret.",
    ),
    click.option(
        "--certificate",
        envvar="PROCESS_CENTER_CERTIFICATE",
        type=click.Path(exists=True, dir_okay=False),
        help="The registered certificate (PEM or DER), sent as a thumbprint.",
    ),
    click.option(
        "--request-timeout",
        type=click.FloatRange(0.1, 600),
        default=30.0,
        show_default=True,
        help="Seconds to wait for each response.",
    ),
]


def connection_options(command: F) -> F:
    """Add the connection options, handed to the command as ``connection``."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        names = [field.name for field in fields(Connection)]
        kwargs["connection"] = Connection(**{name: kwargs.pop(name) for name in names})
        return command(*args, **kwargs)

    for option in reversed(_OPTIONS):
        wrapper = option(wrapper)
    return wrapper  # type: ignore[return-value]


def client_errors(command: F) -> F:
    """A client error becomes one line on stderr and exit code 1."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ProcessCenterError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]
