"""The batch of job changes, through real HTTP, on every backend."""

from __future__ import annotations

import uuid

import httpx
import pytest

from process_center.ledger.service import MAX_CHANGES
from tests.factories import Factory, World
from tests.ledger.conftest import ledger_path


def changes_path(world: World) -> str:
    return ledger_path(world) + "/changes"


def new_job(writer: httpx.Client, world: World) -> str:
    job_id: str = writer.post(ledger_path(world), json={"type": 1}).json()["jobId"]
    return job_id


def send(
    writer: httpx.Client, world: World, *changes: dict[str, object]
) -> httpx.Response:
    return writer.post(changes_path(world), json={"changes": list(changes)})


def results(response: httpx.Response) -> list[dict[str, object]]:
    assert response.status_code == 200, response.text
    found: list[dict[str, object]] = response.json()["results"]
    return found


class TestApplying:
    def test_changes_apply_in_order_and_each_shows_the_job_it_left(
        self, writer: httpx.Client, world: World
    ) -> None:
        first, second = new_job(writer, world), new_job(writer, world)

        outcome = results(
            send(
                writer,
                world,
                {"jobId": first, "status": 1, "progress": 10},
                {"jobId": second, "message": "queued"},
                {"jobId": first, "status": 2},
            )
        )

        assert [item["status"] for item in outcome] == [200, 200, 200]
        assert [item["jobId"] for item in outcome] == [first, second, first]
        started, noted, finished = (item["job"] for item in outcome)
        assert isinstance(started, dict) and isinstance(finished, dict)
        assert (started["status"], started["version"]) == (1, 2)
        assert (finished["status"], finished["version"]) == (2, 3)
        assert finished["progress"] == 10
        assert isinstance(noted, dict)
        assert noted["message"] == "queued"
        assert "history" not in noted

    def test_history_and_detail_record_every_applied_change(
        self, writer: httpx.Client, world: World
    ) -> None:
        job_id = new_job(writer, world)

        send(
            writer,
            world,
            {"jobId": job_id, "status": 1},
            {"jobId": job_id, "status": 5},
        )

        detail = writer.get(ledger_path(world, job_id)).json()
        assert detail["status"] == 5
        assert detail["finishedAt"] is not None
        moves = [(e["fromStatus"], e["status"]) for e in detail["history"]]
        assert moves == [(None, 0), (0, 1), (1, 5)]
        event_ids = [e["eventId"] for e in detail["history"]]
        assert event_ids == sorted(event_ids)

    def test_if_match_is_checked_against_the_version_reached_so_far(
        self, writer: httpx.Client, world: World
    ) -> None:
        job_id = new_job(writer, world)

        outcome = results(
            send(
                writer,
                world,
                {"jobId": job_id, "status": 1, "ifMatch": 1},
                {"jobId": job_id, "progress": 50, "ifMatch": 1},
                {"jobId": job_id, "progress": 60, "ifMatch": 2},
            )
        )

        assert [item["status"] for item in outcome] == [200, 412, 200]
        problem = outcome[1]["problem"]
        assert isinstance(problem, dict)
        assert "version 2" in problem["detail"]
        assert writer.get(ledger_path(world, job_id)).json()["progress"] == 60


class TestRefusals:
    def test_refused_changes_are_left_out_and_the_rest_apply(
        self, writer: httpx.Client, world: World
    ) -> None:
        job_id, ended = new_job(writer, world), new_job(writer, world)
        send(writer, world, {"jobId": ended, "status": 4})
        unknown = str(uuid.uuid4())

        outcome = results(
            send(
                writer,
                world,
                {"jobId": unknown, "status": 1},
                {"jobId": job_id, "status": 2},
                {"jobId": ended, "progress": 5},
                {"jobId": job_id, "status": 1},
            )
        )

        assert [item["status"] for item in outcome] == [404, 409, 409, 200]
        illegal = outcome[1]["problem"]
        assert isinstance(illegal, dict)
        assert "from 0 (Waiting)" in illegal["detail"]
        assert "to 2 (Finished)" in illegal["detail"]
        assert "job" not in outcome[1]
        history = writer.get(ledger_path(world, job_id)).json()["history"]
        assert [event["status"] for event in history] == [0, 1]
        assert writer.get(ledger_path(world, ended)).json()["progress"] is None

    def test_another_tenants_job_is_not_found_and_unchanged(
        self, writer: httpx.Client, world: World, factory: Factory
    ) -> None:
        other_tenant = factory.tenant(world.customer_id, "other.onmicrosoft.com")
        elsewhere = World(world.partner_id, world.customer_id, other_tenant, world.app)
        theirs = new_job(writer, elsewhere)

        outcome = results(send(writer, world, {"jobId": theirs, "status": 1}))

        assert outcome[0]["status"] == 404
        assert writer.get(ledger_path(elsewhere, theirs)).json()["status"] == 0

    def test_unknown_tenant_is_404_for_the_whole_batch(
        self, writer: httpx.Client, world: World
    ) -> None:
        nowhere = World(world.partner_id, world.customer_id, uuid.uuid4(), world.app)

        response = send(writer, nowhere, {"jobId": str(uuid.uuid4()), "status": 1})

        assert response.status_code == 404

    def test_readers_may_not_send_changes(
        self, authed: httpx.Client, world: World
    ) -> None:
        response = send(authed, world, {"jobId": str(uuid.uuid4()), "status": 1})

        assert response.status_code == 403


class TestBadInput:
    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({}, "changes"),
            ({"changes": []}, "changes"),
            ({"changes": [{"status": 1}]}, "changes.0.jobId"),
            ({"changes": [{"jobId": "not-a-guid", "status": 1}]}, "changes.0.jobId"),
            (
                {"changes": [{"jobId": str(uuid.uuid4()), "status": 9}]},
                "changes.0.status",
            ),
            (
                {"changes": [{"jobId": str(uuid.uuid4()), "progress": "5"}]},
                "changes.0.progress",
            ),
            (
                {"changes": [{"jobId": str(uuid.uuid4()), "ifMatch": 0, "status": 1}]},
                "changes.0.ifMatch",
            ),
            (
                {"changes": [{"jobId": str(uuid.uuid4()), "colour": 1}]},
                "changes.0.colour",
            ),
            ({"changes": [{"jobId": str(uuid.uuid4())}]}, "changes.0"),
            ({"changes": {"jobId": str(uuid.uuid4())}}, "changes"),
        ],
    )
    def test_bad_body_is_400_naming_the_field(
        self, writer: httpx.Client, world: World, body: dict[str, object], field: str
    ) -> None:
        response = writer.post(changes_path(world), json=body)

        assert response.status_code == 400
        assert field in response.json()["errors"]

    def test_more_changes_than_allowed_is_400_and_changes_nothing(
        self, writer: httpx.Client, world: World
    ) -> None:
        job_id = new_job(writer, world)
        changes = [{"jobId": job_id, "progress": 1}] * (MAX_CHANGES + 1)

        response = writer.post(changes_path(world), json={"changes": changes})

        assert response.status_code == 400
        assert "changes" in response.json()["errors"]
        assert writer.get(ledger_path(world, job_id)).json()["version"] == 1

    def test_one_bad_change_refuses_the_whole_batch(
        self, writer: httpx.Client, world: World
    ) -> None:
        job_id = new_job(writer, world)

        response = send(
            writer,
            world,
            {"jobId": job_id, "status": 1},
            {"jobId": job_id, "status": 7},
        )

        assert response.status_code == 400
        assert "changes.1.status" in response.json()["errors"]
        assert writer.get(ledger_path(world, job_id)).json()["status"] == 0
