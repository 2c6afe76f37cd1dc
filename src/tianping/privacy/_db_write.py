"""Fast bulk writes of rows through an open SQLAlchemy connection.

Rows go through the caller's connection and so its transaction; nothing here commits or
rolls back. PostgreSQL (psycopg 3) gets COPY, SQLite (sqlite3) and MySQL/MariaDB (PyMySQL)
get the driver's own executemany, and any other database goes through SQLAlchemy.

Values are Python objects as a database driver returns them, except that JSON columns take
the JSON text, or None for SQL NULL. Each value first goes through its column type's own
bind conversion, as SQLAlchemy would do it (so Decimal becomes float and dates become text
on SQLite, for example).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tianping.privacy._scan_db import lenient


def insert_rows(conn: Connection, table: sa.Table, columns: Sequence[Sequence[Any]]) -> None:
    """Insert rows into `table`: `columns[j]` holds the values of `table.columns[j]`, one
    per row, all of the same length. Zero rows does nothing."""
    cols = list(table.columns)
    if len(columns) != len(cols):
        raise ValueError(f"{table.name}: {len(columns)} value columns for {len(cols)} columns")
    n = len(columns[0]) if columns else 0
    if any(len(c) != n for c in columns):
        raise ValueError(f"{table.name}: value columns of different lengths")
    if n == 0:
        return
    kind = _kind(conn)
    if kind == "generic":
        _insert_generic(conn, table, columns)
        return
    values = [_processed(conn, c, v) for c, v in zip(cols, columns, strict=True)]
    names = [c.name for c in cols]
    if kind == "postgresql":
        _pg_copy(conn, _pg_name(table), names, zip(*values, strict=True))
    else:
        _insert_dbapi(conn, table, kind, names, zip(*values, strict=True))


def update_rows(
    conn: Connection,
    table: sa.Table,
    keys: Sequence[str],
    sets: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> None:
    """Set the `sets` columns of the rows of `table` whose `keys` columns (its primary key)
    equal a row's key values: each row is (key values…, new values…). The keys within one
    call must differ. Zero rows does nothing."""
    names = [*keys, *sets]
    if not keys or not sets or len(set(names)) != len(names):
        raise ValueError(f"{table.name}: update_rows needs distinct key and set columns")
    cols = [table.c[name] for name in names]
    if not rows:
        return
    by_col = list(zip(*rows, strict=True))  # strict: every row as long as the first
    if len(by_col) != len(names):
        raise ValueError(f"{table.name}: rows must hold {len(names)} values (keys, sets)")
    kind = _kind(conn)
    if kind == "generic":
        _update_generic(conn, table, keys, sets, rows)
        return
    values = [_processed(conn, c, v) for c, v in zip(cols, by_col, strict=True)]
    if kind == "postgresql":
        _pg_update(conn, table, keys, sets, zip(*values, strict=True))
    elif kind == "mysql":
        _mysql_update(conn, table, keys, sets, values)
    else:
        _update_dbapi(conn, table, kind, keys, sets, _sets_then_keys(values, len(keys)))


def _kind(conn: Connection) -> str:
    """Which fast path the connection's database and driver allow."""
    if not conn.in_transaction():
        conn.begin()  # as conn.execute would: the caller's commit() then covers these rows
    name, driver = conn.dialect.name, conn.dialect.driver
    if name == "postgresql" and driver == "psycopg":
        return "postgresql"
    if name == "sqlite" and driver == "pysqlite":
        return "sqlite"
    if name in ("mysql", "mariadb") and driver == "pymysql":
        return "mysql"
    return "generic"


def _is_json(col: sa.Column[Any]) -> bool:
    return isinstance(col.type, sa.JSON)  # dialect JSON and JSONB types subclass it


def _processed(conn: Connection, col: sa.Column[Any], values: Sequence[Any]) -> Sequence[Any]:
    """`values` as the driver should get them for `col`; JSON text passes as it is."""
    if _is_json(col):
        return values
    dialect = conn.dialect
    proc: Callable[[Any], Any] | None = col.type.dialect_impl(dialect).bind_processor(dialect)
    if proc is not None:
        if dialect.name == "sqlite":  # SQLite keeps any value: one that does not convert, as is
            proc = lenient(proc)
        values = list(map(proc, values))
    if dialect.name == "postgresql" and isinstance(col.type, sa.DateTime):
        values = _pg_naive(conn, col, values)
    return values


def _pg_naive(conn: Connection, col: sa.Column[Any], values: Sequence[Any]) -> Sequence[Any]:
    """COPY text drops the offset of an aware datetime bound for a `timestamp` (without
    time zone) column, where an INSERT converts it to the session's time zone first: do
    that conversion here."""
    if col.type.timezone:  # type: ignore[attr-defined]
        return values
    tz = conn.connection.driver_connection.info.timezone  # type: ignore[union-attr]

    def naive(v: Any) -> Any:
        if isinstance(v, dt.datetime) and v.tzinfo is not None:
            return v.astimezone(tz).replace(tzinfo=None)
        return v

    return list(map(naive, values))


def _sets_then_keys(values: list[Sequence[Any]], k: int) -> Iterable[tuple[Any, ...]]:
    # UPDATE … SET … WHERE … takes the new values first, then the keys
    return zip(*values[k:], *values[:k], strict=True)


def _dbapi_error(conn: Connection) -> type[Exception]:
    err: type[Exception] = conn.dialect.loaded_dbapi.Error
    return err


def _wrapped(conn: Connection, statement: str, exc: Exception) -> Exception:
    """A driver error as the SQLAlchemy error conn.execute would raise (callers catch
    SQLAlchemyError), without the parameters: they may hold personal information."""
    return sa.exc.DBAPIError.instance(
        statement, None, exc, _dbapi_error(conn), dialect=conn.dialect
    )


# --- SQLite and MySQL/MariaDB: the driver's executemany ------------------------------------
# With PyMySQL the dialect's quoting doubles any % in a name (PyMySQL formats statements
# with %), so statements without parameters are run with () to undo it the same way.


def _insert_dbapi(
    conn: Connection, table: sa.Table, kind: str, names: list[str], rows: Iterable[Any]
) -> None:
    # PyMySQL turns an executemany of INSERT … VALUES into multi-row INSERTs of up to 1 MB
    prep, mark = _quoting(conn, kind)
    stmt = (
        f"INSERT INTO {prep.format_table(table)} ({', '.join(map(prep.quote, names))}) "
        f"VALUES ({', '.join([mark] * len(names))})"
    )
    _executemany(conn, stmt, rows)


def _update_dbapi(
    conn: Connection,
    table: sa.Table,
    kind: str,
    keys: Sequence[str],
    sets: Sequence[str],
    rows: Iterable[Any],
) -> None:
    prep, mark = _quoting(conn, kind)
    stmt = (
        f"UPDATE {prep.format_table(table)} "
        f"SET {', '.join(f'{prep.quote(c)} = {mark}' for c in sets)} "
        f"WHERE {' AND '.join(f'{prep.quote(k)} = {mark}' for k in keys)}"
    )
    _executemany(conn, stmt, rows)


def _quoting(conn: Connection, kind: str) -> tuple[Any, str]:
    """The dialect's identifier quoting and the driver's parameter mark."""
    return conn.dialect.identifier_preparer, "?" if kind == "sqlite" else "%s"


def _executemany(conn: Connection, stmt: str, rows: Iterable[Any]) -> None:
    # the raw cursor of conn's own DBAPI connection: the same transaction
    cur = conn.connection.cursor()
    try:
        cur.executemany(stmt, rows)  # type: ignore[arg-type]
    except _dbapi_error(conn) as exc:
        raise _wrapped(conn, stmt, exc) from exc
    finally:
        cur.close()


def _mysql_update(
    conn: Connection,
    table: sa.Table,
    keys: Sequence[str],
    sets: Sequence[str],
    values: list[Sequence[Any]],
) -> None:
    """PyMySQL sends an UPDATE per row; a temporary table filled by multi-row INSERTs and
    one joined UPDATE is several times faster."""
    prep = conn.dialect.identifier_preparer
    q = prep.quote
    names = [*keys, *sets]
    stage_table = sa.Table("tp_stage_" + uuid.uuid4().hex, sa.MetaData(), *map(sa.Column, names))
    stage, target = prep.format_table(stage_table), prep.format_table(table)
    # CREATE and DROP TEMPORARY TABLE leave the transaction open (CREATE INDEX would commit
    # it, so the key comes with the CREATE)
    create = (
        f"CREATE TEMPORARY TABLE {stage} (PRIMARY KEY ({', '.join(map(q, keys))})) "
        f"SELECT {', '.join(map(q, names))} FROM {target} LIMIT 0"
    )
    update = (
        f"UPDATE {target} AS t JOIN {stage} AS s ON "
        + " AND ".join(f"t.{q(k)} = s.{q(k)}" for k in keys)
        + " SET "
        + ", ".join(f"t.{q(c)} = s.{q(c)}" for c in sets)
    )
    cur = conn.connection.cursor()
    try:
        try:
            cur.execute(create, ())
        except _dbapi_error(conn):
            # e.g. a TEXT key cannot be a primary key: a failed statement leaves a MySQL
            # transaction as it was, so update row by row instead
            _update_dbapi(conn, table, "mysql", keys, sets, _sets_then_keys(values, len(keys)))
            return
        _insert_dbapi(conn, stage_table, "mysql", names, zip(*values, strict=True))
        stmt = update
        try:
            cur.execute(stmt, ())
            stmt = f"DROP TEMPORARY TABLE {stage}"
            cur.execute(stmt, ())
        except _dbapi_error(conn) as exc:
            raise _wrapped(conn, stmt, exc) from exc
    finally:
        cur.close()


# --- PostgreSQL: COPY through psycopg ------------------------------------------------------


def _pg_name(table: sa.Table) -> Any:
    from psycopg import sql

    return sql.Identifier(*([table.schema] if table.schema else []), table.name)


def _pg_copy(conn: Connection, target: Any, names: list[str], rows: Iterable[Any]) -> None:
    """COPY `rows` into `target` (a psycopg Identifier) on conn's own psycopg connection,
    so inside the caller's transaction. In text format the server reads each value as its
    column's type, so JSON text goes into json and jsonb columns as it is."""
    from psycopg import sql

    pg = conn.connection.driver_connection
    assert pg is not None
    stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(
        target, sql.SQL(", ").join(map(sql.Identifier, names))
    )
    try:
        with pg.cursor() as cur, cur.copy(stmt) as copy:
            for row in rows:
                copy.write_row(row)
    except _dbapi_error(conn) as exc:
        raise _wrapped(conn, stmt.as_string(pg), exc) from exc


def _pg_update(
    conn: Connection,
    table: sa.Table,
    keys: Sequence[str],
    sets: Sequence[str],
    rows: Iterable[Any],
) -> None:
    """COPY the rows into a temporary table (dropped right after, at commit at the latest),
    then one UPDATE … FROM it."""
    from psycopg import sql

    pg = conn.connection.driver_connection
    assert pg is not None
    ident = sql.Identifier
    stage, target = ident("tp_stage_" + uuid.uuid4().hex), _pg_name(table)
    names = [*keys, *sets]
    create = sql.SQL("CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA")
    update = sql.SQL("UPDATE {} AS t SET {} FROM {} AS s WHERE {}").format(
        target,
        sql.SQL(", ").join(sql.SQL("{} = s.{}").format(ident(c), ident(c)) for c in sets),
        stage,
        sql.SQL(" AND ").join(sql.SQL("t.{} = s.{}").format(ident(k), ident(k)) for k in keys),
    )
    # A batch is mostly a small part of the table, yet the planner tends to hash it and
    # scan the whole table, for every batch (quadratic over a run, and twice as slow at
    # 200k rows); finding each row by its indexed key is steady. Join methods are set for
    # this statement only: the previous settings come back right after.
    probe = _keys_indexed(table, keys)
    stmt: Any = create.format(stage, sql.SQL(", ").join(map(ident, names)), target)
    try:
        with pg.cursor() as cur:
            cur.execute(stmt)
            _pg_copy(conn, stage, names, rows)
            if probe:
                stmt = sql.SQL(
                    "SELECT current_setting('enable_hashjoin'), "
                    "current_setting('enable_mergejoin'), "
                    "set_config('enable_hashjoin', 'off', true), "
                    "set_config('enable_mergejoin', 'off', true)"
                )
                saved = cur.execute(stmt).fetchone()[:2]
            stmt = update
            cur.execute(stmt)
            if probe:
                stmt = sql.SQL(
                    "SELECT set_config('enable_hashjoin', %s, true), "
                    "set_config('enable_mergejoin', %s, true)"
                )
                cur.execute(stmt, saved)
            stmt = sql.SQL("DROP TABLE {}").format(stage)
            cur.execute(stmt)
    except _dbapi_error(conn) as exc:
        raise _wrapped(conn, stmt.as_string(pg), exc) from exc


def _keys_indexed(table: sa.Table, keys: Sequence[str]) -> bool:
    """Whether `keys` are the table's primary key or a unique index or constraint."""
    want = set(keys)
    if {c.name for c in table.primary_key.columns} == want:
        return True
    if any(ix.unique and {c.name for c in ix.columns} == want for ix in table.indexes):
        return True
    return any(
        isinstance(uc, sa.UniqueConstraint) and {c.name for c in uc.columns} == want
        for uc in table.constraints
    )


# --- any other database: through SQLAlchemy ------------------------------------------------


def _json_param(text: Any) -> Any:
    # SQLAlchemy's JSON type dumps Python objects, and would write None as JSON null
    return sa.null() if text is None else json.loads(text)


def _insert_generic(conn: Connection, table: sa.Table, columns: Sequence[Sequence[Any]]) -> None:
    cols = list(table.columns)
    values = [
        list(map(_json_param, v)) if _is_json(c) else v for c, v in zip(cols, columns, strict=True)
    ]
    names = [c.name for c in cols]
    conn.execute(
        table.insert(), [dict(zip(names, r, strict=True)) for r in zip(*values, strict=True)]
    )


def _update_generic(
    conn: Connection,
    table: sa.Table,
    keys: Sequence[str],
    sets: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> None:
    stmt = (
        sa.update(table)
        .where(sa.and_(*(table.c[k] == sa.bindparam(f"k_{i}") for i, k in enumerate(keys))))
        .values({c: sa.bindparam(f"v_{j}") for j, c in enumerate(sets)})
    )
    names = [f"k_{i}" for i in range(len(keys))] + [f"v_{j}" for j in range(len(sets))]
    json_at = {len(keys) + j for j, c in enumerate(sets) if _is_json(table.c[c])}
    params = [
        {
            n: _json_param(v) if i in json_at else v
            for i, (n, v) in enumerate(zip(names, r, strict=True))
        }
        for r in rows
    ]
    conn.execute(stmt, params)
