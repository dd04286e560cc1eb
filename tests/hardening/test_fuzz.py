"""Schemathesis against the served OpenAPI document: every operation, valid and
invalid data, with a real token; no 5xx and no answer the document does not allow."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import LiveServer
from tests.factories import Factory, World, get_token

pytestmark = pytest.mark.slow
# Fixed so that CI time stays bounded; raise it locally to search harder.
MAX_EXAMPLES = 20
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


class Fuzzer:
    def __init__(self, server: LiveServer, world: World, token: str) -> None:
        self.server = server
        self.world = world
        self.bearer = {"Authorization": f"Bearer {token}"}
        schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
        operations = [result.ok() for result in schema.get_all_operations()]
        self.operations = [op for op in operations if not _streams(op)]

    def run(self, mode: GenerationMode, *, known_ids: bool = False) -> int:
        """Fuzz every operation that takes input in ``mode``; how many ran."""
        ran = 0
        for operation in self.operations:
            if mode is GenerationMode.NEGATIVE and not _takes_input(operation):
                continue  # nothing to get wrong: no parameters and no body
            path = self._known_path(operation) if known_ids else None
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=path)
            self._check_all(strategy, self._headers_for(operation))
            ran += 1
        return ran

    def _known_path(
        self, operation: schemathesis.APIOperation
    ) -> dict[str, Any] | None:
        known = {
            "customerId": str(self.world.customer_id),
            "tenantId": str(self.world.tenant_id),
        }
        names = {parameter.name for parameter in operation.path_parameters}
        return {name: known[name] for name in names if name in known} or None

    def _headers_for(self, operation: schemathesis.APIOperation) -> dict[str, str]:
        # The token endpoint authenticates clients, not bearers.
        return self.bearer if operation.definition.raw.get("security") else {}

    def _check_all(self, strategy: Any, headers: dict[str, str]) -> None:
        @given(case=strategy)
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(
                base_url=self.server.url, headers=headers, checks=CHECKS
            )

        check()


def _streams(operation: schemathesis.APIOperation) -> bool:
    # An endless event stream: schemathesis reads a stream to its end, so a
    # call that succeeds would never return. The stream has its own tests
    # (tests/ledger/test_feed.py, tests/web/test_live.py).
    responses = operation.definition.raw.get("responses", {})
    content = responses.get("200", {}).get("content", {})
    return "text/event-stream" in content


def _takes_input(operation: schemathesis.APIOperation) -> bool:
    parts = (operation.path_parameters, operation.query, operation.body)
    return any(len(part) for part in parts)


@pytest.fixture
def fuzzer(
    live_server: LiveServer, world: World, factory: Factory, http: httpx.Client
) -> Fuzzer:
    factory.jobs(world.tenant_id, 7)
    return Fuzzer(live_server, world, get_token(http, world.app))


def test_valid_data_on_known_ids_keeps_to_the_document(fuzzer: Fuzzer) -> None:
    assert fuzzer.run(GenerationMode.POSITIVE, known_ids=True) >= 8


def test_valid_data_keeps_to_the_document(fuzzer: Fuzzer) -> None:
    assert fuzzer.run(GenerationMode.POSITIVE) >= 8


def test_invalid_data_keeps_to_the_document(fuzzer: Fuzzer) -> None:
    assert fuzzer.run(GenerationMode.NEGATIVE) >= 3
