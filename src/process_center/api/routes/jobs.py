"""The Process Center jobs endpoints."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import anyio.to_thread
import orjson
from fastapi import APIRouter, Request
from starlette.responses import Response
from starlette.routing import Route

from process_center.api.auth import authenticate_token, token_of
from process_center.api.filters import add_extras, parse_include, parse_job_filter
from process_center.api.params import (
    Paging,
    paging_of,
    parse_json_object,
    path_guid,
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
from process_center.storage.async_reads import AsyncReads
from process_center.storage.database import Database
from process_center.storage.jobs import (
    JobFilter,
    JobsPage,
    PostgresPages,
    RenderedJobs,
    fast_pages,
    read_listing,
)
from process_center.storage.page_cache import page_key

router = APIRouter(tags=["Process Center"])

JOBS_PATH = "/partner/external/v3/bm/customers/{customerId}/tenants/{tenantId}/process-center/jobs"


def page_body(page: JobsPage, paging: Paging) -> bytes:
    metadata = {
        "pageIndex": paging.page_index,
        "pageSize": paging.page_size,
        "totalCount": page.total_count,
    }
    return b'{"data":%b,"metadata":%b}' % (page.items_json(), orjson.dumps(metadata))


def page_response(page: JobsPage, paging: Paging) -> Response:
    return Response(page_body(page, paging), media_type="application/json")


BATCH_PATH = JOBS_PATH + "/batch"


@router.post(
    BATCH_PATH,
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

    Beyond the documented `jobIds`, the body may filter by `statuses`, `types`,
    `createdAfter` (inclusive) and `createdBefore` (exclusive), and ask for
    more item fields with `include`: `times`, `trigger`, `progress`.

    Needs `elements.bm.tenant.read.all` or `elements.bm.tenant.readwrite.all`,
    and the customer must be in the app's customer scope.
    """
    return await _jobs_batch(request, customerId, tenantId)


async def _jobs_batch_fast(request: Request) -> Response:
    request.scope["route"] = FAST_ROUTES[0]
    params = request.path_params
    return await _jobs_batch(request, params["customerId"], params["tenantId"])


# The batch listing is the endpoint partners poll. Served by a plain Starlette
# route placed ahead of the documented one, it skips FastAPI's per-request
# parameter solving (about a tenth of the request's CPU time; see
# docs/benchmarks.md) and keeps the middleware and the problem mapping.
FAST_ROUTES = [Route(BATCH_PATH, _jobs_batch_fast, methods=["POST"])]


@dataclass(frozen=True, slots=True)
class ListingRequest:
    """A batch listing request, authenticated and checked."""

    owner: tuple[UUID, UUID, UUID]  # partner, customer, tenant
    paging: Paging
    job_filter: JobFilter
    include: tuple[str, ...]


def understand_listing(
    services: Services,
    state: dict[str, Any],
    authorization: str | None,
    query_string: bytes,
    path_ids: tuple[str, str],
    body: bytes,
    content_type: str | None,
) -> ListingRequest:
    """Everything a listing asks for, in the order the API checks it: the
    token (401, 403), the parameters and body (400), the customer scope (403)."""
    caller = authenticate_token(
        token_of(authorization), services.verifier, services.registrations, READ_TENANTS
    )
    state["client_id"] = str(caller.app.client_id)
    paging = paging_of(query_string)
    customer_id = path_guid(path_ids[0], "customerId")
    tenant_id = path_guid(path_ids[1], "tenantId")
    job_filter, include = listing_body(
        body, content_type, services.settings.max_job_ids
    )
    caller.require_customer(customer_id)
    owner = (caller.partner_id, customer_id, tenant_id)
    return ListingRequest(owner, paging, job_filter, include)


# Bodies up to this size (about 200 IDs) are remembered once understood: a
# poll sends the same body again and again, and checking a hundred IDs in
# it costs more than answering from a kept page. 256 bodies with their IDs
# hold at most about 8 MB.
_REMEMBERED_BODY_BYTES = 8 * 1024


def listing_body(
    body: bytes, content_type: str | None, max_job_ids: int
) -> tuple[JobFilter, tuple[str, ...]]:
    """The filter and extra fields a listing's body asks for (InvalidInput
    names what is wrong); a body understood before is not parsed again."""
    if len(body) <= _REMEMBERED_BODY_BYTES:
        return _remembered_body(body, content_type, max_job_ids)
    return _understood_body(body, content_type, max_job_ids)


def _understood_body(
    body: bytes, content_type: str | None, max_job_ids: int
) -> tuple[JobFilter, tuple[str, ...]]:
    document = parse_json_object(body, content_type)
    return parse_job_filter(document, max_job_ids), parse_include(document)


# Only bodies that were understood are kept: an error is raised anew each time.
_remembered_body = functools.lru_cache(maxsize=256)(_understood_body)


async def _jobs_batch(request: Request, customerId: str, tenantId: str) -> Response:
    services = services_of(request)
    listing = understand_listing(
        services,
        request.scope["state"],
        request.headers.get("authorization"),
        request.scope["query_string"],
        (customerId, tenantId),
        await request.body(),
        request.headers.get("content-type"),
    )
    database = services.database
    if database.is_sqlite:
        # An embedded store answers a kept page, or the common listing (one
        # indexed statement), in less time than handing it to a thread
        # costs, so it runs here.
        page = fast_page(database, listing)
    else:
        page = await kept_listing(database, listing)
    if page is None:
        page = await anyio.to_thread.run_sync(
            read_page, database, listing, limiter=database.read_threads
        )
    response = page_response(page, listing.paging)
    if listing.include:
        response.body = await anyio.to_thread.run_sync(
            add_extras, database, bytes(response.body), listing.include
        )
        response.init_headers()
    return response


def fast_page(database: Database, listing: ListingRequest) -> JobsPage | None:
    """The page by the fewest statements, or None when only the general
    query can answer (see ``FastPages``)."""
    fast = fast_pages(database.engine.dialect.name)
    paging = listing.paging
    return database.read(
        lambda connection: fast.read(
            connection,
            listing.owner,
            listing.job_filter,
            paging.page_index,
            paging.page_size,
            database.page_cache,
        )
    )


async def fast_page_async(
    database: Database, reads: AsyncReads, listing: ListingRequest
) -> RenderedJobs | None:
    """``fast_page`` on PostgreSQL, on the event loop: a kept page whose
    tenant is unchanged needs only a (shared) check of the tenant's state."""
    pages = PostgresPages()
    paging = listing.paging
    kept = await kept_listing(database, listing)
    if kept is not None:
        return kept
    return await reads.read(
        lambda connection: pages.read_async(
            connection,
            listing.owner,
            listing.job_filter,
            paging.page_index,
            paging.page_size,
            database.page_cache,
        )
    )


async def kept_listing(database: Database, listing: ListingRequest) -> JobsPage | None:
    """The kept page, if its tenant is still in the state it was read in,
    checked by the statement every waiting listing shares (PostgreSQL)."""
    cache = database.page_cache
    if cache is None or database.state_checks is None or listing.include:
        return None
    paging = listing.paging
    key = page_key(
        listing.owner[2], listing.job_filter, paging.page_index, paging.page_size
    )
    kept = cache.kept(key)
    if kept is None:
        return None
    return cache.serve(kept, await database.state_checks.state(listing.owner))


def read_page(database: Database, listing: ListingRequest) -> JobsPage:
    """The page, in a worker thread: the general query answers any filter
    and names a tenant that is not there."""
    page = None if database.is_sqlite else fast_page(database, listing)
    if page is not None:
        return page
    paging = listing.paging
    cache = None if listing.include else database.page_cache
    with database.engine.connect() as connection:
        return read_listing(
            connection,
            listing.owner,
            listing.job_filter,
            paging.page_index,
            paging.page_size,
            cache,
        )
