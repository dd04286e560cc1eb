"""When to try a request again, and how long to wait first."""

from __future__ import annotations

import random
from dataclasses import dataclass

import httpx

from process_center.client._errors import (
    ProcessCenterError,
    RateLimited,
    ServiceUnavailable,
    TransportError,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Retries:
    """How the client retries 429, 503 and connection failures.

    Waits grow exponentially from ``backoff`` up to ``max_backoff`` with full
    jitter, so many clients that failed together do not return together. A
    ``Retry-After`` from the server is honoured as given, up to
    ``max_retry_after``; a longer one ends the retries at once.
    """

    attempts: int = 4
    backoff: float = 0.5
    max_backoff: float = 20.0
    max_retry_after: float = 60.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.backoff < 0 or self.max_backoff < 0 or self.max_retry_after < 0:
            raise ValueError("waits must not be negative")

    def delay(
        self, attempt: int, error: ProcessCenterError, *, idempotent: bool
    ) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``, or None to give up."""
        if attempt >= self.attempts or not _may_retry(error, idempotent):
            return None
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            return retry_after if retry_after <= self.max_retry_after else None
        ceiling = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
        return random.uniform(0, ceiling)  # noqa: S311 - jitter, not a secret


NO_RETRIES = Retries(attempts=1)


class ConnectFailed(TransportError):
    """No connection was made, so the server saw nothing: safe to retry any request."""


def _may_retry(error: ProcessCenterError, idempotent: bool) -> bool:
    if isinstance(error, ConnectFailed):
        return True
    if not idempotent:
        # A write that may have reached the server is never repeated.
        return False
    return isinstance(error, RateLimited | ServiceUnavailable | TransportError)


def transport_error(error: httpx.TransportError) -> TransportError:
    kind = ConnectFailed if isinstance(error, httpx.ConnectError) else TransportError
    if isinstance(error, httpx.ConnectTimeout):
        kind = ConnectFailed
    return kind(f"{type(error).__name__}: {error or 'no details'}")
