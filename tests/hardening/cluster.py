"""A private PostgreSQL cluster that a test may stop and start at will.

The machine's shared server must never be touched, so fault tests get their
own cluster on a free port, in a temporary directory, run as ``postgres``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.conftest import free_port

BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def postgres_binary(name: str) -> str | None:
    for directory in BIN_DIRS:
        if (directory / name).exists():
            return str(directory / name)
    return shutil.which(name)


class PrivateCluster:
    def __init__(self) -> None:
        # Under /tmp, not pytest's tmp_path: the postgres user must reach it.
        self.directory = Path(tempfile.mkdtemp(prefix="pc-fault-pg-"))
        self.data = self.directory / "data"
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=60)

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        initdb = postgres_binary("initdb")
        assert initdb, "PostgreSQL's initdb is not installed"
        self._run(
            initdb, "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync"
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.directory} -c fsync=off"
        )
        self._run(
            str(postgres_binary("pg_ctl")),
            "-D", str(self.data), "-o", options, "-l", str(self.directory / "log"),
            "-w", "-t", "30", "start",
        )  # fmt: skip

    def stop(self) -> None:
        self._run(
            str(postgres_binary("pg_ctl")),
            "-D",
            str(self.data),
            "-m",
            "fast",
            "-w",
            "stop",
        )

    def destroy(self) -> None:
        # Stopping a cluster that is already down fails; that is fine here.
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
