"""App registrations and their credentials, as an operator manages them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from process_center.domain.errors import InvalidInput, NotFound
from process_center.domain.permissions import unknown_permissions
from process_center.identity.hashing import hash_secret, new_client_secret
from process_center.storage.directory import get_customer, get_group, get_partner
from process_center.storage.models import (
    AppCustomer,
    AppGroup,
    AppPermission,
    AppRegistration,
    ClientSecret,
)

SECRET_YEARS = (1, 2, 3)


@dataclass(frozen=True, slots=True)
class IssuedSecret:
    """A new secret: the only moment its value is known outside the client."""

    secret_id: UUID
    value: str
    expires_at: datetime


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
    for customer_id in dict.fromkeys(customer_ids):
        get_customer(session, customer_id, partner_id=partner_id)
        session.add(AppCustomer(app_id=app.id, customer_id=customer_id))
    for group_id in dict.fromkeys(group_ids):
        group = get_group(session, group_id)
        if group.partner_id != partner_id:
            raise NotFound(f"Customer group {group_id} was not found.")
        session.add(AppGroup(app_id=app.id, group_id=group_id))
    session.flush()
    return app


def _scope_kind(customer_ids: Sequence[UUID], group_ids: Sequence[UUID]) -> str:
    return "selected" if customer_ids or group_ids else "all"


def _check_permissions(permissions: Sequence[str]) -> None:
    if not permissions:
        raise InvalidInput("An app needs at least one permission.")
    unknown = unknown_permissions(list(permissions))
    if unknown:
        raise InvalidInput(f"Unknown permission: {', '.join(unknown)}.")


def add_secret(session: Session, app: AppRegistration, years: int = 2) -> IssuedSecret:
    if years not in SECRET_YEARS:
        raise InvalidInput("A client secret is valid for 1, 2 or 3 years.")
    value = new_client_secret()
    expires_at = datetime.now(UTC) + timedelta(days=365 * years)
    secret = ClientSecret(
        app_id=app.id,
        secret_hash=hash_secret(value),
        hint=value[:4],
        expires_at=expires_at,
    )
    session.add(secret)
    session.flush()
    return IssuedSecret(secret.id, value, expires_at)


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
