"""Jobs and tenants for people (rich tables) and for programs (JSON, CSV)."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from process_center.client import Job, JobStatus, Tenant

STATUS_STYLES = {
    JobStatus.WAITING: "bright_black",
    JobStatus.IN_PROGRESS: "cyan",
    JobStatus.FINISHED: "green",
    JobStatus.FAILED: "bold red",
    JobStatus.SKIPPED: "yellow",
    JobStatus.FINISHED_WITH_EXCEPTION: "dark_orange",
}
JOB_FIELDS = [
    "jobId",
    "type",
    "typeName",
    "status",
    "statusName",
    "progress",
    "message",
    "createdAt",
    "startedAt",
    "finishedAt",
]


def console() -> Console:
    # Wide enough for GUIDs when the output is not a terminal (a pipe, a file).
    return Console(width=None if sys.stdout.isatty() else 160)


def status_text(status: JobStatus) -> Text:
    return Text(status.display_name, style=STATUS_STYLES[status])


def when(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def job_record(job: Job) -> dict[str, Any]:
    return {
        "jobId": str(job.job_id),
        "type": int(job.type),
        "typeName": job.type.display_name,
        "status": int(job.status),
        "statusName": job.status.display_name,
        "progress": job.progress,
        "message": job.message,
        "createdAt": job.created_at.isoformat() if job.created_at else None,
        "startedAt": job.started_at.isoformat() if job.started_at else None,
        "finishedAt": job.finished_at.isoformat() if job.finished_at else None,
    }


def jobs_table(jobs: list[Job]) -> Table:
    table = Table(show_lines=False, header_style="bold")
    table.add_column("Job ID", no_wrap=True)
    table.add_column("Type")
    table.add_column("Status")
    table.add_column("Progress", justify="right")
    table.add_column("Created", no_wrap=True)
    table.add_column("Started", no_wrap=True)
    table.add_column("Finished", no_wrap=True)
    for job in jobs:
        table.add_row(
            str(job.job_id),
            job.type.display_name,
            status_text(job.status),
            "-" if job.progress is None else f"{job.progress}%",
            when(job.created_at),
            when(job.started_at),
            when(job.finished_at),
        )
    return table


def tenants_table(tenants: list[Tenant]) -> Table:
    table = Table(header_style="bold")
    table.add_column("Tenant ID", no_wrap=True)
    table.add_column("Name")
    table.add_column("Customer ID", no_wrap=True)
    table.add_column("Status", justify="right")
    for tenant in tenants:
        table.add_row(
            str(tenant.tenant_id),
            tenant.tenant_name,
            str(tenant.customer_id),
            str(tenant.status),
        )
    return table


def tenant_record(tenant: Tenant) -> dict[str, Any]:
    return {
        "tenantId": str(tenant.tenant_id),
        "tenantName": tenant.tenant_name,
        "customerId": str(tenant.customer_id),
        "status": tenant.status,
    }


def emit_records(
    records: Iterable[dict[str, Any]], output: str, field_names: list[str]
) -> None:
    """Print records as a JSON array or as CSV with a header row."""
    if output == "json":
        click.echo(json.dumps(list(records), indent=2))
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=field_names, lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
