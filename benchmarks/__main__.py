"""``python -m benchmarks``: generate a store, load it, draw the charts."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from benchmarks import dataset, run
from benchmarks import depth as depth_module
from benchmarks import profile as profile_module


@click.group()
def main() -> None:
    """The performance harness of Process Center."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")


@main.command()
@click.option("--url", required=True, help="SQLAlchemy URL of the store to build.")
@click.option("--manifest", type=click.Path(path_type=Path), required=True)
@click.option("--jobs", type=click.IntRange(1), default=10_000_000, show_default=True)
@click.option("--tenants", type=click.IntRange(1), default=10_000, show_default=True)
@click.option("--big", type=click.IntRange(1), default=2_000_000, show_default=True)
@click.option("--recreate/--keep", default=True, show_default=True)
def generate(
    url: str, manifest: Path, jobs: int, tenants: int, big: int, recreate: bool
) -> None:
    """Build a store of JOBS jobs: one tenant with BIG, the rest over TENANTS."""
    plan = dataset.Plan(jobs=jobs, tenants=tenants, big=big)
    result = dataset.generate(url, plan, recreate=recreate)
    result.save(manifest)
    click.echo(
        f"{jobs:,} jobs over {len(result.tenants):,} tenants "
        f"in {result.load_seconds:.0f} s; manifest {manifest}"
    )


@main.command()
@click.option("--manifest", type=click.Path(path_type=Path, exists=True), required=True)
@click.option("--out", type=click.Path(path_type=Path), required=True)
@click.option("--seconds", type=click.FloatRange(1), default=10, show_default=True)
@click.option("--rounds", type=click.IntRange(1), default=3, show_default=True)
@click.option("--workers", type=click.IntRange(1, 16), default=1, show_default=True)
@click.option("--connections", type=click.IntRange(1), default=64, show_default=True)
@click.option("--only", multiple=True, help="Run only these scenarios (repeatable).")
@click.option("--mixed/--no-mixed", default=True, show_default=True)
def load(
    manifest: Path,
    out: Path,
    seconds: float,
    rounds: int,
    workers: int,
    connections: int,
    only: tuple[str, ...],
    mixed: bool,
) -> None:
    """Drive a real server with wrk, round after round, beside the ceiling."""
    options = run.Options(
        seconds=seconds,
        rounds=rounds,
        workers=workers,
        connections=connections,
        only=only,
        mixed=mixed,
    )
    report = run.run(dataset.Manifest.load(manifest), options, progress=click.echo)
    report.save(out)
    click.echo(run.markdown_table(report))


@main.command()
@click.option("--report", type=click.Path(path_type=Path, exists=True), required=True)
def table(report: Path) -> None:
    """Print a saved report as a Markdown table."""
    click.echo(run.markdown_table(run.Report.load(report)))


@main.command()
@click.option("--manifest", type=click.Path(path_type=Path, exists=True), required=True)
@click.option("--out", type=click.Path(path_type=Path), required=True)
@click.option("--repeats", type=click.IntRange(1), default=5, show_default=True)
def depth(manifest: Path, out: Path, repeats: int) -> None:
    """Time one page against depth and tenant size, ours beside OFFSET."""
    report = depth_module.measure(dataset.Manifest.load(manifest), repeats)
    depth_module.save(report, out)
    for name in ("by_depth", "by_size"):
        curve = getattr(report, name)
        for x, ours, plain in zip(curve.x, curve.ours_ms, curve.offset_ms, strict=True):
            click.echo(f"{name} {x:>10,} ours {ours:9.3f} ms  offset {plain:9.3f} ms")


@main.command()
@click.argument("reports", nargs=-1, type=click.Path(path_type=Path, exists=True))
@click.option("--out-dir", type=click.Path(path_type=Path), required=True)
def charts(reports: tuple[Path, ...], out_dir: Path) -> None:
    """Draw the PNG charts from saved depth reports."""
    loaded = [depth_module.load(path) for path in reports]
    for path in depth_module.draw(loaded, out_dir):
        click.echo(str(path))


@main.command(name="in-process")
@click.option("--manifest", type=click.Path(path_type=Path, exists=True), required=True)
@click.option("--requests", type=click.IntRange(1), default=1000, show_default=True)
@click.option("--only", multiple=True, help="Run only these scenarios (repeatable).")
@click.option("--profile/--no-profile", default=False, show_default=True)
def in_process(
    manifest: Path, requests: int, only: tuple[str, ...], profile: bool
) -> None:
    """Call the app in-process: CPU per request, with --profile where it goes."""
    loaded = dataset.Manifest.load(manifest)
    for result, top in profile_module.run(loaded, only, requests, profile):
        statuses = ", ".join(
            f"{code}: {n}" for code, n in sorted(result.statuses.items())
        )
        click.echo(f"{result.name:<14} {result.cpu_us:9.1f} us/request  ({statuses})")
        if top:
            click.echo(top)


@main.command()
@click.option("--manifest", type=click.Path(path_type=Path, exists=True), required=True)
def drop(manifest: Path) -> None:
    """Remove the store a manifest describes."""
    dataset.drop_database(dataset.Manifest.load(manifest).database_url)


if __name__ == "__main__":
    main()
