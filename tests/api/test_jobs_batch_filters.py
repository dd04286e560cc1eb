"""The batch listing's own additions: filters and extra fields, and the pinned
documented shape for clients that use neither."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import httpx
import pytest
from sqlalchemy import update

from process_center.domain.jobs import JobStatus, JobType
from process_center.storage.database import Database
from process_center.storage.models import Job
from tests.factories import Factory, World

MIDNIGHT = datetime(2026, 11, 1, tzinfo=UTC)


def set_created(database: Database, job_ids: list[UUID], start: datetime) -> None:
    """Give the jobs creation times one hour apart from ``start``."""
    with database.write() as session:
        for hour, job_id in enumerate(job_ids):
            session.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(created_at=start + timedelta(hours=hour))
            )


def listed(client: httpx.Client, world: World, **body: object) -> list[str]:
    response = client.post(world.jobs_path, json=body)
    assert response.status_code == 200, response.text
    return [item["jobId"] for item in response.json()["data"]]


class TestDocumentedShape:
    def test_documented_request_gets_exactly_the_documented_bytes(
        self, authed: httpx.Client, world: World, factory: Factory
    ) -> None:
        [job_id] = factory.jobs(
            world.tenant_id, 1, job_type=JobType.DEPLOY, status=JobStatus.FINISHED
        )

        response = authed.post(
            world.jobs_path,
            params={"pageIndex": 1, "pageSize": 50},
            json={"jobIds": [str(job_id)]},
        )

        assert response.content == (
            b'{"data":[{"jobId":"%s","type":5,"status":2}],'
            b'"metadata":{"pageIndex":1,"pageSize":50,"totalCount":1}}'
            % str(job_id).encode()
        )

    def test_ledger_jobs_list_with_only_the_documented_fields(
        self, writer: httpx.Client, authed: httpx.Client, world: World
    ) -> None:
        path = world.jobs_path.removesuffix("/batch")
        job_id = writer.post(path, json={"type": 7, "message": "nightly"}).json()[
            "jobId"
        ]
        writer.patch(f"{path}/{job_id}", json={"status": 1, "progress": 30})

        response = authed.post(world.jobs_path)

        assert response.content == (
            b'{"data":[{"jobId":"%s","type":7,"status":1}],'
            b'"metadata":{"pageIndex":1,"pageSize":50,"totalCount":1}}'
            % job_id.encode()
        )


class TestFilters:
    def test_statuses_and_types_filter_and_count(
        self, authed: httpx.Client, world: World, factory: Factory
    ) -> None:
        done = factory.jobs(world.tenant_id, 3, status=JobStatus.FINISHED)
        factory.jobs(world.tenant_id, 2, status=JobStatus.WAITING)
        failed = factory.jobs(
            world.tenant_id, 2, job_type=JobType.RESTORE, status=JobStatus.FAILED
        )

        body = authed.post(world.jobs_path, json={"statuses": [2, 3]}).json()

        assert [item["jobId"] for item in body["data"]] == [
            str(job_id) for job_id in reversed(done + failed)
        ]
        assert body["metadata"]["totalCount"] == 5
        assert listed(authed, world, types=[10]) == [str(j) for j in reversed(failed)]
        assert listed(authed, world, types=[10], statuses=[2]) == []

    def test_filtered_pages_hold_every_match_once(
        self, authed: httpx.Client, world: World, factory: Factory
    ) -> None:
        wanted = []
        for _ in range(7):
            wanted += factory.jobs(world.tenant_id, 2, status=JobStatus.SKIPPED)
            factory.jobs(world.tenant_id, 1, status=JobStatus.FINISHED)
        seen: list[str] = []
        for page_index in range(1, 6):
            body = authed.post(
                world.jobs_path,
                params={"pageIndex": page_index, "pageSize": 3},
                json={"statuses": [4]},
            ).json()
            assert body["metadata"]["totalCount"] == 14
            seen += [item["jobId"] for item in body["data"]]

        assert seen == [str(job_id) for job_id in reversed(wanted)]

    def test_creation_window_is_half_open(
        self, authed: httpx.Client, world: World, factory: Factory, database: Database
    ) -> None:
        jobs = factory.jobs(world.tenant_id, 5)
        set_created(database, jobs, MIDNIGHT)

        chosen = listed(
            authed,
            world,
            createdAfter="2026-11-01T01:00:00Z",
            createdBefore="2026-11-01T05:00:00+02:00",  # 03:00 UTC
        )

        assert chosen == [str(jobs[2]), str(jobs[1])]

    def test_filters_combine_with_job_ids(
        self, authed: httpx.Client, world: World, factory: Factory
    ) -> None:
        waiting = factory.jobs(world.tenant_id, 2)
        finished = factory.jobs(world.tenant_id, 2, status=JobStatus.FINISHED)
        ids = [str(waiting[0]), str(finished[0])]

        assert listed(authed, world, jobIds=ids, statuses=[2]) == [str(finished[0])]

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"statuses": [6]}, "statuses"),
            ({"statuses": "2"}, "statuses"),
            ({"statuses": [True]}, "statuses"),
            ({"types": [0]}, "types"),
            ({"createdAfter": "yesterday"}, "createdAfter"),
            ({"createdBefore": "2026-11-01T00:00:00"}, "createdBefore"),
            ({"include": ["everything"]}, "include"),
            ({"include": "times"}, "include"),
        ],
    )
    def test_bad_filter_is_400_naming_it(
        self, authed: httpx.Client, world: World, body: dict[str, object], field: str
    ) -> None:
        response = authed.post(world.jobs_path, json=body)

        assert response.status_code == 400
        assert field in response.json()["errors"]


class TestInclude:
    def test_include_adds_only_the_fields_asked_for(
        self, writer: httpx.Client, authed: httpx.Client, world: World
    ) -> None:
        path = world.jobs_path.removesuffix("/batch")
        job_id = writer.post(path, json={"type": 4, "trigger": "schedule"}).json()[
            "jobId"
        ]
        writer.patch(f"{path}/{job_id}", json={"status": 1, "progress": 60})

        [item] = authed.post(world.jobs_path, json={"include": ["progress"]}).json()[
            "data"
        ]
        assert item == {
            "jobId": job_id,
            "type": 4,
            "status": 1,
            "progress": 60,
            "message": None,
        }

        body = {"include": ["trigger", "times"]}
        [item] = authed.post(world.jobs_path, json=body).json()["data"]
        assert set(item) == {
            "jobId",
            "type",
            "status",
            "trigger",
            "createdAt",
            "startedAt",
            "finishedAt",
        }
        assert item["trigger"]["kind"] == "schedule"
        assert item["startedAt"].endswith("Z") and item["finishedAt"] is None

    def test_empty_include_is_the_documented_shape(
        self, authed: httpx.Client, world: World, factory: Factory
    ) -> None:
        factory.jobs(world.tenant_id, 1)

        [item] = authed.post(world.jobs_path, json={"include": []}).json()["data"]

        assert set(item) == {"jobId", "type", "status"}
