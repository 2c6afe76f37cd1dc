"""Persistence: SQLite by default, any SQLAlchemy URL via TIANPING_DATABASE_URL.

Every check result is committed the moment it completes, so a killed run loses nothing and
a rerun resumes. Schema changes go through Alembic migrations, applied on open.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from tianping.errors import StoreError
from tianping.store._tables import AssessmentRow, CheckResultRow

DATABASE_ENV = "TIANPING_DATABASE_URL"
DEFAULT_URL = "sqlite:///.tianping/tianping.db"
HEAD = "0001"


def database_url(explicit: str | None = None) -> str:
    return explicit or os.environ.get(DATABASE_ENV) or DEFAULT_URL


def _explain(exc: Exception, url: str) -> StoreError:
    text = str(getattr(exc, "orig", exc)) or type(exc).__name__
    shown = make_url(url).render_as_string(hide_password=True)
    if "locked" in text:
        hint = "another process holds a write lock; wait for it or use another database"
    elif "readonly" in text or "read-only" in text:
        hint = "the database file or its folder is read-only; fix permissions or pick another URL"
    elif "unable to open" in text:
        hint = "the folder does not exist or is not writable"
    else:
        hint = "check the URL, that the server is running and that you may write"
    return StoreError(f"Database error / 数据库错误 ({shown}): {text.splitlines()[0]} — {hint}")


class Store:
    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        s = self._sessions()
        try:
            yield s
            s.commit()
        except IntegrityError:
            s.rollback()
            raise
        except (OperationalError, DBAPIError) as exc:
            s.rollback()
            raise _explain(exc, self.url) from None
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()

    # assessments -------------------------------------------------------------------
    def find_unfinished(self, run_key: str) -> AssessmentRow | None:
        with self.session() as s:
            return s.scalars(
                select(AssessmentRow)
                .where(AssessmentRow.run_key == run_key, AssessmentRow.status == "running")
                .order_by(AssessmentRow.created_at.desc())
            ).first()

    def create_assessment(self, **fields: Any) -> AssessmentRow:
        row = AssessmentRow(id=uuid.uuid4().hex, status="running", **fields)
        with self.session() as s:
            s.add(row)
        return row

    def finish_assessment(self, assessment_id: str, report_json: str) -> None:
        with self.session() as s:
            row = s.get(AssessmentRow, assessment_id)
            if row is None:
                raise StoreError(f"assessment {assessment_id} disappeared from the database")
            row.status = "completed"
            row.report_json = report_json
            row.finished_at = dt.datetime.now(dt.UTC)

    def get_assessment(self, assessment_id: str) -> AssessmentRow | None:
        with self.session() as s:
            return s.get(AssessmentRow, assessment_id)

    def list_assessments(
        self, system_id: str | None = None, limit: int = 50
    ) -> list[AssessmentRow]:
        with self.session() as s:
            q = select(AssessmentRow).order_by(AssessmentRow.created_at.desc()).limit(limit)
            if system_id:
                q = q.where(AssessmentRow.system_id == system_id)
            return list(s.scalars(q))

    # results -----------------------------------------------------------------------
    def save_result(
        self, assessment_id: str, task_key: str, check_id: str, verdict: str, result_json: str
    ) -> bool:
        """Store one result; False if this task already has one (a concurrent rerun)."""
        try:
            with self.session() as s:
                s.add(
                    CheckResultRow(
                        assessment_id=assessment_id,
                        task_key=task_key,
                        check_id=check_id,
                        verdict=verdict,
                        result_json=result_json,
                    )
                )
        except IntegrityError:
            return False
        return True

    def results(self, assessment_id: str) -> dict[str, CheckResultRow]:
        with self.session() as s:
            rows = s.scalars(
                select(CheckResultRow).where(CheckResultRow.assessment_id == assessment_id)
            )
            return {r.task_key: r for r in rows}

    def close(self) -> None:
        self.engine.dispose()


def _migrate(engine: Engine) -> None:
    from alembic import command
    from alembic.config import Config

    with engine.begin() as conn:
        cfg = Config()
        cfg.set_main_option(
            "script_location", str(resources.files("tianping.store") / "migrations")
        )
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def _current_revision(engine: Engine) -> str | None:
    from sqlalchemy import inspect, text

    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def open_store(url: str | None = None) -> Store:
    """Open (and create or migrate) the database."""
    url = database_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(
            f"Not a database URL / 数据库地址无效: {url!r} (expected e.g. "
            "sqlite:///path/to.db or postgresql+psycopg://host/db)"
        ) from None
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(parsed, future=True)
    except ImportError as exc:
        raise StoreError(
            f"Database driver missing / 缺少数据库驱动: {exc}; for PostgreSQL "
            "install 'tianping[postgres]'"
        ) from None
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=5000")
            cur.close()

    try:
        if _current_revision(engine) != HEAD:
            _migrate(engine)
    except (OperationalError, DBAPIError) as exc:
        engine.dispose()
        raise _explain(exc, url) from None
    return Store(engine, url)
