"""Scans of database tables for personal information, through SQLAlchemy.

Production data mostly sits in databases rather than files. Each table is read in batches
with a server-side cursor where the driver has one (PostgreSQL), and its text and integer
columns go through the same batch scan as a CSV file's: column classification (all rows,
or a sample then confirmation with `columns_only`), counts, and masked examples. A table
is reported like a file: its path is the URL without the password, then `#table`, and a
row is its ordinal in the table's scan (tables have no line numbers); an example also
names its row by primary key (`customer_id=C0017`), masked where the key is itself PI. A
table that cannot be read (no permission, a driver error) is reported and the run goes on.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from tianping.errors import InputError
from tianping.privacy._scan import (
    Batch,
    FileReport,
    Finding,
    ScanOptions,
    ScanReport,
    _safe_message,
    _scan_batches,
)

__all__ = [
    "cell_text",
    "is_database_url",
    "open_database",
    "reflect_table",
    "scan_database",
    "table_location",
]

_SCHEMES = ("sqlite", "postgresql", "postgres", "mysql", "mariadb", "mssql", "oracle")


def is_database_url(target: str) -> bool:
    """Whether a scan target names a database (`postgresql://…`, `sqlite:///…`)."""
    scheme, sep, _ = target.partition("://")
    return bool(sep) and scheme.split("+", 1)[0].lower() in _SCHEMES


def _scannable(type_: Any) -> bool:
    """Text and integer columns: where identifiers, names and free text are kept."""
    from sqlalchemy import types as sa

    return isinstance(type_, sa.String | sa.Text | sa.Integer | sa.Enum | sa.JSON)


def scan_database(
    url: str,
    opts: ScanOptions | None = None,
    *,
    tables: Sequence[str] | None = None,
    schema: str | None = None,
    views: bool = False,
    progress: Callable[[FileReport], None] | None = None,
    on_rows: Callable[[int], None] | None = None,
) -> ScanReport:
    """Scan every table (or `tables`, which may name views) of the database at `url`, and
    every view too with `views=True`.

    Raises InputError when the database cannot be reached or a named table does not exist;
    a table that fails while it is read is reported in its FileReport instead. `progress`
    is called with each table's report when it is done, `on_rows(n)` as n more rows are read.
    """
    from sqlalchemy import inspect
    from sqlalchemy.exc import SQLAlchemyError

    opts = opts or ScanOptions()
    engine, shown = open_database(url)
    report = ScanReport()
    t0 = time.perf_counter()
    try:
        try:
            insp = inspect(engine)
            names = insp.get_table_names(schema=schema)
            view_names = insp.get_view_names(schema=schema)
        except SQLAlchemyError as exc:
            raise InputError(f"{shown}: cannot read the table list: {_safe_message(exc)}") from None
        if tables:
            missing = [t for t in tables if t not in names and t not in view_names]
            if missing:
                known = sorted(names) + [f"{v} (view)" for v in sorted(view_names)]
                raise InputError(f"{shown}: no table(s) {missing}; tables are {known}")
            names = list(tables)
        elif views:
            names = names + view_names
        if not names:
            where = f" in schema {schema}" if schema else ""
            raise InputError(f"{shown}: no tables{where} / 没有数据表")
        for table in names:
            kind = "view" if table in view_names else "table"
            rep, examples = _scan_table(engine, table, schema, shown, opts, kind, on_rows)
            report.add(rep, examples)
            if progress:
                progress(rep)
    finally:
        engine.dispose()
    report.seconds = time.perf_counter() - t0
    return report


def open_database(url: str, *, create: bool = False) -> tuple[Any, str]:
    """An SQLAlchemy engine for `url` and the URL to show (password hidden). InputError for
    a malformed URL, a missing driver, or a SQLite file that does not exist (SQLite would
    create it; `create=True`, for an output, lets it, in a folder that exists)."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InputError(f"not a database URL: {url.split('://', 1)[0]}://…") from None
    # the drivers the extras bring: psycopg 3 (postgres), PyMySQL (mysql)
    default_driver = {"postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg",
                      "mysql": "mysql+pymysql", "mariadb": "mariadb+pymysql"}  # fmt: skip
    if parsed.drivername in default_driver:
        parsed = parsed.set(drivername=default_driver[parsed.drivername])
    shown = parsed.render_as_string(hide_password=True)
    db_file = parsed.database if parsed.get_backend_name() == "sqlite" else None
    if db_file not in (None, "", ":memory:"):
        path = Path(str(db_file))
        if not path.is_file() and not (create and path.parent.is_dir()):
            raise InputError(f"{shown}: no such database file / 数据库文件不存在")
    try:
        return create_engine(parsed), shown
    except ImportError as exc:
        raise InputError(
            f"{shown}: database driver missing ({exc.name}); for PostgreSQL install "
            "'tianping[postgres]', for MySQL or MariaDB 'tianping[mysql]' / 缺少数据库驱动"
        ) from None


def table_location(shown: str, table: str, schema: str | None = None) -> str:
    """How a table is named in reports: the URL shown, then `#schema.table`."""
    return f"{shown}#{schema + '.' if schema else ''}{table}"


def reflect_table(engine: Any, table: str, schema: str | None, where: str) -> Any:
    """The table's SQLAlchemy description; InputError naming it when there is none."""
    from sqlalchemy import MetaData, Table
    from sqlalchemy.exc import NoSuchTableError

    try:
        meta = Table(table, MetaData(), schema=schema, autoload_with=engine)
    except NoSuchTableError:
        raise InputError(f"{where}: no such table / 数据表不存在") from None
    if getattr(engine.dialect, "is_mariadb", False):
        _mariadb_json(engine, meta, schema)
    return meta


def _mariadb_json(engine: Any, meta: Any, schema: str | None) -> None:
    """MariaDB keeps a JSON column as LONGTEXT with a `json_valid` check, which reflection
    does not read: such columns are typed JSON again, so copies stay JSON and values are
    checked as JSON when written back."""
    from sqlalchemy import text
    from sqlalchemy import types as sa

    sql = text(
        "SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS "
        "WHERE CONSTRAINT_SCHEMA = COALESCE(:schema, DATABASE()) AND TABLE_NAME = :table"
    )
    with engine.connect() as conn:
        clauses = conn.execute(sql, {"schema": schema, "table": meta.name}).scalars().all()
    for clause in clauses:
        m = re.fullmatch(r"\s*json_valid\(`([^`]+)`\)\s*", str(clause))
        if m and m.group(1) in meta.columns:
            meta.columns[m.group(1)].type = sa.JSON()


def _scan_table(
    engine: Any,
    table: str,
    schema: str | None,
    shown: str,
    opts: ScanOptions,
    kind: str,
    on_rows: Callable[[int], None] | None = None,
) -> tuple[FileReport, list[Finding]]:
    from sqlalchemy import select
    from sqlalchemy import types as sa
    from sqlalchemy.exc import SQLAlchemyError

    rep = FileReport(path=table_location(shown, table, schema), format=kind)
    examples: list[Finding] = []
    try:
        meta = reflect_table(engine, table, schema, rep.path)
        cols = [c for c in meta.columns if _scannable(c.type)]
        if not cols:
            rep.status, rep.message = "skipped", "no text or integer columns / 无文本或整数列"
            return rep, examples
        keys = list(meta.primary_key.columns)
        with engine.connect() as conn:
            query = select(*cols, *keys)
            if opts.max_rows is not None:  # one row more: whether the table has more
                query = query.limit(opts.max_rows + 1)
            result = conn.execution_options(stream_results=True).execute(query)
            names = [c.name for c in cols]
            key_names = [k.name for k in keys]
            strings = [isinstance(c.type, sa.String) for c in cols]
            batches = _batches(result, names, strings, key_names, opts, rep, examples, on_rows)
            _scan_batches(batches, rep, examples, opts)
    except (SQLAlchemyError, InputError) as exc:  # permissions, a dropped table: this one only
        rep.status = "error"
        rep.message = exc.message if isinstance(exc, InputError) else _safe_message(exc)
    return rep, examples


def cell_text(value: Any) -> str | None:
    """A database value as text: JSON as its JSON text (not Python's repr), else str()."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict | list):  # JSON columns: their text, not Python's repr
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _text_series(name: str, values: Sequence[Any], strings: bool) -> pl.Series:
    """A column's values as a polars String series: a string column's as they come (no
    Python call per value), others (numbers, JSON) as their text. SQLite may hand back a
    number from a text column: then that batch is converted too."""
    if strings:
        try:
            return pl.Series(name, values, pl.String)
        except TypeError:
            pass
    return pl.Series(name, [cell_text(v) for v in values], pl.String)


def _batches(
    result: Any,
    names: list[str],
    strings: list[bool],
    key_names: list[str],
    opts: ScanOptions,
    rep: FileReport,
    examples: list[Finding],
    on_rows: Callable[[int], None] | None,
) -> Iterator[Batch]:
    """Batches of the scanned columns (result columns after them: the primary key's). The
    scan of a table runs on this thread, so when the next batch is asked for, the examples
    of this one are known: they get their row's key."""
    row0 = 0
    for rows in result.partitions(opts.batch_rows):
        columns = list(zip(*rows, strict=True))[: len(names)] if rows else [() for _ in names]
        data: dict[str | None, pl.Series] = {
            name: _text_series(name, values, text)
            for name, values, text in zip(names, columns, strings, strict=True)
        }
        seen = len(examples)
        try:
            yield row0, data, None
        finally:  # also when the scan stops here (max_rows)
            for ex in examples[seen:] if key_names else ():
                if ex.file == rep.path and row0 < ex.row <= row0 + len(rows):
                    ex.key = _shown_key(key_names, rows[ex.row - row0 - 1][len(names) :])
        row0 += len(rows)
        rep.rows = row0
        if on_rows is not None:
            on_rows(len(rows))


def _shown_key(names: list[str], values: Sequence[Any]) -> str:
    """`col=value, …` for a row's primary key; a key value that holds PI (a phone number
    used as the key) is shown masked, like any finding."""
    from tianping.privacy._detect import detect_by_header, detect_text, mask_preview

    parts = []
    for name, value in zip(names, values, strict=True):
        text = cell_text(value) or ""
        by_header = detect_by_header(name, pl.Series([text]))  # a bare name under "name"
        types = [m.pi_type for m in detect_text(text, min_confidence=0.0)]
        types += [] if by_header is None else by_header["pi_type"].to_list()
        parts.append(f"{name}={mask_preview(text, types[0]) if types else text}")
    return ", ".join(parts)
