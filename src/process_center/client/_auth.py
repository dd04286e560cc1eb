"""Bearer tokens for API calls: found by discovery, cached, refreshed in time.

The whole exchange runs inside an httpx auth flow, so the token request and
the discovery request travel through the same client, transport and timeouts
as the API call they serve. One lock per client means that when many calls
find the token stale at once, exactly one of them fetches the next token and
the rest wait for it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncGenerator, Generator
from dataclasses import dataclass
from typing import Any

import anyio
import httpx

from process_center.client._credentials import Credentials
from process_center.client._errors import (
    TokenError,
    UnexpectedResponse,
    api_error,
    request_id_of,
)

logger = logging.getLogger("process_center.client")

DISCOVERY_PATH = "/.well-known/openid-configuration"
# RFC 6749 5.1 makes expires_in optional; without it, assume a short life.
_DEFAULT_TOKEN_SECONDS = 300
Flow = Generator[httpx.Request, httpx.Response, None]


@dataclass(frozen=True, slots=True)
class _Token:
    value: str
    refresh_at: float


class TokenAuth(httpx.Auth):
    """Client credentials (RFC 6749 4.4) for every request of one client."""

    def __init__(
        self,
        credentials: Credentials,
        identity_url: str,
        *,
        token_url: str | None = None,
        scope: str | None = None,
        refresh_margin: float = 60.0,
        timeout: httpx.Timeout,
    ) -> None:
        self._credentials = credentials
        self._identity_url = identity_url.rstrip("/")
        self._token_endpoint = token_url
        self._scope = scope
        self._refresh_margin = refresh_margin
        self._timeout = timeout
        self._token: _Token | None = None
        self._thread_lock = threading.Lock()
        self._async_lock = anyio.Lock()

    def invalidate(self) -> None:
        """Forget the cached token; the next call fetches a new one."""
        self._token = None

    def sync_auth_flow(self, request: httpx.Request) -> Flow:
        stale: str | None = None
        # A token refused before its time (revoked, keys rotated) gets one
        # fresh try; a second refusal is the caller's to see.
        for _ in range(2):
            with self._thread_lock:
                flow = self._fresh_token_flow(stale=stale)
                step = _step(flow, None)
                while step is not None:
                    response = yield step
                    response.read()
                    step = _step(flow, response)
                token = self._current()
            response = yield _authorized(request, token)
            if response.status_code != 401:
                return
            stale = token

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        stale: str | None = None
        for _ in range(2):
            async with self._async_lock:
                flow = self._fresh_token_flow(stale=stale)
                step = _step(flow, None)
                while step is not None:
                    response = yield step
                    await response.aread()
                    step = _step(flow, response)
                token = self._current()
            response = yield _authorized(request, token)
            if response.status_code != 401:
                return
            stale = token

    def _current(self) -> str:
        assert self._token is not None  # the fresh-token flow always sets it
        return self._token.value

    def _fresh_token_flow(self, *, stale: str | None) -> Flow:
        """Fetch a token unless a usable one is cached (and is not ``stale``)."""
        token = self._token
        fresh = token is not None and time.monotonic() < token.refresh_at
        if fresh and token is not None and token.value != stale:
            return
        if self._token_endpoint is None:
            response = yield self._discovery_request()
            self._token_endpoint = self._read_discovery(response)
        response = yield self._token_request(self._token_endpoint)
        self._token = self._read_token(response)

    def _discovery_request(self) -> httpx.Request:
        return httpx.Request(
            "GET",
            self._identity_url + DISCOVERY_PATH,
            headers={"Accept": "application/json"},
            extensions={"timeout": self._timeout.as_dict()},
        )

    def _read_discovery(self, response: httpx.Response) -> str:
        document = _json_object(response, "discovery document")
        # OpenID Connect Discovery 4.3: the document must name the identity
        # service it came from, or the secret could be sent to someone else.
        issuer = str(document.get("issuer", "")).rstrip("/")
        if issuer != self._identity_url:
            raise UnexpectedResponse(
                f"The discovery document's issuer {issuer!r} is not "
                f"{self._identity_url!r}."
            )
        endpoint = document.get("token_endpoint")
        if not isinstance(endpoint, str) or not endpoint.startswith(
            ("https:", "http:")
        ):
            raise UnexpectedResponse("The discovery document has no token_endpoint.")
        return endpoint

    def _token_request(self, endpoint: str) -> httpx.Request:
        headers, form = self._credentials.token_request_parts(endpoint)
        form = {"grant_type": "client_credentials", **form}
        if self._scope:
            form["scope"] = self._scope
        logger.debug("token_request", extra={"client_id": self._credentials.client_id})
        return httpx.Request(
            "POST",
            endpoint,
            data=form,
            headers={"Accept": "application/json", **headers},
            extensions={"timeout": self._timeout.as_dict()},
        )

    def _read_token(self, response: httpx.Response) -> _Token:
        document = _json_object(response, "token response")
        value = document.get("access_token")
        token_type = str(document.get("token_type", "")).lower()
        if not isinstance(value, str) or not value or token_type != "bearer":  # noqa: S105
            raise UnexpectedResponse("The token response has no bearer access_token.")
        lifetime = document.get("expires_in", _DEFAULT_TOKEN_SECONDS)
        if not isinstance(lifetime, int | float) or lifetime <= 0:
            raise UnexpectedResponse("The token response has a bad expires_in.")
        margin = min(self._refresh_margin, lifetime / 4)
        return _Token(value, time.monotonic() + lifetime - margin)


def _authorized(request: httpx.Request, token: str) -> httpx.Request:
    request.headers["Authorization"] = f"Bearer {token}"
    return request


def _step(flow: Flow, response: httpx.Response | None) -> httpx.Request | None:
    """The token flow's next request, or None once it is done."""
    try:
        return next(flow) if response is None else flow.send(response)
    except StopIteration:
        return None


def _json_object(response: httpx.Response, what: str) -> dict[str, Any]:
    if response.status_code != 200:
        raise _identity_error(response)
    try:
        document = response.json()
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise UnexpectedResponse(f"The {what} is not a JSON object.")
    return document


def _identity_error(response: httpx.Response) -> Exception:
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code in (400, 401) and isinstance(body, dict):
        code = body.get("error")
        if isinstance(code, str):
            # RFC 6749 5.2: the token endpoint's own error codes.
            return TokenError(
                response.status_code,
                code,
                str(body.get("error_description") or code),
                request_id=request_id_of(response),
                problem=body,
            )
    return api_error(response)
