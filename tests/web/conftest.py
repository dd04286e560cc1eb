"""Fixtures for the Process Center page: operators, signed-in clients, pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from uuid import UUID

import httpx
import pytest

from process_center.settings import Settings
from process_center.web.accounts import Accounts
from tests.conftest import LiveServer
from tests.factories import Factory

PASSWORD = "correct horse battery staple"
PAGE = "/process-center"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Operator:
    email: str
    password: str
    partner_id: UUID
    customer_id: UUID
    tenant_id: UUID

    @property
    def jobs_path(self) -> str:
        return f"{PAGE}/customers/{self.customer_id}/tenants/{self.tenant_id}/jobs"


def add_operator(
    factory: Factory, settings: Settings, email: str, partner: str = "Contoso"
) -> Operator:
    partner_id = factory.partner(partner)
    customer_id = factory.customer(partner_id, f"{partner} customer")
    tenant_id = factory.tenant(customer_id, f"{partner.lower()}.onmicrosoft.com")
    Accounts(factory.database, settings).create_operator(partner_id, email, PASSWORD)
    return Operator(email, PASSWORD, partner_id, customer_id, tenant_id)


@pytest.fixture
def operator(factory: Factory, live_server: LiveServer) -> Operator:
    return add_operator(factory, live_server.settings, "ops@contoso.example")


def csrf_token(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def sign_in(client: httpx.Client, email: str, password: str) -> httpx.Response:
    form = client.get(f"{PAGE}/sign-in")
    return client.post(
        f"{PAGE}/sign-in",
        data={
            "email": email,
            "password": password,
            "csrf_token": csrf_token(form.text),
        },
    )


@pytest.fixture
def browser_client(live_server: LiveServer) -> Iterator[httpx.Client]:
    """A client that keeps cookies and does not follow redirects."""
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        yield client


@pytest.fixture
def signed_in(browser_client: httpx.Client, operator: Operator) -> httpx.Client:
    response = sign_in(browser_client, operator.email, operator.password)
    assert response.status_code == 303, response.text
    return browser_client
