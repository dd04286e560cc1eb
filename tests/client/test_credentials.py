"""Client assertions for private_key_jwt (RFC 7523), checked by decoding them."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from process_center.client import ClientCertificate, ClientSecret
from process_center.client._credentials import ASSERTION_TYPE

TOKEN_ENDPOINT = "https://login.example.test/connect/token"
CLIENT_ID = "5f0e7d52-5d8c-4c3a-9c5e-1f4a2b3c4d5e"


def _certificate(
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test app")])
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class TestAssertion:
    def test_claims_follow_rfc_7523(self, rsa_key: rsa.RSAPrivateKey) -> None:
        credentials = ClientCertificate(CLIENT_ID, rsa_key)

        claims = jwt.decode(
            credentials.assertion(TOKEN_ENDPOINT),
            rsa_key.public_key(),
            algorithms=["RS256"],
            audience=TOKEN_ENDPOINT,
            options={"require": ["iss", "sub", "aud", "exp", "iat", "jti"]},
        )

        assert claims["iss"] == claims["sub"] == CLIENT_ID
        assert 0 < claims["exp"] - claims["iat"] <= 300

    def test_every_assertion_has_a_new_jti(self, rsa_key: rsa.RSAPrivateKey) -> None:
        credentials = ClientCertificate(CLIENT_ID, rsa_key)

        ids = {
            jwt.decode(
                credentials.assertion(TOKEN_ENDPOINT),
                options={"verify_signature": False},
            )["jti"]
            for _ in range(20)
        }

        assert len(ids) == 20

    def test_header_carries_the_certificate_thumbprints(
        self, rsa_key: rsa.RSAPrivateKey
    ) -> None:
        certificate = _certificate(rsa_key)
        credentials = ClientCertificate(CLIENT_ID, rsa_key, certificate)

        header = jwt.get_unverified_header(credentials.assertion(TOKEN_ENDPOINT))

        expected = base64.urlsafe_b64encode(certificate.fingerprint(hashes.SHA256()))
        assert header["alg"] == "RS256"
        assert header["x5t#S256"] == expected.rstrip(b"=").decode()

    def test_ec_keys_sign_es256(self) -> None:
        key = ec.generate_private_key(ec.SECP256R1())

        token = ClientCertificate(CLIENT_ID, key).assertion(TOKEN_ENDPOINT)

        assert jwt.get_unverified_header(token)["alg"] == "ES256"
        jwt.decode(
            token, key.public_key(), algorithms=["ES256"], audience=TOKEN_ENDPOINT
        )

    def test_token_request_form(self, rsa_key: rsa.RSAPrivateKey) -> None:
        headers, form = ClientCertificate(CLIENT_ID, rsa_key).token_request_parts(
            TOKEN_ENDPOINT
        )

        assert headers == {}
        assert form["client_assertion_type"] == ASSERTION_TYPE
        assert form["client_id"] == CLIENT_ID
        assert "client_secret" not in form


class TestFiles:
    def test_loads_pem_key_and_der_certificate(
        self, tmp_path: Path, rsa_key: rsa.RSAPrivateKey
    ) -> None:
        key_file = tmp_path / "app.key"
        key_file.write_bytes(
            rsa_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(b"pw"),
            )
        )
        cert_file = tmp_path / "app.cer"
        cert_file.write_bytes(
            _certificate(rsa_key).public_bytes(serialization.Encoding.DER)
        )

        credentials = ClientCertificate.from_files(
            CLIENT_ID, key_file, cert_file, password=b"pw"
        )

        assert credentials.certificate is not None
        jwt.decode(
            credentials.assertion(TOKEN_ENDPOINT),
            rsa_key.public_key(),
            algorithms=["RS256"],
            audience=TOKEN_ENDPOINT,
        )

    def test_an_unreadable_key_is_a_clear_error(self, tmp_path: Path) -> None:
        key_file = tmp_path / "app.key"
        key_file.write_bytes(
            b"-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n"
        )

        with pytest.raises(ValueError, match="private key cannot be read"):
            ClientCertificate.from_files(CLIENT_ID, key_file)


def test_a_secret_goes_in_basic_form_encoded_and_is_not_in_repr() -> None:
    credentials = ClientSecret("app id", "s3cret:+/")

    headers, form = credentials.token_request_parts(TOKEN_ENDPOINT)

    decoded = base64.b64decode(headers["Authorization"].removeprefix("Basic ")).decode()
    assert decoded == "app+id:s3cret%3A%2B%2F"
    assert form == {}
    assert "s3cret" not in repr(credentials)
