"""The ledger's write API and job detail, through real HTTP, on every backend."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime

import httpx
import pytest

from process_center.domain.jobs import ALLOWED_TRANSITIONS, JobStatus
from process_center.domain.permissions import TENANT_READWRITE
from process_center.storage.database import Database
from tests.conftest import LiveServer, mint_token
from tests.factories import Factory, World
from tests.ledger.conftest import ledger_path, writer_client

# The legal moves that bring a new (Waiting) job to each status.
PATH_TO = {
    JobStatus.WAITING: [],
    JobStatus.IN_PROGRESS: [1],
    JobStatus.FINISHED: [1, 2],
    JobStatus.FAILED: [3],
    JobStatus.SKIPPED: [4],
    JobStatus.FINISHED_WITH_EXCEPTION: [1, 5],
}


def create(writer: httpx.Client, world: World, **body: object) -> httpx.Response:
    return writer.post(ledger_path(world), json={"type": 1, **body})


def job_at(writer: httpx.Client, world: World, status: JobStatus) -> str:
    job_id: str = create(writer, world).json()["jobId"]
    for step in PATH_TO[status]:
        moved = writer.patch(ledger_path(world, job_id), json={"status": step})
        assert moved.status_code == 200, moved.text
    return job_id


class TestTransitions:
    @pytest.mark.parametrize("current", list(JobStatus), ids=lambda s: s.name)
    def test_every_move_is_allowed_exactly_when_the_lifecycle_says(
        self, writer: httpx.Client, world: World, current: JobStatus
    ) -> None:
        for target in JobStatus:
            job_id = job_at(writer, world, current)

            response = writer.patch(ledger_path(world, job_id), json={"status": target})

            move = f"{current.name} -> {target.name}"
            if target in ALLOWED_TRANSITIONS.get(current, frozenset()):
                assert response.status_code == 200, move
                assert response.json()["status"] == target, move
                continue
            assert response.status_code == 409, move
            assert response.headers["content-type"] == "application/problem+json"
            detail = response.json()["detail"]
            assert f"from {current.value} ({current.display_name})" in detail, move
            assert f"to {target.value} ({target.display_name})" in detail, move
            assert writer.get(ledger_path(world, job_id)).json()["status"] == current

    def test_server_stamps_created_started_and_finished_in_utc(
        self, writer: httpx.Client, world: World
    ) -> None:
        created = create(writer, world).json()
        assert created["createdAt"].endswith("Z")
        assert created["startedAt"] is None and created["finishedAt"] is None

        path = ledger_path(world, created["jobId"])
        started = writer.patch(path, json={"status": 1}).json()
        finished = writer.patch(path, json={"status": 2}).json()

        assert finished["startedAt"] == started["startedAt"]
        moments = [
            datetime.fromisoformat(finished[key])
            for key in ("createdAt", "startedAt", "finishedAt")
        ]
        assert moments == sorted(moments)
        assert all(moment.utcoffset().total_seconds() == 0 for moment in moments)

    def test_a_job_failing_to_start_has_no_start_time(
        self, writer: httpx.Client, world: World
    ) -> None:
        job_id = job_at(writer, world, JobStatus.FAILED)

        detail = writer.get(ledger_path(world, job_id)).json()

        assert detail["startedAt"] is None
        assert detail["finishedAt"] is not None

    def test_ended_job_keeps_its_progress_and_message(
        self, writer: httpx.Client, world: World
    ) -> None:
        job_id = job_at(writer, world, JobStatus.FINISHED)

        response = writer.patch(ledger_path(world, job_id), json={"progress": 10})

        assert response.status_code == 409
        assert "2 (Finished)" in response.json()["detail"]


class TestHistoryAndDetail:
    def test_detail_shows_trigger_progress_and_every_change(
        self, writer: httpx.Client, world: World
    ) -> None:
        job_id = create(writer, world, type=7, trigger="schedule").json()["jobId"]
        path = ledger_path(world, job_id)
        writer.patch(path, json={"status": 1, "message": "Backing up mailboxes"})
        writer.patch(path, json={"progress": 40})
        writer.patch(path, json={"status": 2, "progress": 100, "message": None})

        detail = writer.get(path).json()

        assert detail["type"] == 7
        assert detail["trigger"]["kind"] == "schedule"
        assert detail["progress"] == 100 and detail["message"] is None
        assert detail["version"] == 4
        steps = [
            (entry["fromStatus"], entry["status"], entry["progress"], entry["message"])
            for entry in detail["history"]
        ]
        assert steps == [
            (None, 0, None, None),
            (0, 1, None, "Backing up mailboxes"),
            (1, 1, 40, "Backing up mailboxes"),
            (1, 2, 100, None),
        ]
        ids = [entry["eventId"] for entry in detail["history"]]
        assert ids == sorted(ids)

    def test_readers_may_see_the_detail(
        self, writer: httpx.Client, authed: httpx.Client, world: World
    ) -> None:
        job_id = create(writer, world).json()["jobId"]

        response = authed.get(ledger_path(world, job_id))

        assert response.status_code == 200
        assert response.headers["etag"] == '"1"'
        assert response.json()["trigger"]["ref"] is not None

    def test_job_of_another_tenant_is_not_found(
        self, writer: httpx.Client, world: World, factory: Factory
    ) -> None:
        other_tenant = factory.tenant(world.customer_id, "other.onmicrosoft.com")
        [other_job] = factory.jobs(other_tenant, 1)

        response = writer.get(ledger_path(world, other_job))

        assert response.status_code == 404
        assert (
            writer.patch(ledger_path(world, other_job), json={"status": 1}).status_code
            == 404
        )


class TestCreate:
    def test_create_returns_201_with_location_and_etag(
        self, writer: httpx.Client, world: World
    ) -> None:
        response = create(writer, world, type=4)

        assert response.status_code == 201
        body = response.json()
        assert response.headers["location"].endswith(ledger_path(world, body["jobId"]))
        assert response.headers["etag"] == '"1"'
        assert (body["type"], body["status"], body["version"]) == (4, 0, 1)
        listed = writer.post(world.jobs_path).json()
        assert listed["data"] == [{"jobId": body["jobId"], "type": 4, "status": 0}]

    def test_repeating_a_create_returns_the_same_job(
        self, writer: httpx.Client, world: World
    ) -> None:
        job_id = str(uuid.uuid4())
        first = create(writer, world, jobId=job_id, message="from the portal")
        again = create(writer, world, jobId=job_id.upper(), message="from the portal")

        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json() == first.json()
        assert writer.post(world.jobs_path).json()["metadata"]["totalCount"] == 1

    def test_same_job_id_with_another_body_is_409(
        self, writer: httpx.Client, world: World
    ) -> None:
        job_id = str(uuid.uuid4())
        create(writer, world, jobId=job_id)

        response = create(writer, world, jobId=job_id, type=2)

        assert response.status_code == 409
        assert job_id in response.json()["detail"]
        assert writer.get(ledger_path(world, job_id)).json()["type"] == 1

    def test_job_id_taken_in_another_tenant_is_409(
        self, writer: httpx.Client, world: World, factory: Factory
    ) -> None:
        other_tenant = factory.tenant(world.customer_id, "other.onmicrosoft.com")
        [taken] = factory.jobs(other_tenant, 1)

        assert create(writer, world, jobId=str(taken)).status_code == 409

    def test_creates_without_job_id_make_new_jobs(
        self, writer: httpx.Client, world: World
    ) -> None:
        ids = {create(writer, world).json()["jobId"] for _ in range(3)}

        assert len(ids) == 3

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"type": 0}, "type"),
            ({"type": 11}, "type"),
            ({"type": "1"}, "type"),
            ({"type": True}, "type"),
            ({}, "type"),
            ({"type": 1, "jobId": "not-a-guid"}, "jobId"),
            ({"type": 1, "trigger": "operator"}, "trigger"),
            ({"type": 1, "staus": 2}, "staus"),
            ({"type": 1, "message": "x" * 2001}, "message"),
        ],
    )
    def test_bad_body_is_400_naming_the_field(
        self, writer: httpx.Client, world: World, body: dict[str, object], field: str
    ) -> None:
        response = writer.post(ledger_path(world), json=body)

        assert response.status_code == 400
        assert field in response.json()["errors"]

    def test_readers_may_not_write(self, authed: httpx.Client, world: World) -> None:
        job_id = str(uuid.uuid4())

        assert create(authed, world, jobId=job_id).status_code == 403
        assert (
            authed.patch(ledger_path(world, job_id), json={"status": 1}).status_code
            == 403
        )

    def test_customer_outside_the_apps_scope_is_403(
        self,
        live_server: LiveServer,
        database: Database,
        world: World,
        factory: Factory,
    ) -> None:
        elsewhere = factory.customer(world.partner_id, "Elsewhere")
        token = mint_token(
            live_server, database, world.partner_id, [TENANT_READWRITE], [elsewhere]
        )
        with writer_client(live_server.url, token) as client:
            assert create(client, world).status_code == 403


class TestConcurrencyControl:
    def test_if_match_with_the_current_etag_succeeds(
        self, writer: httpx.Client, world: World
    ) -> None:
        created = create(writer, world)
        path = ledger_path(world, created.json()["jobId"])

        moved = writer.patch(
            path, json={"status": 1}, headers={"If-Match": created.headers["etag"]}
        )

        assert moved.status_code == 200
        assert moved.headers["etag"] == '"2"'

    def test_stale_if_match_is_412_and_changes_nothing(
        self, writer: httpx.Client, world: World
    ) -> None:
        created = create(writer, world)
        path = ledger_path(world, created.json()["jobId"])
        writer.patch(path, json={"progress": 5})

        stale = writer.patch(
            path, json={"status": 1}, headers={"If-Match": created.headers["etag"]}
        )

        assert stale.status_code == 412
        assert writer.get(path).json()["status"] == 0

    @pytest.mark.parametrize("header", ["*", 'W/"1", "2", "1"'])
    def test_wildcard_and_lists_match(
        self, writer: httpx.Client, world: World, header: str
    ) -> None:
        path = ledger_path(world, create(writer, world).json()["jobId"])

        assert (
            writer.patch(
                path, json={"status": 1}, headers={"If-Match": header}
            ).status_code
            == 200
        )

    def test_weak_tag_never_matches(self, writer: httpx.Client, world: World) -> None:
        path = ledger_path(world, create(writer, world).json()["jobId"])

        assert (
            writer.patch(
                path, json={"status": 1}, headers={"If-Match": 'W/"1"'}
            ).status_code
            == 412
        )

    def test_malformed_if_match_is_400(
        self, writer: httpx.Client, world: World
    ) -> None:
        path = ledger_path(world, create(writer, world).json()["jobId"])

        response = writer.patch(path, json={"status": 1}, headers={"If-Match": "1"})

        assert response.status_code == 400
        assert "If-Match" in response.json()["errors"]

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({}, "body"),
            ({"status": 6}, "status"),
            ({"progress": 101}, "progress"),
            ({"progress": "50"}, "progress"),
            ({"state": 1}, "state"),
        ],
    )
    def test_bad_patch_is_400_naming_the_field(
        self, writer: httpx.Client, world: World, body: dict[str, object], field: str
    ) -> None:
        path = ledger_path(world, create(writer, world).json()["jobId"])

        response = writer.patch(path, json=body)

        assert response.status_code == 400
        assert field in response.json()["errors"]


def test_openapi_describes_the_ledger_with_resolvable_schemas(
    http: httpx.Client,
) -> None:
    document = http.get("/openapi.json").json()

    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(document)))
    assert {"JobCreateRequest", "JobPatchRequest", "JobDetailResponse"} <= refs
    assert {"JobChangesRequest", "JobChangeItem", "JobChangesResponse"} <= refs
    assert refs <= set(document["components"]["schemas"])
