"""The page in headless Chromium: sign in, filter, page, watch a job change
status without a reload, and sign out. Screenshots go to test-artifacts/."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from process_center.domain.jobs import JobStatus, JobType
from process_center.ledger.service import (
    JobChange,
    Ledger,
    NewJob,
    TenantScope,
    Trigger,
)
from process_center.storage.database import Database
from tests.conftest import LiveServer
from tests.factories import Factory
from tests.web.conftest import PAGE, Operator

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TIMEOUT_MS = 10_000


# Module scope, not session: while Playwright's sync API is open it holds an
# event loop on the main thread, and other modules' asyncio tests need it free.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium", pytrace=False)
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 860}
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


def screenshot(page: Page, name: str, request: pytest.FixtureRequest) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    backend = request.node.callspec.params.get("database_url", "store")
    page.screenshot(path=ARTIFACTS / f"{name}-{backend}.png", full_page=True)


def test_sign_in_pick_a_tenant_filter_page_and_sign_out(
    page: Page,
    operator: Operator,
    factory: Factory,
    request: pytest.FixtureRequest,
) -> None:
    factory.jobs(operator.tenant_id, 14, job_type=JobType.DAILY_TENANT_BACKUP)
    factory.jobs(
        operator.tenant_id, 3, job_type=JobType.APPLY_BASELINE, status=JobStatus.FAILED
    )
    page.goto(f"{PAGE}/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    screenshot(page, "sign-in", request)

    page.get_by_label("Email").fill(operator.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "The email or password is not right"
    )
    page.get_by_label("Password").fill(operator.password)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", name="Customers and tenants")).to_be_visible()
    screenshot(page, "picker", request)

    page.get_by_role("link", name="contoso.onmicrosoft.com").click()
    rows = page.locator("table.jobs tbody tr")
    expect(rows).to_have_count(17)
    expect(page.get_by_text("Showing 1\u201317 of 17 jobs.")).to_be_visible()

    page.get_by_label("Status").select_option(label="Failed")
    page.get_by_role("button", name="Apply").click()
    expect(rows).to_have_count(3)
    expect(rows.first.locator(".badge")).to_have_text("Failed")
    expect(page.get_by_text("matching the filters")).to_be_visible()
    screenshot(page, "jobs-filtered", request)

    page.get_by_role("link", name="Clear filters").click()
    page.get_by_label("Per page").select_option("10")
    page.get_by_role("button", name="Apply").click()
    expect(rows).to_have_count(10)
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    page.get_by_role("link", name="Older").click()
    expect(rows).to_have_count(7)
    expect(page.get_by_text("Showing 11\u201317 of 17 jobs.")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    page.go_back()
    page.reload()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def sign_in_page(page: Page, operator: Operator) -> None:
    page.goto(f"{PAGE}/sign-in")
    page.get_by_label("Email").fill(operator.email)
    page.get_by_label("Password").fill(operator.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Customers and tenants")).to_be_visible()


def test_a_job_changes_status_on_screen_while_the_page_is_open(
    page: Page,
    operator: Operator,
    factory: Factory,
    database: Database,
    request: pytest.FixtureRequest,
) -> None:
    factory.jobs(
        operator.tenant_id, 4, job_type=JobType.DETECT_DRIFT, status=JobStatus.FINISHED
    )
    [job_id] = factory.jobs(operator.tenant_id, 1, job_type=JobType.DEPLOY)
    scope = TenantScope(operator.partner_id, operator.customer_id, operator.tenant_id)
    ledger = Ledger(database)
    sign_in_page(page, operator)
    page.goto(operator.jobs_path)
    expect(page.locator("#live-status")).to_have_text("Live")
    # Survives only if the page is never reloaded.
    page.evaluate("window.stillTheSamePage = true")
    badge = page.locator(f"#job-{job_id} .badge")
    expect(badge).to_have_text("Waiting")

    ledger.change(scope, job_id, JobChange(status=JobStatus.IN_PROGRESS, progress=40))
    expect(badge).to_have_text("In progress")
    expect(page.locator(f"#job-{job_id}")).to_contain_text("40%")
    ledger.change(scope, job_id, JobChange(status=JobStatus.FINISHED, progress=100))
    expect(badge).to_have_text("Finished")
    expect(page.locator(f"#job-{job_id} td.duration")).not_to_contain_text(
        "Not started"
    )

    ledger.create(scope, NewJob(JobType.DAILY_TENANT_BACKUP, Trigger("schedule")))
    expect(page.locator("#new-jobs")).to_be_visible()
    assert page.evaluate("window.stillTheSamePage") is True
    screenshot(page, "jobs-live", request)

    page.get_by_role("link", name="Deploy").click()
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    expect(page.locator(".history li")).to_have_count(3)
    screenshot(page, "job-detail", request)


def test_narrow_screen_shows_jobs_as_cards_without_sideways_scrolling(
    browser: Browser,
    live_server: LiveServer,
    operator: Operator,
    factory: Factory,
    request: pytest.FixtureRequest,
) -> None:
    factory.jobs(operator.tenant_id, 3, job_type=JobType.RESTORE_TO_SPECIFIC_DATE)
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 360, "height": 740}
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        sign_in_page(page, operator)
        page.goto(operator.jobs_path)
        expect(page.locator("table.jobs tbody tr")).to_have_count(3)

        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        label = page.locator("table.jobs td[data-label='Status']").first
        assert "Status" in label.evaluate(
            "cell => getComputedStyle(cell, '::before').content"
        )
        screenshot(page, "jobs-narrow", request)
    finally:
        context.close()


def test_the_page_works_from_the_keyboard(page: Page, operator: Operator) -> None:
    page.goto(f"{PAGE}/sign-in")
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.type(operator.email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(operator.password)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Customers and tenants")).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()

    page.get_by_role("link", name="contoso.onmicrosoft.com").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Jobs")
    page.get_by_label("Status").focus()
    expect(page.locator("#filter-status")).to_be_focused()
    outline = page.locator("#filter-status").evaluate(
        "element => getComputedStyle(element).outlineStyle"
    )
    assert outline != "none"
