"""A Python client for the Process Center API.

``Client`` and ``AsyncClient`` take the API's base URL, the identity service's
URL (its token endpoint is found by OpenID discovery), a client id, and either
a client secret or a certificate's private key. Every error they raise is a
``ProcessCenterError``.
"""

from httpx import Timeout

from process_center.client._async_client import AsyncClient, AsyncJobs, AsyncTenants
from process_center.client._calls import Call
from process_center.client._client import Client, Jobs, Tenants
from process_center.client._credentials import (
    ClientCertificate,
    ClientSecret,
    Credentials,
)
from process_center.client._errors import (
    APIError,
    BadRequest,
    Conflict,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ProcessCenterError,
    RateLimited,
    ServerError,
    ServiceUnavailable,
    TokenError,
    TransportError,
    Unauthorized,
    UnexpectedResponse,
    WaitTimedOut,
)
from process_center.client._models import (
    Change,
    Job,
    JobStatus,
    JobType,
    JobUpdate,
    JobUpdateResult,
    Page,
    Tenant,
    Trigger,
    UpdateProblem,
)
from process_center.client._retry import NO_RETRIES, Retries

__all__ = [
    "NO_RETRIES",
    "APIError",
    "AsyncClient",
    "AsyncJobs",
    "AsyncTenants",
    "BadRequest",
    "Call",
    "Change",
    "Client",
    "ClientCertificate",
    "ClientSecret",
    "Conflict",
    "Credentials",
    "Job",
    "JobStatus",
    "JobType",
    "JobUpdate",
    "JobUpdateResult",
    "Jobs",
    "NotFound",
    "Page",
    "PermissionDenied",
    "PreconditionFailed",
    "ProcessCenterError",
    "RateLimited",
    "Retries",
    "ServerError",
    "ServiceUnavailable",
    "Tenant",
    "Tenants",
    "Timeout",
    "TokenError",
    "TransportError",
    "Trigger",
    "Unauthorized",
    "UnexpectedResponse",
    "UpdateProblem",
    "WaitTimedOut",
]
