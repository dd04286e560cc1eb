"""The domain's exceptions. The HTTP layer maps each to a status in one place.

DomainError
├── NotFound            an entity does not exist or is not visible to the caller
├── InvalidInput        a value breaks a rule of the domain (carries per-field errors)
├── Conflict            the request contradicts the current state
│   └── IllegalTransition   a job cannot move between the two statuses
├── PreconditionFailed  an If-Match version is stale
└── Forbidden           the caller is authenticated but not allowed
"""

from __future__ import annotations


class DomainError(Exception):
    """Root of the domain's exceptions."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    pass


class InvalidInput(DomainError):
    def __init__(self, detail: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(detail)
        self.errors = errors or {}


class Conflict(DomainError):
    pass


class IllegalTransition(Conflict):
    pass


class PreconditionFailed(DomainError):
    pass


class Forbidden(DomainError):
    pass
