"""Admin commands for partners, customers, customer groups and tenants."""

from __future__ import annotations

from uuid import UUID

import click

from process_center.cli.context import (
    AppContext,
    domain_errors,
    emit,
    json_option,
    pass_app,
)
from process_center.storage import directory


@click.group()
def partners() -> None:
    """Partners: the managed-service providers that own customers."""


@partners.command("create")
@click.option("--name", required=True)
@json_option
@pass_app
@domain_errors
def create_partner(app: AppContext, name: str, as_json: bool) -> None:
    with app.write() as session:
        partner = directory.add_partner(session, _non_blank(name, "--name"))
    emit(
        as_json,
        {"id": str(partner.id)},
        f"Created partner {partner.name}: {partner.id}",
    )


@partners.command("list")
@json_option
@pass_app
def list_partners(app: AppContext, as_json: bool) -> None:
    with app.read() as session:
        rows = [
            {"id": str(p.id), "name": p.name} for p in directory.list_partners(session)
        ]
    emit(
        as_json,
        rows,
        "\n".join(f"{r['id']}  {r['name']}" for r in rows) or "No partners.",
    )


@click.group()
def customers() -> None:
    """Customers of a partner, each with Microsoft 365 tenants."""


@customers.command("create")
@click.option("--partner", "partner_id", type=click.UUID, required=True)
@click.option("--organization", required=True)
@json_option
@pass_app
@domain_errors
def create_customer(
    app: AppContext, partner_id: UUID, organization: str, as_json: bool
) -> None:
    with app.write() as session:
        customer = directory.add_customer(
            session, partner_id, _non_blank(organization, "--organization")
        )
    emit(
        as_json,
        {"id": str(customer.id)},
        f"Created customer {organization}: {customer.id}",
    )


@customers.command("list")
@click.option("--partner", "partner_id", type=click.UUID)
@json_option
@pass_app
def list_customers(app: AppContext, partner_id: UUID | None, as_json: bool) -> None:
    with app.read() as session:
        rows = [
            {
                "id": str(c.id),
                "partnerId": str(c.partner_id),
                "organization": c.organization,
            }
            for c in directory.list_customers(session, partner_id)
        ]
    text = "\n".join(f"{r['id']}  {r['organization']}" for r in rows) or "No customers."
    emit(as_json, rows, text)


@customers.command("show")
@click.argument("customer_id", type=click.UUID)
@json_option
@pass_app
@domain_errors
def show_customer(app: AppContext, customer_id: UUID, as_json: bool) -> None:
    with app.read() as session:
        customer = directory.get_customer(session, customer_id)
        tenants = directory.list_tenants(session, customer_id)
        value = {
            "id": str(customer.id),
            "partnerId": str(customer.partner_id),
            "organization": customer.organization,
            "tenants": [
                {"id": str(t.id), "name": t.name, "jobCount": t.job_count}
                for t in tenants
            ],
        }
    lines = [f"{customer.organization} ({customer.id})"] + [
        f"  tenant {t.id}  {t.name}  {t.job_count} jobs" for t in tenants
    ]
    emit(as_json, value, "\n".join(lines))


@click.group()
def tenants() -> None:
    """Customers' Microsoft 365 tenants."""


@tenants.command("create")
@click.option("--customer", "customer_id", type=click.UUID, required=True)
@click.option("--name", required=True)
@json_option
@pass_app
@domain_errors
def create_tenant(app: AppContext, customer_id: UUID, name: str, as_json: bool) -> None:
    with app.write() as session:
        tenant = directory.add_tenant(session, customer_id, _non_blank(name, "--name"))
    emit(as_json, {"id": str(tenant.id)}, f"Created tenant {name}: {tenant.id}")


@tenants.command("delete")
@click.argument("tenant_id", type=click.UUID)
@pass_app
@domain_errors
def delete_tenant(app: AppContext, tenant_id: UUID) -> None:
    """Delete a tenant and every job it has."""
    with app.write() as session:
        session.delete(directory.get_tenant(session, tenant_id))
    click.echo(f"Deleted tenant {tenant_id}.")


@click.group()
def groups() -> None:
    """Customer groups: named sets of customers an app can be scoped to."""


@groups.command("create")
@click.option("--partner", "partner_id", type=click.UUID, required=True)
@click.option("--name", required=True)
@click.option("--customer", "customer_ids", type=click.UUID, multiple=True)
@json_option
@pass_app
@domain_errors
def create_group(
    app: AppContext,
    partner_id: UUID,
    name: str,
    customer_ids: tuple[UUID, ...],
    as_json: bool,
) -> None:
    with app.write() as session:
        group = directory.add_group(session, partner_id, _non_blank(name, "--name"))
        directory.set_group_members(session, group, customer_ids)
    emit(as_json, {"id": str(group.id)}, f"Created customer group {name}: {group.id}")


@groups.command("list")
@click.option("--partner", "partner_id", type=click.UUID)
@json_option
@pass_app
def list_groups(app: AppContext, partner_id: UUID | None, as_json: bool) -> None:
    with app.read() as session:
        rows = [
            {
                "id": str(g.id),
                "partnerId": str(g.partner_id),
                "name": g.name,
                "members": [str(c.id) for c in directory.group_members(session, g.id)],
            }
            for g in directory.list_groups(session, partner_id)
        ]
    text = "\n".join(
        f"{r['id']}  {r['name']}  {len(r['members'])} customer(s)" for r in rows
    )
    emit(as_json, rows, text or "No customer groups.")


@groups.command("show")
@click.argument("group_id", type=click.UUID)
@json_option
@pass_app
@domain_errors
def show_group(app: AppContext, group_id: UUID, as_json: bool) -> None:
    with app.read() as session:
        group = directory.get_group(session, group_id)
        members = [
            {"id": str(c.id), "organization": c.organization}
            for c in directory.group_members(session, group_id)
        ]
        value = {"id": str(group.id), "name": group.name, "members": members}
    lines = [f"{value['name']} ({group_id})"] + [
        f"  customer {m['id']}  {m['organization']}" for m in members
    ]
    emit(as_json, value, "\n".join(lines))


@groups.command("rename")
@click.argument("group_id", type=click.UUID)
@click.option("--name", required=True)
@pass_app
@domain_errors
def rename_group(app: AppContext, group_id: UUID, name: str) -> None:
    new_name = _non_blank(name, "--name")
    with app.write() as session:
        directory.get_group(session, group_id).name = new_name
    click.echo(f"Renamed customer group {group_id} to {new_name}.")


@groups.command("delete")
@click.argument("group_id", type=click.UUID)
@pass_app
@domain_errors
def delete_group(app: AppContext, group_id: UUID) -> None:
    """Delete a group; apps scoped to it lose its customers within seconds."""
    with app.write() as session:
        session.delete(directory.get_group(session, group_id))
    click.echo(f"Deleted customer group {group_id}.")


@groups.command("add-member")
@click.argument("group_id", type=click.UUID)
@click.option(
    "--customer", "customer_ids", type=click.UUID, multiple=True, required=True
)
@pass_app
@domain_errors
def add_members(
    app: AppContext, group_id: UUID, customer_ids: tuple[UUID, ...]
) -> None:
    with app.write() as session:
        added = directory.set_group_members(
            session, directory.get_group(session, group_id), customer_ids
        )
    click.echo(f"Added {added} customer(s) to group {group_id}.")


@groups.command("remove-member")
@click.argument("group_id", type=click.UUID)
@click.option(
    "--customer", "customer_ids", type=click.UUID, multiple=True, required=True
)
@pass_app
@domain_errors
def remove_members(
    app: AppContext, group_id: UUID, customer_ids: tuple[UUID, ...]
) -> None:
    """Take customers out of a group; apps scoped to it lose them within seconds."""
    with app.write() as session:
        removed = directory.remove_group_members(
            session, directory.get_group(session, group_id), customer_ids
        )
    click.echo(f"Removed {removed} customer(s) from group {group_id}.")


def _non_blank(value: str, option: str) -> str:
    if not value.strip():
        raise click.BadParameter("must not be blank", param_hint=option)
    if len(value) > 200:
        raise click.BadParameter("must be at most 200 characters", param_hint=option)
    return value.strip()
