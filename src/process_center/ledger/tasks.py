"""What the ledger runs in the background of each server process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from process_center.ledger.feed import FeedHub
from process_center.ledger.service import Ledger
from process_center.settings import Settings


@asynccontextmanager
async def background_tasks(
    settings: Settings, ledger: Ledger, feed: FeedHub
) -> AsyncIterator[None]:
    await feed.start()
    try:
        yield
    finally:
        await feed.stop()
