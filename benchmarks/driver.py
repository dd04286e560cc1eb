"""Load: real server processes, and wrk driving them with generated Lua scripts."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

# What the Lua script's done() prints, on one line, for us to parse.
_RESULT = re.compile(r"^PCRESULT (\{.*\})$", re.MULTILINE)
_READY_TIMEOUT = 60
# Every server of a run is the same issuer, so one token serves them all.
BENCH_ISSUER = "http://process-center.bench"


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    body: str = ""
    content_type: str = "application/json"
    token: str | None = None


@dataclass
class LoadResult:
    """What one wrk run measured."""

    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_rss_mb: float = 0.0
    # Server CPU time (user + system, all workers) per request served: steadier
    # than throughput when other work shares the machine.
    cpu_us: float = 0.0
    # Job transitions made (the write scenario counts them in its script).
    transitions: int = 0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def throughput(self) -> float:
        """Transitions per second for the write scenario, else requests."""
        if self.transitions:
            return self.transitions / self.seconds
        return self.rate


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """A server process on 127.0.0.1, started and stopped by the harness."""

    def __init__(self, argv: Sequence[str], env: dict[str, str], port: int) -> None:
        self.argv = list(argv)
        self.env = env
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, ready_path: str) -> None:
        self.process = subprocess.Popen(
            self.argv,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + _READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early: {' '.join(self.argv)}")
            try:
                if httpx.get(self.url + ready_path, timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server not ready in {_READY_TIMEOUT}s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


@contextmanager
def app_server(
    database_url: str, *, workers: int = 1, extra_env: dict[str, str] | None = None
) -> Iterator[Server]:
    """``process-center serve``: the product, as deployed."""
    port = free_port()
    env = {
        **os.environ,
        "PROCESS_CENTER_DATABASE_URL": database_url,
        "PROCESS_CENTER_PUBLIC_URL": BENCH_ISSUER,
        # Budgets no load run can spend: the limiter still counts every
        # request (its cost is measured) but never refuses one.
        "PROCESS_CENTER_APP_RATE_LIMIT": "1000000000/minute",
        "PROCESS_CENTER_TOKEN_RATE_LIMIT": "1000000000/minute",
        **(extra_env or {}),
    }
    argv = [_bin("process-center"), "serve", "--port", str(port)]
    server = Server([*argv, "--workers", str(workers)], env, port)
    server.start("/readyz")
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def ceiling_server(*, workers: int = 1, page_size: int = 100) -> Iterator[Server]:
    """The bare ASGI app on the same uvicorn stack and worker count."""
    port = free_port()
    env = {**os.environ, "BENCH_PAGE_SIZE": str(page_size)}
    argv = [
        _bin("uvicorn"),
        "benchmarks.ceiling:app",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--lifespan",
        "off",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    server = Server(argv, env, port)
    server.start("/")
    try:
        yield server
    finally:
        server.stop()


def lua_script(requests: Sequence[HttpRequest], writes: str | None = None) -> str:
    """A wrk script that sends ``requests`` in turn and prints a JSON summary.

    ``writes`` replaces the request rotation with a script of its own (a
    Lua chunk defining ``request`` and ``response``).
    """
    formatted = ",\n".join(_lua_request(request) for request in requests)
    rotation = (
        f"local requests = {{\n{formatted}\n}}\n"
        "local turn = 0\n"
        "request = function()\n"
        "  turn = turn % #requests + 1\n"
        "  return requests[turn]\n"
        "end\n"
    )
    return (writes or rotation) + _DONE


def _lua_request(request: HttpRequest) -> str:
    headers = [f'["Content-Type"] = {lua_string(request.content_type)}']
    if request.token:
        headers.append(f'["Authorization"] = {lua_string("Bearer " + request.token)}')
    return (
        f"  wrk.format({lua_string(request.method)}, {lua_string(request.path)}, "
        f"{{{', '.join(headers)}}}, {lua_string(request.body)})"
    )


def lua_string(value: str) -> str:
    # A long bracket string needs no escaping unless it holds its own closer.
    level = "=" * 4
    assert f"]{level}]" not in value
    return f"[{level}[{value}]{level}]"


_DONE = """
local threads = {}
setup = function(thread)
  table.insert(threads, thread)
end

done = function(summary, latency, requests)
  local errors = summary.errors
  local transitions = 0
  for _, thread in ipairs(threads) do
    transitions = transitions + (thread:get("transitions") or 0)
  end
  io.write(string.format(
    'PCRESULT {"requests": %d, "duration_us": %d, "errors": %d, '
    .. '"p50_us": %d, "p90_us": %d, "p99_us": %d, "transitions": %d}\\n',
    summary.requests, summary.duration,
    errors.connect + errors.read + errors.write + errors.status + errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    transitions))
end
"""


def run_wrk(
    url: str,
    script: str,
    *,
    seconds: float,
    connections: int = 64,
    threads: int = 1,
    watch_pid: int | None = None,
) -> LoadResult:
    """Drive ``url`` for ``seconds`` with the Lua ``script``."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed (Debian: apt-get install wrk)")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    sampler = _RssSampler(watch_pid) if watch_pid else None
    cpu_before = _cpu_seconds(watch_pid) if watch_pid else 0.0
    try:
        if sampler:
            sampler.start()
        completed = subprocess.run(
            [
                wrk,
                f"-t{threads}",
                f"-c{connections}",
                f"-d{max(seconds, 1):.0f}s",
                "--timeout",
                "10s",
                "-s",
                handle.name,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        )
    finally:
        Path(handle.name).unlink()
        if sampler:
            sampler.stop()
    result = _parse(completed.stdout, sampler.peak_mb if sampler else 0.0)
    if watch_pid and result.requests:
        cpu = _cpu_seconds(watch_pid) - cpu_before
        result.cpu_us = round(cpu / result.requests * 1e6, 1)
    return result


def _parse(output: str, rss_mb: float) -> LoadResult:
    match = _RESULT.search(output)
    if match is None:
        raise RuntimeError(f"wrk printed no result:\n{output[-2000:]}")
    raw = json.loads(match.group(1))
    return LoadResult(
        requests=raw["requests"],
        seconds=raw["duration_us"] / 1e6,
        errors=raw["errors"],
        p50_ms=raw["p50_us"] / 1000,
        p90_ms=raw["p90_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_rss_mb=rss_mb,
        transitions=raw["transitions"],
    )


class _RssSampler:
    """The highest resident memory of a process and its children, sampled."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak_mb = max(self.peak_mb, _largest_rss_mb(self.pid))


def _family(pid: int) -> list[int]:
    """``pid`` and its direct children (uvicorn's workers)."""
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(child) for child in children.read_text().split()]
    return pids


def _largest_rss_mb(pid: int) -> float:
    return max((_rss_kb(p) for p in _family(pid)), default=0) / 1024


def _cpu_seconds(pid: int) -> float:
    """User plus system time of ``pid`` and its children, in seconds."""
    ticks = 0
    for member in _family(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # utime and stime are fields 14 and 15 of stat(5), 12 and 13 after ")".
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _rss_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0
