"""Everything the routes need, built once per process from the settings."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from process_center.api.ratelimit import RateLimiter
from process_center.identity.assertions import CLOCK_SKEW, AssertionVerifier
from process_center.identity.hashing import SecretCheckCache
from process_center.identity.keys import KeyRing
from process_center.identity.registrations import RegistrationCache
from process_center.identity.replay import ReplayGuard
from process_center.identity.service import TokenService
from process_center.identity.tokens import TokenIssuer, TokenVerifier
from process_center.ledger.feed import FeedHub, FeedTiming
from process_center.ledger.service import Ledger
from process_center.metrics import Metrics
from process_center.settings import Settings
from process_center.storage.database import Database


@dataclass
class Services:
    settings: Settings
    database: Database
    keys: KeyRing
    registrations: RegistrationCache
    verifier: TokenVerifier
    tokens: TokenService
    ledger: Ledger
    feed: FeedHub
    metrics: Metrics
    rate_limiter: RateLimiter


def build_services(settings: Settings, database: Database | None = None) -> Services:
    database = database or Database(
        settings.database_url,
        pool_size=settings.db_pool_size,
        page_cache_bytes=settings.page_cache_bytes,
    )
    keys = KeyRing(database, settings.token_lifetime_seconds)
    registrations = RegistrationCache(database, settings.registration_cache_seconds)
    issuer = TokenIssuer(
        keys,
        issuer=settings.public_url,
        audience=settings.api_audience,
        lifetime_seconds=settings.token_lifetime_seconds,
    )
    verifier = TokenVerifier(
        keys, issuer=settings.public_url, audience=settings.api_audience
    )
    feed = FeedHub(
        database,
        FeedTiming(
            poll_seconds=settings.feed_poll_seconds,
            heartbeat_seconds=settings.feed_heartbeat_seconds,
            stream_seconds=settings.feed_stream_seconds,
        ),
    )
    # RFC 7523 3: the token endpoint URL or the issuer identifies this server.
    assertions = AssertionVerifier(
        [settings.token_endpoint, settings.public_url],
        ReplayGuard(database, grace=CLOCK_SKEW),
    )
    metrics = Metrics()
    metrics.watch_pool(database.engine)
    if database.page_cache is not None:
        metrics.watch_page_cache(database.page_cache)
    return Services(
        settings=settings,
        database=database,
        keys=keys,
        registrations=registrations,
        verifier=verifier,
        tokens=TokenService(registrations, issuer, assertions, SecretCheckCache()),
        ledger=Ledger(database, on_change=feed.wake),
        feed=feed,
        metrics=metrics,
        rate_limiter=RateLimiter(
            settings.redis_url,
            app_limits=settings.app_rate_limit,
            address_limits=settings.token_rate_limit,
        ),
    )


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services
