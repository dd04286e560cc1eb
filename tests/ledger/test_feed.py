"""The live feed over Server-Sent Events, read with a third-party SSE client.

Changes are written through the shared live server and watched through a
second server on the same store. On PostgreSQL the watching server polls only
once a minute, so a change reaching it within the read timeout proves that
LISTEN/NOTIFY woke it; on SQLite it polls quickly, which is its design.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from httpx_sse import ServerSentEvent, connect_sse

from process_center.domain.permissions import TENANT_READ
from process_center.storage.database import Database
from tests.conftest import LiveServer, mint_token, server_settings
from tests.factories import Factory, World
from tests.ledger.conftest import events_path, ledger_path

READ_TIMEOUT = 10.0


@pytest.fixture(scope="module")
def watch_server(database_url: str, live_server: LiveServer) -> Iterator[LiveServer]:
    poll = 0.2 if database_url.startswith("sqlite") else 60.0
    settings = server_settings(
        database_url,
        feed_poll_seconds=poll,
        feed_heartbeat_seconds=60.0,
        db_pool_size=2,
    )
    server = LiveServer(settings)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def watcher(
    watch_server: LiveServer, database: Database, world: World
) -> Iterator[httpx.Client]:
    token = mint_token(watch_server, database, world.partner_id, [TENANT_READ])
    headers = {"Authorization": f"Bearer {token}"}
    timeout = httpx.Timeout(READ_TIMEOUT)
    with httpx.Client(
        base_url=watch_server.url, headers=headers, timeout=timeout
    ) as client:
        yield client


def job_events(events: Iterator[ServerSentEvent], count: int) -> list[ServerSentEvent]:
    """The next ``count`` job events; a read timeout fails the test."""
    found: list[ServerSentEvent] = []
    for event in events:
        if event.event == "job":
            found.append(event)
        if len(found) == count:
            break
    return found


def test_change_made_through_another_server_reaches_the_stream(
    watcher: httpx.Client, writer: httpx.Client, world: World
) -> None:
    with connect_sse(watcher, "GET", events_path(world)) as source:
        assert source.response.headers["content-type"].startswith("text/event-stream")
        created = writer.post(ledger_path(world), json={"type": 4}).json()

        [event] = job_events(source.iter_sse(), 1)

    data = event.json()
    assert data["jobId"] == created["jobId"]
    assert (data["type"], data["fromStatus"], data["status"]) == (4, None, 0)
    assert event.id == str(created["history"][0]["eventId"])


def test_stream_without_last_event_id_starts_with_the_next_change(
    watcher: httpx.Client, writer: httpx.Client, world: World
) -> None:
    job_id = writer.post(ledger_path(world), json={"type": 1}).json()["jobId"]

    with connect_sse(watcher, "GET", events_path(world)) as source:
        writer.patch(ledger_path(world, job_id), json={"status": 1, "progress": 3})
        [event] = job_events(source.iter_sse(), 1)

    assert event.json() | {"eventId": 0, "occurredAt": ""} == {
        "jobId": job_id,
        "type": 1,
        "eventId": 0,
        "fromStatus": 0,
        "status": 1,
        "progress": 3,
        "message": None,
        "actor": event.json()["actor"],
        "occurredAt": "",
    }


def test_a_batch_of_changes_reaches_the_stream_in_order(
    watcher: httpx.Client, writer: httpx.Client, world: World
) -> None:
    job_id = writer.post(ledger_path(world), json={"type": 3}).json()["jobId"]
    changes = [{"jobId": job_id, "status": 1}, {"jobId": job_id, "status": 2}]

    with connect_sse(watcher, "GET", events_path(world)) as source:
        sent = writer.post(ledger_path(world) + "/changes", json={"changes": changes})
        events = job_events(source.iter_sse(), 2)

    assert [item["status"] for item in sent.json()["results"]] == [200, 200]
    moves = [(e.json()["fromStatus"], e.json()["status"]) for e in events]
    assert moves == [(0, 1), (1, 2)]
    assert int(events[0].id) < int(events[1].id)


@pytest.mark.parametrize("via", ["header", "query"])
def test_last_event_id_resumes_after_that_event(
    watcher: httpx.Client, writer: httpx.Client, world: World, via: str
) -> None:
    job_id = writer.post(ledger_path(world), json={"type": 2}).json()["jobId"]
    writer.patch(ledger_path(world, job_id), json={"status": 1})
    writer.patch(ledger_path(world, job_id), json={"status": 2})
    history = writer.get(ledger_path(world, job_id)).json()["history"]
    first = str(history[0]["eventId"])
    options = (
        {"headers": {"Last-Event-ID": first}}
        if via == "header"
        else {"params": {"lastEventId": first}}
    )

    with connect_sse(watcher, "GET", events_path(world), **options) as source:
        events = job_events(source.iter_sse(), 2)

    assert [event.id for event in events] == [str(e["eventId"]) for e in history[1:]]
    assert [event.json()["status"] for event in events] == [1, 2]


def test_stream_carries_only_its_tenants_changes(
    watcher: httpx.Client, writer: httpx.Client, world: World, factory: Factory
) -> None:
    other = factory.tenant(world.customer_id, "other.onmicrosoft.com")
    other_path = ledger_path(world).replace(str(world.tenant_id), str(other))

    with connect_sse(watcher, "GET", events_path(world)) as source:
        writer.post(other_path, json={"type": 3})
        ours = writer.post(ledger_path(world), json={"type": 8}).json()
        [event] = job_events(source.iter_sse(), 1)

    assert event.json()["jobId"] == ours["jobId"]


class TestRefusals:
    def test_no_token_is_401(self, http: httpx.Client, world: World) -> None:
        assert http.get(events_path(world)).status_code == 401

    def test_unknown_tenant_is_404(
        self, authed: httpx.Client, world: World, factory: Factory
    ) -> None:
        path = events_path(world).replace(
            str(world.tenant_id), str(world.app.client_id)
        )

        assert authed.get(path).status_code == 404

    def test_customer_outside_scope_is_403(
        self,
        live_server: LiveServer,
        database: Database,
        world: World,
        factory: Factory,
    ) -> None:
        elsewhere = factory.customer(world.partner_id, "Elsewhere")
        token = mint_token(
            live_server, database, world.partner_id, [TENANT_READ], [elsewhere]
        )
        response = httpx.get(
            live_server.url + events_path(world),
            headers={"Authorization": f"Bearer {token}"},
        )

        assert response.status_code == 403

    def test_bad_last_event_id_is_400(self, authed: httpx.Client, world: World) -> None:
        response = authed.get(events_path(world), headers={"Last-Event-ID": "abc"})

        assert response.status_code == 400
        assert "Last-Event-ID" in response.json()["errors"]
