"""App registrations and their credentials, as an operator manages them."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from process_center.domain.errors import InvalidInput, NotFound
from process_center.domain.permissions import unknown_permissions

# Secrets are made where credentials live; re-exported as part of an app's API.
from process_center.identity.credentials import SECRET_YEARS, IssuedSecret, add_secret
from process_center.storage.directory import get_customer, get_group, get_partner
from process_center.storage.models import (
    AppCustomer,
    AppGroup,
    AppPermission,
    AppRegistration,
)

__all__ = [
    "SECRET_YEARS",
    "IssuedSecret",
    "add_customers",
    "add_groups",
    "add_permissions",
    "add_secret",
    "chosen_scope",
    "create_app",
    "delete_app",
    "get_app",
    "list_apps",
    "remove_customers",
    "remove_groups",
    "remove_permissions",
]


def create_app(
    session: Session,
    partner_id: UUID,
    name: str,
    permissions: Sequence[str],
    *,
    customer_ids: Sequence[UUID] = (),
    group_ids: Sequence[UUID] = (),
) -> AppRegistration:
    get_partner(session, partner_id)
    _check_permissions(permissions)
    app = AppRegistration(
        partner_id=partner_id,
        name=name,
        customer_scope=_scope_kind(customer_ids, group_ids),
        permissions=[AppPermission(permission=p) for p in sorted(set(permissions))],
    )
    session.add(app)
    session.flush()
    _link_customers(session, app, customer_ids)
    _link_groups(session, app, group_ids)
    return app


def _scope_kind(customer_ids: Sequence[UUID], group_ids: Sequence[UUID]) -> str:
    return "selected" if customer_ids or group_ids else "all"


def _check_permissions(permissions: Sequence[str]) -> None:
    if not permissions:
        raise InvalidInput("An app needs at least one permission.")
    unknown = unknown_permissions(list(permissions))
    if unknown:
        raise InvalidInput(f"Unknown permission: {', '.join(unknown)}.")


def _link_customers(
    session: Session, app: AppRegistration, customer_ids: Sequence[UUID]
) -> int:
    added = 0
    for customer_id in dict.fromkeys(customer_ids):
        get_customer(session, customer_id, partner_id=app.partner_id)
        if session.get(AppCustomer, (app.id, customer_id)) is None:
            session.add(AppCustomer(app_id=app.id, customer_id=customer_id))
            added += 1
    session.flush()
    return added


def _link_groups(
    session: Session, app: AppRegistration, group_ids: Sequence[UUID]
) -> int:
    added = 0
    for group_id in dict.fromkeys(group_ids):
        group = get_group(session, group_id)
        if group.partner_id != app.partner_id:
            raise NotFound(f"Customer group {group_id} was not found.")
        if session.get(AppGroup, (app.id, group_id)) is None:
            session.add(AppGroup(app_id=app.id, group_id=group_id))
            added += 1
    session.flush()
    return added


def chosen_scope(
    session: Session, app: AppRegistration
) -> tuple[list[UUID], list[UUID]]:
    """The customers and the customer groups an app was scoped to by name."""
    customers = session.scalars(
        select(AppCustomer.customer_id).where(AppCustomer.app_id == app.id)
    )
    groups = session.scalars(select(AppGroup.group_id).where(AppGroup.app_id == app.id))
    return sorted(customers), sorted(groups)


def add_customers(
    session: Session, app: AppRegistration, customer_ids: Sequence[UUID]
) -> int:
    """Let a selectively scoped app act for more customers; returns how many were new."""
    _require_selected_scope(app)
    return _link_customers(session, app, customer_ids)


def add_groups(
    session: Session, app: AppRegistration, group_ids: Sequence[UUID]
) -> int:
    _require_selected_scope(app)
    return _link_groups(session, app, group_ids)


def remove_customers(
    session: Session, app: AppRegistration, customer_ids: Sequence[UUID]
) -> int:
    """Take customers out of the app's own list (groups are managed apart).

    The app keeps a selected scope even when its list ends up empty: it then
    sees no customer, never all of them.
    """
    _require_selected_scope(app)
    result = session.execute(
        delete(AppCustomer).where(
            AppCustomer.app_id == app.id, AppCustomer.customer_id.in_(customer_ids)
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def remove_groups(
    session: Session, app: AppRegistration, group_ids: Sequence[UUID]
) -> int:
    _require_selected_scope(app)
    result = session.execute(
        delete(AppGroup).where(
            AppGroup.app_id == app.id, AppGroup.group_id.in_(group_ids)
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _require_selected_scope(app: AppRegistration) -> None:
    if app.customer_scope == "all":
        raise InvalidInput(
            f"App {app.client_id} acts for every customer of its partner; "
            "its scope has no customer list to change."
        )


def add_permissions(
    session: Session, app: AppRegistration, permissions: Sequence[str]
) -> int:
    _check_permissions(permissions)
    held = {p.permission for p in app.permissions}
    new = sorted(set(permissions) - held)
    app.permissions.extend(AppPermission(permission=p) for p in new)
    session.flush()
    return len(new)


def remove_permissions(
    session: Session, app: AppRegistration, permissions: Sequence[str]
) -> int:
    """Take permissions away; tokens lose them at their next request."""
    keep = [p for p in app.permissions if p.permission not in set(permissions)]
    if not keep:
        raise InvalidInput(
            "An app needs at least one permission; delete the app instead."
        )
    removed = len(app.permissions) - len(keep)
    app.permissions[:] = keep
    session.flush()
    return removed


def get_app(session: Session, client_id: UUID) -> AppRegistration:
    app = session.scalar(
        select(AppRegistration).where(AppRegistration.client_id == client_id)
    )
    if app is None:
        raise NotFound(f"App {client_id} was not found.")
    return app


def list_apps(
    session: Session, partner_id: UUID | None = None
) -> Sequence[AppRegistration]:
    query = select(AppRegistration).order_by(AppRegistration.created_at)
    if partner_id is not None:
        query = query.where(AppRegistration.partner_id == partner_id)
    return session.scalars(query).all()


def delete_app(session: Session, client_id: UUID) -> None:
    session.delete(get_app(session, client_id))
