"""Builds the ASGI application: settings, services, routes, middleware."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.concurrency import run_in_threadpool

from process_center import __version__
from process_center.api.guards import BodyGuardMiddleware
from process_center.api.middleware import RequestContextMiddleware
from process_center.api.problems import install_problem_handlers
from process_center.api.ratelimit import RateLimitMiddleware
from process_center.api.routes import (
    events,
    health,
    identity,
    jobs,
    ledger,
    metrics,
    tenants,
)
from process_center.api.schemas import (
    OAuthErrorResponse,
    Problem,
    complete_responses,
)
from process_center.api.services import Services, build_services
from process_center.api.shortcut import ListingShortcut
from process_center.ledger.tasks import background_tasks
from process_center.logs import configure_logging
from process_center.memory import return_large_buffers, set_startup_objects_aside
from process_center.settings import Settings
from process_center.storage.migrate import upgrade
from process_center.web.app import MOUNT_PATH, create_web_app


def _prepare_store(services: Services) -> None:
    upgrade(services.database.engine)
    services.keys.ensure_key()


def create_app(
    settings: Settings | None = None, services: Services | None = None
) -> FastAPI:
    settings = settings or Settings()
    services = services or build_services(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Threads that may wait on the store at once: no more than its pool
        # holds connections. Past that they would only queue inside the pool
        # and, when the store is slow, fail after its timeout as 503s.
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = services.database.connection_capacity
        await run_in_threadpool(_prepare_store, services)
        await services.database.open_async_reads()
        async with background_tasks(services.settings, services.ledger, services.feed):
            yield
        await services.database.close_async_reads()
        await services.rate_limiter.close()
        services.database.dispose()

    app = FastAPI(
        title="Process Center API",
        version=__version__,
        description=(
            "Jobs run against customers' Microsoft 365 tenants, "
            "and the identity service that guards them."
        ),
        lifespan=lifespan,
        # Operators watch Prometheus metrics and our logs; with OpenTelemetry
        # off FastAPI also skips asking for its providers on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.services = services
    # events before ledger: ".../jobs/events" must not be read as a jobId.
    for module in (jobs, events, ledger, tenants, identity, health, metrics):
        app.include_router(module.router)
    app.router.routes[:0] = jobs.FAST_ROUTES
    install_problem_handlers(app)
    app.mount(MOUNT_PATH, create_web_app(services))
    install_guards(app, services)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def install_guards(app: FastAPI, services: Services) -> None:
    """Middleware, outermost last: request context, rate limits, body limits,
    and innermost the jobs listing's shortcut past the framework's routing."""
    settings = services.settings
    app.add_middleware(ListingShortcut, services=services)
    app.add_middleware(
        BodyGuardMiddleware,
        max_bytes=settings.max_body_bytes,
        timeout_seconds=settings.body_timeout_seconds,
    )
    if settings.rate_limits_enabled:
        app.add_middleware(
            RateLimitMiddleware,
            limiter=services.rate_limiter,
            verifier=services.verifier,
            metrics=services.metrics,
        )
    app.add_middleware(RequestContextMiddleware, metrics=services.metrics)


def create_server_app() -> FastAPI:
    """The app as uvicorn's worker processes build it: with our log format."""
    return_large_buffers()
    settings = Settings()
    configure_logging(settings.log_level, json=settings.log_json)
    app = create_app(settings)
    set_startup_objects_aside()
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        document = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        for model in (Problem, OAuthErrorResponse, *_body_models()):
            schema = model.model_json_schema(
                ref_template="#/components/schemas/{model}"
            )
            # Nested models become components of their own, where refs point.
            for name, nested in schema.pop("$defs", {}).items():
                schemas.setdefault(name, nested)
            schemas.setdefault(model.__name__, schema)
        complete_responses(document)
        app.openapi_schema = document
    return app.openapi_schema


def _body_models() -> tuple[type, ...]:
    from process_center.api.schemas import (
        JobChangesRequest,
        JobCreateRequest,
        JobPatchRequest,
        JobsBatchRequest,
        TenantsBatchRequest,
    )

    return (
        JobsBatchRequest,
        TenantsBatchRequest,
        JobCreateRequest,
        JobPatchRequest,
        JobChangesRequest,
    )
