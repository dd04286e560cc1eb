"""The live feed of a tenant's job changes, as Server-Sent Events."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from process_center.api.auth import authenticate
from process_center.api.params import parse_event_id, parse_guid
from process_center.api.routes.jobs import JOBS_PATH
from process_center.api.schemas import problem_responses
from process_center.api.services import Services, services_of
from process_center.domain.permissions import READ_TENANTS
from process_center.ledger.feed import stream_events
from process_center.storage.jobs import find_tenant
from process_center.storage.ledger import latest_event_id

router = APIRouter(tags=["Process Center ledger"])


@router.get(
    JOBS_PATH + "/events",
    summary="Watch a tenant's job changes (Server-Sent Events)",
    responses={
        200: {
            "description": "An endless `text/event-stream` of `job` events.",
            "content": {"text/event-stream": {}},
        },
        **problem_responses(400, 401, 403, 404, 500, 503),
    },
)
async def job_events(
    request: Request, customerId: str, tenantId: str
) -> StreamingResponse:
    """Streams every change of the tenant's jobs as an SSE `job` event whose
    `id` is the change's `eventId`.

    Without `Last-Event-ID` the stream starts with the next change; with it
    (or the `lastEventId` query parameter) it first replays every change after
    that id. Needs `elements.bm.tenant.read.all` or
    `elements.bm.tenant.readwrite.all`.
    """
    services = services_of(request)
    caller = authenticate(
        request, services.verifier, services.registrations, READ_TENANTS
    )
    customer_id = parse_guid(customerId, "customerId")
    tenant_id = parse_guid(tenantId, "tenantId")
    after_id = parse_event_id(request.headers.get("last-event-id"), "Last-Event-ID")
    if after_id is None:
        after_id = parse_event_id(
            request.query_params.get("lastEventId"), "lastEventId"
        )
    caller.require_customer(customer_id)
    start = await run_in_threadpool(
        _start_after, services, caller.partner_id, customer_id, tenant_id, after_id
    )
    return StreamingResponse(
        stream_events(services.feed, tenant_id, start),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def _start_after(
    services: Services,
    partner_id: UUID,
    customer_id: UUID,
    tenant_id: UUID,
    after_id: int | None,
) -> int:
    with services.database.engine.connect() as connection:
        find_tenant(connection, partner_id, customer_id, tenant_id)
        if after_id is not None:
            return after_id
        return latest_event_id(connection, tenant_id)
