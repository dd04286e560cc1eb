"""Bearer authentication for the partner API."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from starlette.requests import Request

from process_center.domain.errors import Forbidden
from process_center.identity.errors import InsufficientScope, InvalidToken
from process_center.identity.registrations import AppSnapshot, RegistrationCache
from process_center.identity.tokens import TokenVerifier


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated app, with what it may do right now."""

    app: AppSnapshot
    permissions: frozenset[str]

    @property
    def partner_id(self) -> UUID:
        return self.app.partner_id

    def require_customer(self, customer_id: UUID) -> None:
        if not self.app.allows_customer(customer_id):
            raise Forbidden(f"The app may not act for customer {customer_id}.")

    @property
    def visible_customers(self) -> frozenset[UUID] | None:
        """None when every customer of the partner is in scope."""
        return None if self.app.customer_scope == "all" else self.app.customer_ids


def bearer_token(request: Request) -> str:
    return token_of(request.headers.get("authorization"))


def token_of(header: str | None) -> str:
    """The token of an ``Authorization: Bearer`` header; InvalidToken if none."""
    if not header:
        raise InvalidToken("An access token is required.")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise InvalidToken("The Authorization header must be 'Bearer <token>'.")
    return token


def authenticate(
    request: Request,
    verifier: TokenVerifier,
    registrations: RegistrationCache,
    any_of: frozenset[str],
) -> Caller:
    """The caller behind the request's bearer token, holding one of ``any_of``.

    The token's scopes are narrowed to what the registration holds now, so a
    permission taken away stops working before the token expires.
    """
    caller = authenticate_token(bearer_token(request), verifier, registrations, any_of)
    request.scope["state"]["client_id"] = str(caller.app.client_id)
    return caller


def authenticate_token(
    token: str,
    verifier: TokenVerifier,
    registrations: RegistrationCache,
    any_of: frozenset[str],
) -> Caller:
    """``authenticate`` for a token already taken from its header."""
    claims = verifier.verify(token)
    app = registrations.get(claims.client_id)
    if app is None or app.partner_id != claims.partner_id:
        raise InvalidToken("The app registration behind the token no longer exists.")
    permissions = claims.scopes & app.permissions
    if not permissions & any_of:
        needed = " or ".join(sorted(any_of))
        raise InsufficientScope(f"This call needs the permission {needed}.")
    return Caller(app, permissions)
