"""The example script runs as documented against a real server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from process_center.domain.jobs import JobStatus, JobType
from tests.conftest import LiveServer
from tests.factories import Factory, World

EXAMPLE = Path(__file__).parents[2] / "examples" / "wait_for_jobs.py"


def test_wait_for_jobs_reports_failures_and_waits(
    live_server: LiveServer, world: World, factory: Factory
) -> None:
    [failed] = factory.jobs(
        world.tenant_id, 1, job_type=JobType.RESTORE, status=JobStatus.FAILED
    )
    [waiting] = factory.jobs(world.tenant_id, 1)
    env = {
        **os.environ,
        "PROCESS_CENTER_API_URL": live_server.url,
        "PROCESS_CENTER_CLIENT_ID": str(world.app.client_id),
        "PROCESS_CENTER_CLIENT_SECRET": world.app.client_secret,
    }

    result = subprocess.run(
        [sys.executable, str(EXAMPLE), "--minutes", "0.005"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert f"{failed}  Restore" in result.stdout
    assert f"{waiting}  Waiting" in result.stdout
    assert "1 job(s) had not ended" in result.stdout
    assert world.app.client_secret not in result.stdout + result.stderr
