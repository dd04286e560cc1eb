"""Each error the client raises, provoked on the real server."""

from __future__ import annotations

import uuid

import pytest

from process_center.client import (
    BadRequest,
    Client,
    NotFound,
    PermissionDenied,
    ProcessCenterError,
    TokenError,
    UnexpectedResponse,
)
from process_center.domain.permissions import TENANT_READ
from tests.client.servers import client_for
from tests.conftest import LiveServer
from tests.factories import Factory, Registration, World


def test_bad_request_names_the_invalid_field(client: Client, world: World) -> None:
    too_many = [uuid.uuid4() for _ in range(1001)]

    with pytest.raises(BadRequest) as raised:
        client.jobs.page(world.customer_id, world.tenant_id, too_many)

    error = raised.value
    assert error.status == 400
    assert "jobIds" in error.errors
    assert "at most 1000" in error.detail
    assert error.request_id and error.request_id in str(error)


def test_not_found_for_an_unknown_tenant(client: Client, world: World) -> None:
    with pytest.raises(NotFound) as raised:
        client.jobs.page(world.customer_id, uuid.uuid4())

    assert raised.value.status == 404
    assert "Tenant" in raised.value.detail


def test_permission_denied_outside_the_customer_scope(
    live_server: LiveServer, world: World, factory: Factory
) -> None:
    other = factory.customer(world.partner_id, "Northwind")
    scoped = factory.app(world.partner_id, [TENANT_READ], customer_ids=[other])

    with (
        client_for(live_server.url, scoped) as pc,
        pytest.raises(PermissionDenied) as raised,
    ):
        pc.jobs.page(world.customer_id, world.tenant_id)

    assert raised.value.status == 403
    assert str(world.customer_id) in raised.value.detail


def test_a_wrong_secret_is_invalid_client(
    live_server: LiveServer, world: World
) -> None:
    wrong = Registration(world.app.client_id, "not-the-secret", world.partner_id)

    with client_for(live_server.url, wrong) as pc, pytest.raises(TokenError) as raised:
        pc.tenants.page()

    assert (raised.value.status, raised.value.error) == (401, "invalid_client")
    assert "not-the-secret" not in str(raised.value)


def test_a_scope_the_app_lacks_is_invalid_scope(
    live_server: LiveServer, world: World
) -> None:
    with (
        client_for(
            live_server.url, world.app, scope="elements.bm.tenant.readwrite.all"
        ) as pc,
        pytest.raises(TokenError) as raised,
    ):
        pc.tenants.page()

    assert (raised.value.status, raised.value.error) == (400, "invalid_scope")


def test_a_discovery_document_from_another_issuer_is_refused(
    live_server: LiveServer, world: World
) -> None:
    # The same server under another name: its document names its real issuer,
    # so the secret is not sent to a token endpoint the client did not ask for.
    other_name = live_server.url.replace("127.0.0.1", "localhost")

    with (
        Client(
            live_server.url,
            other_name,
            client_id=str(world.app.client_id),
            client_secret=world.app.client_secret,
        ) as pc,
        pytest.raises(UnexpectedResponse, match="issuer"),
    ):
        pc.tenants.page()


def test_every_error_shares_one_root() -> None:
    from process_center import client

    errors = [
        value
        for value in vars(client).values()
        if isinstance(value, type) and issubclass(value, Exception)
    ]

    assert len(errors) >= 12
    assert all(issubclass(error, ProcessCenterError) for error in errors)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"client_secret": "s", "private_key": "key.pem"},
        {"client_id": "", "client_secret": "s"},
    ],
)
def test_credentials_must_be_one_secret_or_one_key(options: dict[str, str]) -> None:
    options.setdefault("client_id", "id")

    with pytest.raises(ValueError, match="client"):
        Client("http://127.0.0.1:9", "http://127.0.0.1:9", **options)  # type: ignore[arg-type]
