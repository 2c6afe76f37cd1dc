"""Scans of real database tables: SQLite always, PostgreSQL when the server is up."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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
    # decimals are not read, except on SQLite, where a NUMERIC column may hold any text
    if url.startswith("sqlite"):
        assert labels["amount"] is None
    else:
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


# --- the ADBC reader (PostgreSQL): the same reports as through SQLAlchemy ----------------------
# the PostgreSQL variant of `customer_db` only
pg_only = pytest.mark.parametrize("pi_db_url", ["postgresql"], indirect=True)


def _adbc_or_skip(url: str) -> None:
    if not url.startswith("postgresql"):
        pytest.skip("the ADBC reader is for PostgreSQL only")
    pytest.importorskip("adbc_driver_postgresql.dbapi", reason="adbc-driver-postgresql missing")


@pytest.fixture
def pg_types_db(customer_db: tuple[str, list[dict[str, str]]]) -> str:
    """`customer_db` on PostgreSQL and more: a schema-qualified table (schema name with a
    space) with a composite integer key, smallint, bigint, JSON and JSONB (scalars, nesting,
    non-ASCII, numbers PostgreSQL keeps as written), CJK text, char(n), an enum, citext and
    NULLs; a table keyed by date, numeric and uuid; one keyed by timestamptz (which ADBC
    would render differently: read through SQLAlchemy)."""
    import sqlalchemy as sa

    from tianping.privacy import table_rows

    url, _ = customer_db
    _adbc_or_skip(url)
    rows = table_rows(90, seed=33)
    # no two PI types equally common in a column: a tie's label is not stable between runs
    docs = [
        '{"联系人": {"电话": "PHONE", "邮箱": "EMAIL"}, "n": 1.50, "tags": ["vip", 2, true, null]}',
        '  [ "PHONE" ,  "EMAIL" ]  ',
        '"PHONE \\u00e9 ok"',
        "12345678901234567890",
        "true",
        "null",
    ]
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        has_citext = conn.execute(
            sa.text("SELECT count(*) FROM pg_available_extensions WHERE name = 'citext'")
        ).scalar()
        citext = ", tag citext" if has_citext else ""
        if has_citext:
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS citext"))
        conn.execute(sa.text('CREATE SCHEMA "crm data"'))
        conn.execute(sa.text("CREATE TYPE mood AS ENUM ('满意', 'unhappy')"))
        conn.execute(
            sa.text(
                'CREATE TABLE "crm data".people (region integer, seq bigint, name text, '
                "note varchar(300), code char(20), small smallint, phone bigint, doc json, "
                f"prefs jsonb, feel mood, alts text[]{citext}, PRIMARY KEY (region, seq))"
            )
        )
        conn.execute(
            sa.text(
                "CREATE TABLE ledger (booked date, amount numeric(12, 2), ref uuid, "
                "memo text, PRIMARY KEY (booked, amount, ref))"
            )
        )
        conn.execute(
            sa.text("CREATE TABLE events (at timestamptz PRIMARY KEY, body text, n integer)")
        )
        people, ledger, events = [], [], []
        for i, r in enumerate(rows):
            doc = docs[i % len(docs)].replace("PHONE", r["phone"]).replace("EMAIL", r["email"])
            people.append(
                {
                    "region": i % 3 - 1,
                    "seq": 10**12 + i,
                    "name": None if i % 11 == 5 else r["name"],
                    "note": None if i % 7 == 3 else f"客户{r['name']}留言：{r['note']}",
                    "code": r["id_number"] if i % 3 else r["phone"],
                    "small": i - 40,
                    "phone": None if i % 9 == 4 else int(r["phone"]),
                    "doc": None if i % 13 == 6 else doc,
                    "prefs": None if i % 5 == 2 else doc,
                    "feel": "满意" if i % 2 else "unhappy",
                    # a text array: phone lists, empty ones, NULL elements, quotes and commas
                    "alts": None
                    if i % 8 == 1
                    else []
                    if i % 8 == 2
                    else [None, 'a "b", c']
                    if i % 8 == 3
                    else [r["phone"], "备用"],
                    "tag": r["email"].upper(),
                }
            )
            ledger.append(
                {
                    "booked": f"2024-{i % 12 + 1:02d}-{i % 28 + 1:02d}",
                    "amount": f"{i * 37.5 - 900:.2f}",
                    "ref": f"a0eebc99-9c0b-4ef8-bb6d-{i:012x}",
                    "memo": f"转账 {r['card']} 给 {r['name']}",
                }
            )
            events.append(
                {"at": f"2024-01-01 00:{i // 60:02d}:{i % 60:02d}+08", "body": r["note"], "n": i}
            )
        cols = "region, seq, name, note, code, small, phone, doc, prefs, feel, alts" + (
            ", tag" if has_citext else ""
        )
        values = ", ".join(f":{c.strip()}" for c in cols.split(","))
        conn.execute(sa.text(f'INSERT INTO "crm data".people ({cols}) VALUES ({values})'), people)
        conn.execute(sa.text("INSERT INTO ledger VALUES (:booked, :amount, :ref, :memo)"), ledger)
        conn.execute(sa.text("INSERT INTO events VALUES (:at, :body, :n)"), events)
    engine.dispose()
    return url


def _count_adbc(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each table's reader, as the scan picks it: "adbc", or "fallback" where ADBC opened
    the query but a column's type sent it back to SQLAlchemy."""
    from tianping.privacy import _scan_db

    seen: list[str] = []
    real = _scan_db._AdbcSource.open

    def counted(self: Any, query: Any, cols: list[Any], keys: list[Any]) -> Any:
        stream = real(self, query, cols, keys)
        seen.append("adbc" if stream is not None else "fallback")
        return stream

    monkeypatch.setattr(_scan_db._AdbcSource, "open", counted)
    return seen


def _both_readers(
    monkeypatch: pytest.MonkeyPatch, url: str, opts: ScanOptions, **kw: Any
) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """The report through SQLAlchemy, the report through ADBC (without timings), and the
    readers the ADBC scan used."""
    from tianping.privacy._scan_db import db_reader

    seen = _count_adbc(monkeypatch)
    monkeypatch.setenv("TIANPING_DB_READER", "sqlalchemy")
    assert db_reader(url) == "sqlalchemy"
    old = scan_database(url, opts, **kw).model_dump(exclude={"seconds"})
    assert seen == []  # the variable keeps ADBC out entirely
    monkeypatch.delenv("TIANPING_DB_READER")
    assert db_reader(url) == "adbc"
    new = scan_database(url, opts, **kw).model_dump(exclude={"seconds"})
    return old, new, list(seen)


@pg_only
@pytest.mark.parametrize(
    "opts",
    [
        ScanOptions(max_examples=1000),
        ScanOptions(max_examples=1000, batch_rows=7),
        ScanOptions(max_examples=50, max_rows=23, batch_rows=5),
        ScanOptions(max_examples=50, max_rows=40, batch_rows=40),
        ScanOptions(max_examples=50, max_rows=1000),
        ScanOptions(columns_only=True, sample_rows=10, batch_rows=8),
    ],
    ids=["all", "batches-7", "max-rows-23", "max-rows-at-batch", "max-rows-over", "columns"],
)
def test_adbc_and_sqlalchemy_give_the_same_report(
    pg_types_db: str, monkeypatch: pytest.MonkeyPatch, opts: ScanOptions
) -> None:
    from tianping.privacy import _scan_db

    url = pg_types_db
    # tiny Arrow batches from ADBC: the batches of `batch_rows` rows cut across them
    monkeypatch.setattr(_scan_db, "_ADBC_BATCH_BYTES", 1500)
    old, new, seen = _both_readers(monkeypatch, url, opts, views=True)
    tables = sorted(f["path"].rsplit("#", 1)[1] for f in new["files"])
    assert tables == ["blobs", "callbook", "customers", "events", "ledger"]
    # blobs has nothing to read; events' timestamptz key sends it back to SQLAlchemy
    assert sorted(seen) == ["adbc", "adbc", "adbc", "fallback"]
    assert new["findings"] and all(f["key"] for f in new["findings"] if "callbook" not in f["file"])
    assert {f["key"].split("=")[0] for f in new["findings"] if "ledger" in f["file"]} == {"booked"}
    assert new == old
    old, new, seen = _both_readers(monkeypatch, url, opts, schema="crm data")
    assert seen == ["adbc"] and new["files"][0]["path"].endswith("#crm data.people")
    assert new["files"][0]["status"] == "ok" and new["counts"]
    alts = next(c for c in new["files"][0]["columns"] if c["column"] == "alts")
    assert alts["label"] == "cn_mobile"  # the phones inside text arrays
    assert new == old


@pg_only
def test_adbc_renders_each_column_type_as_sqlalchemy_does(pg_types_db: str) -> None:
    """Below the findings: the text of every cell of every scanned column, and every key
    value (its str() and Python type), as both readers give them."""
    import polars as pl
    import sqlalchemy as sa

    from tianping.privacy import _scan_db

    url = pg_types_db
    engine, _ = _scan_db.open_database(url)
    source = _scan_db._AdbcSource(engine.url)
    kinds: dict[str, tuple[list[str], list[str]]] = {}
    try:
        for table, schema in [("people", "crm data"), ("ledger", None), ("customers", None)]:
            meta = _scan_db.reflect_table(engine, table, schema, table)
            cols = [c for c in meta.columns if _scan_db._scannable(c.type)]
            keys = list(meta.primary_key.columns)
            query = sa.select(*cols, *keys).order_by(*keys)
            with engine.connect() as conn:
                rows = conn.execute(query).fetchall()
            stream = source.open(query, cols, keys)
            assert stream is not None
            kinds[table] = stream.texts, stream.keys
            try:
                (chunk,) = list(_scan_db._rechunk(stream.reader, 10_000))
            finally:
                stream.close()
            assert chunk.num_rows == len(rows) > 50
            for i, (col, kind) in enumerate(zip(cols, stream.texts, strict=True)):
                got = _scan_db._arrow_text(col.name, chunk.column(i), kind)
                want = pl.Series(col.name, [_scan_db.cell_text(r[i]) for r in rows], pl.String)
                assert got.dtype == pl.String and got.to_list() == want.to_list(), col.name
            for j, kind in enumerate(stream.keys):
                got_keys = [
                    _scan_db._key_value(chunk.column(len(cols) + j), r, kind)
                    for r in range(len(rows))
                ]
                want_keys = [r[len(cols) + j] for r in rows]
                assert [str(v) for v in got_keys] == [str(v) for v in want_keys]
                assert [type(v) for v in got_keys] == [type(v) for v in want_keys]
    finally:
        source.close()
        engine.dispose()
    # each conversion was exercised: citext (when the server has it) comes as UTF-8 bytes
    texts, keys = kinds["people"]
    assert set(texts) - {"utf8"} == {"text", "int", "json", "list"} and keys == ["value", "value"]
    assert kinds["ledger"] == (["text"], ["value", "decimal", "uuid"])
    assert kinds["customers"] == (["text", "text", "text", "int", "text", "json"], ["value"])


@pg_only
def test_without_adbc_postgresql_is_read_through_sqlalchemy(
    customer_db: tuple[str, list[dict[str, str]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from tianping.privacy._scan_db import db_reader

    url, rows = customer_db
    monkeypatch.setitem(sys.modules, "adbc_driver_postgresql.dbapi", None)  # cannot import
    seen = _count_adbc(monkeypatch)
    assert db_reader(url) == "sqlalchemy"
    rep = scan_database(url, tables=["customers"])
    assert seen == [] and rep.files[0].status == "ok" and rep.files[0].rows == len(rows)


@pg_only
def test_adbc_reports_rows_as_they_are_read(
    customer_db: tuple[str, list[dict[str, str]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tianping.privacy import _scan_db

    url, rows = customer_db
    _adbc_or_skip(url)
    seen_readers = _count_adbc(monkeypatch)
    monkeypatch.setattr(_scan_db, "_ADBC_BATCH_BYTES", 2000)  # many small Arrow batches
    seen: list[int] = []
    rep = scan_database(url, ScanOptions(batch_rows=50), tables=["customers"], on_rows=seen.append)
    assert seen_readers == ["adbc"]
    assert seen == [50, 50, 20] and sum(seen) == rep.files[0].rows == len(rows)
    seen.clear()
    rep = scan_database(
        url, ScanOptions(batch_rows=50, max_rows=70), tables=["customers"], on_rows=seen.append
    )
    assert seen == [50] and rep.files[0].rows == 70 and rep.files[0].partial


@pg_only
def test_adbc_errors_are_reported_without_values(
    customer_db: tuple[str, list[dict[str, str]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A table that fails while it streams, a role that may not read a table, a server ADBC
    cannot reach: each an error in that table's report, no value, query or password in it."""
    import uuid

    import psycopg
    import sqlalchemy as sa

    from tianping.privacy import _scan_db

    url, rows = customer_db
    _adbc_or_skip(url)
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # fails at its fifth row, after ADBC has begun to stream
        conn.execute(
            sa.text(
                "CREATE VIEW failing AS SELECT '13912345678 ' || (1 / (n - 5))::text AS note "
                "FROM generate_series(1, 10) AS n"
            )
        )
    engine.dispose()
    seen = _count_adbc(monkeypatch)
    rep = scan_database(url, tables=["failing", "customers"])
    assert seen == ["adbc", "adbc"]
    bad, good = rep.files
    assert bad.status == "error" and bad.message == "OSError: division by zero"
    assert good.status == "ok" and good.rows == len(rows)  # the connection was replaced
    # a role without SELECT on the table
    role = "tp_reader_" + uuid.uuid4().hex[:8]
    admin = "host=127.0.0.1 user=postgres dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{role}" LOGIN')
    try:
        limited = url.replace("postgres@", f"{role}:hunter2-secret@")
        rep = scan_database(limited, tables=["customers"])
        (only,) = rep.files
        assert only.status == "error"
        assert only.message == "ProgrammingError: permission denied for table customers"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP ROLE "{role}"')
    # a server ADBC cannot reach (SQLAlchemy reflected the tables)
    real = _scan_db._libpq_uri
    monkeypatch.setattr(
        _scan_db, "_libpq_uri", lambda u: real(u.set(port=1, password="hunter2-secret"))
    )
    rep = scan_database(url, tables=["customers"])
    (only,) = rep.files
    assert only.status == "error" and only.message
    assert only.message.startswith("OperationalError: Failed to connect")
    blob = rep.model_dump_json()
    assert "hunter2" not in blob and "13912345678" not in blob and "SELECT" not in blob


def test_libpq_uri_keeps_what_libpq_needs() -> None:
    from sqlalchemy.engine import make_url

    from tianping.privacy._scan_db import _libpq_uri, db_reader

    url = make_url(
        "postgresql+psycopg://us%40er:p%40ss%2Fw:rd@db.example:6543/sales%20db"
        "?sslmode=require&application_name=tp"
    )
    assert _libpq_uri(url) == (
        "postgresql://us%40er:p%40ss%2Fw%3Ard@db.example:6543/sales%20db"
        "?sslmode=require&application_name=tp&client_encoding=UTF8"
    )
    assert _libpq_uri(make_url("postgresql://u@[::1]/d?client_encoding=LATIN1")) == (
        "postgresql://u@[::1]/d?client_encoding=LATIN1"
    )
    assert db_reader("sqlite:///x.db") == "sqlalchemy"
    assert db_reader("mysql+pymysql://u@h/db") == "sqlalchemy"
