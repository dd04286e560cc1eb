"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-12-03 16:50:45.756461
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", sa.SmallInteger(), nullable=True),
        sa.Column("to_status", sa.SmallInteger(), nullable=False),
        sa.Column("progress", sa.SmallInteger(), nullable=True),
        sa.Column("message", sa.String(length=2000), nullable=True),
        sa.Column("actor", sa.String(length=320), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("job_events", schema=None) as batch_op:
        batch_op.create_index("ix_job_events_job", ["job_id", "id"], unique=False)
        batch_op.create_index("ix_job_events_tenant", ["tenant_id", "id"], unique=False)

    op.create_table(
        "partners",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("algorithm", sa.String(length=10), nullable=False),
        sa.Column("private_key_pem", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("kid"),
    )
    op.create_table(
        "used_assertions",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("jti", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("client_id", "jti"),
    )
    with op.batch_alter_table("used_assertions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_used_assertions_expires", ["expires_at"], unique=False
        )

    op.create_table(
        "app_registrations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("customer_scope", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id"),
    )
    with op.batch_alter_table("app_registrations", schema=None) as batch_op:
        batch_op.create_index("ix_apps_partner", ["partner_id"], unique=False)

    op.create_table(
        "customer_groups",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("customer_groups", schema=None) as batch_op:
        batch_op.create_index(
            "ix_customer_groups_partner", ["partner_id"], unique=False
        )

    op.create_table(
        "customers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index("ix_customers_partner", ["partner_id"], unique=False)

    op.create_table(
        "operators",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("failed_sign_ins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "app_customers",
        sa.Column("app_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"], ["app_registrations.id"], ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("app_id", "customer_id"),
    )
    op.create_table(
        "app_groups",
        sa.Column("app_id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"], ["app_registrations.id"], ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["customer_groups.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("app_id", "group_id"),
    )
    op.create_table(
        "app_permissions",
        sa.Column("app_id", sa.Uuid(), nullable=False),
        sa.Column("permission", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"], ["app_registrations.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("app_id", "permission"),
    )
    op.create_table(
        "client_certificates",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("app_id", sa.Uuid(), nullable=False),
        sa.Column("thumbprint", sa.String(length=64), nullable=False),
        sa.Column("certificate_der", sa.LargeBinary(), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"], ["app_registrations.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "app_id", "thumbprint", name="uq_client_certificates_thumb"
        ),
    )
    with op.batch_alter_table("client_certificates", schema=None) as batch_op:
        batch_op.create_index("ix_client_certificates_app", ["app_id"], unique=False)

    op.create_table(
        "client_secrets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("app_id", sa.Uuid(), nullable=False),
        sa.Column("secret_hash", sa.String(length=200), nullable=False),
        sa.Column("hint", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"], ["app_registrations.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("client_secrets", schema=None) as batch_op:
        batch_op.create_index("ix_client_secrets_app", ["app_id"], unique=False)

    op.create_table(
        "customer_group_members",
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["group_id"], ["customer_groups.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("group_id", "customer_id"),
    )
    op.create_table(
        "tenants",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.SmallInteger(), nullable=False),
        sa.Column("job_seq", sa.BigInteger(), nullable=False),
        sa.Column("job_floor", sa.BigInteger(), nullable=False),
        sa.Column("job_count", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.create_index("ix_tenants_customer", ["customer_id"], unique=False)

    op.create_table(
        "jobs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.SmallInteger(), nullable=False),
        sa.Column("status", sa.SmallInteger(), nullable=False),
        sa.Column("progress", sa.SmallInteger(), nullable=True),
        sa.Column("message", sa.String(length=2000), nullable=True),
        sa.Column("trigger_kind", sa.String(length=20), nullable=False),
        sa.Column("trigger_ref", sa.String(length=320), nullable=True),
        sa.Column("create_digest", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "seq", name="uq_jobs_tenant_seq"),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_finished_at", ["finished_at"], unique=False)
        batch_op.create_index(
            "ix_jobs_tenant_status_seq", ["tenant_id", "status", "seq"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_tenant_status_seq")
        batch_op.drop_index("ix_jobs_finished_at")

    op.drop_table("jobs")
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.drop_index("ix_tenants_customer")

    op.drop_table("tenants")
    op.drop_table("customer_group_members")
    with op.batch_alter_table("client_secrets", schema=None) as batch_op:
        batch_op.drop_index("ix_client_secrets_app")

    op.drop_table("client_secrets")
    with op.batch_alter_table("client_certificates", schema=None) as batch_op:
        batch_op.drop_index("ix_client_certificates_app")

    op.drop_table("client_certificates")
    op.drop_table("app_permissions")
    op.drop_table("app_groups")
    op.drop_table("app_customers")
    op.drop_table("operators")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_partner")

    op.drop_table("customers")
    with op.batch_alter_table("customer_groups", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_groups_partner")

    op.drop_table("customer_groups")
    with op.batch_alter_table("app_registrations", schema=None) as batch_op:
        batch_op.drop_index("ix_apps_partner")

    op.drop_table("app_registrations")
    with op.batch_alter_table("used_assertions", schema=None) as batch_op:
        batch_op.drop_index("ix_used_assertions_expires")

    op.drop_table("used_assertions")
    op.drop_table("signing_keys")
    op.drop_table("partners")
    with op.batch_alter_table("job_events", schema=None) as batch_op:
        batch_op.drop_index("ix_job_events_tenant")
        batch_op.drop_index("ix_job_events_job")

    op.drop_table("job_events")
