"""Wire shapes, for the OpenAPI document. The hot routes write JSON directly,
and tests hold them to these shapes."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from process_center.ledger.service import MAX_CHANGES


class JobsBatchRequest(BaseModel):
    jobIds: list[str] | None = Field(
        default=None,
        description="Only these jobs (GUIDs, any letter case). Absent, null or empty: all jobs.",
        max_length=1000,
    )
    statuses: list[int] | None = Field(
        default=None, description="Only jobs in these statuses (0..5)."
    )
    types: list[int] | None = Field(
        default=None, description="Only jobs of these types (1..10)."
    )
    createdAfter: str | None = Field(
        default=None,
        description="Only jobs created at or after this ISO 8601 time (with zone).",
    )
    createdBefore: str | None = Field(
        default=None,
        description="Only jobs created before this ISO 8601 time (with zone).",
    )
    include: list[Literal["times", "trigger", "progress"]] | None = Field(
        default=None,
        description=(
            "Extra item fields: times (createdAt, startedAt, finishedAt), "
            "trigger, progress (progress, message). Absent: the documented "
            "jobId, type, status only."
        ),
    )


class JobItem(BaseModel):
    jobId: str = Field(description="The ID of the job.")
    type: int = Field(ge=1, le=10, description="1 Apply baseline ... 10 Restore.")
    status: int = Field(
        ge=0, le=5, description="0 Waiting ... 5 Finished with exception."
    )


class PageMetadata(BaseModel):
    pageIndex: int
    pageSize: int
    totalCount: int


class JobsBatchResponse(BaseModel):
    data: list[JobItem]
    metadata: PageMetadata


class TenantsBatchRequest(BaseModel):
    tenantIds: list[str] | None = Field(default=None, max_length=1000)


class TenantItem(BaseModel):
    tenantId: str
    tenantName: str
    customerId: str
    status: int


class TenantsBatchResponse(BaseModel):
    data: list[TenantItem]
    metadata: PageMetadata


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    requestId: str | None = None
    errors: dict[str, list[str]] | None = None


class TokenResponse(BaseModel):
    access_token: str
    expires_in: int
    token_type: str
    scope: str


class OAuthErrorResponse(BaseModel):
    error: str
    error_description: str | None = None


def problem_responses(*statuses: int) -> dict[int | str, dict[str, object]]:
    descriptions = {
        400: "The request is not valid; `errors` names each field.",
        401: "The access token is missing, malformed, expired or revoked.",
        403: "The app lacks the permission, or the customer is outside its scope.",
        404: "The customer or tenant does not exist for this partner.",
        408: "The request body did not arrive in time.",
        409: "The request conflicts with the current state.",
        412: "The If-Match version is stale.",
        413: "The request body is too large.",
        415: "The request body is not JSON.",
        429: "Too many requests; retry after Retry-After seconds.",
        500: "An unexpected error; quote the request id.",
        503: "The service or its store is unavailable; retry after Retry-After seconds.",
    }
    return {
        status: {
            "description": descriptions[status],
            "content": {
                "application/problem+json": {
                    "schema": {"$ref": "#/components/schemas/Problem"}
                }
            },
        }
        for status in statuses
    }


PAGING_PARAMETERS: list[dict[str, Any]] = [
    {
        "name": "pageIndex",
        "in": "query",
        "required": False,
        "description": "The index of the page to retrieve. The default value is 1.",
        "schema": {"type": "integer", "format": "int64", "minimum": 1, "default": 1},
    },
    {
        "name": "pageSize",
        "in": "query",
        "required": False,
        "description": "The number of records per page, 1 to 100. The default value is 50.",
        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
    },
]


def json_request_body(model: type) -> dict[str, Any]:
    return {
        "required": False,
        "content": {
            "application/json": {
                "schema": {"$ref": f"#/components/schemas/{model.__name__}"}
            }
        },
    }


class JobCreateRequest(BaseModel):
    """A new job. With a `jobId`, repeating the same request is safe."""

    model_config = ConfigDict(extra="forbid", strict=True)

    type: int = Field(ge=1, le=10, description="1 Apply baseline ... 10 Restore.")
    jobId: UUID | None = Field(
        default=None,
        strict=False,
        description="The job's ID, chosen by the caller to make the create idempotent.",
    )
    trigger: Literal["app", "schedule"] = Field(
        default="app",
        description="What started the job: the calling app itself, or a schedule it runs.",
    )
    message: str | None = Field(default=None, max_length=2000)


class JobPatchRequest(BaseModel):
    """A move of the job's status, progress or message; give at least one."""

    model_config = ConfigDict(extra="forbid", strict=True)

    status: int | None = Field(
        default=None, ge=0, le=5, description="The status to move to."
    )
    progress: int | None = Field(
        default=None, ge=0, le=100, description="Percent done; null clears it."
    )
    message: str | None = Field(
        default=None, max_length=2000, description="A short note; null clears it."
    )


class JobTrigger(BaseModel):
    kind: str = Field(description="app, operator, schedule or system.")
    ref: str | None = Field(description="The app's client id or the operator's email.")


class JobHistoryEntry(BaseModel):
    eventId: int
    fromStatus: int | None
    status: int
    progress: int | None
    message: str | None
    actor: str | None
    occurredAt: str


class JobStateResponse(BaseModel):
    jobId: str
    type: int
    status: int
    progress: int | None
    message: str | None
    trigger: JobTrigger
    createdAt: str
    startedAt: str | None
    finishedAt: str | None
    version: int = Field(
        description="Grows with every change; the ETag is its quoted value."
    )


class JobDetailResponse(JobStateResponse):
    history: list[JobHistoryEntry]


class JobChangeItem(JobPatchRequest):
    """One change of a batch: a PATCH body with the job it is for."""

    jobId: UUID = Field(strict=False, description="The job to change.")
    ifMatch: int | None = Field(
        default=None,
        ge=1,
        description="The version the job must be at (its ETag, unquoted); "
        "otherwise this change is refused with 412.",
    )

    @model_validator(mode="after")
    def _changes_something(self) -> JobChangeItem:
        if not self.model_fields_set & {"status", "progress", "message"}:
            raise ValueError("give at least one of status, progress, message")
        return self


class JobChangesRequest(BaseModel):
    """Changes to apply in order, in one transaction."""

    model_config = ConfigDict(extra="forbid", strict=True)

    changes: list[JobChangeItem] = Field(
        min_length=1,
        max_length=MAX_CHANGES,
        description="Applied in order; a job may appear more than once.",
    )


class ItemProblem(BaseModel):
    type: str
    title: str
    status: int
    detail: str


class JobChangeResult(BaseModel):
    jobId: str
    status: int = Field(description="200 applied; 404, 409 or 412 refused.")
    job: JobStateResponse | None = Field(
        default=None, description="The job as this change left it (when 200)."
    )
    problem: ItemProblem | None = Field(
        default=None, description="Why the change was refused (otherwise)."
    )


class JobChangesResponse(BaseModel):
    results: list[JobChangeResult] = Field(description="One per change, in order.")


# Any request can meet these: a slow or oversized body, a fault of ours, the
# store away. Calls that carry credentials can also be rate limited.
_ANY_OPERATION = (408, 413, 500, 503)
_CREDENTIALED = (429,)
BEARER_SCHEME = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


def complete_responses(document: dict[str, Any]) -> None:
    """Make every operation list each status it can answer with.

    FastAPI documents its own 422, which this API never sends: validation
    failures are 400 problems. Operations whose 401 is a problem document are
    guarded by a bearer token, and say so.
    """
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            _complete_operation(operation)
    schemes = document.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes.setdefault("bearerAuth", BEARER_SCHEME)
    schemas = document["components"].get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)


def _complete_operation(operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    responses.pop("422", None)
    statuses: tuple[int, ...] = _ANY_OPERATION
    if "401" in responses:
        statuses = (*statuses, *_CREDENTIALED)
        if "application/problem+json" in responses["401"].get("content", {}):
            operation.setdefault("security", [{"bearerAuth": []}])
    for status, response in problem_responses(*statuses).items():
        responses.setdefault(str(status), response)
