"""Changing an app's customer scope and permissions."""

from __future__ import annotations

import pytest

from process_center.domain.errors import InvalidInput, NotFound
from process_center.domain.permissions import BASELINE_READ, TENANT_READ
from process_center.identity import apps
from process_center.identity.registrations import load_snapshot
from process_center.storage.database import Database
from tests.factories import Factory, World


def test_scope_changes_show_in_the_registration_snapshot(
    database: Database, world: World, factory: Factory
) -> None:
    second = factory.customer(world.partner_id, "Second")
    group_id = factory.group(world.partner_id, [second])
    registration = factory.app(world.partner_id, customer_ids=[world.customer_id])

    with database.write() as session:
        app = apps.get_app(session, registration.client_id)
        assert apps.add_groups(session, app, [group_id, group_id]) == 1
        assert apps.remove_customers(session, app, [world.customer_id]) == 1
        assert apps.add_permissions(session, app, [BASELINE_READ, TENANT_READ]) == 1

    snapshot = load_snapshot(database, registration.client_id)
    assert snapshot is not None
    assert snapshot.customer_ids == frozenset({second})
    assert snapshot.permissions == frozenset({TENANT_READ, BASELINE_READ})


def test_emptied_scope_sees_no_customer_rather_than_all(
    database: Database, world: World, factory: Factory
) -> None:
    registration = factory.app(world.partner_id, customer_ids=[world.customer_id])
    with database.write() as session:
        apps.remove_customers(
            session, apps.get_app(session, registration.client_id), [world.customer_id]
        )

    snapshot = load_snapshot(database, registration.client_id)
    assert snapshot is not None
    assert not snapshot.allows_customer(world.customer_id)


def test_an_all_customers_app_has_no_list_to_change(
    database: Database, world: World
) -> None:
    with database.write() as session:
        app = apps.get_app(session, world.app.client_id)
        with pytest.raises(InvalidInput, match="every customer"):
            apps.remove_customers(session, app, [world.customer_id])


def test_the_last_permission_cannot_be_removed(
    database: Database, world: World
) -> None:
    with database.write() as session:
        app = apps.get_app(session, world.app.client_id)
        with pytest.raises(InvalidInput, match="at least one permission"):
            apps.remove_permissions(session, app, [TENANT_READ])


def test_unknown_permission_is_refused(database: Database, world: World) -> None:
    with database.write() as session:
        app = apps.get_app(session, world.app.client_id)
        with pytest.raises(InvalidInput, match=r"Unknown permission: elements\.nope"):
            apps.add_permissions(session, app, ["elements.nope"])


def test_another_partners_group_is_not_found(
    database: Database, world: World, factory: Factory
) -> None:
    stranger = factory.partner("Stranger")
    their_group = factory.group(stranger, [factory.customer(stranger)])
    registration = factory.app(world.partner_id, customer_ids=[world.customer_id])

    with database.write() as session:
        app = apps.get_app(session, registration.client_id)
        with pytest.raises(NotFound):
            apps.add_groups(session, app, [their_group])
