"""X.509 certificates that apps register to sign client assertions (RFC 7523).

A certificate is read from PEM or DER, checked for a key this server can verify
with, and described by its SHA-256 thumbprint. ``new_development_certificate``
makes a self-signed pair for trying the flow out.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from process_center.domain.errors import InvalidInput

CertificatePublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey

# RSA keys sign RS256 or PS256; EC keys only on P-256, for ES256 (RFC 7518 3.4).
RSA_ALGORITHMS = ("RS256", "PS256")
EC_ALGORITHMS = ("ES256",)
SIGNING_ALGORITHMS = RSA_ALGORITHMS + EC_ALGORITHMS
_MIN_RSA_BITS = 2048
_PEM_MARKER = b"-----BEGIN"


@dataclass(frozen=True, slots=True)
class Certificate:
    """A parsed certificate with what verifying and listing it needs."""

    der: bytes
    public_key: CertificatePublicKey
    subject: str
    not_before: datetime
    not_after: datetime

    @property
    def thumbprint(self) -> str:
        """SHA-256 of the DER encoding, in hex: how operators refer to it."""
        return hashlib.sha256(self.der).hexdigest()

    @property
    def algorithms(self) -> tuple[str, ...]:
        return algorithms_for(self.public_key)

    @property
    def key_description(self) -> str:
        if isinstance(self.public_key, rsa.RSAPublicKey):
            return f"RSA {self.public_key.key_size}"
        return "EC P-256"

    def is_valid_at(self, moment: datetime) -> bool:
        return self.not_before <= moment <= self.not_after


def algorithms_for(public_key: CertificatePublicKey) -> tuple[str, ...]:
    if isinstance(public_key, rsa.RSAPublicKey):
        return RSA_ALGORITHMS
    return EC_ALGORITHMS


def header_thumbprints(der: bytes) -> frozenset[str]:
    """The values a JWS header may name this certificate by (RFC 7515 4.1.7-8).

    ``x5t`` is the base64url SHA-1 thumbprint, ``x5t#S256`` the SHA-256 one;
    clients also put either, or the hex SHA-256, in ``kid``.
    """
    sha1 = hashlib.sha1(der, usedforsecurity=False).digest()
    sha256 = hashlib.sha256(der).digest()
    return frozenset(
        {_b64url(sha1), _b64url(sha256), sha256.hex(), sha1.hex(), sha1.hex().upper()}
    )


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def parse_certificate(data: bytes) -> Certificate:
    """Read a PEM or DER certificate and check its key is one we accept."""
    if b"PRIVATE KEY-----" in data:
        raise InvalidInput(
            "The file holds a private key; register only the certificate "
            "and keep the key with the client."
        )
    try:
        if data.lstrip().startswith(_PEM_MARKER):
            certificate = x509.load_pem_x509_certificate(data)
        else:
            certificate = x509.load_der_x509_certificate(data)
    except ValueError as error:
        raise InvalidInput("This is not a PEM or DER X.509 certificate.") from error
    return _described(certificate)


def load_der_certificate(der: bytes) -> Certificate:
    """A certificate stored earlier, already checked when it was registered."""
    return _described(x509.load_der_x509_certificate(der))


def _described(certificate: x509.Certificate) -> Certificate:
    return Certificate(
        der=certificate.public_bytes(serialization.Encoding.DER),
        public_key=_accepted_key(certificate),
        subject=certificate.subject.rfc4514_string(),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
    )


def _accepted_key(certificate: x509.Certificate) -> CertificatePublicKey:
    try:
        key = certificate.public_key()
    except ValueError as error:
        raise InvalidInput("The certificate's public key cannot be read.") from error
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < _MIN_RSA_BITS:
            raise InvalidInput(
                f"The certificate's RSA key has {key.key_size} bits; "
                f"at least {_MIN_RSA_BITS} are needed."
            )
        return key
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(
        key.curve, ec.SECP256R1
    ):
        return key
    raise InvalidInput(
        "The certificate's key must be RSA (2048 bits or more) or EC on P-256."
    )


def self_signed_certificate(
    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
    common_name: str,
    not_before: datetime,
    not_after: datetime,
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(private_key, hashes.SHA256())
    )


@dataclass(frozen=True, slots=True)
class DevelopmentCertificate:
    certificate_pem: bytes
    private_key_pem: bytes
    thumbprint: str


def new_development_certificate(
    common_name: str, *, days: int = 365, key_type: str = "rsa"
) -> DevelopmentCertificate:
    """A self-signed certificate and its unencrypted private key, for development."""
    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    if key_type == "rsa":
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    elif key_type == "ec":
        private_key = ec.generate_private_key(ec.SECP256R1())
    else:
        raise InvalidInput("The key type must be 'rsa' or 'ec'.")
    now = datetime.now(UTC)
    certificate = self_signed_certificate(
        private_key, common_name, now - timedelta(minutes=5), now + timedelta(days=days)
    )
    return DevelopmentCertificate(
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM),
        private_key_pem=private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        thumbprint=hashlib.sha256(
            certificate.public_bytes(serialization.Encoding.DER)
        ).hexdigest(),
    )
