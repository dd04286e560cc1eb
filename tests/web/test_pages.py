"""The picker, a tenant's jobs with filters and paging, and a job's history,
read through the real app over HTTP."""

from __future__ import annotations

import re
from datetime import timedelta
from uuid import UUID

import httpx
import pytest
from sqlalchemy import update

from process_center.domain.jobs import JobStatus, JobType
from process_center.storage.database import Database
from process_center.storage.models import Job, utcnow
from tests.factories import Factory, get_token
from tests.web.conftest import PAGE, Operator

_ROW_ID = re.compile(r'<tr id="job-([0-9a-f-]{36})"')


def row_ids(html: str) -> list[str]:
    return _ROW_ID.findall(html)


class TestPicker:
    def test_lists_customers_with_their_tenants_and_links(
        self, signed_in: httpx.Client, operator: Operator, factory: Factory
    ) -> None:
        factory.customer(operator.partner_id, "Customer without tenants")

        page = signed_in.get(f"{PAGE}/")

        assert page.status_code == 200
        assert f'href="{operator.jobs_path}"' in page.text
        assert "contoso.onmicrosoft.com" in page.text
        assert "No tenants are connected for this customer yet." in page.text

    def test_search_narrows_the_customers(
        self, signed_in: httpx.Client, operator: Operator, factory: Factory
    ) -> None:
        factory.customer(operator.partner_id, "Northwind Traders")

        page = signed_in.get(f"{PAGE}/", params={"q": "north"})

        assert "Northwind Traders" in page.text
        assert "Contoso customer" not in page.text

    def test_search_treats_wildcards_as_text(self, signed_in: httpx.Client) -> None:
        page = signed_in.get(f"{PAGE}/", params={"q": "%"})

        assert "No customer matches" in page.text


class TestJobsList:
    def test_shows_names_badges_times_and_durations(
        self,
        signed_in: httpx.Client,
        operator: Operator,
        factory: Factory,
        database: Database,
    ) -> None:
        [job_id] = factory.jobs(
            operator.tenant_id,
            1,
            job_type=JobType.DETECT_DRIFT,
            status=JobStatus.FINISHED,
        )
        started = utcnow() - timedelta(minutes=10)
        with database.write() as session:
            session.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(
                    started_at=started, finished_at=started + timedelta(seconds=249)
                )
            )

        page = signed_in.get(operator.jobs_path)

        assert page.status_code == 200
        assert "Detect drift" in page.text
        assert '<span class="badge badge-finished">Finished</span>' in page.text
        assert "4 min 09 s" in page.text
        assert started.strftime("%Y-%m-%d %H:%M") in page.text
        assert "Showing 1\u20131 of 1 job." in page.text

    def test_pages_are_the_pages_the_api_returns(
        self,
        signed_in: httpx.Client,
        operator: Operator,
        factory: Factory,
        http: httpx.Client,
    ) -> None:
        factory.jobs(operator.tenant_id, 23)
        token = get_token(http, factory.app(operator.partner_id))
        api_path = (
            f"/partner/external/v3/bm/customers/{operator.customer_id}"
            f"/tenants/{operator.tenant_id}/process-center/jobs/batch"
        )

        for page_index in (1, 2, 3):
            params = {"pageIndex": page_index, "pageSize": 10}
            page = signed_in.get(operator.jobs_path, params=params)
            api = http.post(
                api_path,
                params=params,
                json={},
                headers={"Authorization": f"Bearer {token}"},
            ).json()
            assert row_ids(page.text) == [job["jobId"] for job in api["data"]]
            assert f"of {api['metadata']['totalCount']} jobs" in page.text

        assert "Page 3 of 3" in page.text
        assert 'rel="next"' not in page.text

    def test_filters_by_type_status_and_creation_time(
        self,
        signed_in: httpx.Client,
        operator: Operator,
        factory: Factory,
        database: Database,
    ) -> None:
        backups = factory.jobs(
            operator.tenant_id, 3, job_type=JobType.DAILY_TENANT_BACKUP
        )
        failed = factory.jobs(
            operator.tenant_id, 2, job_type=JobType.DEPLOY, status=JobStatus.FAILED
        )
        old = utcnow() - timedelta(days=3)
        with database.write() as session:
            session.execute(
                update(Job).where(Job.id == backups[0]).values(created_at=old)
            )

        def shown(**params: str) -> set[UUID]:
            page = signed_in.get(operator.jobs_path, params=params)
            assert page.status_code == 200, page.text
            return {UUID(job_id) for job_id in row_ids(page.text)}

        assert shown(type=str(int(JobType.DAILY_TENANT_BACKUP))) == set(backups)
        assert shown(status=str(int(JobStatus.FAILED))) == set(failed)
        since = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
        assert shown(**{"from": since}) == set(backups[1:] + failed)
        assert shown(to=since) == {backups[0]}
        assert shown(type="7", status="3") == set()

    def test_invalid_filters_are_named_and_nothing_is_listed(
        self, signed_in: httpx.Client, operator: Operator, factory: Factory
    ) -> None:
        factory.jobs(operator.tenant_id, 2)

        page = signed_in.get(
            operator.jobs_path,
            params={"type": "99", "from": "yesterday", "pageSize": "500"},
        )

        assert page.status_code == 400
        assert "&#39;99&#39; is not a known type." in page.text
        assert "is not a date and time" in page.text
        assert "The value must be between 1 and 100." in page.text
        assert 'aria-invalid="true"' in page.text
        assert row_ids(page.text) == []

    @pytest.mark.parametrize(
        ("arrange", "params", "message"),
        [
            (0, {}, "No jobs yet"),
            (3, {"status": "3"}, "No jobs match these filters"),
            (3, {"pageIndex": "9"}, "This page is past the last job"),
        ],
    )
    def test_empty_states_say_why_the_list_is_empty(
        self,
        signed_in: httpx.Client,
        operator: Operator,
        factory: Factory,
        arrange: int,
        params: dict[str, str],
        message: str,
    ) -> None:
        if arrange:
            factory.jobs(operator.tenant_id, arrange)

        page = signed_in.get(operator.jobs_path, params=params)

        assert page.status_code == 200
        assert message in page.text

    def test_a_malformed_tenant_id_is_a_clear_error_page(
        self, signed_in: httpx.Client, operator: Operator
    ) -> None:
        path = f"{PAGE}/customers/{operator.customer_id}/tenants/not-a-guid/jobs"

        page = signed_in.get(path)

        assert page.status_code == 400
        assert "tenant is not a GUID." in page.text
        assert "Request id:" in page.text


class TestJobDetail:
    def test_shows_the_job_with_its_history(
        self, signed_in: httpx.Client, operator: Operator, factory: Factory
    ) -> None:
        [job_id] = factory.jobs(operator.tenant_id, 1, job_type=JobType.RESTORE)

        page = signed_in.get(f"{operator.jobs_path}/{job_id}")

        assert page.status_code == 200
        assert "Restore" in page.text
        assert str(job_id) in page.text
        assert "Created as" in page.text
        assert "Not started" in page.text

    def test_an_unknown_job_is_a_not_found_page(
        self, signed_in: httpx.Client, operator: Operator
    ) -> None:
        page = signed_in.get(f"{operator.jobs_path}/{UUID(int=1)}")

        assert page.status_code == 404
        assert "was not found" in page.text

    def test_the_row_fragment_is_one_table_row(
        self, signed_in: httpx.Client, operator: Operator, factory: Factory
    ) -> None:
        [job_id] = factory.jobs(operator.tenant_id, 1)

        fragment = signed_in.get(f"{operator.jobs_path}/{job_id}/row")

        assert fragment.status_code == 200
        assert fragment.text.strip().startswith(f'<tr id="job-{job_id}"')
        assert "<html" not in fragment.text


def test_static_assets_are_served_by_the_app(signed_in: httpx.Client) -> None:
    for name, kind in (("app.css", "text/css"), ("live.js", "javascript")):
        response = signed_in.get(f"{PAGE}/static/{name}")
        assert response.status_code == 200
        assert kind in response.headers["content-type"]
