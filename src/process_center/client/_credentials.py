"""How the client proves who it is to the token endpoint.

A client secret goes in HTTP Basic (RFC 6749 2.3.1). A certificate's private
key signs a short-lived JWT client assertion instead (RFC 7523 2.2 and 3,
``private_key_jwt``), so no shared secret crosses the wire.
"""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import quote_plus

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# RFC 7523 3: the assertion must expire; kept short, it is made fresh per request.
ASSERTION_LIFETIME_SECONDS = 300


class Credentials(Protocol):
    @property
    def client_id(self) -> str: ...

    def token_request_parts(
        self, token_endpoint: str
    ) -> tuple[dict[str, str], dict[str, str]]:
        """Headers and form fields that authenticate a token request."""
        ...


@dataclass(frozen=True, slots=True)
class ClientSecret:
    client_id: str
    secret: str = field(repr=False)

    def token_request_parts(
        self, token_endpoint: str
    ) -> tuple[dict[str, str], dict[str, str]]:
        # RFC 6749 2.3.1: both parts are form-encoded before Basic encoding.
        pair = f"{quote_plus(self.client_id)}:{quote_plus(self.secret)}"
        basic = base64.b64encode(pair.encode()).decode()
        return {"Authorization": f"Basic {basic}"}, {}


@dataclass(frozen=True, slots=True)
class ClientCertificate:
    """A registered certificate and its private key (RSA signs RS256, EC ES256)."""

    client_id: str
    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey = field(repr=False)
    certificate: x509.Certificate | None = None

    @classmethod
    def from_files(
        cls,
        client_id: str,
        private_key: str | Path,
        certificate: str | Path | None = None,
        *,
        password: bytes | None = None,
    ) -> ClientCertificate:
        """Load a PEM or DER private key and, optionally, its X.509 certificate."""
        return cls(
            client_id,
            load_private_key(Path(private_key).read_bytes(), password),
            load_certificate(Path(certificate).read_bytes()) if certificate else None,
        )

    def token_request_parts(
        self, token_endpoint: str
    ) -> tuple[dict[str, str], dict[str, str]]:
        return {}, {
            "client_id": self.client_id,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": self.assertion(token_endpoint),
        }

    def assertion(self, audience: str) -> str:
        """A signed, single-use client assertion for ``audience`` (the token endpoint)."""
        now = int(time.time())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": audience,
            "jti": uuid.uuid4().hex,
            "iat": now,
            "nbf": now,
            "exp": now + ASSERTION_LIFETIME_SECONDS,
        }
        return jwt.encode(
            claims, self.private_key, algorithm=self.algorithm, headers=self._headers()
        )

    @property
    def algorithm(self) -> str:
        return (
            "ES256"
            if isinstance(self.private_key, ec.EllipticCurvePrivateKey)
            else "RS256"
        )

    def _headers(self) -> dict[str, str]:
        if self.certificate is None:
            return {}
        # The thumbprints let the server pick the registered certificate at once.
        return {
            "x5t#S256": _b64url(self.certificate.fingerprint(hashes.SHA256())),
            "x5t": _b64url(self.certificate.fingerprint(hashes.SHA1())),  # noqa: S303
        }


def load_private_key(
    data: bytes, password: bytes | None = None
) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    loader = (
        serialization.load_pem_private_key
        if b"-----BEGIN" in data
        else serialization.load_der_private_key
    )
    try:
        key = loader(data, password)
    except (ValueError, TypeError) as error:
        raise ValueError(f"The private key cannot be read: {error}") from None
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ValueError("The private key must be an RSA or EC key.")
    return key


def load_certificate(data: bytes) -> x509.Certificate:
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as error:
        raise ValueError(f"The certificate cannot be read: {error}") from None


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
