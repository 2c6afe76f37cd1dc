"""Database tables: scanning and de-identifying them, next to what the database does alone.

A customer table (the generated one: name, resident ID, mobile, email, card, city, amount,
order number, a free-text note) of 200,000 rows (20,000 with --quick), on SQLite and, when
the server is up, PostgreSQL on 127.0.0.1:5432. Each of our operations is set beside the
plain operation it adds to, so the ratio is the price of finding and replacing PI:

- scan (every row, every text column, classified) vs reading the same rows and columns the
  fastest way at hand: through ADBC for PostgreSQL where adbc-driver-postgresql is installed
  (the scan then reads through it too), else SQLAlchemy; the note gives the other rates;
- an extract to Parquet vs the same extract without de-identification;
- a new de-identified table vs the database copying the table itself (CREATE TABLE AS);
- in place (keyed batches, one transaction) vs a hand-written set-based UPDATE that masks
  the same columns with SQL string functions (what a DBA writes without a PI tool; it
  finds nothing in free text).

    .venv/bin/python benchmarks/bench_privacy_db.py [--quick]
"""

from __future__ import annotations

import os
import socket
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import _table
from _timing import best_time

POLICY = """
columns:
  customer_id: {action: keep}
  name: {action: pseudonymise, domain: person}
  id_number: {action: generalise, to: region_prefix}
  phone: {action: mask, keep_start: 3, keep_end: 4}
  email: {action: redact}
  card: {action: mask, keep_start: 0, keep_end: 4}
  order_no: {action: keep}
  note: {action: detect}
types:
  "*": {action: redact}
"""

# the same columns masked in SQL (SQLite and PostgreSQL both have substr and ||)
SQL_MASK = (
    "UPDATE customers SET name = 'PERSON', id_number = substr(id_number, 1, 6), "
    "phone = substr(phone, 1, 3) || '****' || substr(phone, 8), email = '[EMAIL]', "
    "card = '************' || substr(card, length(card) - 3)"
)
# MySQL: || is OR there
SQL_MASK_MYSQL = (
    "UPDATE customers SET name = 'PERSON', id_number = substr(id_number, 1, 6), "
    "phone = concat(substr(phone, 1, 3), '****', substr(phone, 8)), email = '[EMAIL]', "
    "card = concat('************', substr(card, length(card) - 3))"
)


def _row(name: str, ours: float, baseline: str, base: float, note: str = "") -> dict[str, object]:
    return {
        "name": name,
        "ours": round(ours, 1),
        "unit": "rows/s",
        "baseline": baseline,
        "baseline_value": round(base, 1),
        "ratio": round(ours / base, 3) if base else None,
        "note": note,
    }


def _up(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@contextmanager
def _database(kind: str, tmp: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp / 'bench.db'}"
        return
    if kind == "mariadb":
        import pymysql

        name = "tp_bench_" + uuid.uuid4().hex[:8]
        conn = pymysql.connect(host="127.0.0.1", port=3306, user="root", autocommit=True)
        try:
            conn.cursor().execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
            yield f"mysql+pymysql://root@127.0.0.1:3306/{name}?charset=utf8mb4"
        finally:
            conn.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
            conn.close()
        return
    import psycopg

    name = "tp_bench_" + uuid.uuid4().hex[:8]
    admin = "host=127.0.0.1 user=postgres dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _sql(url: str, *statements: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for s in statements:
            conn.execute(sa.text(s))
    engine.dispose()


def _read_all(url: str) -> int:
    """Every row and column, streamed in batches: the floor of any scan."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    n = 0
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True).execute(
            sa.text("SELECT * FROM customers")
        )
        for part in result.partitions(50_000):
            n += len(part)
    engine.dispose()
    return n


def _read_all_adbc(url: str) -> int:
    """`_read_all` through ADBC: Arrow batches over binary COPY, no Python value per cell."""
    import adbc_driver_postgresql.dbapi as adbc
    from sqlalchemy.engine import make_url

    from tianping.privacy._scan_db import _libpq_uri

    n = 0
    with adbc.connect(_libpq_uri(make_url(url)), autocommit=True) as conn:
        cur = conn.cursor()
        cur.execute("SELECT * FROM customers")
        for batch in cur.fetch_record_batch():
            n += batch.num_rows
        cur.close()
    return n


def _scan_rows(url: str, n: int, label: str) -> dict[str, object]:
    """The scan (the reader it picks by default) beside the fastest plain read; the note
    gives the SQLAlchemy read and, where ADBC read the scan, the scan through SQLAlchemy."""
    from tianping.privacy import scan_database
    from tianping.privacy._scan import ScanOptions
    from tianping.privacy._scan_db import db_reader

    def scan() -> None:
        rep = scan_database(url, ScanOptions(), tables=["customers"])
        assert rep.files[0].status == "ok" and rep.files[0].rows == n, rep.files[0].message

    reader = db_reader(url)
    floor_sa = _time(lambda: _read_all(url))
    note = "all rows, every text column detected and classified; "
    if reader == "adbc":
        floor = _time(lambda: _read_all_adbc(url))
        ours = _time(scan)
        before = os.environ.get("TIANPING_DB_READER")
        os.environ["TIANPING_DB_READER"] = "sqlalchemy"
        try:
            old = _time(scan)
        finally:
            os.environ.pop("TIANPING_DB_READER")
            if before is not None:
                os.environ["TIANPING_DB_READER"] = before
        note += (
            f"read through ADBC; reading through SQLAlchemy {n / floor_sa:,.0f} rows/s, "
            f"the scan through SQLAlchemy {n / old:,.0f} rows/s"
        )
        baseline = "reading every row (ADBC, Arrow)"
    else:
        floor, ours = floor_sa, _time(scan)
        note += "read through SQLAlchemy"
        baseline = "reading every row (SQLAlchemy)"
    return _row(f"scan of a table ({label})", n / ours, baseline, n / floor, note)


def _plain_extract(url: str, out: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True).execute(
            sa.text("SELECT * FROM customers")
        )
        names = list(result.keys())
        writer = None
        for part in result.partitions(50_000):
            cols = list(zip(*part, strict=True))
            t = pa.table({n: pa.array(c, pa.string()) for n, c in zip(names, cols, strict=True)})
            writer = writer or pq.ParquetWriter(out, t.schema, compression="zstd")
            writer.write_table(t)
        if writer:
            writer.close()
    engine.dispose()


def _time(fn: Callable[[], Any], before: Callable[[], Any] | None = None) -> float:
    if before:
        before()
    return best_time(fn, 2 if before is None else 1)[0]


def _one_database(
    kind: str, n: int, rows: list[dict[str, str]], pol: Any
) -> list[dict[str, object]]:
    from tianping.privacy import deid_database_in_place, deid_database_table
    from tianping.privacy._corpus import load_table

    out: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as d, _database(kind, Path(d)) as url:
        tmp = Path(d)
        load_table(url, rows)
        _sql(url, "CREATE TABLE pristine AS SELECT * FROM customers")
        restore = (
            "DELETE FROM customers",
            "INSERT INTO customers SELECT * FROM pristine",
        )
        label = f"{n:,} rows, {kind}"
        out.append(_scan_rows(url, n, label))
        plain = _time(lambda: _plain_extract(url, tmp / "plain.parquet"))
        ext = _time(lambda: deid_database_table(url, "customers", tmp / "x.parquet", pol))
        out.append(
            _row(f"de-identified extract to Parquet ({label})", n / ext,
                 "the same extract, no de-identification", n / plain,
                 "HMAC-SM3 pseudonym, masks, region prefix, redaction, detection in the note"),
        )  # fmt: skip
        ctas = _time(
            lambda: _sql(url, "CREATE TABLE copy_plain AS SELECT * FROM customers"),
            lambda: _sql(url, "DROP TABLE IF EXISTS copy_plain"),
        )
        new = _time(
            lambda: deid_database_table(url, "customers", url, pol, out_table="copy_deid"),
            lambda: _sql(url, "DROP TABLE IF EXISTS copy_deid"),
        )
        out.append(
            _row(f"de-identified copy as a new table ({label})", n / new,
                 "CREATE TABLE AS SELECT (the database alone)", n / ctas, "one transaction"),
        )  # fmt: skip
        mask = SQL_MASK_MYSQL if kind == "mariadb" else SQL_MASK
        sql = _time(lambda: _sql(url, mask), lambda: _sql(url, *restore))
        in_place = _time(
            lambda: deid_database_in_place(url, "customers", pol),
            lambda: _sql(url, *restore),
        )
        out.append(
            _row(f"in place ({label})", n / in_place,
                 "a set-based SQL UPDATE masking the same columns", n / sql,
                 "keyed batches of 5,000, one transaction; the SQL UPDATE finds no PI in "
                 "free text"),
        )  # fmt: skip
    return out


def bench(quick: bool = False) -> list[dict[str, object]]:
    from tianping.privacy._corpus import table_rows
    from tianping.privacy._policy import parse_policy

    os.environ.setdefault("TIANPING_DEID_KEY", "benchmark-key-0123456789abcdef")
    n = 20_000 if quick else 200_000
    rows = table_rows(n, seed=3)
    pol = parse_policy(POLICY)
    kinds = ["sqlite"] + (["postgresql"] if _up(5432) else []) + (["mariadb"] if _up(3306) else [])
    out: list[dict[str, object]] = []
    for kind in kinds:
        out += _one_database(kind, n, rows, pol)
    return out


if __name__ == "__main__":
    _table.main(bench, __doc__)
