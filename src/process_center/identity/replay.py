"""Single use of client assertions, shared by every server process through the store.

RFC 7523 3 lets a server refuse a ``jti`` it has seen before. The
``used_assertions`` table is keyed by (client id, jti), so the insert that
records a use is also the test for a replay: two processes racing with one
assertion cannot both insert it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError

from process_center.storage.database import Database
from process_center.storage.models import UsedAssertion

logger = logging.getLogger(__name__)

_PURGE_INTERVAL_SECONDS = 60.0


class ReplayGuard:
    """Records assertion uses; a ``jti`` is spent until its assertion expires.

    ``grace`` is the clock skew the assertion check allows past ``exp``: a row
    is kept that much longer, so an assertion still accepted is still known.
    """

    def __init__(
        self,
        database: Database,
        grace: timedelta,
        *,
        purge_interval_seconds: float = _PURGE_INTERVAL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._database = database
        self._grace = grace
        self._purge_interval = purge_interval_seconds
        self._monotonic = monotonic
        self._last_purge = monotonic()
        self._purge_lock = threading.Lock()

    def first_use(self, client_id: UUID, jti: str, expires_at: datetime) -> bool:
        """Record the use; False if this client's ``jti`` is already spent."""
        now = datetime.now(UTC)
        recorded = self._insert(client_id, jti, expires_at) or self._reclaim(
            client_id, jti, expires_at, now
        )
        self._purge_if_due(now)
        return recorded

    def _insert(self, client_id: UUID, jti: str, expires_at: datetime) -> bool:
        try:
            with self._database.write() as session:
                session.add(
                    UsedAssertion(client_id=client_id, jti=jti, expires_at=expires_at)
                )
        except IntegrityError:
            return False
        return True

    def _reclaim(
        self, client_id: UUID, jti: str, expires_at: datetime, now: datetime
    ) -> bool:
        """Take over a row whose assertion has long expired but is not purged yet.

        The row's own expiry is the condition of the update, so of two racing
        requests only one can win it.
        """
        with self._database.write() as session:
            result = session.execute(
                update(UsedAssertion)
                .where(
                    UsedAssertion.client_id == client_id,
                    UsedAssertion.jti == jti,
                    UsedAssertion.expires_at < now - self._grace,
                )
                .values(expires_at=expires_at)
            )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def _purge_if_due(self, now: datetime) -> None:
        if self._monotonic() - self._last_purge < self._purge_interval:
            return
        if not self._purge_lock.acquire(blocking=False):
            return
        try:
            self._last_purge = self._monotonic()
            self.purge(now)
        finally:
            self._purge_lock.release()

    def purge(self, now: datetime | None = None) -> int:
        """Forget uses whose assertions can no longer be accepted."""
        cutoff = (now or datetime.now(UTC)) - self._grace
        with self._database.write() as session:
            result = session.execute(
                delete(UsedAssertion).where(UsedAssertion.expires_at < cutoff)
            )
        removed = int(result.rowcount)  # type: ignore[attr-defined]
        if removed:
            logger.info("used_assertions_purged", extra={"removed": removed})
        return removed
