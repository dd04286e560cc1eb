"""``process-center jobs list`` and ``tenants list`` against the real server."""

from __future__ import annotations

import csv
import io
import json
import uuid

import pytest

from process_center.domain.jobs import JobStatus, JobType
from tests.cli.conftest import Invoke
from tests.factories import Factory, World


def _tenant_args(world: World) -> list[str]:
    return ["--customer", str(world.customer_id), "--tenant", str(world.tenant_id)]


class TestJobsList:
    def test_table_shows_type_and_status_names(
        self, invoke: Invoke, world: World, factory: Factory
    ) -> None:
        [job_id] = factory.jobs(
            world.tenant_id,
            1,
            job_type=JobType.DAILY_TENANT_BACKUP,
            status=JobStatus.FAILED,
        )

        result = invoke("jobs", "list", *_tenant_args(world))

        assert result.exit_code == 0, result.output
        assert str(job_id) in result.output
        assert "Daily tenant backup" in result.output
        assert "Failed" in result.output

    def test_json_lists_every_job_across_pages(
        self, invoke: Invoke, world: World, factory: Factory
    ) -> None:
        created = factory.jobs(world.tenant_id, 105)

        result = invoke("jobs", "list", *_tenant_args(world), "--output", "json")

        assert result.exit_code == 0, result.output
        records = json.loads(result.output)
        assert [r["jobId"] for r in records] == [str(j) for j in reversed(created)]
        assert records[0]["typeName"] == "Apply baseline"
        assert records[0]["statusName"] == "Waiting"

    def test_csv_filters_by_status_and_type_names(
        self, invoke: Invoke, world: World, factory: Factory
    ) -> None:
        wanted = factory.jobs(
            world.tenant_id, 2, job_type=JobType.RESTORE, status=JobStatus.IN_PROGRESS
        )
        factory.jobs(
            world.tenant_id, 2, job_type=JobType.RESTORE, status=JobStatus.FINISHED
        )
        factory.jobs(
            world.tenant_id, 2, job_type=JobType.DEPLOY, status=JobStatus.IN_PROGRESS
        )

        result = invoke(
            "jobs", "list", *_tenant_args(world),
            "--status", "in-progress", "--type", "Restore", "--output", "csv",
        )  # fmt: skip

        assert result.exit_code == 0, result.output
        rows = list(csv.DictReader(io.StringIO(result.output)))
        assert {row["jobId"] for row in rows} == {str(j) for j in wanted}
        assert {row["statusName"] for row in rows} == {"In progress"}

    def test_job_ids_and_limit(
        self, invoke: Invoke, world: World, factory: Factory
    ) -> None:
        created = factory.jobs(world.tenant_id, 6)

        result = invoke(
            "jobs", "list", *_tenant_args(world),
            "--job-id", str(created[0]), "--job-id", str(created[1]), "--job-id", str(created[2]),
            "--limit", "2", "--output", "json",
        )  # fmt: skip

        assert result.exit_code == 0, result.output
        assert [r["jobId"] for r in json.loads(result.output)] == [
            str(created[2]),
            str(created[1]),
        ]

    def test_an_unknown_status_name_is_a_usage_error(
        self, invoke: Invoke, world: World
    ) -> None:
        result = invoke("jobs", "list", *_tenant_args(world), "--status", "done")

        assert result.exit_code == 2
        assert "'done' is not one of" in result.output
        assert "finished_with_exception" in result.output

    def test_an_api_error_is_one_line_and_exit_1(
        self, invoke: Invoke, world: World
    ) -> None:
        result = invoke(
            "jobs",
            "list",
            "--customer",
            str(world.customer_id),
            "--tenant",
            str(uuid.uuid4()),
        )

        assert result.exit_code == 1
        assert result.output.startswith("error: 404:")
        assert "request id" in result.output
        assert "Traceback" not in result.output

    def test_missing_credentials_are_a_usage_error(
        self, invoke: Invoke, world: World, api_env: dict[str, str]
    ) -> None:
        env = {**api_env, "PROCESS_CENTER_CLIENT_SECRET": ""}
        del env["PROCESS_CENTER_CLIENT_SECRET"]

        result = invoke("jobs", "list", *_tenant_args(world), env=env)

        assert result.exit_code == 2
        assert "No credentials" in result.output


class TestTenantsList:
    def test_lists_visible_tenants(
        self, invoke: Invoke, world: World, factory: Factory
    ) -> None:
        other = factory.tenant(world.customer_id, "fabrikam-dev.onmicrosoft.com")

        result = invoke("tenants", "list", "--output", "json")

        assert result.exit_code == 0, result.output
        assert {t["tenantId"] for t in json.loads(result.output)} == {
            str(world.tenant_id),
            str(other),
        }

    def test_table(self, invoke: Invoke, world: World) -> None:
        result = invoke("tenants", "list")

        assert result.exit_code == 0, result.output
        assert "fabrikam.onmicrosoft.com" in result.output


@pytest.mark.parametrize("command", [["tenants", "list"], ["jobs", "list"]])
def test_the_secret_is_never_printed(
    invoke: Invoke, world: World, api_env: dict[str, str], command: list[str]
) -> None:
    args = [*command, *(_tenant_args(world) if command[0] == "jobs" else [])]

    ok = invoke(*args)
    refused = invoke(
        *args, env={**api_env, "PROCESS_CENTER_CLIENT_SECRET": "wrong-secret-x"}
    )

    assert world.app.client_secret not in ok.output
    assert refused.exit_code == 1
    assert "invalid_client" in refused.output
    assert "wrong-secret-x" not in refused.output
