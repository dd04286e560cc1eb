"""Retries against a real server whose gate turns the first requests away."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import anyio
import pytest

from process_center.client import (
    AsyncClient,
    RateLimited,
    Retries,
    ServerError,
    ServiceUnavailable,
    TransportError,
)
from process_center.client._errors import parse_retry_after
from process_center.client._retry import ConnectFailed
from tests.client.conftest import QUICK_RETRIES
from tests.client.servers import TOKEN_PATH, GatedServer, client_for
from tests.conftest import free_port
from tests.factories import Factory, World


def _retry_delays(caplog: pytest.LogCaptureFixture) -> list[float]:
    return [
        r.delay_seconds for r in caplog.records if r.getMessage() == "request_retry"
    ]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _capture_client_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="process_center.client")


@pytest.mark.parametrize(
    ("status", "error"), [(429, RateLimited), (503, ServiceUnavailable)]
)
def test_retries_after_the_servers_retry_after_then_succeeds(
    gate: GatedServer,
    world: World,
    factory: Factory,
    caplog: pytest.LogCaptureFixture,
    status: int,
    error: type[Exception],
) -> None:
    factory.jobs(world.tenant_id, 3)
    gate.gate.refuse_next(1, status, retry_after="1")

    with client_for(gate.url, world.app, retries=QUICK_RETRIES) as pc:
        page = pc.jobs.page(world.customer_id, world.tenant_id)

    assert page.total_count == 3
    assert gate.gate.count("/partner/") == 2
    # The server asked for one second; the client's own backoff is 50 ms at most.
    assert _retry_delays(caplog) == [1.0]


def test_backs_off_exponentially_with_jitter_without_retry_after(
    gate: GatedServer, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    gate.gate.refuse_next(3, 503)
    retries = Retries(attempts=4, backoff=0.02, max_backoff=0.05)

    with client_for(gate.url, world.app, retries=retries) as pc:
        pc.tenants.page()

    delays = _retry_delays(caplog)
    assert len(delays) == 3
    assert all(
        0 <= d <= ceiling for d, ceiling in zip(delays, [0.02, 0.04, 0.05], strict=True)
    )


def test_gives_up_after_the_last_attempt_with_the_servers_answer(
    gate: GatedServer, world: World
) -> None:
    gate.gate.refuse_next(10, 429, retry_after="0")

    with (
        client_for(gate.url, world.app, retries=QUICK_RETRIES) as pc,
        pytest.raises(RateLimited) as raised,
    ):
        pc.jobs.page(world.customer_id, world.tenant_id)

    assert gate.gate.count("/partner/") == QUICK_RETRIES.attempts
    assert raised.value.status == 429
    assert raised.value.retry_after == 0
    assert raised.value.request_id == "gate"
    assert "The gate answered 429" in raised.value.detail


def test_a_retry_after_beyond_the_limit_is_not_waited_for(
    gate: GatedServer, world: World
) -> None:
    gate.gate.refuse_next(1, 503, retry_after="3600")

    with (
        client_for(gate.url, world.app, retries=QUICK_RETRIES) as pc,
        pytest.raises(ServiceUnavailable),
    ):
        pc.tenants.page()

    assert gate.gate.count("/partner/") == 1


def test_other_server_errors_are_not_retried(gate: GatedServer, world: World) -> None:
    gate.gate.refuse_next(1, 500)

    with (
        client_for(gate.url, world.app, retries=QUICK_RETRIES) as pc,
        pytest.raises(ServerError) as raised,
    ):
        pc.tenants.page()

    assert raised.value.status == 500
    assert gate.gate.count("/partner/") == 1


def test_a_write_without_if_match_is_not_retried(
    gate: GatedServer, world: World
) -> None:
    gate.gate.refuse_next(3, 503, retry_after="0")

    with (
        client_for(gate.url, world.app, retries=QUICK_RETRIES) as pc,
        pytest.raises(ServiceUnavailable),
    ):
        pc.jobs.update(world.customer_id, world.tenant_id, uuid.uuid4(), progress=5)

    assert gate.gate.count("/partner/") == 1


def test_token_requests_are_retried_too(gate: GatedServer, world: World) -> None:
    gate.gate.refuse_next(2, 503, retry_after="0", path_prefix=TOKEN_PATH)

    with client_for(gate.url, world.app, retries=QUICK_RETRIES) as pc:
        pc.tenants.page()

    assert gate.gate.count(TOKEN_PATH) == 3


def test_connection_failures_are_retried_then_raised(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"

    with (
        client_for(closed, world.app, retries=QUICK_RETRIES) as pc,
        pytest.raises(TransportError) as raised,
    ):
        pc.tenants.page()

    assert isinstance(raised.value, ConnectFailed)
    assert len(_retry_delays(caplog)) == QUICK_RETRIES.attempts - 1


def test_async_client_retries_the_same_way(
    gate: GatedServer, world: World, factory: Factory
) -> None:
    factory.jobs(world.tenant_id, 2)
    gate.gate.refuse_next(1, 429, retry_after="0")
    gate.gate.refuse_next(1, 503, retry_after="0")

    async def fetch() -> int:
        async with AsyncClient(
            gate.url,
            gate.url,
            client_id=str(world.app.client_id),
            client_secret=world.app.client_secret,
            retries=QUICK_RETRIES,
        ) as pc:
            page = await pc.jobs.page(world.customer_id, world.tenant_id)
            return page.total_count

    assert anyio.run(fetch) == 2
    assert gate.gate.count("/partner/") == 3


class TestRetryAfter:
    def test_reads_seconds(self) -> None:
        assert parse_retry_after("7") == 7.0

    def test_reads_an_http_date(self) -> None:
        moment = datetime.now(UTC) + timedelta(seconds=30)

        seconds = parse_retry_after(format_datetime(moment, usegmt=True))

        assert seconds is not None and 25 <= seconds <= 30

    def test_a_past_date_means_now(self) -> None:
        assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0

    @pytest.mark.parametrize("value", [None, "", "soon", "-5", "1.5"])
    def test_ignores_what_it_cannot_read(self, value: str | None) -> None:
        assert parse_retry_after(value) is None
