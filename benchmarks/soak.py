"""Soak test: mixed reads and writes against a real server for a set time.

    python -m benchmarks.soak --url postgresql://postgres@127.0.0.1:5432/pc_soak \
        --seconds 600 --report soak.json

Seeds a small store (one partner, tenants with jobs, an app that may write),
starts ``process-center serve`` on it, and runs ``--concurrency`` clients that
list jobs and tenants, read, create and move jobs, and fetch tokens. Every
``--sample-seconds`` it records the server's resident memory and the latency
and errors of that window. The report says whether anything failed and
whether memory stayed flat. The database is dropped afterwards unless --keep.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from uuid import UUID

import click
import httpx

from benchmarks.dataset import drop_database, prepare_database
from process_center.domain.jobs import JobType
from process_center.domain.permissions import TENANT_READWRITE
from process_center.identity.apps import add_secret, create_app
from process_center.storage import directory
from process_center.storage.database import Database
from process_center.storage.jobs import add_job
from process_center.storage.migrate import upgrade

# What a partner's automation does, by weight: mostly polling the listing.
MIX = {
    "list_jobs": 45,
    "list_filtered": 10,
    "list_tenants": 10,
    "read_job": 10,
    "create_job": 12,
    "move_job": 10,
    "issue_token": 3,
}
# Memory is "flat" when, over the last third of the run, it rises by no more
# than this share: a leak keeps rising, while the allocator's one-off steps
# (a new thread arena, a pool filling) level off. Fewer samples cannot tell.
FLAT_TOLERANCE = 0.05
MIN_SAMPLES_FOR_TREND = 6


@dataclass
class Seed:
    client_id: str
    client_secret: str
    customer_id: str
    tenant_ids: list[str]
    job_ids: dict[str, list[str]]


@dataclass
class Window:
    at_seconds: float
    requests: int
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    rss_mb: float


@dataclass
class Report:
    url_backend: str
    seconds: float
    concurrency: int
    requests: int = 0
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    by_operation: dict[str, int] = field(default_factory=dict)
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    rss_start_mb: float = 0.0
    rss_settled_mb: float = 0.0
    rss_end_mb: float = 0.0
    rss_max_mb: float = 0.0
    memory_flat: bool | None = None
    windows: list[Window] = field(default_factory=list)


def seed(url: str, tenants: int, jobs_per_tenant: int) -> Seed:
    database = Database(url, pool_size=2)
    try:
        upgrade(database.engine)
        with database.write() as session:
            partner = directory.add_partner(session, "Soak partner")
            customer = directory.add_customer(session, partner.id, "Soak customer")
            tenant_ids = [
                directory.add_tenant(
                    session, customer.id, f"soak{n}.onmicrosoft.com"
                ).id
                for n in range(tenants)
            ]
            app = create_app(session, partner.id, "Soak", [TENANT_READWRITE])
            secret = add_secret(session, app, years=1)
        job_ids = {str(t): _add_jobs(database, t, jobs_per_tenant) for t in tenant_ids}
        return Seed(
            str(app.client_id),
            secret.value,
            str(customer.id),
            [str(t) for t in tenant_ids],
            job_ids,
        )
    finally:
        database.dispose()


def _add_jobs(database: Database, tenant_id: UUID, count: int) -> list[str]:
    with database.write() as session:
        return [
            str(add_job(session, tenant_id, JobType.DEPLOY).id) for _ in range(count)
        ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PROCESS_CENTER_DATABASE_URL": url,
        "PROCESS_CENTER_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "PROCESS_CENTER_LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable,
        "-c",
        "from process_center.cli import main; main()",
        "serve",
        "--port",
        str(port),
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=output)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if (
                httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code
                == 200
            ):
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
        if process.poll() is not None:
            break
    process.kill()
    raise click.ClickException(f"the server did not start; see {log}")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Soak:
    def __init__(self, base_url: str, seed: Seed, rng: random.Random) -> None:
        self.base_url = base_url
        self.seed = seed
        self.rng = rng
        self.latencies: list[float] = []
        self.errors: Counter[str] = Counter()
        self.operations: Counter[str] = Counter()
        self.token = ""
        self.moves: dict[str, int] = {}

    def _jobs_url(self, tenant_id: str) -> str:
        return (
            f"/partner/external/v3/bm/customers/{self.seed.customer_id}"
            f"/tenants/{tenant_id}/process-center/jobs"
        )

    async def run(self, client: httpx.AsyncClient, deadline: float) -> None:
        names, weights = list(MIX), list(MIX.values())
        while time.monotonic() < deadline:
            name = self.rng.choices(names, weights)[0]
            started = time.perf_counter()
            try:
                response = await getattr(self, name)(client)
                if response.status_code >= 400:
                    self.errors[f"{name} {response.status_code}"] += 1
            except httpx.HTTPError as error:
                self.errors[f"{name} {type(error).__name__}"] += 1
            self.latencies.append((time.perf_counter() - started) * 1000)
            self.operations[name] += 1

    async def issue_token(self, client: httpx.AsyncClient) -> httpx.Response:
        response = await client.post(
            "/connect/token",
            data={
                "grant_type": "client_credentials",
                "client_id": self.seed.client_id,
                "client_secret": self.seed.client_secret,
            },
        )
        if response.status_code == 200:
            self.token = response.json()["access_token"]
        return response

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def _tenant(self) -> str:
        return self.rng.choice(self.seed.tenant_ids)

    async def list_jobs(self, client: httpx.AsyncClient) -> httpx.Response:
        page = {"pageIndex": self.rng.randint(1, 3), "pageSize": 50}
        url = self._jobs_url(self._tenant()) + "/batch"
        return await client.post(url, params=page, headers=self._auth())

    async def list_filtered(self, client: httpx.AsyncClient) -> httpx.Response:
        tenant = self._tenant()
        chosen = self.rng.sample(self.seed.job_ids[tenant], 20)
        url = self._jobs_url(tenant) + "/batch"
        return await client.post(url, json={"jobIds": chosen}, headers=self._auth())

    async def list_tenants(self, client: httpx.AsyncClient) -> httpx.Response:
        return await client.post(
            "/partner/external/v3/bm/tenants/batch", headers=self._auth()
        )

    async def read_job(self, client: httpx.AsyncClient) -> httpx.Response:
        tenant = self._tenant()
        job_id = self.rng.choice(self.seed.job_ids[tenant])
        return await client.get(
            f"{self._jobs_url(tenant)}/{job_id}", headers=self._auth()
        )

    async def create_job(self, client: httpx.AsyncClient) -> httpx.Response:
        tenant = self._tenant()
        response = await client.post(
            self._jobs_url(tenant), json={"type": 4}, headers=self._auth()
        )
        if response.status_code == 201:
            job_id = response.json()["jobId"]
            self.seed.job_ids[tenant].append(job_id)
            self.moves[f"{tenant}/{job_id}"] = 0
        return response

    async def move_job(self, client: httpx.AsyncClient) -> httpx.Response:
        if not self.moves:
            return await self.create_job(client)
        # Waiting -> In progress -> Finished, then the job leaves the pool.
        key = self.rng.choice(list(self.moves))
        tenant, job_id = key.split("/")
        step = self.moves.pop(key)
        target = (1, 2)[step]
        response = await client.patch(
            f"{self._jobs_url(tenant)}/{job_id}",
            json={"status": target},
            headers=self._auth(),
        )
        if response.status_code == 200 and step == 0:
            self.moves[key] = 1
        return response


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 2)


async def drive(
    base_url: str,
    seed_data: Seed,
    pid: int,
    seconds: float,
    concurrency: int,
    sample_seconds: float,
) -> Report:
    soak = Soak(base_url, seed_data, random.Random(7))
    report = Report(
        url_backend="",
        seconds=seconds,
        concurrency=concurrency,
        rss_start_mb=rss_mb(pid),
    )
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base_url, timeout=30, limits=limits
    ) as client:
        await soak.issue_token(client)
        started = time.monotonic()
        deadline = started + seconds
        workers = [
            asyncio.create_task(soak.run(client, deadline)) for _ in range(concurrency)
        ]
        all_latencies: list[float] = []
        seen_errors = 0
        while time.monotonic() < deadline:
            await asyncio.sleep(
                min(sample_seconds, max(deadline - time.monotonic(), 0))
            )
            window, soak.latencies = soak.latencies, []
            all_latencies.extend(window)
            errors = sum(soak.errors.values())
            report.windows.append(
                Window(
                    at_seconds=round(time.monotonic() - started, 1),
                    requests=len(window),
                    errors=errors - seen_errors,
                    p50_ms=percentile(window, 0.50),
                    p95_ms=percentile(window, 0.95),
                    p99_ms=percentile(window, 0.99),
                    rss_mb=round(rss_mb(pid), 1),
                )
            )
            seen_errors = errors
            _print_window(report.windows[-1])
        await asyncio.gather(*workers)
    all_latencies.extend(soak.latencies)
    _summarise(report, all_latencies, soak)
    return report


def _print_window(window: Window) -> None:
    click.echo(
        f"{window.at_seconds:7.1f}s  {window.requests:6d} req  {window.errors:3d} err  "
        f"p50 {window.p50_ms:6.1f}  p95 {window.p95_ms:6.1f}  p99 {window.p99_ms:6.1f} ms  "
        f"rss {window.rss_mb:6.1f} MB"
    )


def _summarise(report: Report, latencies: list[float], soak: Soak) -> None:
    report.requests = len(latencies)
    report.errors = sum(soak.errors.values())
    report.error_kinds = dict(soak.errors)
    report.by_operation = dict(soak.operations)
    report.p50_ms = percentile(latencies, 0.50)
    report.p95_ms = percentile(latencies, 0.95)
    report.p99_ms = percentile(latencies, 0.99)
    samples = [w.rss_mb for w in report.windows]
    if not samples:
        return
    third = max(len(samples) // 3, 1)
    settled = statistics.median(samples[:third])
    report.rss_settled_mb = settled
    report.rss_end_mb = samples[-1]
    report.rss_max_mb = max(samples)
    if len(samples) >= MIN_SAMPLES_FOR_TREND:
        last = samples[-third:]
        report.memory_flat = max(last) <= last[0] * (1 + FLAT_TOLERANCE)


@click.command()
@click.option("--url", required=True, help="SQLAlchemy URL of a store to create.")
@click.option(
    "--seconds", type=click.FloatRange(1, 7200), default=600.0, show_default=True
)
@click.option(
    "--concurrency", type=click.IntRange(1, 256), default=8, show_default=True
)
@click.option(
    "--sample-seconds", type=click.FloatRange(0.5), default=10.0, show_default=True
)
@click.option("--tenants", type=click.IntRange(1), default=20, show_default=True)
@click.option(
    "--jobs-per-tenant", type=click.IntRange(20), default=200, show_default=True
)
@click.option("--report", "report_path", type=click.Path(path_type=Path))
@click.option("--keep", is_flag=True, help="Keep the store afterwards.")
def main(
    url: str,
    seconds: float,
    concurrency: int,
    sample_seconds: float,
    tenants: int,
    jobs_per_tenant: int,
    report_path: Path | None,
    keep: bool,
) -> None:
    """Run mixed load for --seconds; exit 1 on any error or growing memory."""
    prepare_database(url, recreate=True)
    try:
        seed_data = seed(url, tenants, jobs_per_tenant)
        port = free_port()
        log = Path(tempfile.gettempdir()) / f"process-center-soak-{port}.log"
        server = start_server(url, port, log)
        try:
            report = asyncio.run(
                drive(
                    f"http://127.0.0.1:{port}",
                    seed_data,
                    server.pid,
                    seconds,
                    concurrency,
                    sample_seconds,
                )
            )
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
        log.unlink(missing_ok=True)
    finally:
        if not keep:
            drop_database(url)
    report.url_backend = url.split(":", 1)[0]
    summary = {k: v for k, v in asdict(report).items() if k != "windows"}
    click.echo(json.dumps(summary, indent=2))
    if report_path:
        report_path.write_text(json.dumps(asdict(report), indent=2))
    if report.errors or report.memory_flat is False:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
