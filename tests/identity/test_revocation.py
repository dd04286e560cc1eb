"""Changes to a registration stop tokens already issued within 5 seconds.

Each test holds a working token, makes one change with the admin command, and
polls until the API refuses the token: the servers check every request against
the registration as it is now, cached for ``registration_cache_seconds`` (2 s).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from process_center.domain.permissions import BASELINE_READ, TENANT_READ
from tests.cli.support import invoke
from tests.factories import Factory, Registration, World, get_token

REVOCATION_LIMIT_SECONDS = 5.0
_POLL_SECONDS = 0.1
Call = Callable[[], httpx.Response]


def seconds_until_refused(call: Call, status: int) -> float:
    """Poll ``call`` until it answers ``status``; fail if that takes over the limit."""
    started = time.monotonic()
    deadline = started + REVOCATION_LIMIT_SECONDS
    last = None
    while time.monotonic() < deadline:
        last = call()
        if last.status_code == status:
            return time.monotonic() - started
        assert last.status_code == 200, last.text
        time.sleep(_POLL_SECONDS)
    raise AssertionError(
        f"still {last.status_code if last else '-'} {REVOCATION_LIMIT_SECONDS} s "
        "after the change"
    )


def held_token(http: httpx.Client, world: World, registration: Registration) -> Call:
    """A call with a fresh token that works now (so the server has cached the app)."""
    headers = {"Authorization": f"Bearer {get_token(http, registration)}"}

    def call() -> httpx.Response:
        return http.post(world.jobs_path, headers=headers)

    assert call().status_code == 200
    return call


def test_deleting_the_app(http: httpx.Client, world: World, database_url: str) -> None:
    call = held_token(http, world, world.app)

    invoke(database_url, "apps", "delete", str(world.app.client_id))

    print(f"app deleted: refused after {seconds_until_refused(call, 401):.2f} s")


def test_removing_the_customer_from_the_app(
    http: httpx.Client, world: World, factory: Factory, database_url: str
) -> None:
    registration = factory.app(world.partner_id, customer_ids=[world.customer_id])
    call = held_token(http, world, registration)

    invoke(
        database_url,
        "apps",
        "remove-customer",
        str(registration.client_id),
        "--customer",
        str(world.customer_id),
    )

    print(
        f"customer out of scope: refused after {seconds_until_refused(call, 403):.2f} s"
    )


def test_removing_the_customer_from_the_group(
    http: httpx.Client, world: World, factory: Factory, database_url: str
) -> None:
    group_id = factory.group(world.partner_id, [world.customer_id])
    call = held_token(http, world, factory.app(world.partner_id, group_ids=[group_id]))

    invoke(
        database_url,
        "groups",
        "remove-member",
        str(group_id),
        "--customer",
        str(world.customer_id),
    )

    print(
        f"customer out of group: refused after {seconds_until_refused(call, 403):.2f} s"
    )


def test_removing_the_permission(
    http: httpx.Client, world: World, factory: Factory, database_url: str
) -> None:
    registration = factory.app(world.partner_id, [TENANT_READ, BASELINE_READ])
    call = held_token(http, world, registration)

    invoke(
        database_url,
        "apps",
        "remove-permission",
        str(registration.client_id),
        "--permission",
        TENANT_READ,
    )

    print(f"permission removed: refused after {seconds_until_refused(call, 403):.2f} s")


def test_group_scope_follows_members_added_at_request_time(
    http: httpx.Client, world: World, factory: Factory, database_url: str
) -> None:
    group_id = factory.group(world.partner_id, [])
    registration = factory.app(world.partner_id, group_ids=[group_id])
    headers = {"Authorization": f"Bearer {get_token(http, registration)}"}

    def call() -> httpx.Response:
        return http.post(world.jobs_path, headers=headers)

    assert call().status_code == 403

    invoke(
        database_url,
        "groups",
        "add-member",
        str(group_id),
        "--customer",
        str(world.customer_id),
    )

    deadline = time.monotonic() + REVOCATION_LIMIT_SECONDS
    while call().status_code != 200:
        assert time.monotonic() < deadline, "the new member is still out of scope"
        time.sleep(_POLL_SECONDS)
