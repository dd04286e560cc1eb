"""Hostile callers: forged and misused tokens, other partners' and tenants' IDs,
injection-shaped strings and giant numbers. Each is refused with the right
status, and no answer leaks internals or another party's data."""

from __future__ import annotations

import base64
import json
import time
import uuid
from urllib.parse import quote

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from process_center.domain.permissions import TENANT_READWRITE
from tests.conftest import LiveServer
from tests.factories import Factory, World, get_token, jobs_path, sign_access_token
from tests.hardening.conftest import raw_exchange

# Words that only appear in an answer when internals leak out.
_INTERNALS = (
    "Traceback",
    "sqlalchemy",
    "psycopg",
    "sqlite3",
    "OperationalError",
    'File "',
)
INJECTIONS = [
    "' OR '1'='1",
    "1; DROP TABLE jobs; --",
    '"; SELECT pg_sleep(5); --',
    "../../../../etc/passwd",
    "<script>alert(1)</script>",
    "${jndi:ldap://127.0.0.1/a}",
    "{{7*7}}",
    "%00\u0000nul",
    "\u202e\ufeffunicode",
    "a" * 5000,
]
GIANT_NUMBERS = [
    "9" * 40,
    "-" + "9" * 40,
    "1e308",
    "NaN",
    "0x7fffffffffffffff",
    "-1",
    "0",
]


def _assert_nothing_leaked(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    for word in _INTERNALS:
        assert word not in response.text


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _segment(document: dict[str, object]) -> str:
    raw = json.dumps(document, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unsigned(world: World, server: LiveServer, algorithm: str) -> str:
    now = int(time.time())
    claims = {
        "iss": server.url,
        "aud": "process-center-api",
        "sub": str(world.app.client_id),
        "client_id": str(world.app.client_id),
        "ptn": str(world.partner_id),
        "scope": "elements.bm.tenant.read.all",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
    }
    return f"{_segment({'alg': algorithm, 'typ': 'JWT'})}.{_segment(claims)}."


@pytest.mark.any_store
class TestForgedTokens:
    def _refused(self, http: httpx.Client, world: World, token: str) -> httpx.Response:
        response = http.post(world.jobs_path, headers=_bearer(token))
        assert response.status_code == 401, response.text
        assert response.headers["www-authenticate"].startswith(
            'Bearer error="invalid_token"'
        )
        _assert_nothing_leaked(response)
        return response

    @pytest.mark.parametrize(
        ("claims", "said"),
        [
            ({"nbf": int(time.time()) + 3600}, "not valid yet"),
            ({"iss": "https://login.example.com"}, "another issuer"),
            ({"aud": "some-other-api"}, "another audience"),
            ({"exp": int(time.time()) - 60}, "expired"),
            ({"jti": None}, "invalid"),
        ],
        ids=["not-yet-valid", "wrong-issuer", "wrong-audience", "expired", "no-jti"],
    )
    def test_claims_out_of_bounds(
        self,
        http: httpx.Client,
        world: World,
        factory: Factory,
        live_server: LiveServer,
        claims: dict[str, object],
        said: str,
    ) -> None:
        token = sign_access_token(
            factory.database, live_server.url, world.app, **claims
        )

        assert said in self._refused(http, world, token).json()["detail"]

    @pytest.mark.parametrize("algorithm", ["none", "None", "NONE"])
    def test_alg_none(
        self, http: httpx.Client, world: World, live_server: LiveServer, algorithm: str
    ) -> None:
        self._refused(http, world, _unsigned(world, live_server, algorithm))

    def test_key_confusion_hs256_with_the_public_key(
        self, http: httpx.Client, world: World, live_server: LiveServer, token: str
    ) -> None:
        # The classic attack: sign HS256 with the published RSA key as the secret.
        jwk = http.get("/.well-known/openid-configuration/jwks").json()["keys"][0]
        public = jwt.PyJWK(jwk).key
        pem = public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        claims = jwt.decode(token, options={"verify_signature": False})
        forged = _hs256(claims, pem, jwk["kid"])

        self._refused(http, world, forged)

    def test_signed_by_a_stranger_under_our_key_id(
        self, http: httpx.Client, world: World, token: str
    ) -> None:
        stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
        forged = jwt.encode(claims, stranger, algorithm="RS256", headers=header)

        self._refused(http, world, forged)

    def test_unknown_key_id(self, http: httpx.Client, world: World, token: str) -> None:
        stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        claims = jwt.decode(token, options={"verify_signature": False})
        forged = jwt.encode(claims, stranger, algorithm="RS256", headers={"kid": "x"})

        self._refused(http, world, forged)

    def test_claims_swapped_to_another_partner(
        self, http: httpx.Client, world: World, factory: Factory, token: str
    ) -> None:
        header, payload, signature = token.split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
        claims["ptn"] = str(factory.partner("Litware"))

        self._refused(http, world, f"{header}.{_segment(claims)}.{signature}")


def _hs256(claims: dict[str, object], secret: bytes, kid: str) -> str:
    import hashlib
    import hmac

    head = _segment({"alg": "HS256", "typ": "JWT", "kid": kid})
    body = _segment(claims)
    mac = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


class TestOtherParties:
    def test_another_partners_token_sees_nothing_of_ours(
        self, http: httpx.Client, world: World, factory: Factory
    ) -> None:
        factory.jobs(world.tenant_id, 3)
        litware = factory.partner("Litware")
        their_app = factory.app(litware, [TENANT_READWRITE])
        headers = _bearer(get_token(http, their_app))
        ours = jobs_path(world.customer_id, world.tenant_id)

        listing = http.post(ours, headers=headers)
        creation = http.post(
            ours.removesuffix("/batch"), json={"type": 1}, headers=headers
        )
        tenants = http.post("/partner/external/v3/bm/tenants/batch", headers=headers)

        assert listing.status_code == 404
        assert creation.status_code == 404
        assert tenants.json()["data"] == []
        for response in (listing, creation, tenants):
            assert "fabrikam" not in response.text
            _assert_nothing_leaked(response)

    def test_jobs_of_another_tenant_are_not_found_by_id(
        self, http: httpx.Client, world: World, factory: Factory
    ) -> None:
        other_tenant = factory.tenant(world.customer_id, "other.onmicrosoft.com")
        [their_job] = factory.jobs(other_tenant, 1)
        writer = factory.app(world.partner_id, [TENANT_READWRITE])
        headers = _bearer(get_token(http, writer))
        ours = jobs_path(world.customer_id, world.tenant_id).removesuffix("/batch")

        read = http.get(f"{ours}/{their_job}", headers=headers)
        moved = http.patch(f"{ours}/{their_job}", json={"status": 1}, headers=headers)
        listed = http.post(
            f"{ours}/batch", json={"jobIds": [str(their_job)]}, headers=headers
        )

        assert read.status_code == 404
        assert moved.status_code == 404
        assert listed.json()["data"] == []
        assert (
            http.get(
                f"{jobs_path(world.customer_id, other_tenant).removesuffix('/batch')}/{their_job}",
                headers=headers,
            ).json()["status"]
            == 0
        )


class TestInjection:
    @pytest.mark.parametrize("value", INJECTIONS)
    def test_in_path_query_body_and_headers(
        self, authed: httpx.Client, world: World, value: str
    ) -> None:
        segment = quote(value, safe="")
        responses = [
            authed.post(jobs_path(segment, world.tenant_id)),
            authed.post(jobs_path(world.customer_id, segment)),
            authed.post(world.jobs_path, params={"pageIndex": value}),
            authed.post(world.jobs_path, params={"pageSize": value}),
            authed.post(world.jobs_path, json={"jobIds": [value]}),
            authed.post(
                "/partner/external/v3/bm/tenants/batch", json={"tenantIds": [value]}
            ),
            authed.get(f"{world.jobs_path.removesuffix('/batch')}/{segment}"),
        ]
        for response in responses:
            assert response.status_code in (400, 404), response.text
            _assert_nothing_leaked(response)
        header = value[:200].encode().replace(b"\x00", b"")
        echoed = authed.post(world.jobs_path, headers={"client-request-id": header})
        assert echoed.status_code == 200
        # Echoed only when it looks like a plain correlation id; none of these do.
        assert "client-request-id" not in echoed.headers

    @pytest.mark.parametrize("value", INJECTIONS)
    def test_in_token_request_fields(
        self, http: httpx.Client, world: World, value: str
    ) -> None:
        base = {
            "grant_type": "client_credentials",
            "client_id": str(world.app.client_id),
            "client_secret": world.app.client_secret,
        }
        for field in ("client_id", "client_secret", "scope", "grant_type"):
            response = http.post("/connect/token", data={**base, field: value})
            assert response.status_code in (400, 401), (field, response.text)
            assert "access_token" not in response.json()
            _assert_nothing_leaked(response)

    @pytest.mark.parametrize("value", INJECTIONS[:4])
    def test_stored_text_comes_back_verbatim(
        self, http: httpx.Client, world: World, factory: Factory, value: str
    ) -> None:
        writer = factory.app(world.partner_id, [TENANT_READWRITE])
        headers = _bearer(get_token(http, writer))
        base = world.jobs_path.removesuffix("/batch")

        created = http.post(base, json={"type": 1, "message": value}, headers=headers)
        again = http.get(f"{base}/{created.json()['jobId']}", headers=headers)

        assert created.status_code == 201
        assert again.json()["message"] == value
        assert (
            http.post(world.jobs_path, headers=headers).json()["metadata"]["totalCount"]
            == 1
        )


class TestGiantNumbers:
    @pytest.mark.parametrize("number", GIANT_NUMBERS)
    def test_in_paging(self, authed: httpx.Client, world: World, number: str) -> None:
        for name in ("pageIndex", "pageSize"):
            response = authed.post(world.jobs_path, params={name: number})
            assert response.status_code == 400, (name, response.text)
            assert name in response.json()["errors"]

    @pytest.mark.parametrize("number", GIANT_NUMBERS[:3])
    def test_in_bodies(
        self, http: httpx.Client, world: World, factory: Factory, number: str
    ) -> None:
        writer = factory.app(world.partner_id, [TENANT_READWRITE])
        headers = {
            **_bearer(get_token(http, writer)),
            "Content-Type": "application/json",
        }
        base = world.jobs_path.removesuffix("/batch")
        [job_id] = factory.jobs(world.tenant_id, 1)

        responses = [
            http.post(base, content=f'{{"type": {number}}}', headers=headers),
            http.patch(
                f"{base}/{job_id}", content=f'{{"status": {number}}}', headers=headers
            ),
            http.patch(
                f"{base}/{job_id}", content=f'{{"progress": {number}}}', headers=headers
            ),
            http.post(
                world.jobs_path, content=f'{{"jobIds": [{number}]}}', headers=headers
            ),
        ]
        for response in responses:
            assert response.status_code == 400, response.text
            _assert_nothing_leaked(response)

    def test_giant_content_length(self, live_server: LiveServer, world: World) -> None:
        raw = raw_exchange(
            live_server,
            f"POST {world.jobs_path} HTTP/1.1\r\nHost: x\r\n"
            f"Content-Length: {'9' * 30}\r\n",
            b"{}",
        )

        # uvicorn's parser may refuse the number itself; else the guard does.
        assert raw.startswith((b"HTTP/1.1 413", b"HTTP/1.1 400"))
