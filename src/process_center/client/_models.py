"""Typed views of what the API returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel

from process_center.client._errors import UnexpectedResponse
from process_center.domain.jobs import JobStatus, JobType

__all__ = [
    "Change",
    "Job",
    "JobStatus",
    "JobType",
    "JobUpdate",
    "JobUpdateResult",
    "Page",
    "Tenant",
    "Trigger",
    "UpdateProblem",
]


class _Wire(BaseModel):
    # Fields arrive in camelCase; fields this client does not know are ignored
    # so a newer server does not break an older client.
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="ignore"
    )


class Trigger(_Wire):
    """What started a job: ``kind`` app, operator, schedule or system; ``ref``
    the app's client id or the operator's email."""

    kind: str
    ref: str | None = None


class Change(_Wire):
    """One entry of a job's history."""

    event_id: int
    from_status: JobStatus | None = None
    status: JobStatus
    progress: int | None = None
    message: str | None = None
    actor: str | None = None
    occurred_at: datetime


class Job(_Wire):
    """A job. The batch listing fills ``job_id``, ``type`` and ``status``; the
    job's own resource adds times, progress, trigger, version and history."""

    job_id: UUID
    type: JobType
    status: JobStatus
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    progress: int | None = None
    message: str | None = None
    trigger: Trigger | None = None
    version: int | None = None
    history: list[Change] | None = None
    etag: str | None = None

    @property
    def is_terminal(self) -> bool:
        return self.status.is_terminal


@dataclass(frozen=True, slots=True)
class JobUpdate:
    """One change of a batch sent with ``update_many``: what a single ``update``
    takes, with the job it is for. ``if_match`` is the version the job must be
    at (its ETag without the quotes)."""

    job_id: UUID | str
    status: JobStatus | int | None = None
    progress: int | None = None
    message: str | None = None
    if_match: int | None = None

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"jobId": str(self.job_id)}
        if self.status is not None:
            body["status"] = int(JobStatus(self.status))
        if self.progress is not None:
            body["progress"] = self.progress
        if self.message is not None:
            body["message"] = self.message
        if len(body) == 1:
            raise ValueError(
                f"Give the change of job {self.job_id} a status, progress or message."
            )
        if self.if_match is not None:
            body["ifMatch"] = self.if_match
        return body


class UpdateProblem(_Wire):
    """Why the server refused one change of a batch."""

    status: int
    title: str
    detail: str


class JobUpdateResult(_Wire):
    """The outcome of one change of a batch: ``status`` 200 and the ``job`` as
    it left it (without history), or 404, 409 or 412 and the ``problem``."""

    job_id: UUID
    status: int
    job: Job | None = None
    problem: UpdateProblem | None = None

    @property
    def applied(self) -> bool:
        return self.status == 200


class Tenant(_Wire):
    """A tenant the app may see, as tenant discovery lists it."""

    tenant_id: UUID
    tenant_name: str
    customer_id: UUID
    status: int


ItemT = TypeVar("ItemT", bound=_Wire)


@dataclass(frozen=True, slots=True)
class Page(Generic[ItemT]):
    """One page of a listing and the number of matches across all pages."""

    items: list[ItemT]
    page_index: int
    page_size: int
    total_count: int

    @property
    def is_last(self) -> bool:
        return (
            len(self.items) < self.page_size
            or self.page_index * self.page_size >= self.total_count
        )


class _Metadata(_Wire):
    page_index: int
    page_size: int
    total_count: int


def parse_model(model: type[ItemT], document: Any, what: str) -> ItemT:
    try:
        return model.model_validate(document)
    except ValidationError as error:
        raise UnexpectedResponse(
            f"The server sent a malformed {what}: {error}"
        ) from None


def parse_page(model: type[ItemT], document: Any) -> Page[ItemT]:
    if not isinstance(document, dict) or not isinstance(document.get("data"), list):
        raise UnexpectedResponse("The server sent a page without a 'data' array.")
    metadata = parse_model(_Metadata, document.get("metadata"), "page metadata")
    return Page(
        items=[parse_model(model, item, model.__name__) for item in document["data"]],
        page_index=metadata.page_index,
        page_size=metadata.page_size,
        total_count=metadata.total_count,
    )
