"""The ``process-center`` command: admin tasks, the server, and API clients."""

from __future__ import annotations

import click

from process_center import __version__
from process_center.cli.api_jobs import list_jobs, watch_jobs
from process_center.cli.api_tenants import list_tenants
from process_center.cli.apps import apps
from process_center.cli.certificates import certificates
from process_center.cli.context import AppContext
from process_center.cli.credentials import credentials
from process_center.cli.directory import customers, groups, partners, tenants
from process_center.cli.jobs import jobs
from process_center.cli.keys import keys
from process_center.cli.login import login, logout
from process_center.cli.serve import serve
from process_center.cli.users import users


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--database-url",
    envvar="PROCESS_CENTER_DATABASE_URL",
    help="SQLAlchemy URL of the store (default: SQLite in the user data folder).",
)
@click.version_option(__version__, prog_name="process-center")
@click.pass_context
def main(context: click.Context, database_url: str | None) -> None:
    """Process Center: jobs run against customers' Microsoft 365 tenants."""
    context.obj = AppContext(database_url)
    context.call_on_close(context.obj.close)


for command in (partners, customers, tenants, groups, apps, jobs, serve, users):
    main.add_command(command)
for command in (credentials, certificates, keys):
    main.add_command(command)

# Partner API commands: they call a server over HTTP instead of the store.
for command in (login, logout):
    main.add_command(command)
jobs.add_command(list_jobs)
jobs.add_command(watch_jobs)
tenants.add_command(list_tenants)
