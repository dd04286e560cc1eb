"""Every error the client raises, under one root.

ProcessCenterError
├── TransportError              the server could not be reached, or timed out
├── UnexpectedResponse          a response that is not what the API defines
├── WaitTimedOut                jobs still running when a watch's time ran out
└── APIError                    the server answered with an error status
    ├── TokenError              the token endpoint refused (RFC 6749 5.2 ``error``)
    ├── BadRequest         400  ``errors`` names each invalid field
    ├── Unauthorized       401  the token was refused, even after a refresh
    ├── PermissionDenied   403  a permission or the customer scope is missing
    ├── NotFound           404
    ├── Conflict           409  e.g. an illegal status transition
    ├── PreconditionFailed 412  the ``If-Match`` version is stale
    ├── RateLimited        429  still limited after every retry
    └── ServerError        5xx
        └── ServiceUnavailable 503  still unavailable after every retry
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx


class ProcessCenterError(Exception):
    """The root of every error this client raises."""


class TransportError(ProcessCenterError):
    """The request could not be completed: connection refused, reset or timed out."""


class UnexpectedResponse(ProcessCenterError):
    """The server answered, but not in the shape the API defines."""


class WaitTimedOut(ProcessCenterError):
    """A watch ran out of time before every job ended."""


class APIError(ProcessCenterError):
    """An error status from the server, with its problem details.

    ``detail`` is the problem's human-readable explanation and ``request_id``
    the server's id for the request: quote it when asking for support.
    """

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        request_id: str | None = None,
        problem: dict[str, Any] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail
        self.request_id = request_id
        self.problem = problem or {}
        self.retry_after = retry_after

    @property
    def errors(self) -> dict[str, list[str]]:
        """Messages per invalid field, when the server named them."""
        errors = self.problem.get("errors")
        return errors if isinstance(errors, dict) else {}

    def __str__(self) -> str:
        text = f"{self.status}: {self.detail}"
        return f"{text} (request id {self.request_id})" if self.request_id else text


class TokenError(APIError):
    """The token endpoint refused to issue a token; ``error`` is the RFC 6749 code."""

    def __init__(self, status: int, error: str, detail: str, **kwargs: Any) -> None:
        super().__init__(status, detail, **kwargs)
        self.error = error

    def __str__(self) -> str:
        return f"{self.error}: {super().__str__()}"


class BadRequest(APIError):
    pass


class Unauthorized(APIError):
    pass


class PermissionDenied(APIError):
    pass


class NotFound(APIError):
    pass


class Conflict(APIError):
    pass


class PreconditionFailed(APIError):
    pass


class RateLimited(APIError):
    pass


class ServerError(APIError):
    pass


class ServiceUnavailable(ServerError):
    pass


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
    412: PreconditionFailed,
    429: RateLimited,
    503: ServiceUnavailable,
}


def error_class(status: int) -> type[APIError]:
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    return ServerError if status >= 500 else APIError


def request_id_of(response: httpx.Response) -> str | None:
    value: str | None = response.headers.get("request-id")
    return value


def api_error(response: httpx.Response) -> APIError:
    """The typed error for an error response, with its problem details."""
    try:
        body = response.json()
    except ValueError:
        body = None
    problem = body if isinstance(body, dict) else {}
    detail = problem.get("detail") or problem.get("title") or response.reason_phrase
    return error_class(response.status_code)(
        response.status_code,
        str(detail or f"HTTP {response.status_code}"),
        request_id=request_id_of(response) or problem.get("requestId"),
        problem=problem,
        retry_after=parse_retry_after(response.headers.get("retry-after")),
    )


def parse_retry_after(value: str | None) -> float | None:
    """RFC 9110 10.2.3: delay-seconds or an HTTP-date; None if absent or unreadable."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())
