"""Rate limits per app registration and per client address on the token endpoint."""

from __future__ import annotations

import os

import httpx
import pytest
from limits import parse_many

from process_center.api import ratelimit
from process_center.api.ratelimit import LocalWindows
from tests.conftest import free_port
from tests.factories import Factory, World, get_token
from tests.hardening.conftest import StartServer

REDIS_URL_VARIABLE = "PROCESS_CENTER_TEST_REDIS_URL"
# Budgets here are per day: the sliding window weighs the previous window's
# count, so only a window far longer than a test makes the counts exact.


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _assert_refused(response: httpx.Response, budget: str, amount: int) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) >= 1
    assert response.headers["ratelimit-policy"] == f'"{budget}";q={amount};w=86400'
    assert response.headers["ratelimit"].startswith(f'"{budget}";r=0;t=')
    body = response.json()
    assert body["status"] == 429
    assert body["requestId"] == response.headers["request-id"]


@pytest.mark.any_store
class TestAppBudget:
    def test_calls_over_the_budget_are_refused_with_retry_after(
        self, start_server: StartServer, world: World
    ) -> None:
        server = start_server(app_rate_limit="3/day")
        with httpx.Client(base_url=server.url, timeout=10) as http:
            headers = _bearer(get_token(http, world.app))
            statuses = [
                http.post(world.jobs_path, headers=headers).status_code
                for _ in range(3)
            ]
            refused = http.post(world.jobs_path, headers=headers)

        assert statuses == [200, 200, 200]
        _assert_refused(refused, "app", 3)

    def test_each_app_has_its_own_budget(
        self, start_server: StartServer, world: World, factory: Factory
    ) -> None:
        other = factory.app(world.partner_id, name="Other")
        server = start_server(app_rate_limit="2/day")
        with httpx.Client(base_url=server.url, timeout=10) as http:
            first = _bearer(get_token(http, world.app))
            second = _bearer(get_token(http, other))
            for _ in range(2):
                http.post(world.jobs_path, headers=first)

            assert http.post(world.jobs_path, headers=first).status_code == 429
            assert http.post(world.jobs_path, headers=second).status_code == 200

    def test_forged_tokens_spend_no_budget(
        self, start_server: StartServer, world: World
    ) -> None:
        server = start_server(app_rate_limit="2/day")
        with httpx.Client(base_url=server.url, timeout=10) as http:
            token = get_token(http, world.app)
            forged = _bearer(token[:-4] + ("AAAA" if token[-4:] != "AAAA" else "BBBB"))
            statuses = {
                http.post(world.jobs_path, headers=forged).status_code for _ in range(4)
            }
            genuine = http.post(world.jobs_path, headers=_bearer(token))

        assert statuses == {401}
        assert genuine.status_code == 200

    def test_refusals_are_counted_in_metrics(
        self, start_server: StartServer, world: World
    ) -> None:
        server = start_server(app_rate_limit="1/day")
        with httpx.Client(base_url=server.url, timeout=10) as http:
            headers = _bearer(get_token(http, world.app))
            for _ in range(3):
                http.post(world.jobs_path, headers=headers)
            text = http.get("/metrics").text

        assert 'process_center_rate_limited_total{limit="app"} 2.0' in text


@pytest.mark.any_store
class TestTokenAddressBudget:
    def test_token_requests_from_one_address_are_limited(
        self, start_server: StartServer, world: World
    ) -> None:
        server = start_server(token_rate_limit="2/day")
        form = {
            "grant_type": "client_credentials",
            "client_id": str(world.app.client_id),
        }
        with httpx.Client(base_url=server.url, timeout=10) as http:
            get_token(http, world.app)
            # Failed attempts count too: that is what slows a guesser down.
            wrong = http.post("/connect/token", data={**form, "client_secret": "nope"})
            refused = http.post(
                "/connect/token",
                data={**form, "client_secret": world.app.client_secret},
            )

        assert wrong.status_code == 401
        _assert_refused(refused, "token-address", 2)

    def test_limits_can_be_switched_off(
        self, start_server: StartServer, world: World
    ) -> None:
        server = start_server(token_rate_limit="1/day", rate_limits_enabled=False)
        with httpx.Client(base_url=server.url, timeout=10) as http:
            for _ in range(3):
                get_token(http, world.app)


def _redis_url() -> str:
    url = os.environ.get(REDIS_URL_VARIABLE)
    if url:
        return url
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {REDIS_URL_VARIABLE} is not set", pytrace=False)
    pytest.skip(f"Redis tests need {REDIS_URL_VARIABLE}")


@pytest.mark.any_store
class TestSharedBudget:
    def test_processes_sharing_redis_share_one_budget(
        self, start_server: StartServer, world: World
    ) -> None:
        redis_url = _redis_url()
        servers = [
            start_server(app_rate_limit="4/day", redis_url=redis_url) for _ in range(2)
        ]
        clients = [httpx.Client(base_url=s.url, timeout=10) for s in servers]
        try:
            # Each server is its own issuer; the app, and so the budget, is one.
            tokens = [_bearer(get_token(client, world.app)) for client in clients]
            statuses = [
                clients[n % 2].post(world.jobs_path, headers=tokens[n % 2]).status_code
                for n in range(5)
            ]
        finally:
            for client in clients:
                client.close()

        assert statuses == [200, 200, 200, 200, 429]

    def test_an_unreachable_redis_lets_requests_through(
        self, start_server: StartServer, world: World
    ) -> None:
        server = start_server(
            app_rate_limit="1/day", redis_url=f"redis://127.0.0.1:{free_port()}/0"
        )
        with httpx.Client(base_url=server.url, timeout=10) as http:
            headers = _bearer(get_token(http, world.app))
            statuses = {
                http.post(world.jobs_path, headers=headers).status_code
                for _ in range(3)
            }

        assert statuses == {200}


class TestLocalWindows:
    """The in-memory counters, on a clock the test moves."""

    @pytest.fixture
    def clock(self, monkeypatch: pytest.MonkeyPatch) -> list[float]:
        now = [1_000_000.0]  # the start of a 10-second window
        monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
        return now

    def test_a_window_allows_its_amount_then_says_when_to_retry(
        self, clock: list[float]
    ) -> None:
        windows, item = LocalWindows(), parse_many("3/10 seconds")[0]

        allowed = [windows.hit(item, "app", "a") for _ in range(3)]
        clock[0] += 4
        refused = windows.hit(item, "app", "a")

        assert allowed == [None, None, None]
        assert refused == 6
        assert windows.hit(item, "app", "another") is None

    def test_the_last_window_weighs_by_how_much_of_it_still_overlaps(
        self, clock: list[float]
    ) -> None:
        windows, item = LocalWindows(), parse_many("10/10 seconds")[0]
        for _ in range(10):
            assert windows.hit(item, "app", "a") is None

        clock[0] += 12  # 2 s into the next window: 80% of the last one counts
        allowed = sum(windows.hit(item, "app", "a") is None for _ in range(5))

        assert allowed == 2
        clock[0] += 20  # two windows on, nothing of the old one is left
        assert sum(windows.hit(item, "app", "a") is None for _ in range(12)) == 10

    def test_keys_not_seen_for_two_windows_are_forgotten(
        self, clock: list[float], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(LocalWindows, "PRUNE_EVERY", 2)
        windows, item = LocalWindows(), parse_many("5/10 seconds")[0]
        windows.hit(item, "token-address", "192.0.2.1")

        clock[0] += 30
        windows.hit(item, "token-address", "192.0.2.2")

        assert [slot[1] for slot in windows._windows] == ["192.0.2.2"]
