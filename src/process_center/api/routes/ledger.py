"""The ledger's job endpoints: create a job, move it along, read its detail."""

from __future__ import annotations

from uuid import UUID

import orjson
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from process_center.api.auth import Caller, authenticate
from process_center.api.params import (
    parse_guid,
    parse_if_match,
    parse_json_object,
    parse_model,
)
from process_center.api.problems import item_problem
from process_center.api.routes.jobs import JOBS_PATH
from process_center.api.schemas import (
    JobChangesRequest,
    JobChangesResponse,
    JobCreateRequest,
    JobDetailResponse,
    JobPatchRequest,
    json_request_body,
    problem_responses,
)
from process_center.api.services import services_of
from process_center.domain.jobs import JobStatus, JobType
from process_center.domain.permissions import READ_TENANTS, WRITE_TENANTS
from process_center.ledger.service import (
    KEEP,
    ChangeOutcome,
    ChangeRequest,
    JobChange,
    JobDetail,
    NewJob,
    TenantScope,
    Trigger,
)
from process_center.ledger.wire import detail_json, state_json

router = APIRouter(tags=["Process Center ledger"])

JOB_PATH = JOBS_PATH + "/{jobId}"
CHANGES_PATH = JOBS_PATH + "/changes"


def _scope(caller: Caller, customer_id: str, tenant_id: str) -> TenantScope:
    customer = parse_guid(customer_id, "customerId")
    tenant = parse_guid(tenant_id, "tenantId")
    caller.require_customer(customer)
    return TenantScope(caller.partner_id, customer, tenant)


def _detail_response(
    request: Request, detail: JobDetail, status: int = 200
) -> Response:
    headers = {"ETag": f'"{detail.version}"', "Cache-Control": "no-store"}
    if status == 201:
        headers["Location"] = f"{request.url.path.rstrip('/')}/{detail.job_id}"
    return Response(
        orjson.dumps(detail_json(detail)),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


async def _body(request: Request) -> dict[str, object]:
    return dict(
        parse_json_object(await request.body(), request.headers.get("content-type"))
    )


@router.post(
    JOBS_PATH,
    summary="Create a job",
    status_code=201,
    response_model=JobDetailResponse,
    responses={
        200: {"description": "The same create was made before; its job, unchanged."},
        **problem_responses(400, 401, 403, 404, 409, 500, 503),
    },
    openapi_extra={"requestBody": json_request_body(JobCreateRequest)},
)
async def create_job(request: Request, customerId: str, tenantId: str) -> Response:
    """Adds a job to the tenant, Waiting. 201 with the job, its `ETag` and `Location`.

    With a `jobId` the create is idempotent: repeating the same body returns the
    same job with 200; a different body for that `jobId` is 409.
    Needs `elements.bm.tenant.readwrite.all`.
    """
    services = services_of(request)
    caller = authenticate(
        request, services.verifier, services.registrations, WRITE_TENANTS
    )
    scope = _scope(caller, customerId, tenantId)
    body = parse_model(JobCreateRequest, await _body(request))
    new = NewJob(
        job_type=JobType(body.type),
        trigger=Trigger(body.trigger, str(caller.app.client_id)),
        job_id=body.jobId,
        message=body.message,
    )
    detail, created = await run_in_threadpool(services.ledger.create, scope, new)
    return _detail_response(request, detail, 201 if created else 200)


@router.patch(
    JOB_PATH,
    summary="Move a job's status, progress or message",
    response_model=JobDetailResponse,
    responses=problem_responses(400, 401, 403, 404, 409, 412, 500, 503),
    openapi_extra={"requestBody": json_request_body(JobPatchRequest)},
)
async def patch_job(
    request: Request, customerId: str, tenantId: str, jobId: str
) -> Response:
    """Moves the job along its lifecycle and/or sets its progress and message.

    0 Waiting -> 1 In progress, 3 Failed or 4 Skipped; 1 In progress -> 2 Finished,
    3 Failed or 5 Finished with exception. Any other move, or any change to an
    ended job, is 409. With `If-Match: "<version>"` a stale version is 412.
    Needs `elements.bm.tenant.readwrite.all`.
    """
    services = services_of(request)
    caller = authenticate(
        request, services.verifier, services.registrations, WRITE_TENANTS
    )
    scope = _scope(caller, customerId, tenantId)
    job_id = parse_guid(jobId, "jobId")
    expected = parse_if_match(request.headers.get("if-match"))
    body = parse_model(JobPatchRequest, await _body(request))
    change = _change(body, str(caller.app.client_id))
    detail = await run_in_threadpool(
        services.ledger.change, scope, job_id, change, expected
    )
    return _detail_response(request, detail)


@router.post(
    CHANGES_PATH,
    summary="Change many jobs of the tenant at once",
    response_model=JobChangesResponse,
    responses=problem_responses(400, 401, 403, 404, 500, 503),
    openapi_extra={"requestBody": json_request_body(JobChangesRequest)},
)
async def change_jobs(request: Request, customerId: str, tenantId: str) -> Response:
    """Applies up to 500 changes, each a PATCH body with its `jobId` and an
    optional `ifMatch` version, in order and in one transaction.

    Each change is applied as if sent on its own after the ones before it, so a
    job may appear more than once (started, then finished). A change that its
    own PATCH would refuse (404, 409, 412) is left unapplied, and the others
    still apply. 200 with one result per change, in order: `status` 200 and the
    `job` as that change left it (without its history), or the refusal's status
    and a `problem` naming what was wrong. A malformed request is 400 and
    changes nothing. Needs `elements.bm.tenant.readwrite.all`.
    """
    services = services_of(request)
    caller = authenticate(
        request, services.verifier, services.registrations, WRITE_TENANTS
    )
    scope = _scope(caller, customerId, tenantId)
    body = parse_model(JobChangesRequest, await _body(request))
    actor = str(caller.app.client_id)
    changes = [
        ChangeRequest(
            item.jobId,
            _change(item, actor),
            None if item.ifMatch is None else frozenset({item.ifMatch}),
        )
        for item in body.changes
    ]
    outcomes = await run_in_threadpool(services.ledger.change_many, scope, changes)
    results = [
        _result(change.job_id, outcome)
        for change, outcome in zip(changes, outcomes, strict=True)
    ]
    return Response(
        orjson.dumps({"results": results}),
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


def _result(job_id: UUID, outcome: ChangeOutcome) -> dict[str, object]:
    if isinstance(outcome, JobDetail):
        return {"jobId": str(job_id), "status": 200, "job": state_json(outcome)}
    problem = item_problem(outcome)
    return {"jobId": str(job_id), "status": problem["status"], "problem": problem}


def _change(body: JobPatchRequest, actor: str) -> JobChange:
    given = body.model_fields_set
    return JobChange(
        status=None if body.status is None else JobStatus(body.status),
        progress=body.progress if "progress" in given else KEEP,
        message=body.message if "message" in given else KEEP,
        actor=actor,
    )


@router.get(
    JOB_PATH,
    summary="Read a job with its times, trigger, progress and history",
    response_model=JobDetailResponse,
    responses=problem_responses(400, 401, 403, 404, 500, 503),
)
async def get_job(
    request: Request, customerId: str, tenantId: str, jobId: str
) -> Response:
    """The job, its `ETag`, and every change it went through, oldest first.

    Needs `elements.bm.tenant.read.all` or `elements.bm.tenant.readwrite.all`.
    """
    services = services_of(request)
    caller = authenticate(
        request, services.verifier, services.registrations, READ_TENANTS
    )
    scope = _scope(caller, customerId, tenantId)
    job_id: UUID = parse_guid(jobId, "jobId")
    detail = await run_in_threadpool(services.ledger.detail, scope, job_id)
    return _detail_response(request, detail)
