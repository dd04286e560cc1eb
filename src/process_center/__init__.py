"""Process Center: the ledger of jobs run against customers' Microsoft 365 tenants."""

__version__ = "0.1.0"
