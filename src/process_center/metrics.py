"""Prometheus metrics: what operators watch, in one registry per app.

Each app owns its registry, so several apps in one process (tests, embedded
servers) never collide. With several worker processes, set
``PROMETHEUS_MULTIPROC_DIR`` before the workers start: prometheus_client then
keeps the counters in files there and ``/metrics`` adds up every worker's.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import Engine

from process_center.storage.page_cache import PageCache

# Requests that matched no route are counted under one label, so a scan of
# random paths cannot grow the series without bound.
UNMATCHED_ROUTE = "<unmatched>"
_LATENCY_BUCKETS = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)


class PoolCollector(Collector):
    """The database connection pool as it is at scrape time."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        pool = self._engine.pool
        readings = {
            "size": "size",
            "checked_out": "checkedout",
            "checked_in": "checkedin",
            "overflow": "overflow",
        }
        family = GaugeMetricFamily(
            "process_center_db_pool_connections",
            "Database pool connections by state (size is the configured pool size).",
            labels=["state"],
        )
        for state, method in readings.items():
            reading = getattr(pool, method, None)
            if reading is not None:
                family.add_metric([state], float(reading()))
        yield family


class PageCacheCollector(Collector):
    """The listing's kept pages (storage/page_cache.py) at scrape time: how
    often a poll was answered from them, and what they hold."""

    def __init__(self, cache: PageCache) -> None:
        self._cache = cache

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        cache = self._cache
        yield CounterMetricFamily(
            "process_center_page_cache_hits",
            "Listing pages served from this process's kept pages.",
            value=cache.hits,
        )
        yield CounterMetricFamily(
            "process_center_page_cache_misses",
            "Listing pages read from the store (and kept).",
            value=cache.misses,
        )
        yield GaugeMetricFamily(
            "process_center_page_cache_bytes",
            "Bytes the kept pages hold, within PROCESS_CENTER_PAGE_CACHE_BYTES.",
            value=cache.size_bytes,
        )


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        # Readings of this worker's own state, taken at scrape time.
        self._own: list[Collector] = []
        # The series of each (method, route, status), found once: looking a
        # labelled child up costs more than counting in it.
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self.requests = Counter(
            "process_center_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "process_center_http_request_duration_seconds",
            "Time to answer an HTTP request, by method, route template and status.",
            ["method", "route", "status"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.tokens_issued = Counter(
            "process_center_tokens_issued",
            "Access tokens issued by the token endpoint.",
            registry=self.registry,
        )
        self.tokens_refused = Counter(
            "process_center_tokens_refused",
            "Token requests refused, by OAuth error code.",
            ["error"],
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "process_center_rate_limited",
            "Requests refused with 429, by the limit they exceeded.",
            ["limit"],
            registry=self.registry,
        )
        self.store_unavailable = Counter(
            "process_center_store_unavailable",
            "Requests answered 503 because the database could not be reached.",
            registry=self.registry,
        )

    def watch_pool(self, engine: Engine) -> None:
        self._watch(PoolCollector(engine))

    def watch_page_cache(self, cache: PageCache) -> None:
        self._watch(PageCacheCollector(cache))

    def _watch(self, collector: Collector) -> None:
        self._own.append(collector)
        self.registry.register(collector)

    def observe_request(
        self, method: str, route: str | None, status: int, seconds: float
    ) -> None:
        labels = (method, route or UNMATCHED_ROUTE, status)
        children = self._children.get(labels)
        if children is None:
            named = (method, route or UNMATCHED_ROUTE, str(status))
            children = self._children[labels] = (
                self.requests.labels(*named),
                self.latency.labels(*named),
            )
        children[0].inc()
        children[1].observe(seconds)

    def exposition(self) -> tuple[bytes, str]:
        """The text format a Prometheus server scrapes, and its content type."""
        return generate_latest(self._scraped_registry()), CONTENT_TYPE_LATEST

    def _scraped_registry(self) -> CollectorRegistry:
        directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        if not directory:
            return self.registry
        # Counters and histograms of every worker, from their files; the
        # pool and the kept pages are this worker's own.
        combined = CollectorRegistry()
        MultiProcessCollector(combined, path=directory)  # type: ignore[no-untyped-call]
        for collector in self._own:
            combined.register(collector)
        return combined
