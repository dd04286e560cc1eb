"""Client authentication by signed JWT assertion: RFC 7523 ``private_key_jwt``.

The assertion must be signed by the private key of a certificate registered for
the app, name the app in both ``iss`` and ``sub``, be meant for this server
(``aud`` is the token endpoint URL or the issuer), expire within an hour, and
carry a ``jti`` never seen before for this app (RFC 7523 3).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import jwt

from process_center.identity.certificates import SIGNING_ALGORITHMS
from process_center.identity.errors import InvalidClient
from process_center.identity.registrations import AppSnapshot, CertificateRecord
from process_center.identity.replay import ReplayGuard

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# RFC 7523 3 leaves both to the server; an hour matches what common clients
# (authlib, MSAL) send, a minute of skew covers ordinary clock drift.
MAX_LIFETIME = timedelta(minutes=60)
CLOCK_SKEW = timedelta(seconds=60)
_MAX_JTI_LENGTH = 200
_REQUIRED_CLAIMS = ["iss", "sub", "aud", "exp", "jti"]
# Header parameters that name the signing certificate (RFC 7515 4.1.4, 4.1.7-8).
_CERTIFICATE_HEADERS = ("x5t#S256", "x5t", "kid")


@dataclass(frozen=True, slots=True)
class VerifiedAssertion:
    client_id: UUID
    certificate_id: UUID
    jti: str
    expires_at: datetime


def claimed_client_id(assertion: str) -> str:
    """The client an assertion says it comes from, read before any check.

    Used only to find the app whose certificates then verify the assertion.
    """
    try:
        claims = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.InvalidTokenError as error:
        raise InvalidClient("The client assertion is not a well-formed JWT.") from error
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise InvalidClient("The client assertion lacks the claim sub.")
    return subject


class AssertionVerifier:
    """Checks client assertions against an app's registered certificates."""

    def __init__(
        self,
        audiences: Sequence[str],
        replays: ReplayGuard,
    ) -> None:
        self._audiences = list(dict.fromkeys(audiences))
        self._replays = replays

    def verify(self, app: AppSnapshot, assertion: str) -> VerifiedAssertion:
        candidates = _candidates(app, _header(assertion))
        record, claims = self._signed_claims(assertion, candidates)
        now = datetime.now(UTC)
        _check_certificate_period(record, now)
        verified = _verified(app.client_id, record, claims, now)
        if not self._replays.first_use(
            verified.client_id, verified.jti, verified.expires_at
        ):
            raise InvalidClient("The client assertion was used before (same jti).")
        return verified

    def _signed_claims(
        self, assertion: str, candidates: list[CertificateRecord]
    ) -> tuple[CertificateRecord, dict[str, Any]]:
        for record in candidates:
            try:
                claims = jwt.decode(
                    assertion,
                    record.certificate.public_key,
                    algorithms=list(record.certificate.algorithms),
                    audience=self._audiences,
                    leeway=CLOCK_SKEW,
                    options={"require": _REQUIRED_CLAIMS},
                )
            except (jwt.InvalidSignatureError, jwt.InvalidAlgorithmError):
                continue
            except jwt.InvalidTokenError as error:
                raise _claims_error(error) from error
            return record, claims
        raise InvalidClient(
            "The client assertion's signature does not match a certificate "
            "registered for this app."
        )


def _header(assertion: str) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(assertion)
    except jwt.InvalidTokenError as error:
        raise InvalidClient("The client assertion is not a well-formed JWT.") from error
    algorithm = header.get("alg")
    # Refusing anything but the asymmetric algorithms up front is what stops
    # "none" and an HMAC keyed with the public certificate (RFC 8725 2.1).
    if algorithm not in SIGNING_ALGORITHMS:
        raise InvalidClient(
            f"Client assertions must be signed with {', '.join(SIGNING_ALGORITHMS)}; "
            f"'{str(algorithm)[:20]}' is not accepted."
        )
    return header


def _candidates(app: AppSnapshot, header: dict[str, Any]) -> list[CertificateRecord]:
    """The app's certificates that could have signed an assertion with this header."""
    if not app.certificates:
        raise InvalidClient("The app has no certificate registered.")
    fitting = [
        record
        for record in app.certificates
        if header["alg"] in record.certificate.algorithms
    ]
    names = {str(header[name]) for name in _CERTIFICATE_HEADERS if name in header}
    if not names:
        return fitting
    named = [record for record in fitting if names & record.header_names]
    if not named:
        raise InvalidClient(
            "The client assertion names a certificate that is not registered "
            "for this app."
        )
    return named


def _check_certificate_period(record: CertificateRecord, now: datetime) -> None:
    certificate = record.certificate
    if now > certificate.not_after:
        raise InvalidClient(
            f"The certificate {certificate.thumbprint} expired on "
            f"{certificate.not_after:%Y-%m-%d}."
        )
    if now < certificate.not_before:
        raise InvalidClient(
            f"The certificate {certificate.thumbprint} is not valid before "
            f"{certificate.not_before:%Y-%m-%d %H:%M} UTC."
        )


def _verified(
    client_id: UUID,
    record: CertificateRecord,
    claims: dict[str, Any],
    now: datetime,
) -> VerifiedAssertion:
    if claims["iss"] != str(client_id) or claims["sub"] != str(client_id):
        raise InvalidClient("The client assertion's iss and sub must be the client id.")
    jti = claims["jti"]
    if not isinstance(jti, str) or not 0 < len(jti) <= _MAX_JTI_LENGTH:
        raise InvalidClient(
            f"The client assertion's jti must be a string of 1 to "
            f"{_MAX_JTI_LENGTH} characters."
        )
    # PyJWT has checked int(exp) works (it may be a numeric string); compared
    # as a number first, so an absurd exp never reaches datetime.
    exp = int(claims["exp"])
    if exp > (now + MAX_LIFETIME + CLOCK_SKEW).timestamp():
        raise InvalidClient("The client assertion's exp is more than 60 minutes ahead.")
    expires_at = datetime.fromtimestamp(exp, UTC)
    return VerifiedAssertion(client_id, record.id, jti, expires_at)


def _claims_error(error: jwt.InvalidTokenError) -> InvalidClient:
    if isinstance(error, jwt.MissingRequiredClaimError):
        return InvalidClient(f"The client assertion lacks the claim {error.claim}.")
    if isinstance(error, jwt.ExpiredSignatureError):
        return InvalidClient("The client assertion has expired.")
    if isinstance(error, jwt.ImmatureSignatureError):
        return InvalidClient("The client assertion is not valid yet (nbf or iat).")
    if isinstance(error, jwt.InvalidAudienceError):
        return InvalidClient(
            "The client assertion's aud must be the token endpoint URL or the issuer."
        )
    return InvalidClient(f"The client assertion is invalid: {error}.")
