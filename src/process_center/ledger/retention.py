"""Retention: jobs that ended more than ``retention_days`` ago are purged.

The rule, per tenant: purge the longest run of its oldest jobs (lowest
numbers) in which every job has ended before the cutoff. A job still
waiting or running, or one that ended recently, stops the run; the jobs
after it wait until it, too, qualifies. Purging only the oldest end keeps
each tenant's numbering dense, so paging stays a range lookup and
``totalCount`` stays exact. Deleting in batches keeps each transaction,
and the tenant's lock, short.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from process_center.storage.database import Database
from process_center.storage.ledger import (
    purge_prefix,
    tenants_with_jobs_finished_before,
)
from process_center.storage.models import utcnow

logger = logging.getLogger(__name__)

PURGE_BATCH = 1000
# At most this many batches per tenant per run, so one run is bounded too.
MAX_BATCHES_PER_TENANT = 1000


@dataclass(frozen=True, slots=True)
class PurgeReport:
    cutoff: datetime
    tenants: int
    jobs: int


def purge_expired(
    database: Database, retention_days: int, now: datetime | None = None
) -> PurgeReport:
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    with database.session() as session:
        tenant_ids = tenants_with_jobs_finished_before(session, cutoff)
    purged = 0
    for tenant_id in tenant_ids:
        for _ in range(MAX_BATCHES_PER_TENANT):
            with database.write() as session:
                batch = purge_prefix(session, tenant_id, cutoff, PURGE_BATCH)
            purged += batch.jobs
            if batch.done:
                break
    report = PurgeReport(cutoff, len(tenant_ids), purged)
    logger.info(
        "jobs_purged",
        extra={"cutoff": cutoff.isoformat(), "tenants": report.tenants, "jobs": purged},
    )
    return report
