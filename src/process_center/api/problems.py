"""Errors as RFC 9457 problem details, mapped from exceptions in this one place."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import Scope, Send

from process_center.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    PreconditionFailed,
)
from process_center.identity.errors import BearerError, OAuthError

PROBLEM_JSON = "application/problem+json"

_DOMAIN_STATUS: list[tuple[type[DomainError], int]] = [
    (NotFound, 404),
    (InvalidInput, 400),
    (Conflict, 409),
    (PreconditionFailed, 412),
    (Forbidden, 403),
]


def request_id_of(request: Request) -> str | None:
    # Set by RequestContextMiddleware before any route runs.
    request_id: str | None = request.scope.get("state", {}).get("request_id")
    return request_id


def problem_document(
    status: int,
    detail: str,
    *,
    instance: str,
    request_id: str | None,
    errors: dict[str, list[str]] | None = None,
    extra: dict[str, Any] | None = None,
) -> bytes:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": instance,
        "requestId": request_id,
    }
    if errors:
        body["errors"] = errors
    if extra:
        body.update(extra)
    return orjson.dumps(body)


def problem(
    request: Request,
    status: int,
    detail: str,
    *,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    body = problem_document(
        status,
        detail,
        instance=request.url.path,
        request_id=request_id_of(request),
        errors=errors,
        extra=extra,
    )
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


async def send_problem(
    scope: Scope,
    send: Send,
    status: int,
    detail: str,
    headers: Mapping[str, str] | None = None,
) -> None:
    """A problem response straight from ASGI middleware, before any route ran."""
    body = problem_document(
        status,
        detail,
        instance=scope.get("path", ""),
        request_id=scope.get("state", {}).get("request_id"),
    )
    raw_headers = [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    for name, value in (headers or {}).items():
        raw_headers.append((name.lower().encode(), value.encode()))
    await send(
        {"type": "http.response.start", "status": status, "headers": raw_headers}
    )
    await send({"type": "http.response.body", "body": body})


def bearer_challenge(error: BearerError) -> str:
    description = error.description.replace('"', "'")
    return f'Bearer error="{error.error}", error_description="{description}"'


def oauth_error_response(
    error: OAuthError, *, basic_challenge: bool = False
) -> Response:
    """RFC 6749 5.2: a JSON error body that no cache may keep."""
    headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
    if basic_challenge and error.status_code == 401:
        headers["WWW-Authenticate"] = 'Basic realm="process-center"'
    body = {"error": error.error, "error_description": error.description}
    return Response(
        orjson.dumps(body),
        status_code=error.status_code,
        media_type="application/json",
        headers=headers,
    )


def domain_status(error: DomainError) -> int:
    """The HTTP status of a domain error, for every surface that shows one."""
    return next(code for kind, code in _DOMAIN_STATUS if isinstance(error, kind))


def item_problem(error: DomainError) -> dict[str, Any]:
    """A problem detail for one item of a batch, inside a 200 response."""
    status = domain_status(error)
    return {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": error.detail,
    }


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    status = domain_status(exc)
    errors = exc.errors if isinstance(exc, InvalidInput) else None
    return problem(request, status, exc.detail, errors=errors)


async def _bearer_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BearerError)
    return problem(
        request,
        exc.status_code,
        exc.description,
        headers={"WWW-Authenticate": bearer_challenge(exc)},
    )


async def _oauth_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OAuthError)
    return oauth_error_response(exc, basic_challenge="authorization" in request.headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    detail = (
        exc.detail
        if isinstance(exc.detail, str)
        else HTTPStatus(exc.status_code).phrase
    )
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"No resource at {request.url.path}."
    elif exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}."
    headers = dict(exc.headers) if exc.headers else None
    return problem(request, exc.status_code, detail, headers=headers)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors: dict[str, list[str]] = {}
    for item in exc.errors():
        location = [
            str(part)
            for part in item.get("loc", ())
            if part not in ("body", "query", "path")
        ]
        errors.setdefault(".".join(location) or "request", []).append(
            item.get("msg", "invalid")
        )
    return problem(request, 400, "The request is not valid.", errors=errors)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(BearerError, _bearer_error)
    app.add_exception_handler(OAuthError, _oauth_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
