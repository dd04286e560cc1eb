"""What operators see: Prometheus metrics and request logs that hold no secret."""

from __future__ import annotations

import base64
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from process_center.logs import JsonFormatter
from process_center.storage.database import Database
from tests.conftest import free_port
from tests.factories import World, get_token
from tests.hardening.conftest import StartServer

JOBS_ROUTE = (
    "/partner/external/v3/bm/customers/{customerId}/tenants/{tenantId}"
    "/process-center/jobs/batch"
)


@pytest.mark.any_store
class TestMetrics:
    def test_requests_tokens_and_pool_are_exported(
        self, start_server: StartServer, world: World
    ) -> None:
        server = start_server()
        with httpx.Client(base_url=server.url, timeout=10) as http:
            token = get_token(http, world.app)
            http.post(
                "/connect/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": str(world.app.client_id),
                    "client_secret": "wrong",
                },
            )
            http.post(world.jobs_path, headers={"Authorization": f"Bearer {token}"})
            http.get("/no/such/path/1")
            http.get("/no/such/path/2")
            response = http.get("/metrics")

        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        text = response.text
        assert (
            "process_center_http_requests_total"
            f'{{method="POST",route="{JOBS_ROUTE}",status="200"}} 1.0'
        ) in text
        assert (
            "process_center_http_request_duration_seconds_bucket"
            f'{{le="10.0",method="POST",route="{JOBS_ROUTE}",status="200"}} 1.0'
        ) in text
        assert (
            'process_center_http_requests_total{method="GET",route="<unmatched>",'
            'status="404"} 2.0'
        ) in text
        assert "process_center_tokens_issued_total 1.0" in text
        assert 'process_center_tokens_refused_total{error="invalid_client"} 1.0' in text
        assert 'process_center_db_pool_connections{state="checked_out"}' in text

    def test_the_kept_pages_are_exported(
        self, start_server: StartServer, world: World
    ) -> None:
        server = start_server()
        with httpx.Client(base_url=server.url, timeout=10) as http:
            bearer = {"Authorization": f"Bearer {get_token(http, world.app)}"}
            for _ in range(3):
                assert http.post(world.jobs_path, headers=bearer).status_code == 200
            text = http.get("/metrics").text

        assert "process_center_page_cache_misses_total 1.0" in text
        assert "process_center_page_cache_hits_total 2.0" in text
        kept = [
            line
            for line in text.splitlines()
            if line.startswith("process_center_page_cache_bytes ")
        ]
        assert len(kept) == 1 and float(kept[0].split()[1]) > 0


# The test's own HTTP client logs what it sends; uvicorn's access log is
# switched off in served processes (configure_logging), as it prints queries.
_NOT_THE_SERVERS = ("httpx", "httpcore", "uvicorn.access")


def _everything_logged(records: list[logging.LogRecord]) -> str:
    formatter = JsonFormatter()
    return "\n".join(
        formatter.format(record)
        for record in records
        if not record.name.startswith(_NOT_THE_SERVERS)
    )


def _access_lines(
    caplog: pytest.LogCaptureFixture, expected: int
) -> list[logging.LogRecord]:
    # The line is written once the response is sent, so it may trail the
    # client's read by a moment.
    deadline = time.monotonic() + 5
    while True:
        lines = [r for r in caplog.records if r.name == "process_center.access"]
        if len(lines) >= expected or time.monotonic() > deadline:
            return lines
        time.sleep(0.01)


@pytest.mark.any_store
class TestLogs:
    def test_no_secret_or_token_is_ever_logged(
        self, http: httpx.Client, world: World, caplog: pytest.LogCaptureFixture
    ) -> None:
        secret = world.app.client_secret
        client_id = str(world.app.client_id)
        with caplog.at_level(logging.DEBUG):
            token = get_token(http, world.app)
            basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
            http.post(
                "/connect/token",
                data={"grant_type": "client_credentials"},
                headers={"Authorization": f"Basic {basic}"},
            )
            http.post(
                f"/connect/token?client_secret={secret}",
                data={"grant_type": "client_credentials", "client_id": client_id},
            )
            http.post(
                "/connect/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": client_id,
                    "client_secret": secret[:-1],
                },
            )
            for bearer in (token, token[:-3] + "xyz"):
                http.post(
                    world.jobs_path, headers={"Authorization": f"Bearer {bearer}"}
                )

            assert len(_access_lines(caplog, 6)) == 6

        logged = _everything_logged(caplog.records)
        signature = token.rsplit(".", 1)[1]
        for sensitive in (secret, secret[:-1], basic, token, signature):
            assert sensitive not in logged

    def test_one_line_per_request_with_its_context(
        self, authed: httpx.Client, world: World, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.INFO, logger="process_center.access"):
            response = authed.post(world.jobs_path)

        lines = _access_lines(caplog, 1)
        assert len(lines) == 1
        entry = lines[0].__dict__
        assert entry["request_id"] == response.headers["request-id"]
        assert entry["client_id"] == str(world.app.client_id)
        assert entry["route"] == JOBS_ROUTE
        assert entry["status"] == 200
        assert entry["duration_ms"] > 0


@pytest.mark.slow
@pytest.mark.any_store
def test_metrics_add_up_every_worker(database: Database, tmp_path: Path) -> None:
    port = free_port()
    environment = {
        **os.environ,
        "PROCESS_CENTER_DATABASE_URL": database.url,
        "PROCESS_CENTER_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
    }
    command = [
        sys.executable, "-c", "from process_center.cli import main; main()",
        "serve", "--port", str(port), "--workers", "2",
    ]  # fmt: skip
    server = subprocess.Popen(
        command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        url = f"http://127.0.0.1:{port}"
        assert _wait_for(url), "the server did not start"
        # New connections each time, so both workers answer some.
        for _ in range(40):
            httpx.get(f"{url}/healthz", timeout=5)
        text = httpx.get(f"{url}/metrics", timeout=5).text
    finally:
        server.terminate()
        server.wait(timeout=30)

    line = next(
        line
        for line in text.splitlines()
        if line.startswith("process_center_http_requests_total")
        and 'route="/healthz"' in line
        and 'status="200"' in line
    )
    # The readiness probes of the wait count too.
    assert float(line.rsplit(" ", 1)[1]) >= 40
    assert len(list(tmp_path.glob("counter_*.db"))) == 2


def _wait_for(url: str) -> bool:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            time.sleep(0.2)
    return False
