"""The Process Center page as an app of its own, mounted by the API's app.

It has its own authentication (operator sessions, not bearer tokens) and
renders every error as a page, so it is built apart from the API's routes.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from process_center.api.problems import domain_status, request_id_of
from process_center.api.services import Services
from process_center.domain.errors import DomainError
from process_center.web import views
from process_center.web.accounts import Accounts
from process_center.web.errors import NotSignedIn, WebError

MOUNT_PATH = "/process-center"
_HERE = Path(__file__).parent

# Scripts and styles come only from the app itself; nothing inline, no CDN.
_SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; object-src 'none'; "
        b"base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


@dataclass
class WebContext:
    services: Services
    accounts: Accounts
    templates: Jinja2Templates

    def render(
        self, request: Request, name: str, status_code: int = 200, **context: Any
    ) -> Response:
        return self.templates.TemplateResponse(
            request, name, {"base": MOUNT_PATH, **context}, status_code=status_code
        )


def web_context(request: Request) -> WebContext:
    context: WebContext = request.app.state.web
    return context


def create_web_app(services: Services) -> FastAPI:
    from process_center.web import routes

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.web = WebContext(
        services, Accounts(services.database, services.settings), _templates()
    )
    app.include_router(routes.router)
    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")
    app.add_exception_handler(WebError, _web_error)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_middleware(SecurityHeaders)
    return app


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=_HERE / "templates")
    templates.env.filters["time"] = views.format_time
    templates.env.filters["short_time"] = views.format_short_time
    templates.env.filters["iso"] = views.iso_time
    templates.env.globals["TYPE_CHOICES"] = views.TYPE_CHOICES
    templates.env.globals["STATUS_CHOICES"] = views.STATUS_CHOICES
    return templates


def is_fragment(request: Request) -> bool:
    """Requests the page's script makes, which want a status, not a redirect."""
    return request.url.path.endswith(("/row", "/events"))


def error_page(request: Request, status: int, detail: str) -> Response:
    if is_fragment(request):
        return PlainTextResponse(detail, status_code=status)
    return web_context(request).render(
        request,
        "error.html",
        status_code=status,
        status=status,
        title=HTTPStatus(status).phrase,
        detail=detail,
        request_id=request_id_of(request),
    )


async def _web_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, WebError)
    if isinstance(exc, NotSignedIn) and not is_fragment(request):
        return RedirectResponse(f"{MOUNT_PATH}/sign-in", status_code=303)
    return error_page(request, exc.status_code, exc.detail)


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return error_page(request, domain_status(exc), exc.detail)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    detail = {
        404: "There is no page at this address.",
        405: f"{request.method} is not allowed here.",
    }.get(exc.status_code, HTTPStatus(exc.status_code).phrase)
    return error_page(request, exc.status_code, detail)


class SecurityHeaders:
    """Adds the page's security headers, and keeps pages out of shared caches."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        cacheable = "/static/" in scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend(_SECURITY_HEADERS)
                if not cacheable:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
