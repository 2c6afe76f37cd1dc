"""Bulk writes through the caller's connection (COPY, executemany), on SQLite, PostgreSQL
and MariaDB: values round-trip exactly, updates touch only what they name, and the caller's
transaction decides what stays."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from tests.conftest import database_url
from tianping.privacy import _db_write
from tianping.privacy._db_write import insert_rows, update_rows

N = 2_000
TRICKY = [
    "张三住在北京市朝阳区建国路 88 号",
    "single ' double \" backtick ` quotes",
    "tab\there\tand\tthere",
    "back\\slash, two \\\\ and a trailing one \\",
    "new\nline and\r\ncrlf",
    "\\N",  # COPY's NULL marker, literally
    "before\n\\.\nafter",  # COPY's end-of-data line, literally
    "",
    "NULL",
    "percent %s %(x)s %% signs",
    "emoji 😀 and a rare 𠀋 character",
    "\\t is not a tab, \\n not a newline",
]


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from database_url(request.param, tmp_path)


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    eng = sa.create_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture(params=["fast", "generic"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The database's own fast path, or the SQLAlchemy path any other database takes."""
    if request.param == "generic":
        monkeypatch.setattr(_db_write, "_kind", lambda conn: "generic")
    return str(request.param)


def people(md: sa.MetaData, name: str = "people") -> sa.Table:
    return sa.Table(
        name,
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(64)),
        sa.Column("note", sa.Text),
        sa.Column("amount", sa.Numeric(12, 2)),
        sa.Column("born", sa.Date),
        # MySQL's DATETIME drops microseconds unless asked to keep them
        sa.Column("seen", sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")),
        sa.Column("ratio", sa.Double),
        sa.Column("active", sa.Boolean),
        sa.Column("doc", sa.JSON),
    )


def doc_text(i: int, tag: str = "v1") -> str | None:
    if i % 13 == 0:
        return None
    doc = {
        "姓名": f"李四{i}",
        "tag": tag,
        "tags": ["a", "b\\c", 'q"uote', "tab\t"],
        "nested": {"k": i, "deeper": {"城市": "上海", "ok": i % 2 == 0, "none": None}},
    }
    return json.dumps(doc, ensure_ascii=False)


def people_columns(n: int = N) -> list[list[Any]]:
    ids = range(1, n + 1)
    return [
        list(ids),
        [f"user {i} 王{i % 7}" for i in ids],
        [None if i % 11 == 0 else f"{TRICKY[i % len(TRICKY)]} #{i}" for i in ids],
        [None if i % 17 == 0 else Decimal(f"{i * 3}.{i % 100:02d}") for i in ids],
        [dt.date(1950, 1, 1) + dt.timedelta(days=7 * i) for i in ids],
        [
            None
            if i % 19 == 0
            else dt.datetime(2024, 1, 1, 8, 30) + dt.timedelta(0, 37 * i, 13 * i)
            for i in ids
        ],
        [i / 7 + 0.125 for i in ids],
        [None if i % 23 == 0 else i % 3 == 0 for i in ids],
        [doc_text(i) for i in ids],
    ]


def expected_rows(columns: list[list[Any]], nkeys: int = 1) -> dict[Any, tuple[Any, ...]]:
    """Rows as SQLAlchemy reads them back, by primary key (the first `nkeys` columns): the
    last column is JSON, parsed."""
    rows = {}
    for r in zip(*columns, strict=True):
        r = (*r[:-1], None if r[-1] is None else json.loads(r[-1]))
        rows[r[0] if nkeys == 1 else r[:nkeys]] = r
    return rows


def read_back(conn: sa.Connection, t: sa.Table) -> dict[Any, tuple[Any, ...]]:
    pk = list(t.primary_key.columns)
    rows = conn.execute(sa.select(t).order_by(*pk)).all()
    n = len(pk)
    return {(r[0] if n == 1 else tuple(r[:n])): tuple(r) for r in rows}


def people_table(engine: sa.Engine) -> sa.Table:
    """The people table, created empty."""
    md = sa.MetaData()
    t = people(md)
    md.create_all(engine)
    return t


def filled_people(engine: sa.Engine) -> tuple[sa.Table, list[list[Any]]]:
    """The people table holding `people_columns()` (returned too)."""
    t = people_table(engine)
    cols = people_columns()
    with engine.begin() as conn:
        insert_rows(conn, t, cols)
    return t, cols


def sql_nulls(conn: sa.Connection, col: sa.Column[Any]) -> int:
    """SQL NULLs (not JSON null) in a column."""
    return int(conn.execute(sa.select(sa.func.count()).where(col.is_(None))).scalar_one())


def test_insert_round_trips_every_value_exactly(engine: sa.Engine, path: str) -> None:
    t, cols = filled_people(engine)
    with engine.connect() as conn:
        got = read_back(conn, t)
        assert sql_nulls(conn, t.c.doc) == cols[-1].count(None) > 0  # None is SQL NULL
        assert sql_nulls(conn, t.c.note) == cols[2].count(None) > 0
    want = expected_rows(cols)
    assert len(got) == N
    for key in want:
        assert got[key] == want[key], key
    # the hard texts all made it, each one exactly
    assert {v.rsplit(" #", 1)[0] for v in cols[2] if v is not None} == set(TRICKY)


def test_insert_writes_what_sqlalchemy_writes(engine: sa.Engine) -> None:
    """Types that need converting on the way in (UUIDs, bytes, times, aware datetimes into
    a column without time zone) come back as from SQLAlchemy's own insert."""
    md = sa.MetaData()

    def table(name: str) -> sa.Table:
        return sa.Table(
            name,
            md,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("u", sa.Uuid),
            sa.Column("raw", sa.LargeBinary),
            sa.Column("at", sa.Time),
            sa.Column("aware", sa.DateTime),
            sa.Column("price", sa.Numeric(10, 3)),
            sa.Column("flag", sa.Boolean),
        )

    old, new = table("by_sqlalchemy"), table("by_insert_rows")
    md.create_all(engine)
    cst = dt.timezone(dt.timedelta(hours=8))
    cols: list[list[Any]] = [
        [1, 2, 3],
        [uuid.UUID(int=7), uuid.uuid5(uuid.NAMESPACE_DNS, "例子.cn"), None],
        [b"\x00\x01\\\t\n'\"\xff", b"", None],
        [dt.time(8, 30, 15), dt.time(23, 59, 59), None],
        [dt.datetime(2024, 5, 1, 8, 0, tzinfo=cst), dt.datetime(2024, 5, 1, 8, 0), None],
        [Decimal("1.500"), Decimal("-0.001"), None],
        [True, False, None],
    ]
    names = [c.name for c in old.columns]
    with engine.begin() as conn:
        conn.execute(
            old.insert(), [dict(zip(names, r, strict=True)) for r in zip(*cols, strict=True)]
        )
        insert_rows(conn, new, cols)
    with engine.connect() as conn:
        a, b = read_back(conn, old), read_back(conn, new)
    assert a == b
    assert b[1][1] == uuid.UUID(int=7) and b[1][2] == cols[2][0] and b[3][1:] == (None,) * 6


def test_composite_keys_insert_and_update(engine: sa.Engine, path: str) -> None:
    md = sa.MetaData()
    t = sa.Table(
        "scores",
        md,
        sa.Column("region", sa.String(8), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("label", sa.Text),
        sa.Column("score", sa.Integer),
        sa.Column("meta", sa.JSON),
    )
    md.create_all(engine)
    regions = ["华北", "east", "华南"]
    keys = [(r, s) for r in regions for s in range(200)]
    cols: list[list[Any]] = [
        [k[0] for k in keys],
        [k[1] for k in keys],
        [f"{TRICKY[i % len(TRICKY)]}/{i}" for i in range(len(keys))],
        list(range(len(keys))),
        [json.dumps({"i": i, "区": k[0]}, ensure_ascii=False) for i, k in enumerate(keys)],
    ]
    with engine.begin() as conn:
        insert_rows(conn, t, cols)
    want = expected_rows(cols, 2)
    assert len(want) == len(keys)
    # same seq in other regions must stay: only the full key picks a row
    changes = [(k[0], k[1], -i, None) for i, k in enumerate(keys) if k[0] == "华北" and k[1] % 5]
    with engine.begin() as conn:
        update_rows(conn, t, ["region", "seq"], ["score", "meta"], changes)
    for region, seq, score, meta in changes:
        want[region, seq] = (region, seq, want[region, seq][2], score, meta)
    with engine.connect() as conn:
        assert read_back(conn, t) == want
        assert sql_nulls(conn, t.c.meta) == len(changes)


def test_update_changes_only_the_named_rows_and_columns(engine: sa.Engine, path: str) -> None:
    t, cols = filled_people(engine)
    want = expected_rows(cols)

    first = []
    for i in range(3, N + 1, 3):
        note = None if i % 2 else f"改过 {TRICKY[i % len(TRICKY)]} {i}"
        amount = None if i % 5 == 0 else Decimal(f"-{i}.50")
        first.append((i, note, amount, doc_text(i + 1, tag="v2"), i % 2 == 0))
    second = [
        (i, f"second {i} ' \\ \t", dt.datetime(2030, 1, 2, 3, 4, 5, i)) for i in range(1, N + 1, 4)
    ]
    with engine.begin() as conn:  # two calls in one transaction
        update_rows(conn, t, ["id"], ["note", "amount", "doc", "active"], first)
        update_rows(conn, t, ["id"], ["name", "seen"], second)
        if conn.dialect.name == "postgresql":  # the planner settings are back as they were
            assert conn.exec_driver_sql("SHOW enable_hashjoin").scalar_one() == "on"
            assert conn.exec_driver_sql("SHOW enable_mergejoin").scalar_one() == "on"
    for i, note, amount, doc, active in first:
        r = list(want[i])
        r[2], r[3], r[7], r[8] = note, amount, active, None if doc is None else json.loads(doc)
        want[i] = tuple(r)
    for i, name, seen in second:
        r = list(want[i])
        r[1], r[5] = name, seen
        want[i] = tuple(r)
    with engine.connect() as conn:
        got = read_back(conn, t)
        doc_nulls = sum(want[i][8] is None for i in want)
        assert sql_nulls(conn, t.c.doc) == doc_nulls
    assert got.keys() == want.keys()
    for key in want:
        assert got[key] == want[key], key
    before = expected_rows(cols)
    untouched = [i for i in want if i % 3 and (i - 1) % 4]
    assert untouched and all(got[i] == before[i] for i in untouched)


def test_update_by_a_key_that_is_not_the_primary_key(engine: sa.Engine, path: str) -> None:
    """A text key (MariaDB cannot make it the key of a temporary table, so rows go one by
    one there) and an unindexed key both find their rows."""
    md = sa.MetaData()
    t = sa.Table(
        "codes",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("code", sa.Text, unique=True),
        sa.Column("plain", sa.String(40)),
        sa.Column("val", sa.Integer),
    )
    md.create_all(engine)
    ids = list(range(300))
    cols: list[list[Any]] = [ids, [f"代码-{i}" for i in ids], [f"p{i}" for i in ids], ids]
    with engine.begin() as conn:
        insert_rows(conn, t, cols)
        update_rows(conn, t, ["code"], ["val"], [(f"代码-{i}", -i) for i in ids if i % 2])
        update_rows(conn, t, ["plain"], ["code"], [(f"p{i}", f"新-{i}") for i in ids if i % 3 == 0])
    with engine.connect() as conn:
        got = read_back(conn, t)
    for i in ids:
        code = f"新-{i}" if i % 3 == 0 else f"代码-{i}"
        assert got[i] == (i, code, f"p{i}", -i if i % 2 else i)


def test_rollback_undoes_the_writes(engine: sa.Engine, path: str) -> None:
    """The writes go through the caller's transaction: an error there undoes them."""
    t = people_table(engine)
    cols = people_columns(500)
    with pytest.raises(RuntimeError, match="boom"), engine.begin() as conn:
        insert_rows(conn, t, cols)
        assert conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one() == 500
        raise RuntimeError("boom")
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one() == 0

    with engine.begin() as conn:
        insert_rows(conn, t, cols)
    with pytest.raises(RuntimeError, match="boom"), engine.begin() as conn:
        update_rows(conn, t, ["id"], ["note", "doc"], [(i, "gone", "[1]") for i in range(1, 501)])
        update_rows(conn, t, ["id"], ["name"], [(i, "gone") for i in range(1, 501, 2)])
        assert read_back(conn, t)[1][1:3] == ("gone", "gone")
        raise RuntimeError("boom")
    with engine.connect() as conn:
        assert read_back(conn, t) == expected_rows(cols)


def test_commit_and_rollback_on_a_plain_connection(engine: sa.Engine, path: str) -> None:
    """With engine.connect() the writes begin the transaction as conn.execute would, so the
    caller's commit() keeps them and rollback() drops them."""
    t = people_table(engine)
    cols = people_columns(50)
    with engine.connect() as conn:
        insert_rows(conn, t, cols)
        conn.rollback()
        assert conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one() == 0
        conn.commit()
    with engine.connect() as conn:
        insert_rows(conn, t, cols)
        conn.commit()
        update_rows(conn, t, ["id"], ["name"], [(1, "kept")])
        conn.commit()
    with engine.connect() as conn:
        got = read_back(conn, t)
    assert len(got) == 50 and got[1][1] == "kept" and got[2] == expected_rows(cols)[2]


def test_zero_rows_do_nothing(engine: sa.Engine, path: str) -> None:
    t = people_table(engine)
    with engine.begin() as conn:
        insert_rows(conn, t, [[] for _ in t.columns])
        update_rows(conn, t, ["id"], ["name"], [])
        assert conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one() == 0


def test_bad_input_and_driver_errors(engine: sa.Engine) -> None:
    t = people_table(engine)
    cols = people_columns(10)
    with engine.begin() as conn:
        with pytest.raises(ValueError, match="columns"):
            insert_rows(conn, t, cols[:-1])
        with pytest.raises(ValueError, match="lengths"):
            insert_rows(conn, t, [*cols[:-1], cols[-1][:5]])
        with pytest.raises(ValueError, match="values"):
            update_rows(conn, t, ["id"], ["name"], [(1, "a", "b")])
        with pytest.raises(ValueError, match="distinct"):
            update_rows(conn, t, ["id"], ["id"], [(1, 2)])
        insert_rows(conn, t, cols)
    # a driver's error comes as SQLAlchemy's (callers catch SQLAlchemyError), rolled back
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        insert_rows(conn, t, cols)
    with engine.connect() as conn:
        assert read_back(conn, t) == expected_rows(cols)


def test_schema_qualified_table_with_awkward_names(engine: sa.Engine, path: str) -> None:
    """Names are quoted by each database's own rules (a % survives PyMySQL's formatting)."""
    schema = {"sqlite": "main", "postgresql": "public"}.get(
        engine.dialect.name, engine.url.database
    )
    md = sa.MetaData()
    t = sa.Table(
        "Odd Table%s",
        md,
        sa.Column("Key Col", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column('val "quoted" %', sa.String(20)),
        sa.Column("select", sa.JSON),
        schema=schema,
    )
    md.create_all(engine)
    with engine.begin() as conn:
        insert_rows(conn, t, [[1, 2], ["a", "b"], ['{"x": 1}', None]])
        update_rows(conn, t, ["Key Col"], ['val "quoted" %', "select"], [(2, "%s%%", "[]")])
    with engine.connect() as conn:
        assert read_back(conn, t) == {1: (1, "a", {"x": 1}), 2: (2, "%s%%", [])}
