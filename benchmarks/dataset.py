"""Generate a benchmark store: one partner, many tenants, millions of jobs.

The jobs are made by the database itself (a recursive CTE in SQLite,
``generate_series`` in PostgreSQL) in a few big transactions, with the jobs
table's indexes dropped during the load and rebuilt afterwards, so ten million
rows load in minutes. The tenants' paging counters and per-status counts are
filled to match, so the server's dense-range paging and status totals apply
exactly as they do for jobs added one by one through the API.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, bindparam, insert, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.types import Uuid

from process_center.domain.permissions import TENANT_READWRITE
from process_center.identity.apps import add_secret, create_app
from process_center.storage import directory
from process_center.storage.database import Database
from process_center.storage.migrate import upgrade
from process_center.storage.models import Customer, Job, Tenant, utcnow
from process_center.storage.status_counts import (
    adjust_status_counts,
    recount_status_counts,
)

logger = logging.getLogger("benchmarks.dataset")

# Tenants of these sizes exist beside the big one, for latency against
# tenant size; they are left out when the data set is too small for them.
LADDER = (10, 100, 1_000, 10_000, 100_000, 1_000_000)
TENANTS_PER_CUSTOMER = 100
# Seconds between two jobs of a tenant, so created_at follows seq (the SQL
# below spells it out as 60).
_JOB_SPACING = 60


@dataclass(frozen=True)
class Plan:
    """How many jobs, over how many tenants, with how many in the biggest."""

    jobs: int
    tenants: int
    big: int

    def sizes(self) -> list[int]:
        """Jobs per tenant: the big tenant, the ladder, then the rest evenly."""
        sizes = [self.big]
        for rung in LADDER:
            if rung < self.big and sum(sizes) + rung <= self.jobs:
                sizes.append(rung)
        others = self.tenants + 1 - len(sizes)
        if others < 0:
            raise ValueError("more ladder tenants than tenants; raise --tenants")
        left = self.jobs - sum(sizes)
        if left < 0:
            raise ValueError("the big tenant holds more than --jobs")
        share, extra = divmod(left, max(others, 1))
        sizes += [share + (1 if i < extra else 0) for i in range(others)]
        return sizes


@dataclass
class TenantRef:
    customer_id: str
    tenant_id: str
    jobs: int


@dataclass
class Manifest:
    """What the load driver needs to know about a generated store."""

    database_url: str
    partner_id: str
    client_id: str
    client_secret: str
    tenants: list[TenantRef]
    job_ids: list[str] = field(default_factory=list)
    load_seconds: float = 0.0

    @property
    def big(self) -> TenantRef:
        return max(self.tenants, key=lambda tenant: tenant.jobs)

    def smallest(self) -> TenantRef:
        return min(self.tenants, key=lambda tenant: tenant.jobs)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=1))

    @classmethod
    def load(cls, path: Path) -> Manifest:
        raw = json.loads(path.read_text())
        raw["tenants"] = [TenantRef(**tenant) for tenant in raw["tenants"]]
        return cls(**raw)


def generate(url: str, plan: Plan, *, recreate: bool = False) -> Manifest:
    """Build the store at ``url`` (created or emptied first) and describe it."""
    prepare_database(url, recreate=recreate)
    database = Database(url, pool_size=2)
    try:
        upgrade(database.engine)
        started = time.perf_counter()
        manifest = _populate(database, plan)
        manifest.load_seconds = round(time.perf_counter() - started, 1)
        return manifest
    finally:
        database.dispose()


def prepare_database(url: str, *, recreate: bool) -> None:
    """Make sure an empty database exists at ``url``."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        if recreate:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    admin = Database(parsed.set(database="postgres").render_as_string(False))
    name = parsed.database
    try:
        with admin.engine.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            if recreate:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" (FORCE)')
            exists = connection.exec_driver_sql(
                "SELECT 1 FROM pg_database WHERE datname = %(name)s", {"name": name}
            ).first()
            if exists is None:
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        admin.dispose()


def drop_database(url: str) -> None:
    """Remove a generated store (a file, or a PostgreSQL database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        prepare_database(url, recreate=True)
        return
    admin = Database(parsed.set(database="postgres").render_as_string(False))
    try:
        with admin.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                f'DROP DATABASE IF EXISTS "{parsed.database}" (FORCE)'
            )
    finally:
        admin.dispose()


def _populate(database: Database, plan: Plan) -> Manifest:
    partner_id, client_id, secret = _add_partner_and_app(database)
    tenants = _add_tenants(database, partner_id, plan.sizes())
    loader = _loader_for(database.engine)
    with database.engine.connect() as connection:
        loader.load(connection, tenants)
    with database.engine.begin() as connection:
        recount_status_counts(connection)
    big = max(tenants, key=lambda tenant: tenant.jobs)
    with database.engine.connect() as connection:
        job_ids = _spread_job_ids(connection, big, 100)
    return Manifest(
        database_url=database.url,
        partner_id=str(partner_id),
        client_id=str(client_id),
        client_secret=secret,
        tenants=tenants,
        job_ids=job_ids,
    )


def _add_partner_and_app(database: Database) -> tuple[uuid.UUID, uuid.UUID, str]:
    with database.write() as session:
        partner = directory.add_partner(session, "Benchmark partner")
        app = create_app(session, partner.id, "Benchmark driver", [TENANT_READWRITE])
        secret = add_secret(session, app)
        return partner.id, app.client_id, secret.value


def _add_tenants(
    database: Database, partner_id: uuid.UUID, sizes: Sequence[int]
) -> list[TenantRef]:
    customers = [uuid.uuid4() for _ in range(0, len(sizes), TENANTS_PER_CUSTOMER)]
    refs = [
        TenantRef(str(customers[i // TENANTS_PER_CUSTOMER]), str(uuid.uuid4()), size)
        for i, size in enumerate(sizes)
    ]
    now = utcnow()
    with database.write() as session:
        session.execute(
            insert(Customer),
            [
                {"id": c, "partner_id": partner_id, "organization": f"Customer {i}"}
                for i, c in enumerate(customers)
            ],
        )
        session.execute(insert(Tenant), [_tenant_row(ref, now) for ref in refs])
    return refs


def _tenant_row(ref: TenantRef, now: object) -> dict[str, object]:
    # The counters a tenant has after ``jobs`` creates and no deletes:
    # dense numbering 1..jobs, nothing purged.
    return {
        "id": uuid.UUID(ref.tenant_id),
        "customer_id": uuid.UUID(ref.customer_id),
        "name": f"tenant-{ref.tenant_id[:8]}.onmicrosoft.com",
        "status": 1,
        "job_seq": ref.jobs,
        "job_floor": 0,
        "job_count": ref.jobs,
        "created_at": now,
    }


def _spread_job_ids(connection: Connection, tenant: TenantRef, count: int) -> list[str]:
    """``count`` job IDs spread evenly over the tenant's history."""
    step = max(tenant.jobs // count, 1)
    seqs = list(range(1, tenant.jobs + 1, step))[:count]
    query = text("SELECT id FROM jobs WHERE tenant_id = :tenant AND seq IN :seqs")
    query = query.bindparams(
        bindparam("tenant", type_=Uuid), bindparam("seqs", expanding=True)
    )
    rows = connection.execute(
        query, {"tenant": uuid.UUID(tenant.tenant_id), "seqs": seqs}
    )
    return [str(uuid.UUID(str(row[0]))) for row in rows]


class _SqliteLoader:
    """One INSERT ... SELECT over a recursive CTE per tenant."""

    _INSERT = """
        WITH RECURSIVE s(n) AS (
            SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < :size
        ),
        numbered AS (
            SELECT n, lower(hex(randomblob(16))) AS h,
                CASE
                    WHEN n = :size THEN 0
                    WHEN n = :size - 1 THEN 1
                    ELSE CASE abs(random()) % 10
                        WHEN 0 THEN 3 WHEN 1 THEN 4 WHEN 2 THEN 5 ELSE 2 END
                END AS status
            FROM s
        )
        INSERT INTO jobs (id, tenant_id, seq, type, status, progress, message,
            trigger_kind, trigger_ref, create_digest, version, created_at,
            started_at, finished_at)
        SELECT
            substr(h, 1, 12) || '4' || substr(h, 14, 3) || '8' || substr(h, 18),
            :tenant, n, 1 + abs(random()) % 10, status,
            CASE WHEN status >= 2 THEN 100 END, NULL, 'system', NULL, NULL, 1,
            datetime(:base + n * 60, 'unixepoch'),
            CASE WHEN status >= 1
                THEN datetime(:base + n * 60 + 5, 'unixepoch') END,
            CASE WHEN status >= 2
                THEN datetime(:base + n * 60 + 50, 'unixepoch') END
        FROM numbered
    """

    def load(self, connection: Connection, tenants: Sequence[TenantRef]) -> None:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.exec_driver_sql("PRAGMA cache_size=-1000000")
        connection.commit()
        statement = text(self._INSERT).bindparams(bindparam("tenant", type_=Uuid))
        base = _base_epoch(tenants)
        with _without_indexes(connection, _sqlite_indexes):
            for batch in _batches(tenants):
                with connection.begin():
                    for tenant in batch:
                        connection.execute(statement, _job_params(tenant, base))
                _log_progress(batch)
        connection.exec_driver_sql("ANALYZE")
        connection.commit()


class _PostgresLoader:
    """One INSERT ... SELECT over ``generate_series`` per batch of tenants."""

    _INSERT = """
        INSERT INTO jobs (id, tenant_id, seq, type, status, progress, message,
            trigger_kind, trigger_ref, create_digest, version, created_at,
            started_at, finished_at)
        SELECT gen_random_uuid(), t.id, s.n, 1 + floor(random() * 10)::int, g.status,
            CASE WHEN g.status >= 2 THEN 100 END, NULL, 'system', NULL, NULL, 1,
            to_timestamp(:base + s.n * 60),
            CASE WHEN g.status >= 1
                THEN to_timestamp(:base + s.n * 60 + 5) END,
            CASE WHEN g.status >= 2
                THEN to_timestamp(:base + s.n * 60 + 50) END
        FROM unnest(CAST(:ids AS uuid[]), CAST(:sizes AS bigint[])) AS t(id, size)
        CROSS JOIN LATERAL generate_series(1, t.size) AS s(n)
        CROSS JOIN LATERAL (SELECT CASE
            WHEN s.n = t.size THEN 0
            WHEN s.n = t.size - 1 THEN 1
            ELSE (ARRAY[2, 2, 2, 2, 2, 2, 2, 3, 4, 5])[1 + floor(random() * 10)::int]
        END AS status) AS g
    """

    def load(self, connection: Connection, tenants: Sequence[TenantRef]) -> None:
        connection.exec_driver_sql("SET maintenance_work_mem = '1GB'")
        connection.exec_driver_sql("SET synchronous_commit = off")
        connection.commit()
        base = _base_epoch(tenants)
        with _without_indexes(connection, _postgres_indexes):
            for batch in _batches(tenants):
                with connection.begin():
                    connection.execute(
                        text(self._INSERT),
                        {
                            "ids": [tenant.tenant_id for tenant in batch],
                            "sizes": [tenant.jobs for tenant in batch],
                            "base": base,
                        },
                    )
                _log_progress(batch)
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
            "VACUUM ANALYZE jobs"
        )


def _loader_for(engine: Engine) -> _SqliteLoader | _PostgresLoader:
    return _SqliteLoader() if engine.dialect.name == "sqlite" else _PostgresLoader()


def _base_epoch(tenants: Sequence[TenantRef]) -> int:
    longest = max(tenant.jobs for tenant in tenants)
    return int(time.time()) - (longest + 10) * _JOB_SPACING


def _job_params(tenant: TenantRef, base: int) -> dict[str, object]:
    return {"tenant": uuid.UUID(tenant.tenant_id), "size": tenant.jobs, "base": base}


def _batches(
    tenants: Sequence[TenantRef], rows: int = 1_000_000
) -> Iterator[list[TenantRef]]:
    """Tenants in groups of about ``rows`` jobs: one transaction each."""
    batch: list[TenantRef] = []
    held = 0
    for tenant in tenants:
        if tenant.jobs == 0:
            continue
        batch.append(tenant)
        held += tenant.jobs
        if held >= rows:
            yield batch
            batch, held = [], 0
    if batch:
        yield batch


def _log_progress(batch: Sequence[TenantRef]) -> None:
    logger.info(
        "jobs_loaded",
        extra={"tenants": len(batch), "jobs": sum(t.jobs for t in batch)},
    )


# An index or constraint: how to drop it, and how to make it again.
_Ddl = tuple[str, str]


def _sqlite_indexes(connection: Connection) -> list[_Ddl]:
    # The primary key and the UNIQUE constraint live in the table's own
    # definition and stay; the plain indexes are rebuilt after the load.
    rows = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master "
        "WHERE type = 'index' AND tbl_name = 'jobs' AND sql IS NOT NULL"
    )
    return [(f'DROP INDEX "{name}"', sql) for name, sql in rows]


def _postgres_indexes(connection: Connection) -> list[_Ddl]:
    # Foreign keys pointing at jobs go first and come back last.
    referencing = connection.exec_driver_sql(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
        "FROM pg_constraint WHERE confrelid = 'jobs'::regclass"
    ).all()
    own = connection.exec_driver_sql(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'jobs'::regclass ORDER BY contype = 'f', conname"
    ).all()
    plain = connection.exec_driver_sql(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'jobs' "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint "
        "WHERE conrelid = 'jobs'::regclass)"
    ).all()
    ddl = [
        (
            f'ALTER TABLE {table} DROP CONSTRAINT "{name}"',
            f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}',
        )
        for table, name, definition in referencing
    ]
    ddl += [
        (
            f'ALTER TABLE jobs DROP CONSTRAINT "{name}"',
            f'ALTER TABLE jobs ADD CONSTRAINT "{name}" {definition}',
        )
        for name, definition in own
        if not definition.startswith("CHECK")
    ]
    ddl += [(f'DROP INDEX "{name}"', definition) for name, definition in plain]
    return ddl


@contextmanager
def _without_indexes(
    connection: Connection, find: Callable[[Connection], list[_Ddl]]
) -> Iterator[None]:
    with connection.begin():
        ddl = find(connection)
        for drop, _ in ddl:
            connection.exec_driver_sql(drop)
    yield
    started = time.perf_counter()
    with connection.begin():
        for _, create in reversed(ddl):
            connection.exec_driver_sql(create)
    logger.info(
        "indexes_rebuilt",
        extra={"count": len(ddl), "seconds": round(time.perf_counter() - started, 1)},
    )


def add_waiting_jobs(
    url: str, job_ids: Sequence[tuple[TenantRef, list[uuid.UUID]]]
) -> None:
    """Add Waiting jobs with the given IDs at the head of each tenant's
    numbering, counters kept true, for a scenario that moves them."""
    database = Database(url, pool_size=1)
    try:
        with database.transaction() as connection:
            for tenant, ids in job_ids:
                _add_waiting(connection, tenant, ids)
    finally:
        database.dispose()


def _add_waiting(
    connection: Connection, tenant: TenantRef, ids: list[uuid.UUID]
) -> None:
    tenants = Tenant.__table__
    tenant_id = uuid.UUID(tenant.tenant_id)
    last = connection.execute(
        update(tenants)
        .where(tenants.c.id == tenant_id)
        .values(
            job_seq=tenants.c.job_seq + len(ids),
            job_count=tenants.c.job_count + len(ids),
        )
        .returning(tenants.c.job_seq)
    ).scalar_one()
    now = utcnow()
    rows = [
        {
            "id": job_id,
            "tenant_id": tenant_id,
            "seq": last - len(ids) + number,
            "type": 7,
            "status": 0,
            "trigger_kind": "system",
            "version": 1,
            "created_at": now,
        }
        for number, job_id in enumerate(ids, start=1)
    ]
    connection.execute(insert(Job), rows)
    adjust_status_counts(connection, tenant_id, {0: len(ids)})
