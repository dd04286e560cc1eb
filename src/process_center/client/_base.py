"""What the sync and async clients share: configuration, credentials, and
turning responses into results or errors."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any, Required, TypedDict, TypeVar

import httpx

from process_center import __version__
from process_center.client._auth import TokenAuth
from process_center.client._calls import Call
from process_center.client._credentials import (
    ClientCertificate,
    ClientSecret,
    Credentials,
)
from process_center.client._errors import (
    ProcessCenterError,
    UnexpectedResponse,
    api_error,
)
from process_center.client._retry import Retries

logger = logging.getLogger("process_center.client")

T = TypeVar("T")
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
USER_AGENT = f"process-center-client/{__version__}"


class ClientOptions(TypedDict, total=False):
    """The keyword options both clients take; see ``BaseClient``."""

    client_id: Required[str]
    client_secret: str | None
    certificate: str | Path | None
    private_key: str | Path | None
    private_key_password: bytes | None
    credentials: Credentials | None
    scope: str | None
    token_url: str | None
    timeout: httpx.Timeout | float
    retries: Retries | None
    refresh_margin: float


class BaseClient:
    """Configuration shared by ``Client`` and ``AsyncClient``.

    ``client_secret``, or ``private_key`` with an optional ``certificate``
    (paths; ``private_key_password`` if encrypted), or ready ``credentials``.
    ``scope`` narrows the token's permissions; ``token_url`` skips discovery;
    ``timeout`` is an ``httpx.Timeout`` or seconds; ``retries`` a ``Retries``;
    tokens are refreshed ``refresh_margin`` seconds (at most a quarter of their
    lifetime) before they expire.
    """

    def __init__(
        self,
        api_url: str,
        identity_url: str,
        *,
        client_id: str,
        client_secret: str | None = None,
        certificate: str | Path | None = None,
        private_key: str | Path | None = None,
        private_key_password: bytes | None = None,
        credentials: Credentials | None = None,
        scope: str | None = None,
        token_url: str | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        retries: Retries | None = None,
        refresh_margin: float = 60.0,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.timeout = (
            timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        )
        self.retries = retries or Retries()
        self.auth = TokenAuth(
            credentials
            or _credentials(
                client_id, client_secret, certificate, private_key, private_key_password
            ),
            identity_url,
            token_url=token_url,
            scope=scope,
            refresh_margin=refresh_margin,
            timeout=self.timeout,
        )

    def _http_options(self) -> dict[str, Any]:
        return {
            "base_url": self.api_url,
            "auth": self.auth,
            "timeout": self.timeout,
            "headers": {"User-Agent": USER_AGENT, "Accept": "application/json"},
            "follow_redirects": False,
        }

    @staticmethod
    def _headers(call: Call[Any], correlation: str) -> dict[str, str]:
        return {"client-request-id": correlation, **call.headers}

    @staticmethod
    def _new_correlation() -> str:
        return uuid.uuid4().hex

    def _retry_delay(
        self, call: Call[Any], attempt: int, error: ProcessCenterError
    ) -> float | None:
        delay = self.retries.delay(attempt, error, idempotent=call.idempotent)
        if delay is not None:
            logger.info(
                "request_retry",
                extra={
                    "method": call.method,
                    "path": call.path,
                    "attempt": attempt,
                    "delay_seconds": round(delay, 3),
                    "error": type(error).__name__,
                    "status": getattr(error, "status", None),
                },
            )
        return delay

    @staticmethod
    def _result(call: Call[T], response: httpx.Response) -> T:
        if response.status_code >= 400:
            raise api_error(response)
        if response.status_code == 204 or not response.content:
            return call.parse(None, dict(response.headers))
        media_type = response.headers.get("content-type", "").split(";")[0].strip()
        if media_type != "application/json" and not media_type.endswith("+json"):
            raise UnexpectedResponse(
                f"Expected JSON from {call.method} {call.path}, got {media_type!r}."
            )
        try:
            document = response.json()
        except ValueError as error:
            raise UnexpectedResponse(
                f"The response is not valid JSON: {error}"
            ) from None
        return call.parse(document, dict(response.headers))


def _credentials(
    client_id: str,
    client_secret: str | None,
    certificate: str | Path | None,
    private_key: str | Path | None,
    password: bytes | None,
) -> Credentials:
    if not client_id:
        raise ValueError("client_id is required.")
    if (client_secret is None) == (private_key is None):
        raise ValueError("Give either client_secret or private_key (with certificate).")
    if client_secret is not None:
        return ClientSecret(client_id, client_secret)
    assert private_key is not None
    return ClientCertificate.from_files(
        client_id, private_key, certificate, password=password
    )
