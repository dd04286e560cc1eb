"""Report a tenant's failed jobs, then wait for its running jobs to end.

Run it against the demo server (``make demo`` prints the client id and secret):

    export PROCESS_CENTER_API_URL=http://127.0.0.1:8000
    export PROCESS_CENTER_CLIENT_ID=...  PROCESS_CENTER_CLIENT_SECRET=...
    python examples/wait_for_jobs.py [--minutes 5]

The identity service is the API host unless PROCESS_CENTER_IDENTITY_URL says
otherwise. Exit code 1 if a job it waited for failed.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys

from process_center.client import (
    Client,
    JobStatus,
    ProcessCenterError,
    Tenant,
    WaitTimedOut,
)

RUNNING = [JobStatus.WAITING, JobStatus.IN_PROGRESS]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5, help="how long to wait")
    minutes = parser.parse_args().minutes

    api_url = os.environ["PROCESS_CENTER_API_URL"]
    with Client(
        api_url,
        os.environ.get("PROCESS_CENTER_IDENTITY_URL", api_url),
        client_id=os.environ["PROCESS_CENTER_CLIENT_ID"],
        client_secret=os.environ["PROCESS_CENTER_CLIENT_SECRET"],
    ) as pc:
        tenant = next(pc.tenants.list(), None)
        if tenant is None:
            print("The app sees no tenants.")
            return 0
        report_failures(pc, tenant)
        return wait_for_running(pc, tenant, minutes)


def report_failures(pc: Client, tenant: Tenant) -> None:
    failed = pc.jobs.list(
        tenant.customer_id, tenant.tenant_id, statuses=[JobStatus.FAILED]
    )
    print(f"Failed jobs in {tenant.tenant_name} (newest 10):")
    for job in itertools.islice(failed, 10):
        print(f"  {job.job_id}  {job.type.display_name}")


def wait_for_running(pc: Client, tenant: Tenant, minutes: float) -> int:
    running = list(
        itertools.islice(
            pc.jobs.list(tenant.customer_id, tenant.tenant_id, statuses=RUNNING), 5
        )
    )
    if not running:
        print("Nothing is running.")
        return 0
    print(f"Waiting up to {minutes:g} min for {len(running)} job(s):")
    final = {}
    try:
        for change in pc.jobs.watch(
            tenant.customer_id,
            tenant.tenant_id,
            [job.job_id for job in running],
            timeout=minutes * 60,
        ):
            final[change.job_id] = change.status
            progress = "" if change.progress is None else f" {change.progress}%"
            print(f"  {change.job_id}  {change.status.display_name}{progress}")
    except WaitTimedOut as error:
        print(error)
        return 0
    return 1 if JobStatus.FAILED in final.values() else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ProcessCenterError as error:
        sys.exit(f"error: {error}")
