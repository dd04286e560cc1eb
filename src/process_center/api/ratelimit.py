"""Rate limits: a budget per app registration, and per client address on the
token endpoint, kept in memory or in Redis so that every process shares it.

Refusals are 429 problems carrying ``Retry-After`` (RFC 9110 10.2.3) and the
``RateLimit-Policy`` / ``RateLimit`` fields of the IETF draft
(draft-ietf-httpapi-ratelimit-headers).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string
from redis.asyncio import ConnectionPool
from starlette.types import ASGIApp, Receive, Scope, Send

from process_center.api.problems import send_problem
from process_center.identity.errors import BearerError
from process_center.identity.tokens import TokenVerifier
from process_center.metrics import Metrics

logger = logging.getLogger("process_center.ratelimit")

TOKEN_PATH = "/connect/token"  # noqa: S105 - a URL path, not a secret
APP_BUDGET = "app"
ADDRESS_BUDGET = "token-address"


@dataclass(frozen=True, slots=True)
class Refusal:
    budget: str
    item: RateLimitItem
    retry_after: int

    def headers(self) -> dict[str, str]:
        window = self.item.get_expiry()
        return {
            "Retry-After": str(self.retry_after),
            "RateLimit-Policy": f'"{self.budget}";q={self.item.amount};w={window}',
            "RateLimit": f'"{self.budget}";r=0;t={self.retry_after}',
        }

    @property
    def detail(self) -> str:
        return (
            f"The {self.budget} rate limit of {self.item.amount} requests per "
            f"{self.item.get_expiry()} s is used up; retry after "
            f"{self.retry_after} s."
        )


class LocalWindows:
    """Sliding-window counters in this process's memory: what ``limits``
    computes (the last window's count, weighted by how much of it still
    overlaps, plus this window's), without its storage's locks and expiry
    tasks, which cost a tenth of a listing's CPU time (docs/benchmarks.md).
    Used when no Redis is configured; the event loop is the only caller."""

    # Windows of keys not seen for two windows are dropped this often.
    PRUNE_EVERY = 10_000

    def __init__(self) -> None:
        # (budget, key, amount, seconds) -> [window start, last count, count]
        self._windows: dict[tuple[str, str, int, int], list[float]] = {}
        self._hits = 0

    def hit(self, item: RateLimitItem, budget: str, key: str) -> int | None:
        """Count one hit; None if allowed, else the seconds until a retry."""
        now = time.time()
        seconds = item.get_expiry()
        start = now - now % seconds
        slot = (budget, key, item.amount, seconds)
        window = self._windows.get(slot)
        if window is None or window[0] != start:
            last = (
                window[2] if window is not None and window[0] == start - seconds else 0
            )
            window = self._windows[slot] = [start, last, 0]
        overlap = 1 - (now - start) / seconds
        if window[1] * overlap + window[2] + 1 > item.amount:
            return max(math.ceil(start + seconds - now), 1)
        window[2] += 1
        self._hits += 1
        if self._hits % self.PRUNE_EVERY == 0:
            self._prune(now)
        return None

    def _prune(self, now: float) -> None:
        stale = [
            slot
            for slot, window in self._windows.items()
            if window[0] < now - 2 * slot[3]
        ]
        for slot in stale:
            del self._windows[slot]


class RateLimiter:
    """Counts hits against configured budgets: sliding windows, in this
    process's memory or in Redis for every process to share."""

    def __init__(
        self, redis_url: str | None, *, app_limits: str, address_limits: str
    ) -> None:
        self._pool: ConnectionPool | None = None
        self._local: LocalWindows | None = None
        self._shared: SlidingWindowCounterRateLimiter | None = None
        if redis_url:
            # Our own pool, so shutdown can close it, with timeouts so that a
            # stalled Redis delays a request by a second at most.
            self._pool = ConnectionPool.from_url(
                redis_url, socket_connect_timeout=1, socket_timeout=1
            )
            storage = storage_from_string(
                "async+" + redis_url,
                implementation="redispy",
                connection_pool=self._pool,
                key_prefix="process-center-rate",
                wrap_exceptions=True,
            )
            self._shared = SlidingWindowCounterRateLimiter(storage)
        else:
            self._local = LocalWindows()
        self._limits = {
            APP_BUDGET: parse_many(app_limits),
            ADDRESS_BUDGET: parse_many(address_limits),
        }

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.disconnect()

    async def hit(self, budget: str, key: str) -> Refusal | None:
        """Count one request against ``key``'s budget; a Refusal if it is spent."""
        for item in self._limits[budget]:
            wait = await self._hit(item, budget, key)
            if wait is not None:
                return Refusal(budget, item, wait)
        return None

    async def _hit(self, item: RateLimitItem, budget: str, key: str) -> int | None:
        if self._local is not None:
            return self._local.hit(item, budget, key)
        assert self._shared is not None
        try:
            if await self._shared.hit(item, budget, key):
                return None
            stats = await self._shared.get_window_stats(item, budget, key)
            return max(math.ceil(stats.reset_time - time.time()), 1)
        except StorageError as error:
            # A limiter outage must not take the API down with it: let the
            # request through and say so loudly.
            logger.warning(
                "rate_limit_storage_unavailable",
                extra={"error": type(error.storage_error).__name__},
            )
            return None


class RateLimitMiddleware:
    """Refuses over-budget requests before any route or body read runs."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limiter: RateLimiter,
        verifier: TokenVerifier,
        metrics: Metrics,
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.verifier = verifier
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        budget = self._budget_of(scope) if scope["type"] == "http" else None
        if budget is not None:
            refusal = await self.limiter.hit(*budget)
            if refusal is not None:
                self.metrics.rate_limited.labels(refusal.budget).inc()
                await send_problem(scope, send, 429, refusal.detail, refusal.headers())
                return
        await self.app(scope, receive, send)

    def _budget_of(self, scope: Scope) -> tuple[str, str] | None:
        if scope["path"] == TOKEN_PATH:
            client = scope.get("client")
            return (ADDRESS_BUDGET, client[0]) if client else None
        token = _bearer_token(scope)
        if token is None:
            return None
        try:
            claims = self.verifier.verify(token)
        except BearerError:
            # The route refuses it with 401; only real apps have a budget,
            # so a forged token cannot spend another app's.
            return None
        return APP_BUDGET, str(claims.client_id)


def _bearer_token(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            token = token.strip()
            return token if scheme.lower() == "bearer" and token else None
    return None
