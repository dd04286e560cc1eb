"""The admin CLI against a real store: creates, lists, and its error paths."""

from __future__ import annotations

import json
import uuid

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select

from process_center.cli import main
from process_center.storage.database import Database
from process_center.storage.models import AppRegistration, Job, Tenant


@pytest.fixture
def cli(database: Database):  # type: ignore[no-untyped-def]
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(
            main, ["--database-url", database.url, *args], catch_exceptions=False
        )

    return run


def created_id(result: Result, key: str = "id") -> str:
    assert result.exit_code == 0, result.output
    value: str = json.loads(result.output)[key]
    return value


def count(database: Database, model: type) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def tenant_ids(cli) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    partner = created_id(cli("partners", "create", "--name", "Contoso", "--json"))
    customer = created_id(
        cli(
            "customers",
            "create",
            "--partner",
            partner,
            "--organization",
            "Fabrikam",
            "--json",
        )
    )
    tenant = created_id(
        cli(
            "tenants",
            "create",
            "--customer",
            customer,
            "--name",
            "fabrikam.onmicrosoft.com",
            "--json",
        )
    )
    return partner, customer, tenant


class TestCreate:
    def test_apps_create_prints_client_id_and_secret(self, cli, tenant_ids) -> None:  # type: ignore[no-untyped-def]
        partner, customer, _ = tenant_ids

        result = cli(
            "apps",
            "create",
            "--partner",
            partner,
            "--name",
            "Reporting",
            "--permission",
            "elements.bm.tenant.read.all",
            "--customer",
            customer,
            "--json",
        )

        assert result.exit_code == 0, result.output
        body = json.loads(result.output)
        assert set(body) == {"clientId", "clientSecret"}
        uuid.UUID(body["clientId"])

    def test_jobs_create_prints_the_jobs(self, cli, tenant_ids) -> None:  # type: ignore[no-untyped-def]
        _, customer, tenant = tenant_ids

        result = cli(
            "jobs",
            "create",
            "--customer",
            customer,
            "--tenant",
            tenant,
            "--type",
            "7",
            "--status",
            "2",
            "--count",
            "3",
            "--json",
        )

        assert result.exit_code == 0, result.output
        jobs = json.loads(result.output)
        assert len(jobs) == 3
        assert all(set(job) == {"jobId", "type", "status"} for job in jobs)
        assert {(job["type"], job["status"]) for job in jobs} == {(7, 2)}

    def test_text_output_without_json(self, cli, tenant_ids) -> None:  # type: ignore[no-untyped-def]
        result = cli("partners", "create", "--name", "Litware")

        assert result.exit_code == 0
        assert result.output.startswith("Created partner Litware: ")

    def test_show_and_list(self, cli, tenant_ids) -> None:  # type: ignore[no-untyped-def]
        partner, customer, tenant = tenant_ids

        shown = json.loads(cli("customers", "show", customer, "--json").output)
        listed = json.loads(
            cli("customers", "list", "--partner", partner, "--json").output
        )

        assert shown["tenants"][0]["id"] == tenant
        assert [c["id"] for c in listed] == [customer]


class TestErrors:
    def one_line_error(self, result: Result, exit_code: int = 1) -> str:
        assert result.exit_code == exit_code, result.output
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 or exit_code == 2, result.output
        return result.output

    def test_unknown_partner(self, cli) -> None:  # type: ignore[no-untyped-def]
        missing = str(uuid.uuid4())

        output = self.one_line_error(
            cli("customers", "create", "--partner", missing, "--organization", "X")
        )

        assert f"Partner {missing} was not found" in output

    def test_malformed_id_is_a_usage_error(self, cli) -> None:  # type: ignore[no-untyped-def]
        result = cli("customers", "create", "--partner", "nope", "--organization", "X")

        assert result.exit_code == 2
        assert "not a valid UUID" in result.output

    def test_unknown_permission_writes_nothing(self, cli, tenant_ids, database) -> None:  # type: ignore[no-untyped-def]
        partner, _, _ = tenant_ids

        output = self.one_line_error(
            cli(
                "apps",
                "create",
                "--partner",
                partner,
                "--name",
                "A",
                "--permission",
                "elements.everything",
            )
        )

        assert "Unknown permission: elements.everything" in output
        assert count(database, AppRegistration) == 0

    def test_unknown_customer_in_scope_writes_nothing(
        self, cli, tenant_ids, database
    ) -> None:  # type: ignore[no-untyped-def]
        partner, customer, _ = tenant_ids

        self.one_line_error(
            cli(
                "apps",
                "create",
                "--partner",
                partner,
                "--name",
                "A",
                "--permission",
                "elements.bm.tenant.read.all",
                "--customer",
                customer,
                "--customer",
                str(uuid.uuid4()),
            )
        )

        assert count(database, AppRegistration) == 0

    @pytest.mark.parametrize("job_type", ["0", "11", "x"])
    def test_type_outside_1_to_10(
        self, cli, tenant_ids, job_type: str, database
    ) -> None:  # type: ignore[no-untyped-def]
        _, customer, tenant = tenant_ids

        result = cli(
            "jobs",
            "create",
            "--customer",
            customer,
            "--tenant",
            tenant,
            "--type",
            job_type,
        )

        assert result.exit_code == 2
        assert "--type" in result.output
        assert count(database, Job) == 0

    def test_tenant_of_another_customer(self, cli, tenant_ids, database) -> None:  # type: ignore[no-untyped-def]
        partner, _, tenant = tenant_ids
        other = created_id(
            cli(
                "customers",
                "create",
                "--partner",
                partner,
                "--organization",
                "Y",
                "--json",
            )
        )

        output = self.one_line_error(
            cli(
                "jobs", "create", "--customer", other, "--tenant", tenant, "--type", "1"
            )
        )

        assert "was not found" in output
        assert count(database, Job) == 0

    def test_unknown_tenant_leaves_no_jobs(self, cli, tenant_ids, database) -> None:  # type: ignore[no-untyped-def]
        _, customer, _ = tenant_ids

        self.one_line_error(
            cli(
                "jobs",
                "create",
                "--customer",
                customer,
                "--tenant",
                str(uuid.uuid4()),
                "--type",
                "1",
                "--count",
                "5",
            )
        )

        assert count(database, Job) == 0
        with database.session() as session:
            assert session.scalar(select(func.sum(Tenant.job_count))) == 0

    def test_blank_name(self, cli) -> None:  # type: ignore[no-untyped-def]
        result = cli("partners", "create", "--name", "  ")

        assert result.exit_code == 2
        assert "must not be blank" in result.output

    def test_delete_unknown_app(self, cli) -> None:  # type: ignore[no-untyped-def]
        missing = str(uuid.uuid4())

        assert f"App {missing} was not found" in self.one_line_error(
            cli("apps", "delete", missing)
        )
