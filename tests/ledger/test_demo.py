"""The demo producer: on only under ``serve --demo``, and every job it moves
follows the lifecycle."""

from __future__ import annotations

import random
import time

from sqlalchemy import select

from process_center.demo import DEMO_PARTNER
from process_center.domain.jobs import JobStatus, check_transition
from process_center.ledger.demo import ACTOR, DemoProducer
from process_center.ledger.service import Ledger
from process_center.settings import Settings
from process_center.storage.database import Database
from process_center.storage.models import Job, JobEvent
from tests.conftest import LiveServer, server_settings
from tests.factories import Factory


def demo_jobs(database: Database) -> list[Job]:
    with database.session() as session:
        return list(session.scalars(select(Job).where(Job.trigger_ref == ACTOR)))


def demo_partner(factory: Factory) -> None:
    customer = factory.customer(factory.partner(DEMO_PARTNER), "Fabrikam")
    for name in ("fabrikam", "fabrikam-dev"):
        factory.tenant(customer, f"{name}.onmicrosoft.com")


def test_producer_moves_jobs_through_the_lifecycle(
    database: Database, factory: Factory
) -> None:
    demo_partner(factory)
    producer = DemoProducer(Ledger(database), rng=random.Random(3))
    producer.scopes = producer.load_scopes()

    for second in range(200):
        producer.tick(float(second))

    jobs = demo_jobs(database)
    assert len(jobs) >= 25
    ended = {JobStatus(job.status) for job in jobs if JobStatus(job.status).is_terminal}
    assert JobStatus.FINISHED in ended and len(ended) >= 3
    with database.session() as session:
        events = session.scalars(
            select(JobEvent)
            .where(JobEvent.job_id.in_([job.id for job in jobs]))
            .order_by(JobEvent.id)
        ).all()
    for event in events:
        if event.from_status is not None and event.from_status != event.to_status:
            check_transition(JobStatus(event.from_status), JobStatus(event.to_status))
    assert any(event.progress not in (None, 0) for event in events)


def test_server_runs_the_producer_only_when_demo_is_set(
    database_url: str, database: Database, factory: Factory
) -> None:
    assert Settings().demo is False
    demo_partner(factory)

    server = LiveServer(server_settings(database_url, demo=True, db_pool_size=2))
    server.start()
    try:
        deadline = time.monotonic() + 15
        while not demo_jobs(database) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        server.stop()

    assert demo_jobs(database)
