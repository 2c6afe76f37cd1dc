"""Shared fixtures: real profiles, real databases (SQLite always; PostgreSQL, and MariaDB for
the privacy scans of production databases, when reachable)."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tianping.systems import profile_template

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
PG_HOST, PG_PORT = "127.0.0.1", 5432
MARIADB_PORT = 3306


def postgres_reachable() -> bool:
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=0.5):
            pass
    except OSError:
        return False
    try:
        import psycopg

        psycopg.connect(
            f"host={PG_HOST} port={PG_PORT} user=postgres dbname=test", connect_timeout=2
        ).close()
    except Exception:
        return False
    return True


def finance_profile_text(**replace: str) -> str:
    """The annotated template turned into a public finance ADM system with PI."""
    text = (
        profile_template("credit-test", "Credit test")
        .replace("services: []", "services: [automated_decision]")
        .replace("personal_information: false", "personal_information: true")
        .replace("pi_categories: []", "pi_categories: [identity, financial]")
        .replace("individuals: 0 ", "individuals: 5000 ")
        .replace("offered_to_public: false", "offered_to_public: true")
        .replace("public_facing: false", "public_facing: true")
        .replace("sectors: [other]", "sectors: [finance]")
        .replace("models: []", "models: [{id: m, kind: sklearn, path: m.joblib}]")
    )
    for old, new in replace.items():
        text = text.replace(old, new)
    return text


@pytest.fixture
def finance_system(tmp_path: Path) -> Path:
    d = tmp_path / "system"
    d.mkdir()
    (d / "tianping.yaml").write_text(finance_profile_text(), encoding="utf-8")
    (d / "attestations.yaml").write_text("answers: {}\n", encoding="utf-8")
    return d


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each store test runs on SQLite and, when the server is up, on PostgreSQL."""
    yield from database_url(request.param, tmp_path)


def mariadb_reachable() -> bool:
    try:
        with socket.create_connection((PG_HOST, MARIADB_PORT), timeout=0.5):
            pass
        import pymysql

        pymysql.connect(host=PG_HOST, port=MARIADB_PORT, user="root", connect_timeout=2).close()
    except Exception:
        return False
    return True


def database_url(kind: str, tmp_path: Path) -> Iterator[str]:
    """A URL to a fresh, empty database of `kind` (sqlite, postgresql, mariadb), dropped
    afterwards; skips plainly where that server is not reachable."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'tianping.db'}"
        return
    name = "tp_" + uuid.uuid4().hex[:12]
    if kind == "mariadb":
        if not mariadb_reachable():
            pytest.skip("MariaDB on 127.0.0.1:3306 (with pymysql) is not reachable: skipping")
        import pymysql

        def admin(sql: str) -> None:
            conn = pymysql.connect(host=PG_HOST, port=MARIADB_PORT, user="root", autocommit=True)
            try:
                conn.cursor().execute(sql)
            finally:
                conn.close()

        admin(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        try:
            yield f"mysql+pymysql://root@{PG_HOST}:{MARIADB_PORT}/{name}?charset=utf8mb4"
        finally:
            admin(f"DROP DATABASE IF EXISTS `{name}`")
        return
    if not postgres_reachable():
        pytest.skip("PostgreSQL on 127.0.0.1:5432 is not reachable: skipping the PG variant")
    import psycopg

    with psycopg.connect(f"host={PG_HOST} user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with psycopg.connect(
            f"host={PG_HOST} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
