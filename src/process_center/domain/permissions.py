"""Permission names an app registration can hold."""

from __future__ import annotations

from typing import Final

TENANT_READ: Final = "elements.bm.tenant.read.all"
TENANT_READWRITE: Final = "elements.bm.tenant.readwrite.all"
BASELINE_READ: Final = "elements.bm.baseline.read.all"
BASELINE_READWRITE: Final = "elements.bm.baseline.readwrite.all"
CUSTOMERS_READ: Final = "elements.customers.read.all"

KNOWN_PERMISSIONS: Final = frozenset(
    {TENANT_READ, TENANT_READWRITE, BASELINE_READ, BASELINE_READWRITE, CUSTOMERS_READ}
)

# Either tenant permission lets a caller read jobs and tenants.
READ_TENANTS: Final = frozenset({TENANT_READ, TENANT_READWRITE})
WRITE_TENANTS: Final = frozenset({TENANT_READWRITE})


def unknown_permissions(names: list[str] | set[str]) -> list[str]:
    return sorted(set(names) - KNOWN_PERMISSIONS)
