"""The soak script runs end to end: a few seconds of mixed load, a clean report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from benchmarks.soak import MIX

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_a_short_soak_reports_every_operation_and_no_error(tmp_path: Path) -> None:
    report_path = tmp_path / "soak.json"
    command = [
        sys.executable, "-m", "benchmarks.soak",
        "--url", f"sqlite:///{tmp_path / 'soak.db'}",
        "--seconds", "4", "--sample-seconds", "1", "--concurrency", "2",
        "--tenants", "2", "--jobs-per-tenant", "20",
        "--report", str(report_path),
    ]  # fmt: skip

    finished = subprocess.run(
        command, cwd=ROOT, capture_output=True, timeout=120, check=False
    )

    assert finished.returncode == 0, finished.stderr.decode()[-2000:]
    report = json.loads(report_path.read_text())
    assert report["errors"] == 0
    assert set(report["by_operation"]) == set(MIX)
    assert len(report["windows"]) >= 3
    assert all(window["rss_mb"] > 0 for window in report["windows"])
