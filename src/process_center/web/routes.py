"""The page's routes: sign-in and sign-out, the customer and tenant picker,
a tenant's jobs, one job with its history, and the live feed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response, StreamingResponse

from process_center.api.params import parse_event_id, parse_guid
from process_center.ledger.feed import stream_events
from process_center.storage import directory
from process_center.storage.job_details import job_record, job_records
from process_center.storage.jobs import TenantPaging, find_tenant, list_jobs
from process_center.storage.ledger import history, latest_event_id
from process_center.storage.operators import SessionOperator
from process_center.web import views
from process_center.web.app import MOUNT_PATH, WebContext, web_context
from process_center.web.errors import CsrfRejected, SignInRefused
from process_center.web.filters import (
    PAGE_SIZES,
    InvalidFilters,
    JobsQuery,
    parse_jobs_query,
)
from process_center.web.session import (
    CSRF_FIELD,
    SESSION_COOKIE,
    SIGN_IN_CSRF_COOKIE,
    check_csrf,
    clear_cookie,
    require_operator,
    session_token,
    set_cookie,
)

router = APIRouter()

Context = Annotated[WebContext, Depends(web_context)]
_MAX_FORM_FIELDS = 10
_SIGN_IN_FORM_SECONDS = 3600


def _operator(request: Request, context: Context) -> SessionOperator:
    return require_operator(request, context.accounts)


Operator = Annotated[SessionOperator, Depends(_operator)]


@dataclass(frozen=True, slots=True)
class Place:
    """The tenant a view is about, checked to belong to the operator's partner."""

    customer_id: UUID
    customer_name: str
    tenant_id: UUID
    tenant_name: str
    paging: TenantPaging

    @property
    def path(self) -> str:
        return f"{MOUNT_PATH}/customers/{self.customer_id}/tenants/{self.tenant_id}"


def _place(
    context: WebContext, operator: SessionOperator, customer: str, tenant: str
) -> Place:
    customer_id = parse_guid(customer, "customer")
    tenant_id = parse_guid(tenant, "tenant")
    with context.services.database.session() as session:
        # find_tenant refuses a customer of another partner, or a tenant of
        # another customer, as not found: the page never confirms they exist.
        paging = find_tenant(
            session.connection(), operator.partner_id, customer_id, tenant_id
        )
        customer_row = directory.get_customer(session, customer_id)
        tenant_row = directory.get_tenant(session, tenant_id)
        return Place(
            customer_id,
            customer_row.organization,
            tenant_id,
            tenant_row.name,
            paging,
        )


@router.get("/sign-in", name="sign_in")
def sign_in_form(request: Request, context: Context) -> Response:
    """The sign-in form; a browser already signed in goes to the picker."""
    if context.accounts.resolve(session_token(request)) is not None:
        return RedirectResponse(f"{MOUNT_PATH}/", status_code=303)
    notice = "You have signed out." if "signed-out" in request.query_params else ""
    return _sign_in_page(request, context, notice=notice)


def _sign_in_page(
    request: Request,
    context: WebContext,
    *,
    status_code: int = 200,
    error: str = "",
    notice: str = "",
    email: str = "",
) -> Response:
    csrf_token = views.new_form_token()
    response = context.render(
        request,
        "sign_in.html",
        status_code,
        csrf_token=csrf_token,
        error=error,
        notice=notice,
        email=email,
    )
    set_cookie(
        response,
        SIGN_IN_CSRF_COOKIE,
        csrf_token,
        secure=context.services.settings.is_https,
        max_age=_SIGN_IN_FORM_SECONDS,
    )
    return response


@router.post("/sign-in")
async def sign_in(request: Request, context: Context) -> Response:
    form = await request.form(max_fields=_MAX_FORM_FIELDS)
    email = str(form.get("email", ""))[:320]
    password = str(form.get("password", ""))
    try:
        check_csrf(form.get(CSRF_FIELD), request.cookies.get(SIGN_IN_CSRF_COOKIE, ""))
        signed_in = await run_in_threadpool(context.accounts.sign_in, email, password)
    except (CsrfRejected, SignInRefused) as error:
        return _sign_in_page(
            request,
            context,
            status_code=error.status_code,
            error=error.detail,
            email=email,
        )
    response = RedirectResponse(f"{MOUNT_PATH}/", status_code=303)
    secure = context.services.settings.is_https
    lifetime = int(context.accounts.session_lifetime.total_seconds())
    set_cookie(
        response, SESSION_COOKIE, signed_in.token, secure=secure, max_age=lifetime
    )
    clear_cookie(response, SIGN_IN_CSRF_COOKIE, secure=secure)
    return response


@router.post("/sign-out")
async def sign_out(request: Request, context: Context) -> Response:
    form = await request.form(max_fields=_MAX_FORM_FIELDS)
    operator = await run_in_threadpool(require_operator, request, context.accounts)
    check_csrf(form.get(CSRF_FIELD), operator.csrf_token)
    await run_in_threadpool(context.accounts.sign_out, session_token(request))
    response = RedirectResponse(f"{MOUNT_PATH}/sign-in?signed-out", status_code=303)
    clear_cookie(response, SESSION_COOKIE, secure=context.services.settings.is_https)
    return response


@router.get("/", name="picker")
def picker(request: Request, context: Context, operator: Operator) -> Response:
    """The operator's customers, each with its tenants."""
    search = request.query_params.get("q", "").strip()[:100]
    with context.services.database.session() as session:
        customers = directory.customers_with_tenants(
            session, operator.partner_id, search
        )
    return context.render(
        request, "picker.html", operator=operator, customers=customers, search=search
    )


@router.get("/customers/{customer}/tenants/{tenant}/jobs", name="jobs")
def jobs(
    request: Request, context: Context, operator: Operator, customer: str, tenant: str
) -> Response:
    """One page of the tenant's jobs, newest first, filtered as asked."""
    place = _place(context, operator, customer, tenant)
    try:
        query = parse_jobs_query(request.query_params)
    except InvalidFilters as invalid:
        return _jobs_page(request, context, operator, place, invalid.query, [], 0, 400)
    with context.services.database.engine.connect() as connection:
        page = list_jobs(
            connection,
            place.paging,
            query.job_filter(),
            query.paging.page_index,
            query.paging.page_size,
        )
        records = job_records(
            connection, place.tenant_id, [job.job_id for job in page.items]
        )
    rows = [views.job_view(record) for record in records]
    return _jobs_page(
        request, context, operator, place, query, rows, page.total_count, 200
    )


def _jobs_page(
    request: Request,
    context: WebContext,
    operator: SessionOperator,
    place: Place,
    query: JobsQuery,
    rows: list[views.JobView],
    total: int,
    status_code: int,
) -> Response:
    paging = query.paging
    last_page = max(1, -(-total // paging.page_size))
    return context.render(
        request,
        "jobs.html",
        status_code,
        operator=operator,
        place=place,
        query=query,
        rows=rows,
        total=total,
        first_shown=(paging.page_index - 1) * paging.page_size + 1,
        last_page=last_page,
        page_sizes=PAGE_SIZES,
        tenant_has_jobs=place.paging.job_count > 0,
    )


@router.get("/customers/{customer}/tenants/{tenant}/jobs/{job}", name="job")
def job_detail(
    request: Request,
    context: Context,
    operator: Operator,
    customer: str,
    tenant: str,
    job: str,
) -> Response:
    """One job with its times, trigger, progress and history."""
    place = _place(context, operator, customer, tenant)
    job_id = parse_guid(job, "job")
    with context.services.database.session() as session:
        record = job_record(session.connection(), place.tenant_id, job_id)
        events = history(session, job_id)
    return context.render(
        request,
        "job.html",
        operator=operator,
        place=place,
        job=views.job_view(record),
        history=[views.event_view(event) for event in reversed(events)],
    )


@router.get("/customers/{customer}/tenants/{tenant}/jobs/{job}/row", name="job_row")
def job_row(
    request: Request,
    context: Context,
    operator: Operator,
    customer: str,
    tenant: str,
    job: str,
) -> Response:
    """One row of the jobs table, which the page swaps in when the job changes."""
    place = _place(context, operator, customer, tenant)
    job_id = parse_guid(job, "job")
    with context.services.database.engine.connect() as connection:
        record = job_record(connection, place.tenant_id, job_id)
    return context.render(
        request, "_job_row.html", place=place, job=views.job_view(record)
    )


@router.get("/customers/{customer}/tenants/{tenant}/events", name="events")
async def events(
    request: Request, context: Context, operator: Operator, customer: str, tenant: str
) -> Response:
    """The tenant's job changes as Server-Sent Events, for the page's script.

    The ledger's feed ends each stream after a few minutes; the browser then
    reconnects with ``Last-Event-ID`` and the session is checked again.
    """
    place = await run_in_threadpool(_place, context, operator, customer, tenant)
    after_id = parse_event_id(request.headers.get("last-event-id"), "Last-Event-ID")
    if after_id is None:
        after_id = await run_in_threadpool(_latest_event, context, place.tenant_id)
    return StreamingResponse(
        stream_events(context.services.feed, place.tenant_id, after_id),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def _latest_event(context: WebContext, tenant_id: UUID) -> int:
    with context.services.database.engine.connect() as connection:
        return latest_event_id(connection, tenant_id)
