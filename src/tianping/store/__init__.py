"""Persistence: SQLite by default, PostgreSQL in production, Alembic migrations."""

from tianping.store._store import DATABASE_ENV, DEFAULT_URL, Store, database_url, open_store
from tianping.store._tables import AssessmentRow, CheckResultRow

__all__ = [
    "DATABASE_ENV",
    "DEFAULT_URL",
    "AssessmentRow",
    "CheckResultRow",
    "Store",
    "database_url",
    "open_store",
]
