"""The ceiling: a bare ASGI app that answers every request with a constant page.

It runs on the same server stack as the real one (uvicorn, uvloop,
httptools, the same worker count) and returns a body shaped and sized like
a real page of jobs, so the difference between the two is what our code
costs per request.
"""

from __future__ import annotations

import os
import uuid

import orjson
from starlette.types import Receive, Scope, Send

from process_center.api.params import MAX_PAGE_SIZE


def constant_page(size: int) -> bytes:
    return orjson.dumps(
        {
            "data": [
                {"jobId": str(uuid.UUID(int=i + 1)), "type": 1 + i % 10, "status": 2}
                for i in range(size)
            ],
            "metadata": {"pageIndex": 1, "pageSize": size, "totalCount": 2_000_000},
        }
    )


_BODY = constant_page(int(os.environ.get("BENCH_PAGE_SIZE", MAX_PAGE_SIZE)))
_HEADERS = [
    (b"content-type", b"application/json"),
    (b"content-length", str(len(_BODY)).encode()),
]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    # Read the request body as a real endpoint would.
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": _BODY})
