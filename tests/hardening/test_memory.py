"""Secret checks leave no memory behind: argon2's buffers go back to the OS."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Runs in a fresh interpreter: the threshold is a process-wide setting, and
# this process has checked secrets already.
_CHECKS = """
import sys, threading
from process_center.identity.hashing import hash_secret, verify_secret
from process_center.memory import return_large_buffers

def resident_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 1e6

if sys.argv[1] == "fixed":
    assert return_large_buffers()
hashed = hash_secret("a secret")
before = resident_mb()

def check():
    for _ in range(3):
        assert verify_secret(hashed, "a secret")

threads = [threading.Thread(target=check) for _ in range(2)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(round(resident_mb() - before, 1))
"""


def grown_mb(mode: str) -> float:
    completed = subprocess.run(
        [sys.executable, "-c", _CHECKS, mode],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return float(completed.stdout.strip())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's setting")
def test_secret_checks_in_two_threads_leave_their_buffers_to_the_os() -> None:
    # Without the setting the same checks keep a 19 MiB buffer per thread.
    assert grown_mb("default") > 30
    assert grown_mb("fixed") < 8


_SERVER_APP = """
import gc
from process_center.api.app import create_server_app

create_server_app()
print(gc.get_freeze_count())
"""


def test_a_worker_sets_its_startup_objects_aside_from_collection(
    tmp_path: Path,
) -> None:
    # A full collection would otherwise walk them all, holding up requests.
    completed = subprocess.run(
        [sys.executable, "-c", _SERVER_APP],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={
            **os.environ,
            "PROCESS_CENTER_DATABASE_URL": f"sqlite:///{tmp_path / 'jobs.db'}",
        },
    )
    assert int(completed.stdout.strip().splitlines()[-1]) > 50_000
