from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tianping.assess import run_assessment
from tianping.errors import StoreError
from tianping.store import open_store


def test_migrations_create_the_schema(db_url: str) -> None:
    store = open_store(db_url)
    try:
        from sqlalchemy import inspect, text

        with store.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            assert {"assessments", "check_results", "alembic_version"} <= tables
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0001"
        open_store(db_url).close()  # reopening an up-to-date database migrates nothing
    finally:
        store.close()


def test_duplicate_result_is_refused_not_doubled(db_url: str) -> None:
    import datetime as dt

    store = open_store(db_url)
    try:
        row = store.create_assessment(
            system_id="s",
            run_key="k",
            profile_sha256="x",
            rulebook_version="v",
            as_of=dt.date(2026, 1, 1),
            include_drafts=False,
            tier="low",
            tasks_total=1,
        )
        assert store.save_result(row.id, "t1", "c", "pass", "{}") is True
        assert store.save_result(row.id, "t1", "c", "pass", "{}") is False
        assert list(store.results(row.id)) == ["t1"]
        assert store.find_unfinished("k") is not None
    finally:
        store.close()


def test_bad_url_is_a_clear_error() -> None:
    with pytest.raises(StoreError, match="Not a database URL"):
        open_store("not a url")


def test_read_only_database_via_uri_mode(tmp_path: Path, finance_system: Path) -> None:
    # Root ignores file modes, so open the file read-only through SQLite's URI mode instead.
    db = tmp_path / "ro.db"
    open_store(f"sqlite:///{db}").close()
    store = open_store(f"sqlite:///file:{db}?mode=ro&uri=true")
    with pytest.raises(StoreError, match="read-only"):
        run_assessment(finance_system, store)
    store.close()


def test_locked_database_fails_cleanly_and_keeps_results(
    tmp_path: Path, finance_system: Path
) -> None:
    db = tmp_path / "locked.db"
    store = open_store(f"sqlite:///{db}")
    first = run_assessment(finance_system, store)
    blocker = sqlite3.connect(db, timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        (finance_system / "tianping.yaml").write_text(
            (finance_system / "tianping.yaml").read_text().replace("Credit test", "Credit 2")
        )
        with pytest.raises(StoreError, match="locked"):
            run_assessment(finance_system, store)
    finally:
        blocker.rollback()
        blocker.close()
    assert store.get_assessment(first.assessment_id).status == "completed"  # type: ignore[union-attr]
    assert len(store.results(first.assessment_id)) == len(first.checks)
    store.close()
