"""``jobs list`` and ``jobs watch``: a tenant's jobs through the partner API."""

from __future__ import annotations

import enum
import itertools
import sys
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

import click
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from process_center.cli.connection import Connection, client_errors, connection_options
from process_center.cli.render import (
    JOB_FIELDS,
    STATUS_STYLES,
    console,
    emit_records,
    job_record,
    jobs_table,
)
from process_center.client import (
    Client,
    Job,
    JobStatus,
    JobType,
    NotFound,
    WaitTimedOut,
)

E = TypeVar("E", bound=enum.IntEnum)
TABLE_LIMIT = 100
DATE_FORMATS = [
    "%Y-%m-%d",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S%z",
]
DETAIL_READERS = 8
EXIT_JOB_FAILED = 1
EXIT_TIMED_OUT = 3


class EnumName(click.ParamType):  # type: ignore[type-arg]  # generic only in click 8.2+
    """A job type or status by name ('in-progress', 'In progress') or number."""

    def __init__(self, kind: type[enum.IntEnum]) -> None:
        self.kind = kind
        self.name = kind.__name__

    def convert(self, value: Any, param: click.Parameter | None, ctx: Any) -> Any:
        if isinstance(value, self.kind):
            return value
        key = _normal(str(value))
        for member in self.kind:
            display_name = getattr(member, "display_name", member.name)
            names = {_normal(member.name), _normal(display_name), str(member.value)}
            if key in names:
                return member
        choices = ", ".join(_normal(member.name) for member in self.kind)
        self.fail(f"{value!r} is not one of: {choices}.", param, ctx)


def _normal(text: str) -> str:
    return "_".join(text.lower().replace("-", " ").split())


tenant_options = [
    click.option("--customer", "customer_id", type=click.UUID, required=True),
    click.option("--tenant", "tenant_id", type=click.UUID, required=True),
]


def _with_tenant(command: Any) -> Any:
    for option in reversed(tenant_options):
        command = option(command)
    return command


@click.command("list")
@_with_tenant
@click.option("--job-id", "job_ids", type=click.UUID, multiple=True, help="Only these.")
@click.option("--status", "statuses", type=EnumName(JobStatus), multiple=True)
@click.option("--type", "types", type=EnumName(JobType), multiple=True)
@click.option(
    "--output",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@click.option(
    "--limit",
    type=click.IntRange(1),
    help=f"At most this many jobs, newest first (table default: {TABLE_LIMIT}).",
)
@click.option(
    "--created-after",
    type=click.DateTime(DATE_FORMATS),
    help="Only jobs created at or after this (local time unless it has a zone).",
)
@click.option("--created-before", type=click.DateTime(DATE_FORMATS))
@click.option(
    "--details/--no-details",
    default=True,
    show_default=True,
    help="Read jobs one by one for times and progress if the listing lacks them.",
)
@connection_options
@client_errors
def list_jobs(
    connection: Connection,
    customer_id: UUID,
    tenant_id: UUID,
    job_ids: tuple[UUID, ...],
    statuses: tuple[JobStatus, ...],
    types: tuple[JobType, ...],
    output: str,
    limit: int | None,
    created_after: datetime | None,
    created_before: datetime | None,
    details: bool,
) -> None:
    """List a tenant's jobs, newest first, with their type and status names."""
    if limit is None and output == "table":
        limit = TABLE_LIMIT
    with connection.open_client() as client:
        listing = client.jobs.list(
            customer_id,
            tenant_id,
            job_ids or None,
            statuses=statuses,
            types=types,
            created_after=_aware(created_after),
            created_before=_aware(created_before),
            include=("times", "progress"),
        )
        jobs = list(itertools.islice(listing, limit))
        more = limit is not None and next(listing, None) is not None
        # A server of the documented API alone lists no times; the ledger's
        # job resource has them.
        if details and any(job.created_at is None for job in jobs):
            jobs = _with_details(client, customer_id, tenant_id, jobs)
    if output == "table":
        console().print(jobs_table(jobs))
        if more:
            click.echo(f"Showing the newest {limit}; use --limit for more.", err=True)
    else:
        emit_records((job_record(job) for job in jobs), output, JOB_FIELDS)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.astimezone()


def _with_details(
    client: Client, customer_id: UUID, tenant_id: UUID, jobs: list[Job]
) -> list[Job]:
    def read(job: Job) -> Job:
        try:
            return client.jobs.get(customer_id, tenant_id, job.job_id)
        except NotFound:
            # Removed since the listing, or a server without job detail.
            return job

    with ThreadPoolExecutor(DETAIL_READERS) as pool:
        return list(pool.map(read, jobs))


@click.command("watch")
@click.argument("job_ids", nargs=-1, required=True, type=click.UUID)
@_with_tenant
@click.option(
    "--interval", type=click.FloatRange(0.2, 60), default=2.0, show_default=True
)
@click.option("--timeout", type=click.FloatRange(1), help="Give up after this long.")
@click.option(
    "--details/--no-details",
    default=True,
    show_default=True,
    help="Read progress and messages; without, use only the batch endpoint.",
)
@connection_options
@client_errors
def watch_jobs(
    connection: Connection,
    job_ids: tuple[UUID, ...],
    customer_id: UUID,
    tenant_id: UUID,
    interval: float,
    timeout: float | None,
    details: bool,
) -> None:
    """Follow jobs until every one has ended.

    Exit code 0 when none failed, 1 when any failed, 3 on --timeout.
    """
    with connection.open_client() as client:
        changes = client.jobs.watch(
            customer_id,
            tenant_id,
            job_ids,
            interval=interval,
            timeout=timeout,
            details=details,
        )
        try:
            final = _follow(changes, live=sys.stdout.isatty())
        except WaitTimedOut as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(EXIT_TIMED_OUT)
    counts = Counter(job.status for job in final.values())
    summary = ", ".join(
        f"{counts[status]} {status.display_name}" for status in sorted(counts)
    )
    click.echo(f"All {len(final)} job(s) ended: {summary}.")
    if counts[JobStatus.FAILED]:
        sys.exit(EXIT_JOB_FAILED)


def _follow(changes: Iterator[Job], *, live: bool) -> dict[UUID, Job]:
    if live:
        return _follow_with_bars(changes)
    latest: dict[UUID, Job] = {}
    for job in changes:
        latest[job.job_id] = job
        click.echo(_change_line(job))
    return latest


def _change_line(job: Job) -> str:
    parts = [
        datetime.now().strftime("%H:%M:%S"),
        str(job.job_id),
        job.type.display_name,
        job.status.display_name,
    ]
    if job.progress is not None:
        parts.append(f"{job.progress}%")
    if job.message:
        parts.append(job.message)
    return "  ".join(parts)


def _follow_with_bars(changes: Iterator[Job]) -> dict[UUID, Job]:
    latest: dict[UUID, Job] = {}
    tasks: dict[UUID, TaskID] = {}
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console()) as progress:
        for job in changes:
            latest[job.job_id] = job
            if job.job_id not in tasks:
                tasks[job.job_id] = progress.add_task("", total=100, status="")
            progress.update(tasks[job.job_id], **_bar(job))
            if job.is_terminal:
                progress.stop_task(tasks[job.job_id])
    return latest


def _bar(job: Job) -> dict[str, Any]:
    style = STATUS_STYLES[job.status]
    status = f"[{style}]{job.status.display_name}[/]"
    if job.message:
        status += f" {escape(job.message)}"
    description = f"{str(job.job_id)[:8]} {job.type.display_name}"
    if job.is_terminal:
        return {"description": description, "status": status, "completed": 100}
    if job.progress is None and job.status == JobStatus.IN_PROGRESS:
        # No percentage to show: the bar pulses.
        return {"description": description, "status": status, "total": None}
    return {
        "description": description,
        "status": status,
        "total": 100,
        "completed": job.progress or 0,
    }
