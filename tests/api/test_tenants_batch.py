"""Tenant discovery: POST /partner/external/v3/bm/tenants/batch."""

from __future__ import annotations

import uuid

import httpx

from process_center.domain.permissions import BASELINE_READ, TENANT_READ
from tests.factories import Factory, World, get_token

TENANTS_PATH = "/partner/external/v3/bm/tenants/batch"


def test_lists_tenants_of_the_partner_only(
    authed: httpx.Client, world: World, factory: Factory
) -> None:
    second = factory.tenant(world.customer_id, "fabrikam-dev.onmicrosoft.com")
    other_partner = factory.partner("Litware")
    factory.tenant(factory.customer(other_partner))

    body = authed.post(TENANTS_PATH).json()

    assert body["metadata"] == {"pageIndex": 1, "pageSize": 50, "totalCount": 2}
    assert [item["tenantId"] for item in body["data"]] == [
        str(world.tenant_id),
        str(second),
    ]
    assert body["data"][0] == {
        "tenantId": str(world.tenant_id),
        "tenantName": "fabrikam.onmicrosoft.com",
        "customerId": str(world.customer_id),
        "status": 1,
    }


def test_filters_by_tenant_ids_in_any_case(
    authed: httpx.Client, world: World, factory: Factory
) -> None:
    factory.tenant(world.customer_id, "other.onmicrosoft.com")

    body = authed.post(
        TENANTS_PATH, json={"tenantIds": [str(world.tenant_id).upper()]}
    ).json()

    assert [item["tenantId"] for item in body["data"]] == [str(world.tenant_id)]


def test_only_customers_in_the_apps_scope(
    http: httpx.Client, world: World, factory: Factory
) -> None:
    other_customer = factory.customer(world.partner_id, "Northwind")
    visible = factory.tenant(other_customer, "northwind.onmicrosoft.com")
    registration = factory.app(
        world.partner_id, [TENANT_READ], customer_ids=[other_customer]
    )
    http.headers["Authorization"] = f"Bearer {get_token(http, registration)}"

    body = http.post(TENANTS_PATH).json()

    assert [item["tenantId"] for item in body["data"]] == [str(visible)]


def test_pages(authed: httpx.Client, world: World, factory: Factory) -> None:
    for index in range(4):
        factory.tenant(world.customer_id, f"t{index}.onmicrosoft.com")

    pages = [
        authed.post(TENANTS_PATH, params={"pageIndex": i, "pageSize": 2}).json()
        for i in (1, 2, 3, 4)
    ]

    assert [len(page["data"]) for page in pages] == [2, 2, 1, 0]
    assert {page["metadata"]["totalCount"] for page in pages} == {5}


def test_refuses_bad_input_and_missing_permissions(
    http: httpx.Client, world: World, factory: Factory
) -> None:
    baseline_only = get_token(http, factory.app(world.partner_id, [BASELINE_READ]))
    allowed = get_token(http, world.app)

    assert http.post(TENANTS_PATH).status_code == 401
    http.headers["Authorization"] = f"Bearer {baseline_only}"
    assert http.post(TENANTS_PATH).status_code == 403
    http.headers["Authorization"] = f"Bearer {allowed}"

    assert http.post(TENANTS_PATH, params={"pageSize": 101}).status_code == 400
    assert http.post(TENANTS_PATH, json={"tenantIds": ["x"]}).status_code == 400
    assert (
        http.post(TENANTS_PATH, json={"tenantIds": [str(uuid.uuid4())]}).json()["data"]
        == []
    )
