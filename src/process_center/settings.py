"""Typed settings, read once from the environment (prefix ``PROCESS_CENTER_``)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import platformdirs
from limits import parse_many
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_database_url() -> str:
    data_dir = Path(platformdirs.user_data_dir("process-center"))
    return f"sqlite:///{data_dir / 'process-center.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PROCESS_CENTER_", extra="ignore")

    database_url: str = Field(default_factory=default_database_url)
    # The issuer and the base of every absolute URL we publish. Behind a
    # reverse proxy this is the public address, not the one uvicorn binds.
    public_url: str = "http://127.0.0.1:8000"
    api_audience: str = "process-center-api"
    token_lifetime_seconds: int = Field(default=3600, ge=1, le=86400)
    # How long a process may act on a cached view of an app registration.
    # Revocations take effect within this many seconds.
    registration_cache_seconds: float = Field(default=2.0, ge=0, le=5)
    max_job_ids: int = Field(default=1000, ge=1, le=100_000)
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    # A client must send its whole body within this time (slow-client guard).
    body_timeout_seconds: float = Field(default=15.0, gt=0, le=300)
    # Budgets in the `limits` notation ("100/second;5000/minute"). The app
    # budget counts every bearer-authenticated call of one app registration;
    # the address budget counts token requests per client address. Shared
    # through Redis when redis_url is set, else per process.
    rate_limits_enabled: bool = True
    app_rate_limit: str = "100000/minute"
    token_rate_limit: str = "50000/minute"  # noqa: S105 - a budget, not a secret
    retention_days: int = Field(default=90, ge=1)
    retention_interval_seconds: float = Field(default=3600.0, gt=0)
    # The live feed: readers poll this often when no NOTIFY can wake them
    # (SQLite), a quiet stream gets a comment line this often, and a stream
    # ends after this long so its client reconnects and is authorized again.
    feed_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    feed_heartbeat_seconds: float = Field(default=15.0, gt=0, le=300)
    feed_stream_seconds: float = Field(default=300.0, gt=0, le=3600)
    # Set by ``serve --demo`` only: a background producer moves demo jobs.
    demo: bool = False
    redis_url: str | None = None
    db_pool_size: int = Field(default=10, ge=1)
    # Listing pages each process keeps while their tenant is unchanged
    # (storage/page_cache.py); 0 turns the cache off.
    page_cache_bytes: int = Field(default=16 * 1024 * 1024, ge=0)
    log_level: str = "INFO"
    log_json: bool = True
    # The Process Center page: how long a sign-in lasts, and how many wrong
    # passwords in a row lock an operator out, for how long.
    web_session_hours: float = Field(default=12.0, gt=0, le=24 * 30)
    web_sign_in_attempts: int = Field(default=5, ge=1, le=100)
    web_lockout_seconds: int = Field(default=900, ge=1)

    @field_validator("public_url")
    @classmethod
    def _strip_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("app_rate_limit", "token_rate_limit")
    @classmethod
    def _parse_rate_limit(cls, value: str) -> str:
        try:
            parse_many(value)
        except ValueError as error:
            raise ValueError(
                f"not a rate limit such as '100/minute': {error}"
            ) from None
        return value

    @cached_property
    def token_endpoint(self) -> str:
        return f"{self.public_url}/connect/token"

    @cached_property
    def jwks_uri(self) -> str:
        return f"{self.public_url}/.well-known/openid-configuration/jwks"

    @property
    def is_https(self) -> bool:
        return self.public_url.startswith("https://")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
