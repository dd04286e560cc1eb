"""The token endpoint's logic: authenticate the client, settle the scope, issue."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import unquote_plus
from uuid import UUID

from process_center.identity.assertions import (
    JWT_BEARER,
    AssertionVerifier,
    claimed_client_id,
)
from process_center.identity.errors import (
    InvalidClient,
    InvalidRequest,
    InvalidScope,
    UnsupportedGrantType,
)
from process_center.identity.hashing import (
    CHECK_SLOTS,
    SecretCheckCache,
    verify_secret,
)
from process_center.identity.registrations import AppSnapshot, RegistrationCache
from process_center.identity.tokens import TokenIssuer

SUPPORTED_GRANT_TYPES = ("client_credentials",)


@dataclass(frozen=True, slots=True)
class TokenGrant:
    access_token: str
    expires_in: int
    scope: str

    def as_response(self) -> dict[str, object]:
        return {
            "access_token": self.access_token,
            "expires_in": self.expires_in,
            "token_type": "Bearer",
            "scope": self.scope,
        }


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    """What a client presented to prove who it is."""

    client_id: str
    secret: str | None = None
    assertion: str | None = None
    assertion_type: str | None = None
    via_basic: bool = False


def parse_basic_authorization(header: str) -> tuple[str, str]:
    """Client id and secret from an HTTP Basic header (RFC 6749 2.3.1: form-encoded)."""
    try:
        decoded = base64.b64decode(header.encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as error:
        raise InvalidClient("The Basic authorization header is malformed.") from error
    client_id, separator, secret = decoded.partition(":")
    if not separator:
        raise InvalidClient("The Basic authorization header is malformed.")
    return unquote_plus(client_id), unquote_plus(secret)


def client_credentials_from(
    form: dict[str, str], basic_header: str | None
) -> ClientCredentials:
    methods = [
        basic_header is not None,
        "client_secret" in form,
        "client_assertion" in form,
    ]
    if sum(methods) > 1:
        raise InvalidRequest("Use exactly one client authentication method.")
    if basic_header is not None:
        client_id, secret = parse_basic_authorization(basic_header)
        if "client_id" in form and form["client_id"] != client_id:
            raise InvalidRequest("client_id differs from the Basic authorization.")
        return ClientCredentials(client_id=client_id, secret=secret, via_basic=True)
    if "client_assertion" in form:
        return ClientCredentials(
            client_id=form.get("client_id", ""),
            assertion=form["client_assertion"],
            assertion_type=form.get("client_assertion_type"),
        )
    if "client_id" not in form:
        raise InvalidClient("No client authentication was given.")
    return ClientCredentials(
        client_id=form["client_id"], secret=form.get("client_secret")
    )


class TokenService:
    def __init__(
        self,
        registrations: RegistrationCache,
        issuer: TokenIssuer,
        assertions: AssertionVerifier,
        secret_checks: SecretCheckCache | None = None,
    ) -> None:
        self._registrations = registrations
        self._issuer = issuer
        self._assertions = assertions
        self._secret_checks = secret_checks or SecretCheckCache()

    def grant(self, form: dict[str, str], basic_header: str | None) -> TokenGrant:
        grant_type = form.get("grant_type")
        if not grant_type:
            raise InvalidRequest("grant_type is required.")
        credentials = client_credentials_from(form, basic_header)
        if grant_type not in SUPPORTED_GRANT_TYPES:
            raise UnsupportedGrantType(
                f"grant_type '{grant_type}' is not supported; use client_credentials."
            )
        app = self.authenticate(credentials)
        scopes = self._settle_scope(app, form.get("scope"))
        token = self._issuer.issue(app.client_id, app.partner_id, scopes)
        return TokenGrant(token, self._issuer.lifetime_seconds, " ".join(scopes))

    def authenticate(self, credentials: ClientCredentials) -> AppSnapshot:
        if credentials.assertion is not None:
            return self._authenticate_assertion(credentials, credentials.assertion)
        app = self._find_app(credentials.client_id)
        if not credentials.secret:
            raise InvalidClient("A client secret is required.")
        self._check_secret(app, credentials.secret)
        return app

    def _authenticate_assertion(
        self, credentials: ClientCredentials, assertion: str
    ) -> AppSnapshot:
        if credentials.assertion_type is None:
            raise InvalidRequest("client_assertion_type is required with an assertion.")
        if credentials.assertion_type != JWT_BEARER:
            raise InvalidClient(f"Only the assertion type {JWT_BEARER} is accepted.")
        # RFC 7523 3: client_id may be left out; the assertion's sub names it.
        app = self._find_app(credentials.client_id or claimed_client_id(assertion))
        self._assertions.verify(app, assertion)
        return app

    def _find_app(self, client_id: str) -> AppSnapshot:
        try:
            parsed = UUID(client_id)
        except ValueError:
            raise InvalidClient("Client authentication failed.") from None
        app = self._registrations.get(parsed)
        if app is None:
            raise InvalidClient("Client authentication failed.")
        return app

    def _check_secret(self, app: AppSnapshot, secret: str) -> None:
        now = datetime.now(UTC)
        if self._remembered(app, secret, now):
            return
        with CHECK_SLOTS:
            # A request that waited for a slot may find its secret checked by
            # the one it waited on.
            if self._remembered(app, secret, now):
                return
            for record in app.secrets:
                if verify_secret(record.secret_hash, secret):
                    if record.expires_at <= now:
                        raise InvalidClient("The client secret has expired.")
                    self._secret_checks.remember(app.client_id, secret, record.id)
                    return
        raise InvalidClient("Client authentication failed.")

    def _remembered(self, app: AppSnapshot, secret: str, now: datetime) -> bool:
        remembered = self._secret_checks.matched_secret(app.client_id, secret)
        return remembered is not None and app.live_secret(remembered, now) is not None

    @staticmethod
    def _settle_scope(app: AppSnapshot, requested: str | None) -> list[str]:
        if requested is None or not requested.strip():
            if not app.permissions:
                raise InvalidScope("The app holds no permissions.")
            return sorted(app.permissions)
        wanted = requested.split()
        missing = sorted(set(wanted) - app.permissions)
        if missing:
            raise InvalidScope(f"The app does not hold: {', '.join(missing)}.")
        return sorted(set(wanted))
