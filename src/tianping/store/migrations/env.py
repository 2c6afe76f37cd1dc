"""Alembic environment: the connection is handed in by `tianping.store.open_store`."""

from __future__ import annotations

from alembic import context

from tianping.store._tables import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when run through the alembic CLI
    raise RuntimeError("run migrations through tianping.store.open_store()")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
