"""Scans of real database tables: SQLite always, PostgreSQL when the server is up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tianping.cli import app
from tianping.errors import InputError
from tianping.privacy._scan import ScanOptions
from tianping.privacy._scan_db import is_database_url, scan_database


def test_tables_are_scanned_like_files(customer_db: tuple[str, list[dict[str, str]]]) -> None:
    url, rows = customer_db
    rep = scan_database(url, ScanOptions(max_examples=5, batch_rows=50))
    by = {f.path.rsplit("#", 1)[1]: f for f in rep.files}
    assert by["blobs"].status == "skipped" and "no text or integer" in str(by["blobs"].message)
    cust = by["customers"]
    assert cust.status == "ok" and cust.format == "table" and cust.rows == len(rows)
    labels = {c.column: c.label for c in cust.columns}
    assert labels["name"] == "person_name_zh"  # the column name is the context
    assert labels["id_number"] == "cn_resident_id"
    assert labels["phone"] == "cn_mobile"  # a BIGINT column
    assert labels["profile"] == "email"  # a JSON column, read as its JSON text
    assert "amount" not in labels
    assert rep.counts["cn_mobile"] >= len(rows) and rep.sensitive_findings >= len(rows)
    # examples are masked; rows are ordinals of the table's scan
    ex = [f for f in rep.findings if f.column == "phone"]
    assert [f.row for f in ex] == [1, 2, 3, 4, 5]
    raw = {r["phone"] for r in rows} | {r["id_number"] for r in rows} | {r["email"] for r in rows}
    blob = rep.model_dump_json()
    assert not [v for v in raw if v in blob]


def test_columns_only_and_table_choice(customer_db: tuple[str, list[dict[str, str]]]) -> None:
    url, rows = customer_db
    rep = scan_database(url, ScanOptions(columns_only=True, sample_rows=30), tables=["customers"])
    assert [f.path.rsplit("#", 1)[1] for f in rep.files] == ["customers"]
    cols = {c.column: c for c in rep.files[0].columns}
    assert cols["phone"].confirmed and cols["phone"].values_scanned == len(rows)
    assert not cols["customer_id"].confirmed and cols["customer_id"].values_scanned == 30
    with pytest.raises(InputError, match=r"no table\(s\) \['orders'\]; tables are \['blobs', "):
        scan_database(url, tables=["orders"])


def test_views_on_request(customer_db: tuple[str, list[dict[str, str]]]) -> None:
    url, rows = customer_db
    plain = scan_database(url, ScanOptions(columns_only=True))
    assert sorted(f.path.rsplit("#", 1)[1] for f in plain.files) == ["blobs", "customers"]
    with_views = scan_database(url, ScanOptions(columns_only=True), views=True)
    by = {f.path.rsplit("#", 1)[1]: f for f in with_views.files}
    assert sorted(by) == ["blobs", "callbook", "customers"]
    book = by["callbook"]
    assert book.format == "view" and book.rows == len(rows)
    assert {c.column: c.label for c in book.columns}["phone"] == "cn_mobile"
    # a view named on its own needs no flag
    named = scan_database(url, tables=["callbook"])
    assert [f.format for f in named.files] == ["view"]
    with pytest.raises(InputError, match=r"'callbook \(view\)'"):
        scan_database(url, tables=["nope"])


def test_bad_targets_are_clear(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    with pytest.raises(InputError, match="no such database file"):
        scan_database(f"sqlite:///{missing}")
    assert not missing.exists()  # SQLite was not left to create it
    empty = tmp_path / "empty.db"
    import sqlite3

    sqlite3.connect(empty).close()
    with pytest.raises(InputError, match="no tables"):
        scan_database(f"sqlite:///{empty}")
    assert is_database_url("postgresql+psycopg://u@h/db") and is_database_url("sqlite:///x.db")
    assert not is_database_url("data/customers.csv") and not is_database_url("https://x/y")


def test_password_never_shown(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("a password only means something to the PostgreSQL variant")
    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (phone text)"))
        conn.execute(sa.text("INSERT INTO t VALUES ('13812345678')"))
    engine.dispose()
    url = db_url.replace("postgres@", "postgres:hunter2-secret@")  # trust auth ignores it
    rep = scan_database(url)
    assert rep.counts == {"cn_mobile": 1}
    assert "hunter2" not in rep.model_dump_json() and ":***@" in rep.files[0].path


def test_cli_scans_files_and_databases_together(
    customer_db: tuple[str, list[dict[str, str]]], tmp_path: Path
) -> None:
    url, rows = customer_db
    (tmp_path / "a.txt").write_text("手机13812345678\n", encoding="utf-8")
    res = CliRunner().invoke(
        app, ["scan", str(tmp_path / "a.txt"), url, "--tables", "customers", "-f", "json"]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    paths = [f["path"] for f in data["files"]]
    assert paths[0].endswith("a.txt") and paths[1].endswith("#customers")
    assert data["summary"]["files_scanned"] == 2
    alone = scan_database(url, tables=["customers"]).counts["cn_mobile"]
    assert data["counts"]["cn_mobile"] == 1 + alone and alone >= len(rows)
    assert not [r["id_number"] for r in rows if r["id_number"] in res.output]
    res = CliRunner().invoke(app, ["scan", url, "--views", "--columns-only", "-f", "json"])
    assert res.exit_code == 0, res.output
    kinds = {f["path"].rsplit("#", 1)[1]: f["format"] for f in json.loads(res.output)["files"]}
    assert kinds == {"blobs": "table", "customers": "table", "callbook": "view"}


def test_database_errors_never_quote_values() -> None:
    from tianping.privacy._scan import _safe_message

    class IntegrityError(Exception):
        pass

    raw = "13912345678"
    mysql = IntegrityError(
        f"(pymysql.err.IntegrityError) (1062, \"Duplicate entry '{raw}' for key 'PRIMARY'\")"
        f"\n[SQL: INSERT INTO t VALUES (%s)]\n[parameters: ('{raw}',)]"
    )
    pg = IntegrityError(
        '(psycopg.errors.UniqueViolation) duplicate key value violates unique constraint "t_pkey"'
        f"\nDETAIL:  Key (phone)=({raw}) already exists."
    )
    for exc in (mysql, pg):
        msg = _safe_message(exc)
        assert raw not in msg and msg.startswith("IntegrityError: (")


def test_rows_are_reported_as_they_are_read(
    customer_db: tuple[str, list[dict[str, str]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from rich.console import Console

    from tianping.cli import _privacy

    url, rows = customer_db
    seen: list[int] = []
    rep = scan_database(url, ScanOptions(batch_rows=50), tables=["customers"], on_rows=seen.append)
    assert seen == [50, 50, 20] and rep.files[0].rows == len(rows)
    # the terminal bar the CLI shows around it
    buf = io.StringIO()
    monkeypatch.setattr(_privacy, "err", Console(file=buf, force_terminal=True, width=100))
    with _privacy.row_bar("scanning tables") as on_rows:
        scan_database(url, tables=["customers"], on_rows=on_rows)
    assert f"{len(rows)} rows" in buf.getvalue()


def test_findings_name_their_row_by_primary_key(
    customer_db: tuple[str, list[dict[str, str]]],
) -> None:
    """Each example says which row holds it by its key, and the key is the right one: the
    masked value of that customer's own ID number. A key that is itself PI is masked."""
    import sqlalchemy as sa

    from tianping.privacy import mask_preview

    url, rows = customer_db
    by_id = {r["customer_id"]: r for r in rows}
    rep = scan_database(url, ScanOptions(max_examples=5, batch_rows=7), tables=["customers"])
    ids = [f for f in rep.findings if f.column == "id_number"]
    assert len(ids) == 5
    for f in ids:
        assert f.key is not None and f.key.startswith("customer_id=C")
        src = by_id[f.key.split("=", 1)[1]]
        assert f.preview == mask_preview(src["id_number"], "cn_resident_id")
    # a phone number as the key
    engine = sa.create_engine(url)
    meta = sa.MetaData()
    t = sa.Table(
        "by_phone", meta, sa.Column("phone", sa.String(11), primary_key=True),
        sa.Column("note", sa.Text),
    )  # fmt: skip
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(t.insert(), [{"phone": "13912345678", "note": "邮箱 x1@a.cn"}])
    engine.dispose()
    rep = scan_database(url, tables=["by_phone"])
    notes = [f for f in rep.findings if f.column == "note"]
    assert notes and notes[0].key == "phone=13*******78"
    assert "13912345678" not in rep.model_dump_json()


def test_max_rows_reads_only_the_first_rows(
    customer_db: tuple[str, list[dict[str, str]]],
) -> None:
    url, rows = customer_db
    rep = scan_database(url, ScanOptions(max_rows=30, batch_rows=40), tables=["customers"])
    cust = rep.files[0]
    assert cust.partial and cust.rows == 30
    # examples of the batch the limit cut still name their row's key
    assert rep.findings and all(f.key and f.row <= 30 for f in rep.findings)
    assert {c.column: c.values_scanned for c in cust.columns}["phone"] == 30
    whole = scan_database(url, ScanOptions(max_rows=len(rows)), tables=["customers"])
    assert not whole.files[0].partial and whole.files[0].rows == len(rows)
