"""The documented batch endpoint, through real HTTP, on every backend."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from process_center.domain.jobs import JobStatus, JobType
from process_center.domain.permissions import (
    BASELINE_READ,
    TENANT_READ,
    TENANT_READWRITE,
)
from tests.conftest import LiveServer
from tests.factories import Factory, World, get_token, jobs_path, sign_access_token


def problem_of(response: httpx.Response) -> dict[str, object]:
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()
    assert body["status"] == response.status_code
    assert body["requestId"] == response.headers["request-id"]
    assert isinstance(body["detail"], str) and body["detail"]
    return body


class TestShape:
    def test_returns_documented_fields_only(
        self, authed: httpx.Client, world: World, factory: Factory
    ) -> None:
        [job_id] = factory.jobs(
            world.tenant_id, 1, job_type=JobType.DEPLOY, status=JobStatus.FINISHED
        )

        response = authed.post(world.jobs_path, json={"jobIds": [str(job_id)]})

        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.json() == {
            "data": [{"jobId": str(job_id), "type": 5, "status": 2}],
            "metadata": {"pageIndex": 1, "pageSize": 50, "totalCount": 1},
        }

    def test_page_size_is_echoed(
        self, authed: httpx.Client, world: World, factory: Factory
    ) -> None:
        factory.jobs(world.tenant_id, 3)

        body = authed.post(world.jobs_path, params={"pageSize": 5}).json()

        assert body["metadata"] == {"pageIndex": 1, "pageSize": 5, "totalCount": 3}

    def test_page_past_the_end_is_empty(
        self, authed: httpx.Client, world: World, factory: Factory
    ) -> None:
        factory.jobs(world.tenant_id, 3)

        body = authed.post(
            world.jobs_path, params={"pageIndex": 2, "pageSize": 3}
        ).json()

        assert body == {
            "data": [],
            "metadata": {"pageIndex": 2, "pageSize": 3, "totalCount": 3},
        }

    def test_largest_page_index_is_an_empty_page(
        self, authed: httpx.Client, world: World, factory: Factory
    ) -> None:
        factory.jobs(world.tenant_id, 1)

        response = authed.post(world.jobs_path, params={"pageIndex": 2**63 - 1})

        assert response.status_code == 200
        assert response.json()["data"] == []

    def test_tenant_without_jobs_is_empty(
        self, authed: httpx.Client, world: World
    ) -> None:
        body = authed.post(world.jobs_path).json()

        assert body == {
            "data": [],
            "metadata": {"pageIndex": 1, "pageSize": 50, "totalCount": 0},
        }

    def test_every_type_and_status_is_an_integer(
        self, authed: httpx.Client, world: World, factory: Factory
    ) -> None:
        for job_type in JobType:
            for status in JobStatus:
                factory.jobs(world.tenant_id, 1, job_type=job_type, status=status)

        data = authed.post(world.jobs_path, params={"pageSize": 100}).json()["data"]

        assert {(item["type"], item["status"]) for item in data} == {
            (t.value, s.value) for t in JobType for s in JobStatus
        }


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
        assert len(body["data"]) <= page_size
        seen.extend(item["jobId"] for item in body["data"])
        page_index += 1

    assert seen == [str(job_id) for job_id in reversed(created)]
    assert page_index - 1 == -(-233 // page_size)


def test_paging_stays_whole_after_a_job_is_deleted_out_of_order(
    authed: httpx.Client, world: World, factory: Factory
) -> None:
    from process_center.storage.jobs import delete_job

    created = factory.jobs(world.tenant_id, 20)
    with factory.database.write() as session:
        delete_job(session, created[7])
    expected = [str(job_id) for job_id in reversed(created) if job_id != created[7]]

    seen = []
    for page_index in range(1, 5):
        body = authed.post(
            world.jobs_path, params={"pageIndex": page_index, "pageSize": 6}
        ).json()
        assert body["metadata"]["totalCount"] == 19
        seen.extend(item["jobId"] for item in body["data"])

    assert seen == expected


class TestJobIdFilter:
    @pytest.mark.parametrize("body", [None, {}, {"jobIds": None}, {"jobIds": []}])
    def test_absent_or_empty_filter_means_every_job(
        self, authed: httpx.Client, world: World, factory: Factory, body: object
    ) -> None:
        factory.jobs(world.tenant_id, 4)

        if body is None:
            response = authed.post(world.jobs_path)
        else:
            response = authed.post(world.jobs_path, json=body)

        assert response.json()["metadata"]["totalCount"] == 4

    def test_ids_match_in_any_letter_case(
        self, authed: httpx.Client, world: World, factory: Factory
    ) -> None:
        first, second = factory.jobs(world.tenant_id, 2)
        factory.jobs(world.tenant_id, 3)

        body = authed.post(
            world.jobs_path, json={"jobIds": [str(first).upper(), str(second)]}
        ).json()

        assert [item["jobId"] for item in body["data"]] == [str(second), str(first)]
        assert body["metadata"]["totalCount"] == 2

    def test_path_ids_match_in_any_letter_case(
        self, authed: httpx.Client, world: World, factory: Factory
    ) -> None:
        factory.jobs(world.tenant_id, 2)
        path = jobs_path(str(world.customer_id).upper(), str(world.tenant_id).upper())

        assert authed.post(path).json()["metadata"]["totalCount"] == 2

    def test_duplicates_are_ignored(
        self, authed: httpx.Client, world: World, factory: Factory
    ) -> None:
        [job_id] = factory.jobs(world.tenant_id, 1)
        ids = [str(job_id), str(job_id).upper(), str(job_id)]

        body = authed.post(world.jobs_path, json={"jobIds": ids}).json()

        assert len(body["data"]) == 1
        assert body["metadata"]["totalCount"] == 1

    def test_jobs_of_other_tenants_are_never_returned(
        self, authed: httpx.Client, world: World, factory: Factory
    ) -> None:
        other_tenant = factory.tenant(world.customer_id, "other.onmicrosoft.com")
        [foreign] = factory.jobs(other_tenant, 1)
        [own] = factory.jobs(world.tenant_id, 1)

        body = authed.post(
            world.jobs_path, json={"jobIds": [str(foreign), str(own)]}
        ).json()

        assert [item["jobId"] for item in body["data"]] == [str(own)]
        assert body["metadata"]["totalCount"] == 1

    def test_unknown_ids_match_nothing(
        self, authed: httpx.Client, world: World
    ) -> None:
        body = authed.post(world.jobs_path, json={"jobIds": [str(uuid.uuid4())]}).json()

        assert body["data"] == [] and body["metadata"]["totalCount"] == 0

    def test_filtered_results_are_paged(
        self, authed: httpx.Client, world: World, factory: Factory
    ) -> None:
        created = factory.jobs(world.tenant_id, 5)
        ids = [str(job_id) for job_id in created]

        pages = [
            authed.post(
                world.jobs_path,
                params={"pageIndex": index, "pageSize": 2},
                json={"jobIds": ids},
            ).json()
            for index in (1, 2, 3, 4)
        ]

        assert [len(page["data"]) for page in pages] == [2, 2, 1, 0]
        assert [item["jobId"] for page in pages for item in page["data"]] == ids[::-1]
        assert {page["metadata"]["totalCount"] for page in pages} == {5}

    def test_accepts_the_largest_allowed_list(
        self, authed: httpx.Client, world: World, factory: Factory
    ) -> None:
        [job_id] = factory.jobs(world.tenant_id, 1)
        ids = [str(uuid.uuid4()) for _ in range(999)] + [str(job_id)]

        body = authed.post(world.jobs_path, json={"jobIds": ids}).json()

        assert body["metadata"]["totalCount"] == 1


class TestBadRequest:
    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"pageIndex": "0"}, "pageIndex"),
            ({"pageIndex": "-1"}, "pageIndex"),
            ({"pageIndex": "abc"}, "pageIndex"),
            ({"pageIndex": "1.5"}, "pageIndex"),
            ({"pageIndex": ""}, "pageIndex"),
            ({"pageIndex": str(2**63)}, "pageIndex"),
            ({"pageIndex": "9" * 400}, "pageIndex"),
            ({"pageSize": "0"}, "pageSize"),
            ({"pageSize": "101"}, "pageSize"),
            ({"pageSize": "x"}, "pageSize"),
            ({"pageSize": str(2**64)}, "pageSize"),
            ({"pageSize": "1e2"}, "pageSize"),
        ],
    )
    def test_bad_paging_names_the_parameter(
        self, authed: httpx.Client, world: World, params: dict[str, str], field: str
    ) -> None:
        response = authed.post(world.jobs_path, params=params)

        assert response.status_code == 400
        assert list(problem_of(response)["errors"]) == [field]  # type: ignore[call-overload]

    def test_repeated_parameter_is_refused(
        self, authed: httpx.Client, world: World
    ) -> None:
        response = authed.post(world.jobs_path + "?pageSize=5&pageSize=6")

        assert response.status_code == 400
        assert "pageSize" in problem_of(response)["errors"]  # type: ignore[operator]

    @pytest.mark.parametrize(
        ("content", "field"),
        [
            (b"{", "body"),
            (b'{"jobIds": ["a"', "body"),
            (b"[]", "body"),
            (b'"jobIds"', "body"),
            (b'{"jobIds": "a7bd3e1b-0000-4000-8000-243c4df89a2d"}', "jobIds"),
            (b'{"jobIds": {"id": 1}}', "jobIds"),
            (b'{"jobIds": 5}', "jobIds"),
            (b'{"jobIds": [1]}', "jobIds[0]"),
            (b'{"jobIds": [null]}', "jobIds[0]"),
            (b'{"jobIds": [["x"]]}', "jobIds[0]"),
            (
                b'{"jobIds": ["a7bd3e1b-0000-4000-8000-243c4df89a2d", "nope"]}',
                "jobIds[1]",
            ),
        ],
    )
    def test_bad_body_names_the_field(
        self, authed: httpx.Client, world: World, content: bytes, field: str
    ) -> None:
        response = authed.post(
            world.jobs_path,
            content=content,
            headers={"Content-Type": "application/json"},
        )

        assert response.status_code == 400
        assert field in problem_of(response)["errors"]  # type: ignore[operator]

    def test_too_many_ids_are_refused(self, authed: httpx.Client, world: World) -> None:
        ids = [str(uuid.uuid4()) for _ in range(1001)]

        response = authed.post(world.jobs_path, json={"jobIds": ids})

        assert response.status_code == 400
        assert "1000" in problem_of(response)["detail"]  # type: ignore[operator]

    def test_non_json_body_is_refused(self, authed: httpx.Client, world: World) -> None:
        response = authed.post(
            world.jobs_path, content=b"jobIds=1", headers={"Content-Type": "text/plain"}
        )

        assert response.status_code == 400
        assert "JSON" in problem_of(response)["detail"]  # type: ignore[operator]

    @pytest.mark.parametrize("which", ["customer", "tenant"])
    def test_path_ids_must_be_guids(
        self, authed: httpx.Client, world: World, which: str
    ) -> None:
        customer = "not-a-guid" if which == "customer" else world.customer_id
        tenant = "not-a-guid" if which == "tenant" else world.tenant_id

        response = authed.post(jobs_path(customer, tenant))

        assert response.status_code == 400
        assert f"{which}Id" in problem_of(response)["errors"]  # type: ignore[operator]


class TestUnauthorized:
    def expect_401(self, response: httpx.Response) -> None:
        assert response.status_code == 401
        problem_of(response)
        assert response.headers["www-authenticate"].startswith("Bearer")

    def test_missing_token(self, http: httpx.Client, world: World) -> None:
        self.expect_401(http.post(world.jobs_path))

    @pytest.mark.parametrize(
        "header",
        ["Bearer", "Bearer  x y", "Basic abc", "Bearer not.a.jwt", "Bearer abc"],
    )
    def test_malformed_authorization(
        self, http: httpx.Client, world: World, header: str
    ) -> None:
        self.expect_401(http.post(world.jobs_path, headers={"Authorization": header}))

    def test_tampered_token(self, http: httpx.Client, world: World, token: str) -> None:
        header, payload, signature = token.split(".")
        forged = f"{header}.{payload[:-4]}AAAA.{signature}"

        self.expect_401(
            http.post(world.jobs_path, headers={"Authorization": f"Bearer {forged}"})
        )

    def test_expired_token(
        self,
        http: httpx.Client,
        world: World,
        factory: Factory,
        live_server: LiveServer,
    ) -> None:
        past = int(time.time()) - 7200
        expired = sign_access_token(
            factory.database,
            live_server.url,
            world.app,
            iat=past,
            nbf=past,
            exp=past + 3600,
        )

        response = http.post(
            world.jobs_path, headers={"Authorization": f"Bearer {expired}"}
        )

        self.expect_401(response)
        assert "expired" in response.json()["detail"]

    def test_token_of_a_deleted_app(
        self, http: httpx.Client, world: World, token: str, factory: Factory
    ) -> None:
        from process_center.identity.apps import delete_app

        with factory.database.write() as session:
            delete_app(session, world.app.client_id)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            response = http.post(
                world.jobs_path, headers={"Authorization": f"Bearer {token}"}
            )
            if response.status_code == 401:
                break
            time.sleep(0.2)

        self.expect_401(response)


class TestForbidden:
    def test_permission_outside_the_module(
        self, http: httpx.Client, world: World, factory: Factory
    ) -> None:
        registration = factory.app(world.partner_id, [BASELINE_READ])
        http.headers["Authorization"] = f"Bearer {get_token(http, registration)}"

        response = http.post(world.jobs_path)

        assert response.status_code == 403
        assert "elements.bm.tenant.read.all" in problem_of(response)["detail"]  # type: ignore[operator]

    def test_readwrite_permission_is_enough(
        self, http: httpx.Client, world: World, factory: Factory
    ) -> None:
        registration = factory.app(world.partner_id, [TENANT_READWRITE])
        http.headers["Authorization"] = f"Bearer {get_token(http, registration)}"

        assert http.post(world.jobs_path).status_code == 200

    def test_token_scoped_down_to_another_permission(
        self, http: httpx.Client, world: World, factory: Factory
    ) -> None:
        registration = factory.app(world.partner_id, [TENANT_READ, BASELINE_READ])
        token = get_token(http, registration, scope=BASELINE_READ)

        response = http.post(
            world.jobs_path, headers={"Authorization": f"Bearer {token}"}
        )

        assert response.status_code == 403

    def test_customer_outside_the_apps_scope(
        self, http: httpx.Client, world: World, factory: Factory
    ) -> None:
        other_customer = factory.customer(world.partner_id, "Northwind")
        registration = factory.app(
            world.partner_id, [TENANT_READ], customer_ids=[other_customer]
        )
        http.headers["Authorization"] = f"Bearer {get_token(http, registration)}"

        response = http.post(world.jobs_path)

        assert response.status_code == 403
        assert str(world.customer_id) in problem_of(response)["detail"]  # type: ignore[operator]

    def test_customer_inside_the_apps_scope(
        self, http: httpx.Client, world: World, factory: Factory
    ) -> None:
        registration = factory.app(
            world.partner_id, [TENANT_READ], customer_ids=[world.customer_id]
        )
        http.headers["Authorization"] = f"Bearer {get_token(http, registration)}"

        assert http.post(world.jobs_path).status_code == 200

    def test_customer_in_a_group_of_the_apps_scope(
        self, http: httpx.Client, world: World, factory: Factory
    ) -> None:
        group = factory.group(world.partner_id, [world.customer_id])
        registration = factory.app(world.partner_id, [TENANT_READ], group_ids=[group])
        http.headers["Authorization"] = f"Bearer {get_token(http, registration)}"

        assert http.post(world.jobs_path).status_code == 200


class TestNotFound:
    def test_unknown_customer(self, authed: httpx.Client, world: World) -> None:
        response = authed.post(jobs_path(uuid.uuid4(), world.tenant_id))

        assert response.status_code == 404
        assert "Customer" in problem_of(response)["detail"]  # type: ignore[operator]

    def test_unknown_tenant(self, authed: httpx.Client, world: World) -> None:
        response = authed.post(jobs_path(world.customer_id, uuid.uuid4()))

        assert response.status_code == 404
        assert "Tenant" in problem_of(response)["detail"]  # type: ignore[operator]

    def test_tenant_of_another_customer(
        self, authed: httpx.Client, world: World, factory: Factory
    ) -> None:
        other_customer = factory.customer(world.partner_id, "Northwind")
        other_tenant = factory.tenant(other_customer)
        factory.jobs(other_tenant, 2)

        response = authed.post(jobs_path(world.customer_id, other_tenant))

        assert response.status_code == 404

    def test_customer_of_another_partner(
        self, authed: httpx.Client, world: World, factory: Factory
    ) -> None:
        other_partner = factory.partner("Litware")
        their_customer = factory.customer(other_partner)
        their_tenant = factory.tenant(their_customer)
        factory.jobs(their_tenant, 2)

        response = authed.post(jobs_path(their_customer, their_tenant))

        assert response.status_code == 404
        assert response.json()["detail"] == f"Customer {their_customer} was not found."


class TestCorrelation:
    def test_every_response_has_a_request_id(
        self, http: httpx.Client, world: World
    ) -> None:
        first = http.post(world.jobs_path)
        second = http.post(world.jobs_path)

        assert len(first.headers["request-id"]) == 32
        assert first.headers["request-id"] != second.headers["request-id"]

    def test_client_request_id_is_echoed(
        self, authed: httpx.Client, world: World
    ) -> None:
        response = authed.post(
            world.jobs_path, headers={"client-request-id": "my-run-42"}
        )

        assert response.headers["client-request-id"] == "my-run-42"

    def test_unsafe_client_request_id_is_not_echoed(
        self, authed: httpx.Client, world: World
    ) -> None:
        response = authed.post(
            world.jobs_path, headers={"client-request-id": "x" * 500}
        )

        assert "client-request-id" not in response.headers
