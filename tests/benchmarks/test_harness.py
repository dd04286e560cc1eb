"""The performance harness at toy sizes: it builds a consistent store, drives a
real server with wrk, and draws its charts. No test here asserts a time."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import UniqueConstraint, inspect, text

from benchmarks import dataset, depth, run
from process_center.storage.database import Database
from process_center.storage.models import Job
from tests.conftest import create_postgres_database, postgres_admin_url
from tests.factories import real_status_counts, status_counts

PLAN = dataset.Plan(jobs=3_000, tenants=12, big=1_500)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def empty_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('bench') / 'bench.db'}"
        return
    admin_url = postgres_admin_url()
    if admin_url is None:
        pytest.skip("PostgreSQL tests need PROCESS_CENTER_TEST_POSTGRES_URL")
    url, drop = create_postgres_database(admin_url)
    yield url
    drop()


@pytest.fixture(scope="module")
def generated(empty_store: str) -> dataset.Manifest:
    return dataset.generate(empty_store, PLAN)


def _needs_wrk() -> None:
    if shutil.which("wrk") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but wrk is not installed", pytrace=False)
        pytest.skip("the load driver needs wrk (Debian: apt-get install wrk)")


class TestPlan:
    def test_sizes_add_up_to_the_jobs_asked_for(self) -> None:
        sizes = dataset.Plan(jobs=10_000_000, tenants=10_000, big=2_000_000).sizes()
        assert sum(sizes) == 10_000_000
        assert len(sizes) == 10_001
        assert max(sizes) == 2_000_000
        assert {10, 100, 1_000, 10_000, 100_000, 1_000_000} <= set(sizes)

    def test_refuses_a_big_tenant_larger_than_the_whole(self) -> None:
        with pytest.raises(ValueError, match="big tenant"):
            dataset.Plan(jobs=100, tenants=3, big=1_000).sizes()


class TestGenerate:
    def test_counters_match_the_jobs_written(self, generated: dataset.Manifest) -> None:
        database = Database(generated.database_url, pool_size=1)
        try:
            with database.engine.connect() as connection:
                rows = connection.execute(
                    text(
                        "SELECT t.id, t.job_seq, t.job_floor, t.job_count, "
                        "count(j.id), min(j.seq), max(j.seq) "
                        "FROM tenants t LEFT JOIN jobs j ON j.tenant_id = t.id "
                        "GROUP BY t.id, t.job_seq, t.job_floor, t.job_count"
                    )
                ).all()
        finally:
            database.dispose()
        expected = {uuid.UUID(t.tenant_id): t.jobs for t in generated.tenants}
        assert len(rows) == len(expected) == PLAN.tenants + 1
        for tenant_id, job_seq, job_floor, job_count, count, low, high in rows:
            assert count == job_count == job_seq == expected[uuid.UUID(str(tenant_id))]
            assert job_floor == 0
            assert (low, high) == ((1, count) if count else (None, None))

    def test_status_counts_match_the_jobs_written(
        self, generated: dataset.Manifest
    ) -> None:
        database = Database(generated.database_url, pool_size=1)
        try:
            for tenant in generated.tenants:
                tenant_id = uuid.UUID(tenant.tenant_id)
                kept = status_counts(database, tenant_id)
                assert kept == real_status_counts(database, tenant_id)
                assert sum(kept.values()) == tenant.jobs
        finally:
            database.dispose()

    def test_puts_back_every_declared_index(self, generated: dataset.Manifest) -> None:
        table = Job.__table__
        declared = {index.name for index in table.indexes}
        declared |= {
            c.name for c in table.constraints if isinstance(c, UniqueConstraint)
        }
        database = Database(generated.database_url, pool_size=1)
        try:
            inspector = inspect(database.engine)
            present = {index["name"] for index in inspector.get_indexes("jobs")}
            present |= {c["name"] for c in inspector.get_unique_constraints("jobs")}
            assert inspector.get_pk_constraint("jobs")["constrained_columns"] == ["id"]
        finally:
            database.dispose()
        assert declared <= present

    def test_picks_job_ids_of_the_big_tenant(self, generated: dataset.Manifest) -> None:
        assert len(generated.job_ids) == 100
        assert len(set(generated.job_ids)) == 100


def test_load_run_drives_the_real_server_without_errors(
    generated: dataset.Manifest,
) -> None:
    _needs_wrk()
    options = run.Options(
        seconds=1,
        rounds=1,
        connections=4,
        warm_up_seconds=0,
        only=("first_page", "id_filter", "token", "writes", "writes_batch"),
        mixed=False,
    )
    report = run.run(generated, options, progress=lambda _: None)

    (results,) = report.rounds
    assert set(results) == {
        "ceiling",
        "first_page",
        "id_filter",
        "token",
        "writes",
        "writes_batch",
    }
    for name, result in results.items():
        assert result.requests > 0, name
        assert result.errors == 0, name
    assert results["first_page"].cpu_us > 0
    # Every job created is started and finished: the script follows each one.
    assert results["writes"].transitions > 0
    assert results["writes_batch"].transitions > 0
    assert "| First page (100)" in run.markdown_table(report)


def test_depth_charts_are_drawn(generated: dataset.Manifest, tmp_path: Path) -> None:
    report = depth.measure(generated, repeats=1)
    assert report.by_depth.x[0] == 0
    assert report.by_depth.x[-1] == generated.big.jobs - depth.PAGE_SIZE
    assert len(report.by_size.x) >= 3

    depth.save(report, tmp_path / "depth.json")
    charts = depth.draw([depth.load(tmp_path / "depth.json")], tmp_path / "charts")

    assert [path.name for path in charts] == [
        "latency-by-depth.png",
        "latency-by-tenant-size.png",
    ]
    for path in charts:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
