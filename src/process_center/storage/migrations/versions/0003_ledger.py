"""indexes for the batch listing's filters by type and creation time

Revision ID: 0003_ledger
Revises: 0002_web
Create Date: 2026-12-03 17:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0003_ledger"
down_revision = "0002_web"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_jobs_tenant_type_seq", "jobs", ["tenant_id", "type", "seq"], unique=False
    )
    op.create_index(
        "ix_jobs_tenant_created", "jobs", ["tenant_id", "created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_jobs_tenant_created", table_name="jobs")
    op.drop_index("ix_jobs_tenant_type_seq", table_name="jobs")
