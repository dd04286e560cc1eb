"""A job writer for crash tests: run as a process, killed with SIGKILL mid-write.

Usage: python -m tests.hardening.writer DATABASE_URL TENANT_ID [TENANT_ID ...]

Adds jobs round-robin over the tenants, each in its own transaction, from
several threads, and prints each job's id only after its commit returned.
"""

from __future__ import annotations

import sys
import threading
from uuid import UUID

from process_center.domain.jobs import JobType
from process_center.storage.database import Database
from process_center.storage.jobs import add_job

THREADS = 4
# The parent kills this process long before; the bound only stops a stray one.
MAX_JOBS_PER_THREAD = 100_000


_output = threading.Lock()


def write_jobs(database: Database, tenants: list[UUID], offset: int) -> None:
    for number in range(MAX_JOBS_PER_THREAD):
        tenant_id = tenants[(number + offset) % len(tenants)]
        with database.write() as session:
            job_id = add_job(session, tenant_id, JobType.DETECT_DRIFT).id
        with _output:
            sys.stdout.write(f"{job_id}\n")
            sys.stdout.flush()


def main(url: str, tenant_ids: list[str]) -> None:
    database = Database(url, pool_size=THREADS)
    tenants = [UUID(value) for value in tenant_ids]
    threads = [
        threading.Thread(target=write_jobs, args=(database, tenants, n))
        for n in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
