"""``process-center users``: operators created from the command line can sign in."""

from __future__ import annotations

import json

import httpx
from click.testing import CliRunner

from process_center.cli import main
from process_center.demo import DEMO_OPERATOR, seed_demo
from process_center.storage.database import Database
from tests.factories import Factory
from tests.web.conftest import PASSWORD, sign_in


def run(database: Database, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(
        main, ["--database-url", database.url, *args], input=stdin
    )
    return result.exit_code, result.output


def test_create_with_a_prompted_password_then_sign_in(
    database: Database, factory: Factory, browser_client: httpx.Client
) -> None:
    partner_id = factory.partner()

    code, output = run(
        database,
        "users",
        "create",
        "--partner",
        str(partner_id),
        "--email",
        "Ops@Contoso.example",
        "--json",
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
    )

    assert code == 0, output
    created = json.loads(output[output.index("{") :])
    assert created["email"] == "ops@contoso.example"
    assert PASSWORD not in output
    assert sign_in(browser_client, "ops@contoso.example", PASSWORD).status_code == 303


def test_create_reads_the_password_from_stdin(
    database: Database, factory: Factory
) -> None:
    partner_id = factory.partner()

    code, output = run(
        database,
        "users",
        "create",
        "--partner",
        str(partner_id),
        "--email",
        "a@contoso.example",
        "--password-stdin",
        stdin=f"{PASSWORD}\n",
    )

    assert code == 0, output
    code, listed = run(database, "users", "list", "--json")
    assert [row["email"] for row in json.loads(listed)] == ["a@contoso.example"]


def test_bad_input_is_one_clear_line(database: Database, factory: Factory) -> None:
    partner_id = factory.partner()
    create = ["users", "create", "--partner", str(partner_id), "--password-stdin"]

    short = run(database, *create, "--email", "b@contoso.example", stdin="short\n")
    bad_email = run(database, *create, "--email", "not-an-email", stdin=f"{PASSWORD}\n")
    run(database, *create, "--email", "c@contoso.example", stdin=f"{PASSWORD}\n")
    duplicate = run(
        database, *create, "--email", "C@contoso.example", stdin=f"{PASSWORD}\n"
    )

    assert short == (1, "error: A password needs 12 to 1024 characters.\n")
    assert bad_email == (1, "error: The email address is not valid.\n")
    assert duplicate == (
        1,
        "error: An operator with email c@contoso.example already exists.\n",
    )


def test_demo_operator_signs_in_with_the_password_of_the_latest_start(
    database: Database, browser_client: httpx.Client
) -> None:
    first = seed_demo(database)
    second = seed_demo(database)

    assert first.operator_password != second.operator_password
    assert (
        sign_in(browser_client, DEMO_OPERATOR, first.operator_password).status_code
        == 401
    )
    browser_client.cookies.clear()
    assert (
        sign_in(browser_client, DEMO_OPERATOR, second.operator_password).status_code
        == 303
    )
