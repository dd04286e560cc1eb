"""Nothing of the page without a session, no partner sees another's
customers, and no form post is accepted without its CSRF token."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from starlette.routing import Route

from process_center.web.routes import router
from tests.conftest import LiveServer
from tests.factories import Factory
from tests.web.conftest import PAGE, Operator, add_operator, csrf_token, sign_in

_OPEN_PATHS = {"/sign-in"}


def _web_routes() -> list[tuple[str, str]]:
    """Every method and path the page's router serves, read from the router
    itself, so a route added later is covered without editing this test."""
    found = []
    for route in router.routes:
        if isinstance(route, Route) and route.path not in _OPEN_PATHS:
            found.extend(
                (method, route.path)
                for method in sorted(route.methods or ())
                if method != "HEAD"
            )
    return found


def _fill(path: str, operator: Operator, job_id: uuid.UUID) -> str:
    values = {
        "customer": str(operator.customer_id),
        "tenant": str(operator.tenant_id),
        "job": str(job_id),
    }
    return PAGE + re.sub(r"\{(\w+)\}", lambda match: values[match.group(1)], path)


class TestNoSession:
    def test_every_page_and_fragment_needs_a_session(
        self,
        live_server: LiveServer,
        operator: Operator,
        factory: Factory,
    ) -> None:
        job_id = factory.jobs(operator.tenant_id, 1)[0]
        routes = _web_routes()
        assert len(routes) >= 6, routes

        for method, path in routes:
            url = _fill(path, operator, job_id)
            for cookies in ({}, {"pc_session": "forged-or-expired"}):
                response = httpx.request(
                    method, f"{live_server.url}{url}", cookies=cookies, timeout=30
                )
                assert response.status_code in (303, 401), (method, url)
                if response.status_code == 303:
                    assert response.headers["location"] == f"{PAGE}/sign-in"
                assert operator.email not in response.text
                assert "Contoso customer" not in response.text

    def test_fragments_answer_401_rather_than_a_redirect(
        self, http: httpx.Client, operator: Operator, factory: Factory
    ) -> None:
        job_id = factory.jobs(operator.tenant_id, 1)[0]

        response = http.get(f"{operator.jobs_path}/{job_id}/row")

        assert response.status_code == 401


class TestPartnerIsolation:
    @pytest.fixture
    def other(self, factory: Factory, live_server: LiveServer) -> Operator:
        return add_operator(
            factory, live_server.settings, "ops@woodgrove.example", partner="Woodgrove"
        )

    def test_picker_lists_only_the_operators_own_customers(
        self, signed_in: httpx.Client, other: Operator
    ) -> None:
        page = signed_in.get(f"{PAGE}/")

        assert "Contoso customer" in page.text
        assert "Woodgrove" not in page.text
        assert str(other.customer_id) not in page.text

    def test_picker_search_does_not_reach_other_partners(
        self, signed_in: httpx.Client, other: Operator
    ) -> None:
        page = signed_in.get(f"{PAGE}/", params={"q": "Woodgrove"})

        assert "No customer matches" in page.text
        assert str(other.customer_id) not in page.text

    def test_another_partners_tenant_jobs_and_job_are_not_found(
        self,
        signed_in: httpx.Client,
        operator: Operator,
        other: Operator,
        factory: Factory,
    ) -> None:
        their_job = factory.jobs(other.tenant_id, 1)[0]
        mixed = (
            f"{PAGE}/customers/{operator.customer_id}/tenants/{other.tenant_id}/jobs"
        )

        for path in (
            other.jobs_path,
            f"{other.jobs_path}/{their_job}",
            f"{other.jobs_path}/{their_job}/row",
            mixed,
            f"{operator.jobs_path}/{their_job}",
            f"{operator.jobs_path}/{their_job}/row",
        ):
            response = signed_in.get(path)
            assert response.status_code == 404, path
            assert "woodgrove.onmicrosoft.com" not in response.text


class TestCsrf:
    def test_sign_out_without_the_token_is_refused_and_keeps_the_session(
        self, signed_in: httpx.Client
    ) -> None:
        for data in ({}, {"csrf_token": ""}, {"csrf_token": "guessed"}):
            response = signed_in.post(f"{PAGE}/sign-out", data=data)
            assert response.status_code == 403
            assert "security token" in response.text

        assert signed_in.get(f"{PAGE}/").status_code == 200

    def test_another_sessions_token_is_refused(
        self, signed_in: httpx.Client, operator: Operator, live_server: LiveServer
    ) -> None:
        with httpx.Client(base_url=live_server.url, timeout=30) as second:
            assert sign_in(second, operator.email, operator.password).status_code == 303
            their_token = csrf_token(second.get(f"{PAGE}/").text)

        response = signed_in.post(f"{PAGE}/sign-out", data={"csrf_token": their_token})

        assert response.status_code == 403

    def test_sign_in_without_the_form_token_is_refused(
        self, browser_client: httpx.Client, operator: Operator
    ) -> None:
        browser_client.get(f"{PAGE}/sign-in")
        credentials = {"email": operator.email, "password": operator.password}

        missing = browser_client.post(f"{PAGE}/sign-in", data=credentials)
        forged = browser_client.post(
            f"{PAGE}/sign-in", data={**credentials, "csrf_token": "forged"}
        )

        assert missing.status_code == forged.status_code == 403
        assert "pc_session" not in browser_client.cookies

    def test_sign_in_with_a_token_but_no_matching_cookie_is_refused(
        self, browser_client: httpx.Client, operator: Operator, live_server: LiveServer
    ) -> None:
        token = csrf_token(browser_client.get(f"{PAGE}/sign-in").text)
        browser_client.cookies.clear()

        response = browser_client.post(
            f"{PAGE}/sign-in",
            data={
                "email": operator.email,
                "password": operator.password,
                "csrf_token": token,
            },
        )

        assert response.status_code == 403


def test_pages_carry_security_headers(signed_in: httpx.Client) -> None:
    response = signed_in.get(f"{PAGE}/")

    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
