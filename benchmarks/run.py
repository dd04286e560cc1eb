"""Rounds of scenarios against the real server, each round led by the ceiling.

Every round starts the bare ASGI app and measures it, then starts the real
server and runs each scenario, so each ratio compares numbers taken back to
back. The report gives the median over the rounds.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from benchmarks.dataset import Manifest
from benchmarks.driver import (
    LoadResult,
    Server,
    app_server,
    ceiling_server,
    lua_script,
    run_wrk,
)
from benchmarks.scenarios import (
    Scenario,
    batch_write_scenario,
    fetch_token,
    mixed_scenario,
    read_scenarios,
    write_scenario,
)


@dataclass
class Options:
    seconds: float = 10
    rounds: int = 3
    workers: int = 1
    connections: int = 64
    only: Sequence[str] = ()
    mixed: bool = True
    warm_up_seconds: float = 2
    settle_seconds: float = 1
    extra_env: dict[str, str] = field(default_factory=dict)


@dataclass
class Report:
    backend: str
    options: dict[str, object]
    rounds: list[dict[str, LoadResult]] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)
    baselines: dict[str, str] = field(default_factory=dict)

    def median(self, name: str, attribute: str) -> float:
        values = [
            getattr(results[name], attribute)
            for results in self.rounds
            if name in results
        ]
        return statistics.median(values) if values else 0.0

    def ratio(self, name: str, baseline: str) -> float:
        """The median over rounds of this round's rate over the baseline's."""
        ratios = [
            results[name].throughput / results[baseline].throughput
            for results in self.rounds
            if name in results and baseline in results and results[baseline].rate
        ]
        return statistics.median(ratios) if ratios else 0.0

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        document = asdict(self)
        path.write_text(json.dumps(document, indent=1))

    @classmethod
    def load(cls, path: Path) -> Report:
        raw = json.loads(path.read_text())
        raw["rounds"] = [
            {name: LoadResult(**result) for name, result in results.items()}
            for results in raw["rounds"]
        ]
        return cls(**raw)


def run(
    manifest: Manifest,
    options: Options,
    progress: Callable[[str], None] = print,
) -> Report:
    backend = manifest.database_url.split(":", 1)[0].split("+")[0]
    report = Report(backend, asdict(options))
    # One token for the whole run (it lives an hour), so every round and the
    # ceiling send byte-for-byte the same requests.
    with app_server(manifest.database_url) as server:
        token = fetch_token(server.url, manifest)
    for number in range(1, options.rounds + 1):
        progress(f"round {number} of {options.rounds}")
        report.rounds.append(_one_round(manifest, token, options, report, progress))
    return report


def _one_round(
    manifest: Manifest,
    token: str,
    options: Options,
    report: Report,
    progress: Callable[[str], None],
) -> dict[str, LoadResult]:
    results: dict[str, LoadResult] = {}
    scenarios = read_scenarios(manifest, token)
    ceiling = Scenario(
        "ceiling",
        "Ceiling: bare ASGI app, constant page of 100",
        scenarios[0].requests,
    )
    with ceiling_server(workers=options.workers) as server:
        _measure(server, ceiling, options, report, results, progress)
    if options.mixed and _wanted(options, "mixed"):
        # On a server of its own, so its peak memory is the mixed load's alone.
        with _server(manifest, options) as server:
            mixed = mixed_scenario(manifest, token)
            _measure(server, mixed, options, report, results, progress)
    scenarios.append(write_scenario(manifest, token))
    scenarios.append(batch_write_scenario(manifest, token))
    with _server(manifest, options) as server:
        for scenario in scenarios:
            if _wanted(options, scenario.name):
                _measure(server, scenario, options, report, results, progress)
    return results


def _wanted(options: Options, name: str) -> bool:
    return not options.only or name in options.only


def _server(manifest: Manifest, options: Options) -> AbstractContextManager[Server]:
    return app_server(
        manifest.database_url, workers=options.workers, extra_env=options.extra_env
    )


def _measure(
    server: Server,
    scenario: Scenario,
    options: Options,
    report: Report,
    results: dict[str, LoadResult],
    progress: Callable[[str], None],
) -> None:
    if options.warm_up_seconds:
        _drive(server.url, scenario, options, warm_up=True)
        # Connections opened the moment the warm-up's have closed are served
        # unevenly for a while (a p99 of 100-200 ms against 15-20 ms after a
        # pause; the ceiling does not show it), so the measured run starts
        # after a pause and measures the steady state.
        time.sleep(options.settle_seconds)
    result = _drive(server.url, scenario, options, watch_pid=server.pid)
    results[scenario.name] = result
    report.titles[scenario.name] = scenario.title
    report.baselines[scenario.name] = scenario.baseline
    progress(_line(scenario.name, result))


def _drive(
    url: str,
    scenario: Scenario,
    options: Options,
    *,
    warm_up: bool = False,
    watch_pid: int | None = None,
) -> LoadResult:
    seconds = options.warm_up_seconds if warm_up else options.seconds
    writes = scenario.prepare(seconds) if scenario.prepare else scenario.writes
    script = lua_script(scenario.requests, writes)
    started = time.monotonic()
    result = run_wrk(
        url,
        script,
        seconds=seconds,
        connections=scenario.connections or options.connections,
        watch_pid=watch_pid,
    )
    if result.seconds == 0:
        result.seconds = time.monotonic() - started
    return result


def _line(name: str, result: LoadResult) -> str:
    return (
        f"  {name:<14} {result.throughput:>9,.0f} /s  p50 {result.p50_ms:7.2f} ms  "
        f"p99 {result.p99_ms:7.2f} ms  errors {result.errors}  "
        f"cpu {result.cpu_us:6.0f} us/req  rss {result.max_rss_mb:5.0f} MB"
    )


def markdown_table(report: Report) -> str:
    """The results as a Markdown table: medians, ratios, p99 against baseline."""
    lines = [
        "| Scenario | per second (median) | vs ceiling | vs baseline | p50 ms | p99 ms "
        "| p99 vs baseline | server CPU us/req | errors | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, title in report.titles.items():
        baseline = report.baselines.get(name, "ceiling")
        vs_baseline = report.ratio(name, baseline) if baseline != "ceiling" else None
        p99_base = report.median(baseline, "p99_ms")
        p99_ratio = report.median(name, "p99_ms") / p99_base if p99_base else 0.0
        lines.append(
            f"| {title} | {report.median(name, 'throughput'):,.0f} "
            f"| {report.ratio(name, 'ceiling'):.0%} "
            f"| {'' if vs_baseline is None else f'{vs_baseline:.0%} of {baseline}'} "
            f"| {report.median(name, 'p50_ms'):.2f} "
            f"| {report.median(name, 'p99_ms'):.2f} "
            f"| {'' if baseline == 'ceiling' else f'{p99_ratio:.2f}x'} "
            f"| {report.median(name, 'cpu_us'):.0f} "
            f"| {sum(r[name].errors for r in report.rounds if name in r)} "
            f"| {max((r[name].max_rss_mb for r in report.rounds if name in r), default=0):.0f} |"
        )
    return "\n".join(lines)
