"""Demo activity, for ``serve --demo`` only: a producer that starts jobs on the
demo partner's tenants and moves them along, so the page, the feed and the
CLI show jobs moving. It is a demo tool, off in every other setting; it
writes through the ledger like any producer, and its durations are
compressed from minutes to seconds.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass, field
from typing import Final
from uuid import UUID

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from process_center.demo import DEMO_PARTNER
from process_center.domain.errors import DomainError
from process_center.domain.jobs import JobStatus, JobType
from process_center.ledger.service import (
    JobChange,
    Ledger,
    NewJob,
    TenantScope,
    Trigger,
)
from process_center.storage import directory
from process_center.storage.models import Partner

logger = logging.getLogger(__name__)

ACTOR: Final = "demo-producer"
TICK_SECONDS: Final = 1.0


@dataclass(frozen=True, slots=True)
class Profile:
    weight: float
    trigger: str
    seconds: tuple[int, int]
    doing: str


# How often each type runs, what starts it, and how long it takes here.
PROFILES: Final = {
    JobType.DAILY_TENANT_BACKUP: Profile(3, "schedule", (40, 120), "Backing up"),
    JobType.DETECT_DRIFT: Profile(3, "schedule", (10, 30), "Comparing settings"),
    JobType.AUTO_ALIGNMENT: Profile(2, "schedule", (15, 45), "Aligning drift"),
    JobType.APPLY_BASELINE: Profile(2, "app", (20, 60), "Applying policies"),
    JobType.DEPLOY: Profile(1, "app", (20, 60), "Deploying"),
    JobType.DEPLOY_DETECTED_DEVIATIONS: Profile(1, "app", (15, 40), "Deploying"),
    JobType.CREATE_BASELINE: Profile(1, "app", (10, 25), "Reading settings"),
    JobType.EDIT_TENANT_CONFIGURATIONS: Profile(1, "app", (5, 15), "Saving"),
    JobType.RESTORE_TO_SPECIFIC_DATE: Profile(0.5, "app", (60, 180), "Restoring"),
    JobType.RESTORE: Profile(0.5, "app", (45, 150), "Restoring"),
}
# Outcomes, with the final message each leaves. None: failed to start.
OUTCOMES: Final = {
    JobStatus.FINISHED: (80, None),
    JobStatus.FINISHED_WITH_EXCEPTION: (9, "Done; 3 items were skipped."),
    JobStatus.FAILED: (6, "The tenant throttled the requests."),
    JobStatus.SKIPPED: (5, "Nothing to do since the last run."),
}


@dataclass(slots=True)
class _Run:
    scope: TenantScope
    job_type: JobType
    job_id: UUID
    outcome: JobStatus
    start_at: float
    end_at: float
    report_at: float
    started: bool = False


@dataclass(slots=True)
class DemoProducer:
    ledger: Ledger
    rng: random.Random = field(default_factory=random.Random)
    max_active: int = 6
    scopes: list[TenantScope] = field(default_factory=list)
    active: list[_Run] = field(default_factory=list)
    next_spawn: float = 0.0

    async def run(self) -> None:
        self.scopes = await run_in_threadpool(self.load_scopes)
        if not self.scopes:
            logger.warning("demo_producer_idle", extra={"reason": "no demo tenants"})
            return
        logger.info("demo_producer_started", extra={"tenants": len(self.scopes)})
        loop = asyncio.get_running_loop()
        while True:
            await run_in_threadpool(self.tick, loop.time())
            await asyncio.sleep(TICK_SECONDS)

    def load_scopes(self) -> list[TenantScope]:
        with self.ledger.database.session() as session:
            partner = session.scalar(
                select(Partner).where(Partner.name == DEMO_PARTNER)
            )
            if partner is None:
                return []
            return [
                TenantScope(partner.id, customer.id, tenant.id)
                for customer in directory.list_customers(session, partner.id)
                for tenant in directory.list_tenants(session, customer.id)
            ]

    def tick(self, now: float) -> None:
        """Start a job when one is due, and move every running one along."""
        if now >= self.next_spawn and len(self.active) < self.max_active:
            self._spawn(now)
        for run in list(self.active):
            try:
                self._advance(run, now)
            except DomainError as error:
                # Someone else moved or purged the job: leave it to them.
                logger.info("demo_job_dropped", extra={"reason": error.detail})
                self.active.remove(run)

    def _spawn(self, now: float) -> None:
        self.next_spawn = now + self.rng.uniform(2.0, 6.0)
        job_type = self.rng.choices(
            list(PROFILES), weights=[p.weight for p in PROFILES.values()]
        )[0]
        profile = PROFILES[job_type]
        new = NewJob(job_type, Trigger(profile.trigger, ACTOR))
        scope = self.rng.choice(self.scopes)
        detail, _ = self.ledger.create(scope, new)
        outcome = self.rng.choices(
            list(OUTCOMES), weights=[w for w, _ in OUTCOMES.values()]
        )[0]
        start_at = now + self.rng.uniform(1.0, 6.0)
        duration = self.rng.uniform(*profile.seconds)
        self.active.append(
            _Run(
                scope,
                job_type,
                detail.job_id,
                outcome,
                start_at,
                start_at + duration,
                0.0,
            )
        )

    def _advance(self, run: _Run, now: float) -> None:
        if not run.started:
            if now >= run.start_at:
                self._start(run, now)
            return
        if now >= run.end_at:
            _, message = OUTCOMES[run.outcome]
            self._change(run, JobChange(status=run.outcome, message=message))
            self.active.remove(run)
        elif now >= run.report_at:
            done = (now - run.start_at) / (run.end_at - run.start_at)
            self._change(run, JobChange(progress=min(99, int(done * 100))))
            run.report_at = now + self.rng.uniform(3.0, 6.0)

    def _start(self, run: _Run, now: float) -> None:
        # Skips, and a third of failures, happen before the job ever runs.
        if run.outcome == JobStatus.SKIPPED or (
            run.outcome == JobStatus.FAILED and self.rng.random() < 1 / 3
        ):
            _, message = OUTCOMES[run.outcome]
            self._change(run, JobChange(status=run.outcome, message=message))
            self.active.remove(run)
            return
        doing = PROFILES[run.job_type].doing
        self._change(
            run, JobChange(status=JobStatus.IN_PROGRESS, progress=0, message=doing)
        )
        run.started = True
        run.report_at = now + self.rng.uniform(2.0, 5.0)

    def _change(self, run: _Run, change: JobChange) -> None:
        change = JobChange(change.status, change.progress, change.message, ACTOR)
        self.ledger.change(run.scope, run.job_id, change)
