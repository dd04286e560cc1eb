"""Admin commands for operators, the people who sign in to the Process Center page."""

from __future__ import annotations

import sys
from uuid import UUID

import click

from process_center.cli.context import (
    AppContext,
    domain_errors,
    emit,
    json_option,
    pass_app,
)
from process_center.storage import operators
from process_center.web.accounts import Accounts, normalize_email


@click.group()
def users() -> None:
    """Operators of the Process Center page, per partner."""


@users.command("create")
@click.option("--partner", "partner_id", type=click.UUID, required=True)
@click.option("--email", required=True)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input instead of a prompt.",
)
@json_option
@pass_app
@domain_errors
def create_user(
    app: AppContext, partner_id: UUID, email: str, password_stdin: bool, as_json: bool
) -> None:
    """Create an operator; the password is asked for, never taken as an option."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    operator = Accounts(app.database, app.settings).create_operator(
        partner_id, email, password
    )
    emit(
        as_json,
        {"id": str(operator.id), "partnerId": str(partner_id), "email": operator.email},
        f"Created operator {operator.email} ({operator.id}).",
    )


@users.command("list")
@click.option("--partner", "partner_id", type=click.UUID)
@json_option
@pass_app
def list_users(app: AppContext, partner_id: UUID | None, as_json: bool) -> None:
    """List operators, of one partner or of all."""
    with app.read() as session:
        found = operators.list_operators(session, partner_id)
        rows = [
            {
                "id": str(operator.id),
                "partnerId": str(operator.partner_id),
                "email": operator.email,
                "locked": operator.locked_until is not None,
            }
            for operator in found
        ]
    text = "\n".join(f"{row['id']}  {row['email']}" for row in rows) or "No operators."
    emit(as_json, rows, text)


@users.command("unlock")
@click.option("--email", required=True)
@pass_app
@domain_errors
def unlock_user(app: AppContext, email: str) -> None:
    """Clear an operator's failed sign-ins and lockout."""
    with app.write() as session:
        operators.unlock_operator(session, normalize_email(email))
    click.echo(f"Unlocked {email}.")
