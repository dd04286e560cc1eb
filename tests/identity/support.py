"""Certificates, keys and signed client assertions for identity tests."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from process_center.identity.apps import get_app
from process_center.identity.assertions import JWT_BEARER
from process_center.identity.certificates import (
    header_thumbprints,
    self_signed_certificate,
)
from process_center.identity.credentials import add_certificate
from process_center.storage.database import Database
from process_center.storage.models import ClientCertificate

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass
class KeyPair:
    private_key: PrivateKey
    certificate: x509.Certificate

    @property
    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def certificate_der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def private_key_pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    @property
    def public_key_pem(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    @property
    def x5t_s256(self) -> str:
        names = header_thumbprints(self.certificate_der)
        return next(name for name in names if len(name) == 43)


def new_key_pair(
    key_type: str = "rsa",
    *,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    rsa_bits: int = 2048,
    reuse_key: PrivateKey | None = None,
) -> KeyPair:
    private_key: PrivateKey
    if reuse_key is not None:
        private_key = reuse_key
    elif key_type == "rsa":
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
    elif key_type == "ec":
        private_key = ec.generate_private_key(ec.SECP256R1())
    else:
        private_key = ec.generate_private_key(ec.SECP384R1())
    now = datetime.now(UTC)
    certificate = self_signed_certificate(
        private_key,
        "test client",
        not_before or now - timedelta(days=1),
        not_after or now + timedelta(days=30),
    )
    return KeyPair(private_key, certificate)


def register_certificate(database: Database, client_id: UUID, pair: KeyPair) -> UUID:
    """Register through the admin service, with all its checks."""
    with database.write() as session:
        return add_certificate(
            session, get_app(session, client_id), pair.certificate_pem
        ).id


def store_certificate_row(database: Database, client_id: UUID, pair: KeyPair) -> None:
    """Write the row directly: a certificate that was valid when registered."""
    with database.write() as session:
        app = get_app(session, client_id)
        session.add(
            ClientCertificate(
                app_id=app.id,
                thumbprint=pair.certificate.fingerprint(hashes.SHA256()).hex(),
                certificate_der=pair.certificate_der,
                subject="CN=test client",
                not_before=pair.certificate.not_valid_before_utc,
                not_after=pair.certificate.not_valid_after_utc,
            )
        )


@dataclass
class AssertionSigner:
    """Signs client assertions for one app; claims default to a valid assertion."""

    client_id: UUID
    pair: KeyPair
    audience: str
    algorithm: str = "RS256"
    headers: dict[str, Any] = field(default_factory=dict)

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": str(self.client_id),
            "sub": str(self.client_id),
            "aud": self.audience,
            "iat": now,
            "nbf": now,
            "exp": now + 300,
            "jti": uuid.uuid4().hex,
        }
        claims.update(overrides)
        return {name: value for name, value in claims.items() if value is not None}

    def sign(self, key: PrivateKey | None = None, **overrides: Any) -> str:
        return jwt.encode(
            self.claims(**overrides),
            key or self.pair.private_key,
            algorithm=self.algorithm,
            headers=self.headers or None,
        )


def assertion_form(assertion: str, client_id: UUID | None = None) -> dict[str, str]:
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": JWT_BEARER,
        "client_assertion": assertion,
    }
    if client_id is not None:
        form["client_id"] = str(client_id)
    return form


def request_token(http: httpx.Client, assertion: str) -> httpx.Response:
    return http.post("/connect/token", data=assertion_form(assertion))


def assert_invalid_client(response: httpx.Response, *words: str) -> None:
    """RFC 6749 5.2: 401, invalid_client, and a description naming the problem."""
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["error"] == "invalid_client", body
    for word in words:
        assert word in body["error_description"], body
