"""``tenants list``: the tenants the app may see, through the partner API."""

from __future__ import annotations

import click

from process_center.cli.connection import Connection, client_errors, connection_options
from process_center.cli.render import (
    console,
    emit_records,
    tenant_record,
    tenants_table,
)

TENANT_FIELDS = ["tenantId", "tenantName", "customerId", "status"]


@click.command("list")
@click.option(
    "--output",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@connection_options
@client_errors
def list_tenants(connection: Connection, output: str) -> None:
    """List the tenants of the customers the app may act for."""
    with connection.open_client() as client:
        tenants = list(client.tenants.list())
    if output == "table":
        console().print(tenants_table(tenants))
    else:
        emit_records((tenant_record(t) for t in tenants), output, TENANT_FIELDS)
