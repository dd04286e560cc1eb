"""Partners, customers, customer groups and tenants: who owns what."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from process_center.domain.errors import NotFound
from process_center.storage.models import (
    Customer,
    CustomerGroup,
    CustomerGroupMember,
    Partner,
    Tenant,
)


def add_partner(session: Session, name: str) -> Partner:
    partner = Partner(name=name)
    session.add(partner)
    session.flush()
    return partner


def get_partner(session: Session, partner_id: UUID) -> Partner:
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise NotFound(f"Partner {partner_id} was not found.")
    return partner


def add_customer(session: Session, partner_id: UUID, organization: str) -> Customer:
    get_partner(session, partner_id)
    customer = Customer(partner_id=partner_id, organization=organization)
    session.add(customer)
    session.flush()
    return customer


def get_customer(
    session: Session, customer_id: UUID, *, partner_id: UUID | None = None
) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None or (
        partner_id is not None and customer.partner_id != partner_id
    ):
        raise NotFound(f"Customer {customer_id} was not found.")
    return customer


def add_tenant(session: Session, customer_id: UUID, name: str) -> Tenant:
    get_customer(session, customer_id)
    tenant = Tenant(customer_id=customer_id, name=name)
    session.add(tenant)
    session.flush()
    return tenant


def get_tenant(session: Session, tenant_id: UUID) -> Tenant:
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound(f"Tenant {tenant_id} was not found.")
    return tenant


def add_group(session: Session, partner_id: UUID, name: str) -> CustomerGroup:
    get_partner(session, partner_id)
    group = CustomerGroup(partner_id=partner_id, name=name)
    session.add(group)
    session.flush()
    return group


def get_group(session: Session, group_id: UUID) -> CustomerGroup:
    group = session.get(CustomerGroup, group_id)
    if group is None:
        raise NotFound(f"Customer group {group_id} was not found.")
    return group


def set_group_members(
    session: Session, group: CustomerGroup, customer_ids: Sequence[UUID]
) -> int:
    """Add customers of the group's partner; returns how many were not members yet."""
    added = 0
    for customer_id in dict.fromkeys(customer_ids):
        get_customer(session, customer_id, partner_id=group.partner_id)
        if session.get(CustomerGroupMember, (group.id, customer_id)) is None:
            session.add(CustomerGroupMember(group_id=group.id, customer_id=customer_id))
            added += 1
    session.flush()
    return added


def remove_group_members(
    session: Session, group: CustomerGroup, customer_ids: Sequence[UUID]
) -> int:
    """Take customers out of the group; returns how many were members."""
    result = session.execute(
        delete(CustomerGroupMember).where(
            CustomerGroupMember.group_id == group.id,
            CustomerGroupMember.customer_id.in_(customer_ids),
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def group_members(session: Session, group_id: UUID) -> Sequence[Customer]:
    return session.scalars(
        select(Customer)
        .join(CustomerGroupMember, CustomerGroupMember.customer_id == Customer.id)
        .where(CustomerGroupMember.group_id == group_id)
        .order_by(Customer.organization, Customer.id)
    ).all()


def list_groups(
    session: Session, partner_id: UUID | None = None
) -> Sequence[CustomerGroup]:
    query = select(CustomerGroup).order_by(CustomerGroup.created_at)
    if partner_id is not None:
        query = query.where(CustomerGroup.partner_id == partner_id)
    return session.scalars(query).all()


def list_partners(session: Session) -> Sequence[Partner]:
    return session.scalars(select(Partner).order_by(Partner.created_at)).all()


def list_customers(
    session: Session, partner_id: UUID | None = None
) -> Sequence[Customer]:
    query = select(Customer).order_by(Customer.created_at)
    if partner_id is not None:
        query = query.where(Customer.partner_id == partner_id)
    return session.scalars(query).all()


def list_tenants(session: Session, customer_id: UUID | None = None) -> Sequence[Tenant]:
    query = select(Tenant).order_by(Tenant.created_at)
    if customer_id is not None:
        query = query.where(Tenant.customer_id == customer_id)
    return session.scalars(query).all()


def page_tenants(
    session: Session,
    partner_id: UUID,
    visible_customers: frozenset[UUID] | None,
    tenant_ids: frozenset[UUID] | None,
    page_index: int,
    page_size: int,
) -> tuple[list[Tenant], int]:
    """Tenants of the partner's customers, oldest first; ``visible_customers``
    None means every customer of the partner."""
    query = select(Tenant).join(Customer).where(Customer.partner_id == partner_id)
    if visible_customers is not None:
        query = query.where(Tenant.customer_id.in_(visible_customers))
    if tenant_ids is not None:
        query = query.where(Tenant.id.in_(tenant_ids))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    offset = (page_index - 1) * page_size
    if offset >= total:
        return [], total
    rows = session.scalars(
        query.order_by(Tenant.created_at, Tenant.id).offset(offset).limit(page_size)
    ).all()
    return list(rows), total


def customers_with_tenants(
    session: Session, partner_id: UUID, search: str = "", limit: int = 500
) -> list[tuple[Customer, list[Tenant]]]:
    """The partner's customers whose name contains ``search``, by name, each
    with its tenants, in two queries."""
    query = select(Customer).where(Customer.partner_id == partner_id)
    if search:
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Customer.organization.ilike(f"%{escaped}%", escape="\\"))
    customers = session.scalars(
        query.order_by(Customer.organization, Customer.id).limit(limit)
    ).all()
    tenants: dict[UUID, list[Tenant]] = {customer.id: [] for customer in customers}
    if customers:
        rows = session.scalars(
            select(Tenant)
            .where(Tenant.customer_id.in_(list(tenants)))
            .order_by(Tenant.name, Tenant.id)
        )
        for tenant in rows:
            tenants[tenant.customer_id].append(tenant)
    return [(customer, tenants[customer.id]) for customer in customers]
