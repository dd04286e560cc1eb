"""per-tenant, per-status job counts for the listing's status filter

Revision ID: 0004_status_counts
Revises: 0003_ledger
Create Date: 2026-12-03 20:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_status_counts"
down_revision = "0003_ledger"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tenant_status_counts",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.SmallInteger(), nullable=False),
        sa.Column("job_count", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tenant_id", "status"),
    )
    # The jobs already stored are counted once; every write from this version
    # on keeps the counts. A server of an earlier version writing jobs at the
    # same time would not, so upgrades stop those first (docs/operations.md).
    op.execute(
        "INSERT INTO tenant_status_counts (tenant_id, status, job_count) "
        "SELECT tenant_id, status, count(*) FROM jobs GROUP BY tenant_id, status"
    )


def downgrade() -> None:
    op.drop_table("tenant_status_counts")
