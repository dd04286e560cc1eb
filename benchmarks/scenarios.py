"""The requests each scenario sends, built from a generated store's manifest."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import httpx

from benchmarks.dataset import Manifest, TenantRef, add_waiting_jobs
from benchmarks.driver import HttpRequest, lua_string

JOBS_PATH = (
    "/partner/external/v3/bm/customers/{customer}/tenants/{tenant}/process-center/jobs"
)
TENANTS_PATH = "/partner/external/v3/bm/tenants/batch"
TOKEN_PATH = "/connect/token"  # noqa: S105 - a URL path, not a secret
PAGE_SIZE = 100
# pageIndex 20,000 of 100 is the last page of a two-million-job tenant.
DEEP_PAGE = 20_000


@dataclass(frozen=True)
class Scenario:
    """A named load: the requests wrk sends in turn, and what it is compared to."""

    name: str
    title: str
    requests: tuple[HttpRequest, ...]
    # The scenario whose throughput this one's target is a share of.
    baseline: str = "ceiling"
    writes: str | None = field(default=None, compare=False)
    # Makes a fresh ``writes`` script for a run of so many seconds, for writes
    # that use things up (the batch scenario's Waiting jobs).
    prepare: Callable[[float], str] | None = field(default=None, compare=False)
    # Connections, when the scenario's client would hold fewer than the run's.
    connections: int | None = None


def fetch_token(base_url: str, manifest: Manifest) -> str:
    response = httpx.post(
        base_url + TOKEN_PATH,
        data=_token_form(manifest),
        timeout=30,
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


def _token_form(manifest: Manifest) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_id": manifest.client_id,
        "client_secret": manifest.client_secret,
    }


def _jobs_batch(
    tenant: TenantRef,
    token: str,
    *,
    page_index: int = 1,
    page_size: int = PAGE_SIZE,
    body: dict[str, object] | None = None,
) -> HttpRequest:
    path = JOBS_PATH.format(customer=tenant.customer_id, tenant=tenant.tenant_id)
    query = urlencode({"pageIndex": page_index, "pageSize": page_size})
    return HttpRequest(
        "POST",
        f"{path}/batch?{query}",
        json.dumps(body) if body is not None else "",
        token=token,
    )


def read_scenarios(manifest: Manifest, token: str) -> list[Scenario]:
    """The read scenarios, in the order they run."""
    big = manifest.big
    small = manifest.smallest()
    past_end = big.jobs // PAGE_SIZE + 10
    return [
        Scenario(
            "first_page",
            f"First page ({PAGE_SIZE}) of the {big.jobs:,}-job tenant",
            (_jobs_batch(big, token),),
        ),
        Scenario(
            "deep_page",
            f"pageIndex {DEEP_PAGE:,} of the {big.jobs:,}-job tenant",
            (_jobs_batch(big, token, page_index=min(DEEP_PAGE, past_end - 10)),),
            baseline="first_page",
        ),
        Scenario(
            "past_end",
            f"pageIndex {past_end:,}: past the end",
            (_jobs_batch(big, token, page_index=past_end),),
            baseline="first_page",
        ),
        Scenario(
            "id_filter",
            f"{len(manifest.job_ids)}-ID filter on the {big.jobs:,}-job tenant",
            (_jobs_batch(big, token, body={"jobIds": manifest.job_ids}),),
            baseline="first_page",
        ),
        Scenario(
            "small_total",
            f"First page (10) of a {small.jobs:,}-job tenant",
            (_jobs_batch(small, token, page_size=10),),
            baseline="big_total",
        ),
        Scenario(
            "big_total",
            f"First page (10) of the {big.jobs:,}-job tenant",
            (_jobs_batch(big, token, page_size=10),),
            baseline="small_total",
        ),
        Scenario(
            "status_first",
            f"First page (100) of Finished jobs of the {big.jobs:,}-job tenant",
            (_jobs_batch(big, token, body={"statuses": [2]}),),
            baseline="first_page",
        ),
        Scenario(
            "status_deep",
            f"pageIndex 1,000 of Finished jobs of the {big.jobs:,}-job tenant",
            (_jobs_batch(big, token, page_index=1_000, body={"statuses": [2]}),),
            baseline="first_page",
        ),
        Scenario(
            "tenants_batch",
            f"Tenants batch ({PAGE_SIZE} of {len(manifest.tenants):,})",
            (
                HttpRequest(
                    "POST", f"{TENANTS_PATH}?pageSize={PAGE_SIZE}", "", token=token
                ),
            ),
        ),
        Scenario(
            "token",
            "Token issue (client secret)",
            (
                HttpRequest(
                    "POST",
                    TOKEN_PATH,
                    urlencode(_token_form(manifest)),
                    content_type="application/x-www-form-urlencoded",
                ),
            ),
        ),
    ]


def mixed_scenario(manifest: Manifest, token: str) -> Scenario:
    """Reads of every kind over many tenants, for memory under load."""
    tenants = sorted(manifest.tenants, key=lambda tenant: tenant.tenant_id)[:200]
    requests = [_jobs_batch(tenant, token) for tenant in tenants]
    big = manifest.big
    requests += [
        _jobs_batch(big, token, page_index=index) for index in (1, 7, 500, DEEP_PAGE)
    ]
    requests.append(_jobs_batch(big, token, body={"jobIds": manifest.job_ids}))
    requests.append(HttpRequest("POST", f"{TENANTS_PATH}?pageIndex=3", "", token=token))
    return Scenario("mixed", "Mixed reads over 200 tenants", tuple(requests))


_WRITES = """
-- Each job is created, started and finished: a create and two transitions.
-- A response queues its job's next step; the next request sends it.
local tenants = {
%(tenants)s
}
local common = {["Content-Type"] = "application/json", ["Authorization"] = %(auth)s}
local paths = {}
local pending = {}
local turn = 0
transitions = 0

request = function()
  local step = table.remove(pending, 1)
  if step then
    return wrk.format("PATCH", step[1], common, '{"status": ' .. step[2] .. '}')
  end
  turn = turn %% #tenants + 1
  return wrk.format("POST", tenants[turn], common, '{"type": 7}')
end

response = function(status, headers, body)
  local id, state = string.match(body, '^{"jobId":"([%%x%%-]+)","type":%%d+,"status":(%%d)')
  if not id then
    return
  end
  if status == 201 then
    paths[id] = headers["location"] or headers["Location"]
    table.insert(pending, {paths[id], 1})
  elseif status == 200 and paths[id] then
    transitions = transitions + 1
    if state == "1" then
      table.insert(pending, {paths[id], 2})
    else
      paths[id] = nil
    end
  end
end
"""


def write_scenario(manifest: Manifest, token: str, tenants: int = 200) -> Scenario:
    """Jobs created, started and finished over many tenants (the ledger API)."""
    chosen = sorted(manifest.tenants, key=lambda tenant: tenant.tenant_id)[:tenants]
    paths = ",\n".join(
        "  " + lua_string(JOBS_PATH.format(customer=t.customer_id, tenant=t.tenant_id))
        for t in chosen
    )
    script = _WRITES % {"tenants": paths, "auth": lua_string("Bearer " + token)}
    return Scenario(
        "writes",
        f"Job create + 2 transitions over {len(chosen)} tenants (transitions/s)",
        (),
        writes=script,
    )


_WRITES_BATCH = """
-- Each request starts and finishes a run of one tenant's Waiting jobs in one
-- batch: every job twice, status 1 then 2. Jobs are named by the scenario
-- (a prefix per tenant, a counter in hex), so the script needs no lists.
local tenants = {
%(tenants)s
}
local common = {["Content-Type"] = "application/json", ["Authorization"] = %(auth)s}
local per_tenant = %(per_tenant)d
local run = %(run)d
local next_job = {}
local turn = 0
transitions = 0

local function job_id(tenant, number)
  return string.format("%%s%%012x", tenant[2], number %% per_tenant)
end

request = function()
  turn = turn %% #tenants + 1
  local tenant = tenants[turn]
  local first = next_job[turn] or 0
  next_job[turn] = first + run
  local changes = {}
  for status = 1, 2 do
    for number = first, first + run - 1 do
      changes[#changes + 1] = '{"jobId":"' .. job_id(tenant, number)
        .. '","status":' .. status .. '}'
    end
  end
  return wrk.format("POST", tenant[1], common,
    '{"changes":[' .. table.concat(changes, ",") .. ']}')
end

response = function(status, headers, body)
  if status == 200 then
    local _, applied = string.gsub(body, '"status":200', "")
    transitions = transitions + applied
  end
end
"""
# Jobs started and finished per request: 500 changes, the most a batch takes.
BATCH_RUN = 250


@dataclass(frozen=True)
class BatchJobs:
    """The Waiting jobs a batch scenario moves, named so its script can too."""

    tenants: list[TenantRef]
    per_tenant: int
    run_tag: int

    def prefix(self, index: int) -> str:
        return f"{self.run_tag:08x}-{index:04x}-4000-8000-"

    def job_ids(self) -> list[tuple[TenantRef, list[uuid.UUID]]]:
        return [
            (
                tenant,
                [
                    uuid.UUID(f"{self.prefix(index)}{number:012x}")
                    for number in range(self.per_tenant)
                ],
            )
            for index, tenant in enumerate(self.tenants)
        ]


def batch_jobs(manifest: Manifest, seconds: float, tenants: int = 20) -> BatchJobs:
    """Enough Waiting jobs for ``seconds`` at up to 6,000 jobs (12,000
    transitions) per second; past that the script reuses them, and the
    repeated changes are refused (409) and not counted."""
    chosen = sorted(manifest.tenants, key=lambda tenant: tenant.tenant_id)[:tenants]
    per_tenant = max(BATCH_RUN, int(6_000 * seconds / len(chosen)))
    return BatchJobs(chosen, per_tenant, secrets.randbits(32))


def _changes_path(tenant: TenantRef) -> str:
    path = JOBS_PATH.format(customer=tenant.customer_id, tenant=tenant.tenant_id)
    return path + "/changes"


def _batch_script(jobs: BatchJobs, token: str) -> str:
    rows = ",\n".join(
        f"  {{{lua_string(_changes_path(t))}, {lua_string(jobs.prefix(index))}}}"
        for index, t in enumerate(jobs.tenants)
    )
    return _WRITES_BATCH % {
        "tenants": rows,
        "auth": lua_string("Bearer " + token),
        "per_tenant": jobs.per_tenant,
        "run": BATCH_RUN,
    }


def batch_write_scenario(
    manifest: Manifest, token: str, connections: int = 8
) -> Scenario:
    """Jobs started and finished through the batch of changes (the ledger API),
    by a producer holding a few connections. Each run gets Waiting jobs of its
    own, added to the store just before it starts."""

    def prepare(seconds: float) -> str:
        jobs = batch_jobs(manifest, seconds)
        add_waiting_jobs(manifest.database_url, jobs.job_ids())
        return _batch_script(jobs, token)

    return Scenario(
        "writes_batch",
        f"Jobs started + finished, {BATCH_RUN} per batch of changes, "
        f"{connections} connections (transitions/s)",
        (),
        prepare=prepare,
        connections=connections,
    )
