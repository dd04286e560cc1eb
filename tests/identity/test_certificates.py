"""Reading certificates an operator registers, and making development ones."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from cryptography import x509

from process_center.domain.errors import InvalidInput
from process_center.identity.certificates import (
    header_thumbprints,
    new_development_certificate,
    parse_certificate,
)
from tests.identity.support import KeyPair, new_key_pair


class TestParse:
    def test_pem_and_der_read_alike(self, rsa_pair: KeyPair) -> None:
        from_pem = parse_certificate(rsa_pair.certificate_pem)
        from_der = parse_certificate(rsa_pair.certificate_der)

        assert from_pem == from_der
        assert (
            from_pem.thumbprint == hashlib.sha256(rsa_pair.certificate_der).hexdigest()
        )
        assert from_pem.algorithms == ("RS256", "PS256")
        assert from_pem.subject == "CN=test client"

    def test_ec_p256_signs_es256(self, ec_pair: KeyPair) -> None:
        certificate = parse_certificate(ec_pair.certificate_pem)

        assert certificate.algorithms == ("ES256",)
        assert certificate.key_description == "EC P-256"

    @pytest.mark.parametrize(
        ("pair_options", "refusal"),
        [
            ({"key_type": "rsa", "rsa_bits": 1024}, "1024 bits"),
            ({"key_type": "ec-p384"}, "RSA (2048 bits or more) or EC on P-256"),
        ],
        ids=["rsa-1024", "ec-p384"],
    )
    def test_refuses_keys_it_cannot_verify_with(
        self, pair_options: dict[str, object], refusal: str
    ) -> None:
        pair = new_key_pair(**pair_options)  # type: ignore[arg-type]

        with pytest.raises(InvalidInput, match=re.escape(refusal)):
            parse_certificate(pair.certificate_pem)

    def test_refuses_a_file_holding_the_private_key(self, rsa_pair: KeyPair) -> None:
        with pytest.raises(InvalidInput, match="private key"):
            parse_certificate(rsa_pair.certificate_pem + rsa_pair.private_key_pem)

    @pytest.mark.parametrize(
        "data",
        [
            b"",
            b"hello",
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        ],
    )
    def test_refuses_what_is_not_a_certificate(self, data: bytes) -> None:
        with pytest.raises(
            InvalidInput, match=re.escape("not a PEM or DER X.509 certificate")
        ):
            parse_certificate(data)


def test_header_thumbprints_include_x5t_and_x5t_s256(rsa_pair: KeyPair) -> None:
    der = rsa_pair.certificate_der
    sha1 = base64.urlsafe_b64encode(hashlib.sha1(der).digest()).rstrip(b"=").decode()  # noqa: S324 - x5t is SHA-1 by definition (RFC 7515 4.1.7)
    sha256 = (
        base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()
    )

    assert {sha1, sha256} <= header_thumbprints(der)


@pytest.mark.parametrize(("key_type", "algorithm"), [("rsa", "RS256"), ("ec", "ES256")])
def test_development_certificate_is_self_signed_and_registrable(
    key_type: str, algorithm: str
) -> None:
    pair = new_development_certificate("dev client", days=30, key_type=key_type)

    certificate = parse_certificate(pair.certificate_pem)
    loaded = x509.load_pem_x509_certificate(pair.certificate_pem)
    assert certificate.thumbprint == pair.thumbprint
    assert algorithm in certificate.algorithms
    assert loaded.issuer == loaded.subject
    assert b"PRIVATE KEY" in pair.private_key_pem
    assert 29 <= (certificate.not_after - certificate.not_before).days <= 30
