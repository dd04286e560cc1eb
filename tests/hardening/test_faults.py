"""Faults: the store goes away and comes back, the server is stopped or killed."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, text

from process_center.storage.database import Database
from process_center.storage.migrate import upgrade
from process_center.storage.models import Job, JobEvent, Tenant
from tests.conftest import LiveServer, free_port, server_settings
from tests.factories import Factory, World, get_token
from tests.hardening.cluster import PrivateCluster, postgres_binary

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow
_CLI = "from process_center.cli import main; main()"


def _until(predicate, seconds: float = 30.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


@pytest.fixture
def cluster() -> Iterator[PrivateCluster]:
    if postgres_binary("initdb") is None:
        pytest.skip("PostgreSQL server binaries are not installed")
    cluster = PrivateCluster()
    cluster.init()
    cluster.start()
    yield cluster
    cluster.destroy()


def _world(database: Database) -> World:
    factory = Factory(database)
    partner_id = factory.partner("Contoso")
    customer_id = factory.customer(partner_id, "Fabrikam")
    tenant_id = factory.tenant(customer_id, "fabrikam.onmicrosoft.com")
    return World(partner_id, customer_id, tenant_id, factory.app(partner_id))


class TestStoreOutage:
    def test_outage_is_503_with_retry_after_and_both_recover(
        self, cluster: PrivateCluster
    ) -> None:
        database = Database(cluster.url, pool_size=1)
        upgrade(database.engine)
        world = _world(database)
        database.dispose()
        server = LiveServer(server_settings(cluster.url))
        server.start()
        try:
            with httpx.Client(base_url=server.url, timeout=20) as http:
                http.headers["Authorization"] = f"Bearer {get_token(http, world.app)}"
                assert http.post(world.jobs_path).status_code == 200

                cluster.stop()
                down = http.post(world.jobs_path)
                not_ready = http.get("/readyz")

                assert down.status_code == 503, down.text
                assert down.headers["retry-after"] == "5"
                assert down.headers["content-type"] == "application/problem+json"
                assert down.json()["requestId"] == down.headers["request-id"]
                assert not_ready.status_code == 503
                assert not_ready.json() == {"status": "unavailable", "database": False}
                assert http.get("/healthz").status_code == 200

                cluster.start()
                assert _until(lambda: http.post(world.jobs_path).status_code == 200)
                assert http.get("/readyz").status_code == 200
                metrics = http.get("/metrics").text
                assert "process_center_store_unavailable_total 1.0" in metrics
        finally:
            server.stop()


def _serve(database_url: str, port: int) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "PROCESS_CENTER_DATABASE_URL": database_url,
        "PROCESS_CENTER_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "PROCESS_CENTER_BODY_TIMEOUT_SECONDS": "60",
    }
    command = [sys.executable, "-c", _CLI, "serve", "--port", str(port)]
    return subprocess.Popen(
        command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


@pytest.mark.any_store
class TestGracefulShutdown:
    def test_sigterm_lets_an_in_flight_request_finish(
        self, database: Database, world: World
    ) -> None:
        port = free_port()
        process = _serve(database.url, port)
        try:
            url = f"http://127.0.0.1:{port}"
            assert _until(lambda: _answers(url)), "the server did not start"
            form = (
                f"grant_type=client_credentials&client_id={world.app.client_id}"
                f"&client_secret={world.app.client_secret}"
            ).encode()
            with socket.create_connection(("127.0.0.1", port), timeout=30) as slow:
                # Half the body, then SIGTERM, then the rest: the request is in
                # flight when the server is told to stop.
                slow.sendall(
                    b"POST /connect/token HTTP/1.1\r\nHost: x\r\n"
                    b"Content-Type: application/x-www-form-urlencoded\r\n"
                    + f"Content-Length: {len(form)}\r\n\r\n".encode()
                    + form[:10]
                )
                time.sleep(0.5)
                process.send_signal(signal.SIGTERM)
                time.sleep(1.0)
                assert process.poll() is None, "the server quit with a request open"
                assert not _answers(url), "the server still takes new connections"
                slow.sendall(form[10:])
                answer = _read_all(slow)

            assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
            assert b'"access_token"' in answer
            # uvicorn re-raises the signal once it has drained, as a server
            # stopped by a signal should report.
            assert process.wait(timeout=30) in (0, -signal.SIGTERM)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _read_all(connection: socket.socket) -> bytes:
    chunks = []
    while chunk := connection.recv(65536):
        chunks.append(chunk)
        if b"\r\n\r\n" in b"".join(chunks) and b"}" in chunk:
            break
    return b"".join(chunks)


class TestCrashMidWrite:
    def test_sigkill_loses_no_committed_job_and_leaves_no_half_job(
        self, database: Database, factory: Factory, world: World
    ) -> None:
        tenants = [world.tenant_id] + [
            factory.tenant(world.customer_id, f"t{n}.onmicrosoft.com") for n in range(3)
        ]
        writer = subprocess.Popen(
            [sys.executable, "-m", "tests.hardening.writer", database.url]
            + [str(t) for t in tenants],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        committed: list[str] = []
        assert writer.stdout is not None
        try:
            while len(committed) < 300:
                line = writer.stdout.readline()
                if not line:
                    pytest.fail(
                        writer.stderr.read().decode()[-2000:] if writer.stderr else ""
                    )
                committed.append(line.decode())
        finally:
            writer.send_signal(signal.SIGKILL)
            writer.wait(timeout=30)
            # Lines already in the pipe were committed too.
            committed += [line.decode() for line in writer.stdout]
            writer.stdout.close()
            if writer.stderr:
                writer.stderr.close()

        # A line cut short by the kill names its job only in part: skip it.
        complete = {line.strip() for line in committed if len(line.strip()) == 36}
        assert len(complete) >= 300
        with database.engine.connect() as connection:
            stored = {str(row) for row in connection.scalars(select(Job.id))}
            assert complete <= stored
            _assert_counters_match_rows(connection)
            orphans = connection.scalar(
                select(func.count())
                .select_from(Job)
                .where(~select(JobEvent.id).where(JobEvent.job_id == Job.id).exists())
            )
            assert orphans == 0


def _assert_counters_match_rows(connection) -> None:  # type: ignore[no-untyped-def]
    rows = connection.execute(
        select(
            Tenant.id,
            Tenant.job_seq,
            Tenant.job_count,
            select(func.count()).where(Job.tenant_id == Tenant.id).scalar_subquery(),
            select(func.max(Job.seq))
            .where(Job.tenant_id == Tenant.id)
            .scalar_subquery(),
        )
    ).all()
    for tenant_id, job_seq, job_count, actual, highest in rows:
        assert job_count == actual, tenant_id
        assert job_seq == (highest or 0), tenant_id
    assert connection.execute(text("SELECT 1")).scalar() == 1
