"""The Process Center jobs endpoints."""

from __future__ import annotations

from uuid import UUID

import orjson
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from process_center.api.auth import authenticate
from process_center.api.params import (
    Paging,
    parse_guid,
    parse_guid_list,
    parse_json_object,
    parse_paging,
)
from process_center.api.schemas import (
    PAGING_PARAMETERS,
    JobsBatchRequest,
    JobsBatchResponse,
    json_request_body,
    problem_responses,
)
from process_center.api.services import Services, services_of
from process_center.domain.permissions import READ_TENANTS
from process_center.storage.jobs import (
    JobFilter,
    ListedJobs,
    fast_pages,
    find_tenant,
    list_jobs,
)

router = APIRouter(tags=["Process Center"])

JOBS_PATH = "/partner/external/v3/bm/customers/{customerId}/tenants/{tenantId}/process-center/jobs"


def page_response(page: ListedJobs, paging: Paging) -> Response:
    body = {
        "data": [
            {"jobId": job_id, "type": job_type, "status": status}
            for job_id, job_type, status in page.rows
        ],
        "metadata": {
            "pageIndex": paging.page_index,
            "pageSize": paging.page_size,
            "totalCount": page.total_count,
        },
    }
    return Response(orjson.dumps(body), media_type="application/json")


@router.post(
    JOBS_PATH + "/batch",
    summary="Retrieve job information from the Process Center",
    response_model=JobsBatchResponse,
    responses=problem_responses(400, 401, 403, 404, 429, 500, 503),
    openapi_extra={
        "parameters": PAGING_PARAMETERS,
        "requestBody": json_request_body(JobsBatchRequest),
    },
)
async def jobs_batch(request: Request, customerId: str, tenantId: str) -> Response:
    """Lists a tenant's jobs, newest first, optionally only those in `jobIds`.

    Needs `elements.bm.tenant.read.all` or `elements.bm.tenant.readwrite.all`,
    and the customer must be in the app's customer scope.
    """
    services = services_of(request)
    caller = authenticate(
        request, services.verifier, services.registrations, READ_TENANTS
    )
    paging = parse_paging(request.query_params)
    customer_id = parse_guid(customerId, "customerId")
    tenant_id = parse_guid(tenantId, "tenantId")
    document = parse_json_object(
        await request.body(), request.headers.get("content-type")
    )
    job_ids = parse_guid_list(document, "jobIds", services.settings.max_job_ids)
    caller.require_customer(customer_id)

    page = await run_in_threadpool(
        _read_page,
        services,
        (caller.partner_id, customer_id, tenant_id),
        JobFilter(job_ids),
        paging,
    )
    return page_response(page, paging)


def _read_page(
    services: Services,
    owner: tuple[UUID, UUID, UUID],
    job_filter: JobFilter,
    paging: Paging,
) -> ListedJobs:
    database = services.database
    fast = fast_pages(database.engine.dialect.name)
    page = database.read(
        lambda connection: fast.read(
            connection, owner, job_filter, paging.page_index, paging.page_size
        )
    )
    if page is not None:
        return page
    with database.engine.connect() as connection:
        tenant = find_tenant(connection, *owner)
        return ListedJobs.of(
            list_jobs(
                connection, tenant, job_filter, paging.page_index, paging.page_size
            )
        )
