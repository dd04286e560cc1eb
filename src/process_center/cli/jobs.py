"""Admin commands that write jobs straight into the store."""

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
from process_center.domain.errors import NotFound
from process_center.domain.jobs import JobStatus, JobType
from process_center.ledger.retention import purge_expired
from process_center.storage import directory
from process_center.storage.jobs import add_job, delete_job
from process_center.storage.models import Job

MAX_JOBS_PER_CREATE = 1_000_000


@click.group()
def jobs() -> None:
    """Jobs in the Process Center."""


@jobs.command("create")
@click.option("--customer", "customer_id", type=click.UUID, required=True)
@click.option("--tenant", "tenant_id", type=click.UUID, required=True)
@click.option(
    "--type", "job_type", type=click.IntRange(1, 10), required=True, help="1..10"
)
@click.option(
    "--status", type=click.IntRange(0, 5), default=0, show_default=True, help="0..5"
)
@click.option(
    "--count", type=click.IntRange(1, MAX_JOBS_PER_CREATE), default=1, show_default=True
)
@json_option
@pass_app
@domain_errors
def create_jobs(
    app: AppContext,
    customer_id: UUID,
    tenant_id: UUID,
    job_type: int,
    status: int,
    count: int,
    as_json: bool,
) -> None:
    """Add COUNT jobs to a tenant, all in one transaction, and print them as JSON."""
    with app.write() as session:
        tenant = directory.get_tenant(session, tenant_id)
        if tenant.customer_id != customer_id:
            raise NotFound(
                f"Tenant {tenant_id} was not found for customer {customer_id}."
            )
        created = [
            add_job(
                session,
                tenant_id,
                JobType(job_type),
                status=JobStatus(status),
                trigger_kind="operator",
                trigger_ref="admin-cli",
            )
            for _ in range(count)
        ]
        rows = [
            {"jobId": str(j.id), "type": j.type, "status": j.status} for j in created
        ]
    text = "\n".join(
        f"{job.id}  {JobType(job.type).display_name}  {JobStatus(job.status).display_name}"
        for job in created
    )
    emit(as_json, rows, text)


@jobs.command("show")
@click.argument("job_id", type=click.UUID)
@json_option
@pass_app
@domain_errors
def show_job(app: AppContext, job_id: UUID, as_json: bool) -> None:
    with app.read() as session:
        job = session.get(Job, job_id)
        if job is None:
            raise NotFound(f"Job {job_id} was not found.")
        value = {
            "jobId": str(job.id),
            "tenantId": str(job.tenant_id),
            "type": job.type,
            "typeName": JobType(job.type).display_name,
            "status": job.status,
            "statusName": JobStatus(job.status).display_name,
            "createdAt": job.created_at.isoformat(),
        }
    emit(as_json, value, "\n".join(f"{k}: {v}" for k, v in value.items()))


@jobs.command("delete")
@click.argument("job_id", type=click.UUID)
@pass_app
@domain_errors
def remove_job(app: AppContext, job_id: UUID) -> None:
    with app.write() as session:
        delete_job(session, job_id)
    click.echo(f"Deleted job {job_id}.")


@jobs.command("purge")
@click.option(
    "--days",
    type=click.IntRange(1),
    default=None,
    help="Keep jobs that ended within this many days "
    "(default: PROCESS_CENTER_RETENTION_DAYS, 90).",
)
@json_option
@pass_app
def purge_jobs(app: AppContext, days: int | None, as_json: bool) -> None:
    """Purge jobs that ended before the retention window, as the server does
    periodically: per tenant, the oldest jobs up to the first one to keep."""
    report = purge_expired(app.database, days or app.settings.retention_days)
    value = {
        "cutoff": report.cutoff.isoformat(),
        "tenants": report.tenants,
        "jobs": report.jobs,
    }
    emit(
        as_json,
        value,
        f"Purged {report.jobs} jobs that ended before {value['cutoff']}.",
    )
