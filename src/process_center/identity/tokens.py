"""Access tokens: RS256 JWTs (RFC 9068 profile), issued and verified strictly."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import jwt

from process_center.identity.cache import TTLCache
from process_center.identity.errors import InvalidToken
from process_center.identity.keys import KeyRing

_REQUIRED_CLAIMS = ["iss", "aud", "sub", "client_id", "exp", "iat", "nbf", "jti"]
# Tolerance for clocks of several server processes disagreeing a little.
_LEEWAY_SECONDS = 5


@dataclass(frozen=True, slots=True)
class AccessClaims:
    client_id: UUID
    partner_id: UUID
    scopes: frozenset[str]
    expires_at: float


class TokenIssuer:
    def __init__(
        self, keys: KeyRing, *, issuer: str, audience: str, lifetime_seconds: int
    ) -> None:
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self.lifetime_seconds = lifetime_seconds

    def issue(self, client_id: UUID, partner_id: UUID, scopes: list[str]) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": str(client_id),
            "client_id": str(client_id),
            "ptn": str(partner_id),
            "scope": " ".join(scopes),
            "iat": now,
            "nbf": now,
            "exp": now + self.lifetime_seconds,
            "jti": uuid.uuid4().hex,
        }
        key = self._keys.active
        return jwt.encode(
            claims,
            key.private_key,
            algorithm="RS256",
            headers={"kid": key.kid, "typ": "at+jwt"},
        )


class TokenVerifier:
    """Checks bearer tokens; remembers good ones until they expire.

    Verifying RS256 costs tens of microseconds per call, so a token seen
    before is looked up instead. Only tokens that passed every check are
    cached, keyed by the exact token string.
    """

    def __init__(self, keys: KeyRing, *, issuer: str, audience: str) -> None:
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._verified: TTLCache[str, AccessClaims] = TTLCache(maxsize=100_000)

    def verify(self, token: str) -> AccessClaims:
        claims = self._verified.get(token)
        now = time.time()
        if claims is not None and claims.expires_at > now:
            return claims
        claims = self._verify_uncached(token)
        self._verified.put(token, claims, claims.expires_at - now)
        return claims

    def _verify_uncached(self, token: str) -> AccessClaims:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as error:
            raise InvalidToken("The access token is malformed.") from error
        if header.get("alg") != "RS256":
            raise InvalidToken("The access token is not signed with RS256.")
        kid = header.get("kid")
        key = self._keys.verification_key(kid) if isinstance(kid, str) else None
        if key is None:
            raise InvalidToken("The access token was not signed by a known key.")
        try:
            payload = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                audience=self._audience,
                issuer=self._issuer,
                leeway=_LEEWAY_SECONDS,
                options={"require": _REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError as error:
            raise InvalidToken("The access token has expired.") from error
        except jwt.ImmatureSignatureError as error:
            raise InvalidToken("The access token is not valid yet.") from error
        except jwt.InvalidAudienceError as error:
            raise InvalidToken(
                "The access token is meant for another audience."
            ) from error
        except jwt.InvalidIssuerError as error:
            raise InvalidToken("The access token comes from another issuer.") from error
        except jwt.InvalidTokenError as error:
            raise InvalidToken("The access token is invalid.") from error
        return _claims_from(payload)


def _claims_from(payload: dict[str, Any]) -> AccessClaims:
    try:
        client_id = UUID(payload["client_id"])
        partner_id = UUID(payload["ptn"])
        scope = payload.get("scope", "")
        if not isinstance(scope, str):
            raise TypeError("scope")
        return AccessClaims(
            client_id=client_id,
            partner_id=partner_id,
            scopes=frozenset(scope.split()),
            expires_at=float(payload["exp"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidToken("The access token's claims are malformed.") from error
