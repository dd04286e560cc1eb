"""Writers racing one job: exactly one wins each contested change, and no
history entry is lost. Runs on both backends; on PostgreSQL the writers'
transactions truly overlap, each in its own connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import httpx

from tests.conftest import LiveServer
from tests.factories import World
from tests.ledger.conftest import ledger_path, writer_client

WRITERS = 8


Call = Callable[[httpx.Client], httpx.Response]


def race(server: LiveServer, token: str, calls: list[Call]) -> list[httpx.Response]:
    """Make every call at once, each from its own client and connection."""
    barrier = threading.Barrier(len(calls))

    def send(call: Call) -> httpx.Response:
        with writer_client(server.url, token) as client:
            client.get("/healthz")  # open the connection before the start line
            barrier.wait(timeout=20)
            return call(client)

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(send, calls))


def patches(
    path: str, bodies: list[dict[str, object]], headers: dict[str, str] | None = None
) -> list[Call]:
    return [
        partial(httpx.Client.patch, url=path, json=b, headers=headers) for b in bodies
    ]


def new_job(writer: httpx.Client, world: World, *moves: int) -> str:
    job_id: str = writer.post(ledger_path(world), json={"type": 5}).json()["jobId"]
    for status in moves:
        writer.patch(ledger_path(world, job_id), json={"status": status})
    return job_id


def test_one_of_many_identical_transitions_wins(
    live_server: LiveServer, writer: httpx.Client, write_token: str, world: World
) -> None:
    path = ledger_path(world, new_job(writer, world))

    responses = race(live_server, write_token, patches(path, [{"status": 1}] * WRITERS))

    codes = sorted(response.status_code for response in responses)
    assert codes == [200] + [409] * (WRITERS - 1)
    detail = writer.get(path).json()
    assert [entry["status"] for entry in detail["history"]] == [0, 1]
    assert detail["version"] == 2


def test_one_of_competing_endings_wins(
    live_server: LiveServer, writer: httpx.Client, write_token: str, world: World
) -> None:
    path = ledger_path(world, new_job(writer, world, 1))
    endings = [2, 3, 5] * 3

    bodies = [{"status": s} for s in endings]

    responses = race(live_server, write_token, patches(path, bodies))

    winners = [r.json()["status"] for r in responses if r.status_code == 200]
    assert len(winners) == 1
    assert sum(r.status_code == 409 for r in responses) == len(endings) - 1
    detail = writer.get(path).json()
    assert detail["status"] == winners[0]
    assert [entry["status"] for entry in detail["history"]] == [0, 1, winners[0]]


def test_concurrent_progress_updates_are_all_kept(
    live_server: LiveServer, writer: httpx.Client, write_token: str, world: World
) -> None:
    path = ledger_path(world, new_job(writer, world, 1))
    values = list(range(10, 10 + WRITERS))

    bodies = [{"progress": v} for v in values]

    responses = race(live_server, write_token, patches(path, bodies))

    assert all(response.status_code == 200 for response in responses)
    detail = writer.get(path).json()
    assert detail["version"] == 2 + WRITERS
    recorded = [entry["progress"] for entry in detail["history"][2:]]
    assert sorted(recorded) == values
    assert detail["progress"] == recorded[-1]
    assert sorted(r.json()["version"] for r in responses) == list(range(3, 3 + WRITERS))


def test_one_of_many_writers_holding_the_same_etag_wins(
    live_server: LiveServer, writer: httpx.Client, write_token: str, world: World
) -> None:
    path = ledger_path(world, new_job(writer, world))

    bodies: list[dict[str, object]] = [{"progress": v} for v in range(WRITERS)]

    responses = race(
        live_server, write_token, patches(path, bodies, headers={"If-Match": '"1"'})
    )

    codes = sorted(response.status_code for response in responses)
    assert codes == [200] + [412] * (WRITERS - 1)
    assert len(writer.get(path).json()["history"]) == 2


def test_racing_creates_with_one_job_id_make_one_job(
    live_server: LiveServer, writer: httpx.Client, write_token: str, world: World
) -> None:
    body = {"type": 7, "jobId": "5d1f4a52-8c1b-4c1e-9a55-0f5b2a9e6a11"}
    create = partial(httpx.Client.post, url=ledger_path(world), json=body)

    responses = race(live_server, write_token, [create] * WRITERS)

    codes = sorted(response.status_code for response in responses)
    assert codes == [200] * (WRITERS - 1) + [201]
    assert writer.post(world.jobs_path).json()["metadata"]["totalCount"] == 1


def test_batches_and_patches_racing_one_transition_let_one_win(
    live_server: LiveServer, writer: httpx.Client, write_token: str, world: World
) -> None:
    job_id = new_job(writer, world)
    path = ledger_path(world, job_id)
    batch = {"changes": [{"jobId": job_id, "status": 1}]}
    batches = [
        partial(httpx.Client.post, url=ledger_path(world) + "/changes", json=batch)
    ] * (WRITERS // 2)

    responses = race(
        live_server,
        write_token,
        batches + patches(path, [{"status": 1}] * (WRITERS - len(batches))),
    )

    codes = [
        r.json()["results"][0]["status"]
        if r.request.method == "POST"
        else r.status_code
        for r in responses
    ]
    assert sorted(codes) == [200] + [409] * (WRITERS - 1)
    assert [entry["status"] for entry in writer.get(path).json()["history"]] == [0, 1]
