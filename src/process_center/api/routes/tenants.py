"""Tenant discovery: the tenants an app may see, so clients find their IDs."""

from __future__ import annotations

from uuid import UUID

import orjson
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from process_center.api.auth import authenticate
from process_center.api.params import (
    Paging,
    parse_guid_list,
    parse_json_object,
    parse_paging,
)
from process_center.api.schemas import (
    PAGING_PARAMETERS,
    TenantsBatchRequest,
    TenantsBatchResponse,
    json_request_body,
    problem_responses,
)
from process_center.api.services import Services, services_of
from process_center.domain.permissions import READ_TENANTS
from process_center.storage.directory import page_tenants

router = APIRouter(tags=["Tenants"])


@router.post(
    "/partner/external/v3/bm/tenants/batch",
    summary="List the tenants added to baseline management",
    response_model=TenantsBatchResponse,
    responses=problem_responses(400, 401, 403, 429, 500, 503),
    openapi_extra={
        "parameters": PAGING_PARAMETERS,
        "requestBody": json_request_body(TenantsBatchRequest),
    },
)
async def tenants_batch(request: Request) -> Response:
    """Lists the tenants of the customers in the app's scope, optionally only `tenantIds`."""
    services = services_of(request)
    caller = authenticate(
        request, services.verifier, services.registrations, READ_TENANTS
    )
    paging = parse_paging(request.query_params)
    document = parse_json_object(
        await request.body(), request.headers.get("content-type")
    )
    tenant_ids = parse_guid_list(document, "tenantIds", services.settings.max_job_ids)
    body = await run_in_threadpool(
        _read_page,
        services,
        caller.partner_id,
        caller.visible_customers,
        tenant_ids,
        paging,
    )
    return Response(orjson.dumps(body), media_type="application/json")


def _read_page(
    services: Services,
    partner_id: UUID,
    visible_customers: frozenset[UUID] | None,
    tenant_ids: frozenset[UUID] | None,
    paging: Paging,
) -> dict[str, object]:
    with services.database.session() as session:
        tenants, total = page_tenants(
            session,
            partner_id,
            visible_customers,
            tenant_ids,
            paging.page_index,
            paging.page_size,
        )
        data = [
            {
                "tenantId": str(tenant.id),
                "tenantName": tenant.name,
                "customerId": str(tenant.customer_id),
                "status": tenant.status,
            }
            for tenant in tenants
        ]
    return {
        "data": data,
        "metadata": {
            "pageIndex": paging.page_index,
            "pageSize": paging.page_size,
            "totalCount": total,
        },
    }
