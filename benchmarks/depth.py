"""Latency of one page against page depth and tenant size, ours beside OFFSET.

Measured at the storage layer, where the difference lives: the server's own
read (ownership, counters and a range of ``seq``) against what plain paging
does, ``COUNT(*)`` for the total plus ``ORDER BY seq DESC OFFSET n LIMIT 100``.
"""

from __future__ import annotations

import json
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import Connection, func, select

from benchmarks.dataset import Manifest, TenantRef
from process_center.storage.database import Database
from process_center.storage.jobs import JobFilter, fast_pages
from process_center.storage.models import Job

PAGE_SIZE = 100
DEPTHS = (0, 1_000, 10_000, 100_000, 500_000, 1_000_000, 1_500_000, 1_999_900)


@dataclass
class Curve:
    x: list[int] = field(default_factory=list)
    ours_ms: list[float] = field(default_factory=list)
    offset_ms: list[float] = field(default_factory=list)


@dataclass
class DepthReport:
    backend: str
    by_depth: Curve
    by_size: Curve


def measure(manifest: Manifest, repeats: int = 5) -> DepthReport:
    database = Database(manifest.database_url, pool_size=2)
    try:
        big = manifest.big
        by_depth = Curve()
        for depth in [d for d in DEPTHS if d < big.jobs] + [big.jobs - PAGE_SIZE]:
            if depth in by_depth.x or depth < 0:
                continue
            _add_point(by_depth, depth, database, manifest, big, depth, repeats)
        by_size = Curve()
        sizes: dict[int, TenantRef] = {}
        for tenant in manifest.tenants:
            sizes.setdefault(tenant.jobs, tenant)
        for size in sorted(sizes)[:: max(len(sizes) // 12, 1)]:
            deepest = max(size - PAGE_SIZE, 0)
            _add_point(by_size, size, database, manifest, sizes[size], deepest, repeats)
        return DepthReport(database.engine.dialect.name, by_depth, by_size)
    finally:
        database.dispose()


def _add_point(
    curve: Curve,
    x: int,
    database: Database,
    manifest: Manifest,
    tenant: TenantRef,
    offset: int,
    repeats: int,
) -> None:
    owner = (
        uuid.UUID(manifest.partner_id),
        uuid.UUID(tenant.customer_id),
        uuid.UUID(tenant.tenant_id),
    )
    page_index = offset // PAGE_SIZE + 1
    pages = fast_pages(database.engine.dialect.name)

    def ours() -> object:
        return database.read(
            lambda c: pages.read(c, owner, JobFilter(), page_index, PAGE_SIZE)
        )

    def plain() -> object:
        with database.engine.connect() as connection:
            return _plain_offset_page(connection, owner[2], offset)

    curve.x.append(x)
    curve.ours_ms.append(_median_ms(ours, repeats))
    curve.offset_ms.append(_median_ms(plain, repeats))


def _plain_offset_page(
    connection: Connection, tenant_id: uuid.UUID, offset: int
) -> object:
    total = connection.scalar(
        select(func.count()).select_from(Job).where(Job.tenant_id == tenant_id)
    )
    rows = connection.execute(
        select(Job.id, Job.type, Job.status)
        .where(Job.tenant_id == tenant_id)
        .order_by(Job.seq.desc())
        .offset(offset)
        .limit(PAGE_SIZE)
    ).all()
    return total, rows


def _median_ms(call: Callable[[], object], repeats: int) -> float:
    call()  # warm the caches: we compare steady states
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 3)


def save(report: DepthReport, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(report), indent=1))


def load(path: Path) -> DepthReport:
    raw = json.loads(path.read_text())
    return DepthReport(
        raw["backend"], Curve(**raw["by_depth"]), Curve(**raw["by_size"])
    )


def draw(reports: list[DepthReport], out_dir: Path) -> list[Path]:
    """Two PNG charts: latency against page depth, and against tenant size."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for attribute, xlabel, name in (
        (
            "by_depth",
            "rows before the page (2,000,000-job tenant)",
            "latency-by-depth.png",
        ),
        (
            "by_size",
            "jobs in the tenant (last page read)",
            "latency-by-tenant-size.png",
        ),
    ):
        figure, axes = pyplot.subplots(figsize=(7, 4.2), dpi=110)
        for report in reports:
            curve: Curve = getattr(report, attribute)
            xs = [max(x, 1) for x in curve.x]
            axes.plot(xs, curve.ours_ms, marker="o", label=f"{report.backend}: ours")
            axes.plot(
                xs,
                curve.offset_ms,
                marker="x",
                linestyle="--",
                label=f"{report.backend}: COUNT(*) + OFFSET",
            )
        axes.set_xscale("log")
        axes.set_yscale("log")
        axes.set_xlabel(xlabel)
        axes.set_ylabel("ms per page of 100 (median)")
        axes.grid(True, which="both", alpha=0.3)
        axes.legend(fontsize=8)
        figure.tight_layout()
        path = out_dir / name
        figure.savefig(path)
        pyplot.close(figure)
        written.append(path)
    return written
