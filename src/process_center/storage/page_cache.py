"""Rendered listing pages, kept for as long as their tenant has not changed.

Partners poll: the same page of the same tenant is asked for again and
again, and mostly nothing on it has changed since the last time. So a page
is kept with the state of its tenant it was read under, and served again
while the tenant is still in that state.

The state is what every change to a listed job moves, in the transaction
that makes the change: a create numbers a new job (``job_seq``), a delete
lowers ``job_count`` (and maybe ``job_floor``), and every status change
appends a job event whose id is above any earlier event of the tenant (the
tenant row lock makes a tenant's events commit in id order; see
``storage.ledger``). The listing reads this state from the store on every
request, in the same snapshot the page would be read in, and reads the page
itself only when the state differs from the kept one. So no process serves
a page another process has changed: the check always goes to the shared
store, and only the rows are spared.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

if TYPE_CHECKING:
    from process_center.storage.jobs import JobFilter, RenderedJobs

# What one kept page costs beyond its bytes: the key, the state, the entry.
_ENTRY_OVERHEAD = 400


@dataclass(frozen=True, slots=True)
class TenantState:
    """What moves whenever a job the listing shows is added, changed or removed."""

    job_seq: int
    job_floor: int
    job_count: int
    last_event: int  # 0 when the tenant has no job events

    @property
    def is_dense(self) -> bool:
        return self.job_count == self.job_seq - self.job_floor


# The tenant, the page index and size, and a digest of the filter (None for
# an unfiltered listing).
PageKey = tuple[UUID, int, int, bytes | None]


@dataclass(frozen=True, slots=True)
class KeptPage:
    state: TenantState
    page: RenderedJobs


def page_key(
    tenant_id: UUID, job_filter: JobFilter, page_index: int, page_size: int
) -> PageKey:
    digest = None
    if not job_filter.is_empty:
        ids = job_filter.job_ids
        small = ids is None or len(ids) <= _REMEMBERED_SET_SIZE
        digest = _remembered_digest(job_filter) if small else _digest_of(job_filter)
    return (tenant_id, page_index, page_size, digest)


def _digest_of(job_filter: JobFilter) -> bytes:
    # A digest, not the filter itself: up to a thousand IDs per key would
    # cost more memory than the page they select. The repr of a tuple of
    # sorted strings, integers, datetimes and None names one filter only.
    def ordered(values: frozenset[Any] | None) -> tuple[Any, ...] | None:
        return None if values is None else tuple(sorted(values))

    canonical = (
        ordered(job_filter.job_ids),
        ordered(job_filter.statuses),
        ordered(job_filter.types),
        job_filter.created_after,
        job_filter.created_before,
    )
    return hashlib.blake2b(repr(canonical).encode(), digest_size=16).digest()


# A poll's filter arrives as the same object again (``api.routes.jobs``
# remembers small bodies), so filters with few IDs keep their digest.
_REMEMBERED_SET_SIZE = 200
_remembered_digest = functools.lru_cache(maxsize=256)(_digest_of)


class PageCache:
    """The most recently used pages, within a budget of bytes.

    Safe to share between the event loop and worker threads; the work under
    the lock is a dictionary operation or two.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[PageKey, KeptPage] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def kept(self, key: PageKey) -> KeptPage | None:
        """The page kept under ``key``, whatever state it was read in."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def serve(
        self, kept: KeptPage | None, state: TenantState | None
    ) -> RenderedJobs | None:
        """The kept page, if it was read in exactly the tenant's state now."""
        if kept is None or kept.state != state:
            return None
        self.hits += 1
        return kept.page

    def get(self, key: PageKey, state: TenantState) -> RenderedJobs | None:
        return self.serve(self.kept(key), state)

    def put(self, key: PageKey, state: TenantState, page: RenderedJobs) -> None:
        """Keep a page just read from the store (each one a miss)."""
        self.misses += 1
        cost = _cost(page)
        if cost > self.max_bytes:
            return
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._bytes -= _cost(previous.page)
            self._entries[key] = KeptPage(state, page)
            self._bytes += cost
            while self._bytes > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= _cost(evicted.page)


def _cost(page: RenderedJobs) -> int:
    return len(page.items) + _ENTRY_OVERHEAD
