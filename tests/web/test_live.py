"""The page's own event stream: the ledger's feed behind the operator's session."""

from __future__ import annotations

import json

import httpx

from process_center.domain.jobs import JobStatus
from process_center.ledger.service import JobChange, Ledger, TenantScope
from process_center.storage.database import Database
from tests.factories import Factory
from tests.web.conftest import Operator

STREAM_TIMEOUT = httpx.Timeout(10.0)


def test_a_signed_in_operator_receives_a_change_of_the_tenants_job(
    signed_in: httpx.Client, operator: Operator, factory: Factory, database: Database
) -> None:
    [job_id] = factory.jobs(operator.tenant_id, 1)
    scope = TenantScope(operator.partner_id, operator.customer_id, operator.tenant_id)

    with signed_in.stream(
        "GET",
        f"{operator.jobs_path.removesuffix('/jobs')}/events",
        timeout=STREAM_TIMEOUT,
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        Ledger(database).change(scope, job_id, JobChange(status=JobStatus.IN_PROGRESS))
        change = _first_event(response)

    assert change["jobId"] == str(job_id)
    assert change["fromStatus"] == JobStatus.WAITING
    assert change["status"] == JobStatus.IN_PROGRESS


def test_the_stream_resumes_after_last_event_id(
    signed_in: httpx.Client, operator: Operator, factory: Factory, database: Database
) -> None:
    [job_id] = factory.jobs(operator.tenant_id, 1)
    scope = TenantScope(operator.partner_id, operator.customer_id, operator.tenant_id)
    Ledger(database).change(scope, job_id, JobChange(status=JobStatus.SKIPPED))

    with signed_in.stream(
        "GET",
        f"{operator.jobs_path.removesuffix('/jobs')}/events",
        headers={"Last-Event-ID": "0"},
        timeout=STREAM_TIMEOUT,
    ) as response:
        created = _first_event(response)

    assert created["jobId"] == str(job_id)
    assert created["fromStatus"] is None


def _first_event(response: httpx.Response) -> dict[str, object]:
    # Bounded by the read timeout: a missing event fails the test, never hangs it.
    for line in response.iter_lines():
        if line.startswith("data:"):
            event: dict[str, object] = json.loads(line.removeprefix("data:"))
            return event
    raise AssertionError("the stream ended without an event")
