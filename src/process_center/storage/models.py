"""Tables. Every ID the API shows is a GUID; SQLite stores it as 32 hex digits."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """A stored moment, made aware: SQLite hands back naive UTC datetimes."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


GuidPK = Annotated[uuid.UUID, mapped_column(Uuid, primary_key=True, default=uuid.uuid4)]
Name = Annotated[str, mapped_column(String(200))]
Timestamp = Annotated[datetime, mapped_column(DateTime(timezone=True), default=utcnow)]
OptionalTimestamp = Annotated[datetime | None, mapped_column(DateTime(timezone=True))]


class Base(DeclarativeBase):
    pass


class Partner(Base):
    __tablename__ = "partners"

    id: Mapped[GuidPK]
    name: Mapped[Name]
    created_at: Mapped[Timestamp]


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (Index("ix_customers_partner", "partner_id"),)

    id: Mapped[GuidPK]
    partner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE")
    )
    organization: Mapped[Name]
    created_at: Mapped[Timestamp]


class CustomerGroup(Base):
    __tablename__ = "customer_groups"
    __table_args__ = (Index("ix_customer_groups_partner", "partner_id"),)

    id: Mapped[GuidPK]
    partner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE")
    )
    name: Mapped[Name]
    created_at: Mapped[Timestamp]


class CustomerGroupMember(Base):
    __tablename__ = "customer_group_members"

    group_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customer_groups.id", ondelete="CASCADE"), primary_key=True
    )
    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )


class Tenant(Base):
    """A customer's Microsoft 365 tenant, with the counters its job paging needs.

    Jobs of a tenant are numbered 1, 2, 3... in ``jobs.seq``. ``job_seq`` is the
    last number handed out, ``job_floor`` the number below which every job has
    been purged, and ``job_count`` the jobs that exist. While
    ``job_count == job_seq - job_floor`` the numbers are dense, so the page at
    any depth is a range lookup and the total needs no counting.
    """

    __tablename__ = "tenants"
    __table_args__ = (Index("ix_tenants_customer", "customer_id"),)

    id: Mapped[GuidPK]
    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE")
    )
    name: Mapped[Name]
    status: Mapped[int] = mapped_column(SmallInteger, default=1)
    job_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    job_floor: Mapped[int] = mapped_column(BigInteger, default=0)
    job_count: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[Timestamp]


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        UniqueConstraint("tenant_id", "seq", name="uq_jobs_tenant_seq"),
        Index("ix_jobs_tenant_status_seq", "tenant_id", "status", "seq"),
        Index("ix_jobs_finished_at", "finished_at"),
        # For the batch listing's optional filters (statuses use the index above).
        Index("ix_jobs_tenant_type_seq", "tenant_id", "type", "seq"),
        Index("ix_jobs_tenant_created", "tenant_id", "created_at"),
    )

    id: Mapped[GuidPK]
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE")
    )
    seq: Mapped[int] = mapped_column(BigInteger)
    type: Mapped[int] = mapped_column(SmallInteger)
    status: Mapped[int] = mapped_column(SmallInteger, default=0)
    progress: Mapped[int | None] = mapped_column(SmallInteger)
    message: Mapped[str | None] = mapped_column(String(2000))
    # Who or what started the job: "app", "operator", "schedule" or "system",
    # with the app's client id or the operator's email where there is one.
    trigger_kind: Mapped[str] = mapped_column(String(20), default="system")
    trigger_ref: Mapped[str | None] = mapped_column(String(320))
    # Digest of the create request, so a repeated create can be told apart
    # from a conflicting one.
    create_digest: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[Timestamp]
    started_at: Mapped[OptionalTimestamp]
    finished_at: Mapped[OptionalTimestamp]


class TenantStatusCount(Base):
    """How many of a tenant's jobs are in one status.

    Kept in the same transaction as every write that adds, moves or removes
    a job, so a listing filtered by status alone takes its ``totalCount``
    from here instead of counting a big tenant's jobs on every request.
    """

    __tablename__ = "tenant_status_counts"

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    job_count: Mapped[int] = mapped_column(BigInteger, default=0)


class JobEvent(Base):
    """One change of a job: its history, and the feed of live updates."""

    __tablename__ = "job_events"
    __table_args__ = (
        Index("ix_job_events_job", "job_id", "id"),
        Index("ix_job_events_tenant", "tenant_id", "id"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    )
    job_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    from_status: Mapped[int | None] = mapped_column(SmallInteger)
    to_status: Mapped[int] = mapped_column(SmallInteger)
    progress: Mapped[int | None] = mapped_column(SmallInteger)
    message: Mapped[str | None] = mapped_column(String(2000))
    actor: Mapped[str | None] = mapped_column(String(320))
    occurred_at: Mapped[Timestamp]


class AppRegistration(Base):
    """An API app registration: who may call, with which permissions, for whom.

    ``customer_scope`` is "all", or "selected" for the customers listed in
    app_customers and the members of the groups listed in app_groups.
    """

    __tablename__ = "app_registrations"
    __table_args__ = (Index("ix_apps_partner", "partner_id"),)

    id: Mapped[GuidPK]
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    partner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE")
    )
    name: Mapped[Name]
    customer_scope: Mapped[str] = mapped_column(String(20), default="all")
    created_at: Mapped[Timestamp]

    permissions: Mapped[list[AppPermission]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )


class AppPermission(Base):
    __tablename__ = "app_permissions"

    app_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("app_registrations.id", ondelete="CASCADE"), primary_key=True
    )
    permission: Mapped[str] = mapped_column(String(100), primary_key=True)


class AppCustomer(Base):
    __tablename__ = "app_customers"

    app_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("app_registrations.id", ondelete="CASCADE"), primary_key=True
    )
    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )


class AppGroup(Base):
    __tablename__ = "app_groups"

    app_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("app_registrations.id", ondelete="CASCADE"), primary_key=True
    )
    group_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customer_groups.id", ondelete="CASCADE"), primary_key=True
    )


class ClientSecret(Base):
    """A client secret, kept only as an argon2id hash."""

    __tablename__ = "client_secrets"
    __table_args__ = (Index("ix_client_secrets_app", "app_id"),)

    id: Mapped[GuidPK]
    app_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("app_registrations.id", ondelete="CASCADE")
    )
    secret_hash: Mapped[str] = mapped_column(String(200))
    # The first characters, so an operator can tell secrets apart in a list.
    hint: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[Timestamp]
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ClientCertificate(Base):
    """An uploaded X.509 certificate whose key signs client assertions."""

    __tablename__ = "client_certificates"
    __table_args__ = (
        Index("ix_client_certificates_app", "app_id"),
        UniqueConstraint("app_id", "thumbprint", name="uq_client_certificates_thumb"),
    )

    id: Mapped[GuidPK]
    app_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("app_registrations.id", ondelete="CASCADE")
    )
    thumbprint: Mapped[str] = mapped_column(String(64))
    certificate_der: Mapped[bytes] = mapped_column(LargeBinary)
    subject: Mapped[str] = mapped_column(String(500))
    not_before: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    not_after: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[Timestamp]


class UsedAssertion(Base):
    """A client assertion's ``jti``, kept until the assertion expires (RFC 7523 3)."""

    __tablename__ = "used_assertions"
    __table_args__ = (Index("ix_used_assertions_expires", "expires_at"),)

    client_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    jti: Mapped[str] = mapped_column(String(200), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SigningKey(Base):
    """A key that signs access tokens. Retired keys stay published until
    every token they signed has expired."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(10), default="RS256")
    private_key_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[Timestamp]
    retired_at: Mapped[OptionalTimestamp]


class Operator(Base):
    """A partner's person who signs in to the Process Center page."""

    __tablename__ = "operators"

    id: Mapped[GuidPK]
    partner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE")
    )
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[OptionalTimestamp]
    created_at: Mapped[Timestamp]


class OperatorSession(Base):
    """A signed-in browser. The cookie carries a random token; only its
    SHA-256 is stored, so a copy of the table signs nobody in."""

    __tablename__ = "operator_sessions"
    __table_args__ = (Index("ix_operator_sessions_operator", "operator_id"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    operator_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("operators.id", ondelete="CASCADE")
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[Timestamp]
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
