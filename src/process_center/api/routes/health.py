"""Liveness and readiness for orchestrators and load balancers."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from process_center.api.services import Services, services_of

router = APIRouter(tags=["Health"])


@router.get("/healthz", summary="The process is up")
async def healthz() -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


_READINESS = {
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["status", "database"],
                "properties": {
                    "status": {"type": "string", "enum": ["ready", "unavailable"]},
                    "database": {"type": "boolean"},
                },
            }
        }
    }
}


@router.get(
    "/readyz",
    summary="The process can serve: its store answers",
    responses={
        200: {"description": "Ready.", **_READINESS},
        503: {"description": "The store does not answer; retry later.", **_READINESS},
    },
)
async def readyz(request: Request) -> Response:
    services = services_of(request)
    ready = await run_in_threadpool(_database_answers, services)
    body = {"status": "ready" if ready else "unavailable", "database": ready}
    headers = {} if ready else {"Retry-After": "5"}
    return Response(
        orjson.dumps(body),
        status_code=200 if ready else 503,
        media_type="application/json",
        headers=headers,
    )


def _database_answers(services: Services) -> bool:
    try:
        with services.database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True
