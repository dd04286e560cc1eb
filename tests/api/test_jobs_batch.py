"""The documented batch endpoint, through real HTTP, on every backend."""

from __future__ import annotations

import uuid

import httpx
import pytest

from process_center.domain.jobs import JobStatus, JobType
from tests.factories import Factory, World, jobs_path


class TestShape:
    def test_returns_documented_fields_only(
        self, authed: httpx.Client, world: World, factory: Factory
    ) -> None:
        [job_id] = factory.jobs(world.tenant_id, 1, job_type=JobType.DEPLOY, status=JobStatus.FINISHED)

        response = authed.post(world.jobs_path, json={"jobIds": [str(job_id)]})

        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.json() == {
            "data": [{"jobId": str(job_id), "type": 5, "status": 2}],
            "metadata": {"pageIndex": 1, "pageSize": 50, "totalCount": 1},
        }

    def test_page_size_is_echoed(self, authed: httpx.Client, world: World, factory: Factory) -> None:
        factory.jobs(world.tenant_id, 3)

        body = authed.post(world.jobs_path, params={"pageSize": 5}).json()

        assert body["metadata"] == {"pageIndex": 1, "pageSize": 5, "totalCount": 3}


@pytest.mark.parametrize("page_size", [1, 7, 50, 100])
def test_paging_returns_every_job_once_newest_first(
    authed: httpx.Client, world: World, factory: Factory, page_size: int
) -> None:
    created = factory.jobs(world.tenant_id, 233)
    seen: list[str] = []
    page_index = 1
    while True:
        body = authed.post(
            world.jobs_path, params={"pageIndex": page_index, "pageSize": page_size}
        ).json()
        assert body["metadata"]["totalCount"] == 233
        if not body["data"]:
            break
        seen.extend(item["jobId"] for item in body["data"])
        page_index += 1

    assert seen == [str(job_id) for job_id in reversed(created)]


def test_unknown_tenant_is_404(authed: httpx.Client, world: World) -> None:
    response = authed.post(jobs_path(world.customer_id, uuid.uuid4()))

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "Tenant" in response.json()["detail"]
