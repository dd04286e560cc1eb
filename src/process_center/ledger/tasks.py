"""What the ledger runs in the background of each server process: the feed's
listener, the retention purge, and (under ``serve --demo`` only) the demo
producer."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from starlette.concurrency import run_in_threadpool

from process_center.ledger.feed import FeedHub
from process_center.ledger.retention import purge_expired
from process_center.ledger.service import Ledger
from process_center.settings import Settings

logger = logging.getLogger(__name__)


@asynccontextmanager
async def background_tasks(
    settings: Settings, ledger: Ledger, feed: FeedHub
) -> AsyncIterator[None]:
    await feed.start()
    tasks = [
        asyncio.create_task(
            _every(
                settings.retention_interval_seconds,
                lambda: purge_expired(ledger.database, settings.retention_days),
            ),
            name="retention",
        )
    ]
    if settings.demo:
        from process_center.ledger.demo import DemoProducer

        tasks.append(asyncio.create_task(DemoProducer(ledger).run(), name="demo"))
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await feed.stop()


async def _every(seconds: float, work: Callable[[], object]) -> None:
    """Run ``work`` in a worker thread every ``seconds``; a failed run is
    logged and the next one tried on time."""
    while True:
        await asyncio.sleep(seconds)
        try:
            await run_in_threadpool(work)
        except Exception:
            logger.exception("background_task_failed")
