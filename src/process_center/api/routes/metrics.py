"""Prometheus metrics, for operators (expose it on an internal network only)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from process_center.api.services import services_of

router = APIRouter(tags=["Health"])


@router.get(
    "/metrics",
    summary="Prometheus metrics in the text exposition format",
    response_class=Response,
    responses={
        200: {
            "description": "Counters, histograms and gauges.",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    },
)
async def metrics(request: Request) -> Response:
    body, content_type = services_of(request).metrics.exposition()
    return Response(body, media_type=content_type)
