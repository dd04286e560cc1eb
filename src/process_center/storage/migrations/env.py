"""Alembic environment: runs against the connection handed in by ``migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from process_center.storage.models import Base

# Any number to tell our lock apart from others in the same database.
_MIGRATION_LOCK_KEY = 7_411_902


def run_migrations() -> None:
    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Several server processes may start at once on one database;
            # only one of them migrates, the others wait and find it done.
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
            )
        context.run_migrations()


run_migrations()
