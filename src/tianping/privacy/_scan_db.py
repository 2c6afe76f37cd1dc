"""Scans of database tables for personal information, through SQLAlchemy.

Production data mostly sits in databases rather than files. Each table is read in batches
with a server-side cursor where the driver has one (PostgreSQL), and its text and integer
columns go through the same batch scan as a CSV file's: column classification (all rows,
or a sample then confirmation with `columns_only`), counts, and masked examples. A table
is reported like a file: its path is the URL without the password, then `#table`, and a
row is its ordinal in the table's scan (tables have no line numbers); an example also
names its row by primary key (`customer_id=C0017`), masked where the key is itself PI. A
table that cannot be read (no permission, a driver error) is reported and the run goes on.

PostgreSQL tables are read through ADBC (`adbc-driver-postgresql`, the `tianping[adbc]`
extra) when it is installed: rows arrive as Arrow batches over binary COPY, read 2-3x faster
than through SQLAlchemy and without a Python object per value, with the same findings.
SQLAlchemy still reflects the tables and builds the query; it reads every other database,
and a PostgreSQL table whose primary key has a type ADBC renders differently (timestamptz,
real, interval...). Set the environment variable `TIANPING_DB_READER=sqlalchemy` to read
PostgreSQL through SQLAlchemy too; `db_reader(url)` says which reader a URL gets.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import json
import os
import re
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

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
    "db_reader",
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
    """Text and integer columns: where identifiers, names and free text are kept; arrays
    of text too (PostgreSQL's `text[]`: tags, phone lists), scanned as their JSON text."""
    from sqlalchemy import types as sa

    return isinstance(type_, sa.String | sa.Text | sa.Integer | sa.Enum | sa.JSON) or (
        text_array(type_)
    )


def loose_sqlite(column: Any, dialect: str) -> bool:
    """A SQLite column whose declared type says nothing about what it holds: no type at
    all, or a name SQLite gives NUMERIC affinity (`string`, `numeric`, `decimal`), where
    text stays text. Such columns are scanned and de-identified as text."""
    from sqlalchemy import types as sa

    t = column.type
    return dialect == "sqlite" and (
        isinstance(t, sa.NullType)
        or (isinstance(t, sa.Numeric) and not isinstance(t, sa.Integer | sa.Float))
    )


def as_stored(columns: list[Any], dialect: str) -> list[Any]:
    """The columns to select. On SQLite a value is whatever was stored, whatever the
    declared type: a column's own conversion is tried and the stored value kept where it
    fails (text in a NUMERIC or DATETIME column), instead of an exception mid-table."""
    from sqlalchemy import String, type_coerce

    if dialect != "sqlite":
        return columns
    return [
        c if isinstance(c.type, String) else type_coerce(c, _as_stored(c.type)).label(c.name)
        for c in columns
    ]


@functools.cache
def _as_stored_type() -> Any:
    from sqlalchemy.types import NullType, TypeDecorator

    class AsStored(TypeDecorator[Any]):
        impl = NullType
        cache_ok = True

        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def result_processor(self, dialect: Any, coltype: Any) -> Any:
            proc = self.inner.dialect_impl(dialect).result_processor(dialect, coltype)
            return None if proc is None else lenient(proc)

    return AsStored


def lenient(proc: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A driver-value conversion that keeps the value as it is where it does not apply."""

    def run(value: Any) -> Any:
        try:
            return proc(value)
        except (TypeError, ValueError, ArithmeticError):
            return value

    return run


def _as_stored(inner: Any) -> Any:
    """`inner` with a lenient result conversion (the class is made on first use: SQLAlchemy
    is imported lazily)."""
    return _as_stored_type()(inner)


def text_array(type_: Any) -> bool:
    """Whether a column type is an array of text (of any dimensions)."""
    from sqlalchemy import types as sa

    return isinstance(type_, sa.ARRAY) and isinstance(type_.item_type, sa.String)


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
    adbc = _AdbcSource(engine.url) if _reader_for(engine.url) == "adbc" else None
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
            rep, examples = _scan_table(engine, table, schema, shown, opts, kind, on_rows, adbc)
            report.add(rep, examples)
            if progress:
                progress(rep)
    finally:
        if adbc is not None:
            adbc.close()
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
        with warnings.catch_warnings():  # SQLite expression indexes: copies report them
            warnings.filterwarnings("ignore", "Skipped unsupported reflection")
            meta = Table(table, MetaData(), schema=schema, autoload_with=engine)
    except NoSuchTableError:
        raise InputError(f"{where}: no such table / 数据表不存在") from None
    if getattr(engine.dialect, "is_mariadb", False):
        _mariadb_json(engine, meta, schema)
    if engine.dialect.name in ("mysql", "mariadb"):
        _mysql_expression_defaults(engine, meta, schema)
    return meta


def _mysql_expression_defaults(engine: Any, meta: Any, schema: str | None) -> None:
    """Defaults written as expressions (`DEFAULT (lower('A'))`), which SQLAlchemy's MySQL
    reflection does not read: taken from information_schema, so copies keep them.
    MariaDB writes any default there as SQL; MySQL only marks expressions
    (DEFAULT_GENERATED), and the literals SQLAlchemy reads already."""
    from sqlalchemy import DefaultClause, text

    sql = text(
        "SELECT COLUMN_NAME, COLUMN_DEFAULT, EXTRA FROM information_schema.COLUMNS "
        "WHERE TABLE_SCHEMA = COALESCE(:schema, DATABASE()) AND TABLE_NAME = :table"
    )
    mariadb = getattr(engine.dialect, "is_mariadb", False)
    with engine.connect() as conn:
        found = conn.execute(sql, {"schema": schema, "table": meta.name}).all()
    for name, default, extra in found:
        col = meta.columns.get(name)
        if col is None or col.server_default is not None or default is None:
            continue
        if (mariadb and str(default).upper() != "NULL") or "DEFAULT_GENERATED" in str(extra):
            col.server_default = DefaultClause(text(str(default)))


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
    adbc: _AdbcSource | None = None,
) -> tuple[FileReport, list[Finding]]:
    from sqlalchemy import select
    from sqlalchemy import types as sa
    from sqlalchemy.exc import SQLAlchemyError

    rep = FileReport(path=table_location(shown, table, schema), format=kind)
    examples: list[Finding] = []
    # ADBC's errors, and OSError: how a failure while its batches stream arrives
    adbc_errors = adbc.errors if adbc is not None else ()
    try:
        meta = reflect_table(engine, table, schema, rep.path)
        dialect = engine.dialect.name
        cols = [c for c in meta.columns if _scannable(c.type) or loose_sqlite(c, dialect)]
        if not cols:
            rep.status, rep.message = "skipped", "no text or integer columns / 无文本或整数列"
            return rep, examples
        keys = list(meta.primary_key.columns)
        query = select(*as_stored([*cols, *keys], dialect))
        if opts.max_rows is not None:  # one row more: whether the table has more
            query = query.limit(opts.max_rows + 1)
        names = [c.name for c in cols]
        key_names = [k.name for k in keys]
        stream = adbc.open(query, cols, keys) if adbc is not None else None
        if stream is not None:
            try:
                parts = _adbc_parts(stream, names, opts.batch_rows)
                batches = _keyed(parts, key_names, rep, examples, on_rows)
                _scan_batches(batches, rep, examples, opts)
            finally:
                stream.close()
            return rep, examples
        with engine.connect() as conn:
            result = conn.execution_options(stream_results=True).execute(query)
            strings = [isinstance(c.type, sa.String) for c in cols]
            parts = _sqlalchemy_parts(result, names, strings, opts.batch_rows)
            batches = _keyed(parts, key_names, rep, examples, on_rows)
            _scan_batches(batches, rep, examples, opts)
    except (SQLAlchemyError, InputError) as exc:  # permissions, a dropped table: this one only
        rep.status = "error"
        rep.message = exc.message if isinstance(exc, InputError) else _safe_message(exc)
    except adbc_errors as exc:
        if adbc is not None:
            adbc.reset()  # a connection that failed is not used again
        rep.status, rep.message = "error", _adbc_message(exc)
    return rep, examples


def cell_text(value: Any) -> str | None:
    """A database value as text: JSON as its JSON text (not Python's repr), else str()."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict | list):  # JSON and arrays: their JSON text, not Python's repr
        return json.dumps(value, ensure_ascii=False, default=str)
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


# a reader's batch: its rows, its scanned columns, and the key values of its row i
_Part = tuple[int, dict[str | None, pl.Series], Callable[[int], Sequence[Any]]]


def _keyed(
    parts: Iterator[_Part],
    key_names: list[str],
    rep: FileReport,
    examples: list[Finding],
    on_rows: Callable[[int], None] | None,
) -> Iterator[Batch]:
    """The scan's batches from a reader's parts, with row numbers, progress and the row
    count. The scan of a table runs on this thread, so when the next batch is asked for,
    the examples of this one are known: they get their row's key."""
    row0 = 0
    for n, data, key_of in parts:
        seen = len(examples)
        try:
            yield row0, data, None
        finally:  # also when the scan stops here (max_rows)
            for ex in examples[seen:] if key_names else ():
                if ex.file == rep.path and row0 < ex.row <= row0 + n:
                    ex.key = _shown_key(key_names, key_of(ex.row - row0 - 1))
        row0 += n
        rep.rows = row0
        if on_rows is not None:
            on_rows(n)


def _sqlalchemy_parts(
    result: Any, names: list[str], strings: list[bool], batch_rows: int
) -> Iterator[_Part]:
    """Batches of the scanned columns (result columns after them: the primary key's)."""
    width = len(names)
    for rows in result.partitions(batch_rows):
        columns = list(zip(*rows, strict=True))[:width] if rows else [() for _ in names]
        data: dict[str | None, pl.Series] = {
            name: _text_series(name, values, text)
            for name, values, text in zip(names, columns, strings, strict=True)
        }

        def key_of(i: int, rows: Sequence[Any] = rows) -> Sequence[Any]:
            return rows[i][width:]  # type: ignore[no-any-return]

        yield len(rows), data, key_of


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


# --- the ADBC reader (PostgreSQL) ------------------------------------------------------------
def db_reader(url: str) -> Literal["adbc", "sqlalchemy"]:
    """Which reader scans the tables at `url`: "adbc" for PostgreSQL when adbc-driver-postgresql
    imports (and TIANPING_DB_READER is not "sqlalchemy"), else "sqlalchemy"."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return _reader_for(make_url(url))
    except ArgumentError:
        return "sqlalchemy"


def _reader_for(url: Any) -> Literal["adbc", "sqlalchemy"]:
    if os.environ.get("TIANPING_DB_READER", "").strip().lower() == "sqlalchemy":
        return "sqlalchemy"
    if url.get_backend_name() not in ("postgresql", "postgres"):
        return "sqlalchemy"
    try:
        importlib.import_module("adbc_driver_postgresql.dbapi")
    except (ImportError, OSError):  # not installed, or its library does not load
        return "sqlalchemy"
    return "adbc"


def _libpq_uri(url: Any) -> str:
    """The SQLAlchemy URL as a libpq URI for ADBC (no `+psycopg`; user, password, host, port,
    database and query parameters kept). It holds the password: never shown."""
    from urllib.parse import quote, urlencode

    auth = ""
    if url.username:
        auth = quote(str(url.username), safe="")
        if url.password is not None:
            auth += ":" + quote(str(url.password), safe="")
        auth += "@"
    host = str(url.host or "")
    if ":" in host and not host.startswith("["):  # an IPv6 address
        host = f"[{host}]"
    port = f":{url.port}" if url.port else ""
    db = "/" + quote(str(url.database), safe="") if url.database else ""
    query = dict(url.query)
    # psycopg decodes text in the connection's encoding; ADBC takes bytes as UTF-8
    query.setdefault("client_encoding", "UTF8")
    return f"postgresql://{auth}{host}{port}{db}?{urlencode(query, doseq=True)}"


# bytes per Arrow batch ADBC reads (its default): what a read holds beyond `batch_rows` rows
_ADBC_BATCH_BYTES = 16 << 20
_BATCH_HINT = "adbc.postgresql.batch_size_hint_bytes"


@dataclass
class _AdbcStream:
    """One query's Arrow batches, and how each column becomes what the SQLAlchemy path sees:
    `texts` per scanned column (text, int, json, utf8), `keys` per key column."""

    cursor: Any
    reader: Any
    texts: list[str]
    keys: list[str]

    def close(self) -> None:
        self.cursor.close()


class _AdbcSource:
    """ADBC reads for one scan: a connection opened at the first table read, kept for the
    next (autocommit, so a table that fails leaves no aborted transaction behind)."""

    def __init__(self, url: Any) -> None:
        manager: Any = importlib.import_module("adbc_driver_manager")
        self._uri = _libpq_uri(url)
        self._conn: Any = None
        # a failure while batches stream comes out of pyarrow's reader as OSError
        self.errors: tuple[type[BaseException], ...] = (manager.Error, OSError)
        self._unsupported: type[BaseException] = manager.NotSupportedError

    def open(self, query: Any, cols: list[Any], keys: list[Any]) -> _AdbcStream | None:
        """The query's batches; None when a column's Arrow type would not give the same text
        or key as psycopg does (the table is then read through SQLAlchemy)."""
        from sqlalchemy.dialects.postgresql import base

        # "named": no psycopg-style %% doubling of a % in a name; LIMIT as a literal
        dialect: Any = base.PGDialect
        bound = {"literal_binds": True}
        sql = str(query.compile(dialect=dialect(paramstyle="named"), compile_kwargs=bound))
        if self._conn is None:
            dbapi: Any = importlib.import_module("adbc_driver_postgresql.dbapi")
            self._conn = dbapi.connect(self._uri, autocommit=True)
        cursor = self._conn.cursor()
        try:
            with contextlib.suppress(self._unsupported):  # an older driver: its default
                cursor.adbc_statement.set_options(**{_BATCH_HINT: str(_ADBC_BATCH_BYTES)})
            cursor.execute(sql)
            reader = cursor.fetch_record_batch()
            fields = list(reader.schema)
        except BaseException:
            cursor.close()
            raise
        texts: list[str | None] = [None]
        key_kinds: list[str | None] = []
        if len(fields) == len(cols) + len(keys):
            texts = [_text_kind(c.type, f.type) for c, f in zip(cols, fields, strict=False)]
            key_kinds = [
                _key_kind(k.type, f.type) for k, f in zip(keys, fields[len(cols) :], strict=True)
            ]
        if None in texts or None in key_kinds:
            cursor.close()
            return None
        return _AdbcStream(cursor, reader, [str(t) for t in texts], [str(k) for k in key_kinds])

    def reset(self) -> None:
        """Drop the connection (after an error); the next table opens a new one."""
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):  # already broken: nothing more to release
                conn.close()

    def close(self) -> None:
        self.reset()


def _storage_type(arrow_type: Any) -> Any:
    """An Arrow type without its extension (arrow.json, arrow.uuid, arrow.opaque)."""
    import pyarrow as pa

    return arrow_type.storage_type if isinstance(arrow_type, pa.BaseExtensionType) else arrow_type


def _is_text(t: Any) -> bool:
    import pyarrow as pa

    view = getattr(pa.types, "is_string_view", None)  # pyarrow >= 16
    return bool(pa.types.is_string(t) or pa.types.is_large_string(t) or (view and view(t)))


def _text_kind(sa_type: Any, arrow_type: Any) -> str | None:
    """How a scanned column's Arrow values become `cell_text` of psycopg's values."""
    import pyarrow as pa
    from sqlalchemy import types as sa

    t = _storage_type(arrow_type)
    if isinstance(sa_type, sa.JSON):
        return "json" if _is_text(t) else None  # the JSON text as stored: parsed, dumped
    if text_array(sa_type):  # one dimension: a list of text (deeper ones go the slow way)
        return "list" if pa.types.is_list(t) and _is_text(t.value_type) else None
    if isinstance(sa_type, sa.String):
        if _is_text(t):
            return "text"
        # citext arrives as opaque bytes: its binary form is its UTF-8 text
        return "utf8" if pa.types.is_binary(t) or pa.types.is_large_binary(t) else None
    if isinstance(sa_type, sa.Integer) and pa.types.is_integer(t):
        return "int"
    return None


def _key_kind(sa_type: Any, arrow_type: Any) -> str | None:
    """How a key column's Arrow value becomes the Python value psycopg gives (its str() is
    shown); None for types where they differ or are not checked (timestamptz is converted
    to the session's time zone by psycopg, real widened to double by Arrow...)."""
    import pyarrow as pa
    from sqlalchemy import types as sa

    t = _storage_type(arrow_type)
    if isinstance(sa_type, sa.String):
        return "value" if _is_text(t) else "utf8" if pa.types.is_binary(t) else None
    if isinstance(sa_type, sa.Uuid):
        return "uuid" if pa.types.is_fixed_size_binary(t) and t.byte_width == 16 else None
    if isinstance(sa_type, sa.Float):  # before Numeric, its base
        return "value" if pa.types.is_float64(t) else None
    if isinstance(sa_type, sa.Numeric):
        return "decimal" if _is_text(t) else None  # NUMERIC as its decimal text
    checks: list[tuple[type[Any], Callable[[Any], bool]]] = [
        (sa.Boolean, pa.types.is_boolean),
        (sa.Integer, pa.types.is_integer),
        (sa.Date, pa.types.is_date32),
        (sa.DateTime, lambda t: pa.types.is_timestamp(t) and t.tz is None),
        (sa.Time, pa.types.is_time64),
        (sa.LargeBinary, pa.types.is_binary),
    ]
    for kind, check in checks:
        if isinstance(sa_type, kind):  # with a time zone: psycopg's session zone, not UTC
            return "value" if check(t) and not getattr(sa_type, "timezone", False) else None
    return None


def _storage(col: Any) -> Any:
    """A chunked column without its extension type."""
    import pyarrow as pa

    if not isinstance(col.type, pa.BaseExtensionType):
        return col
    return pa.chunked_array([c.storage for c in col.chunks], type=col.type.storage_type)


def _arrow_text(name: str, col: Any, kind: str) -> pl.Series:
    """A scanned column of a batch as the String series `_text_series` makes of psycopg's
    values: text as it is, integers as decimal text, JSON as `cell_text` of its parse."""
    import pyarrow as pa

    col = _storage(col)
    if kind == "json":
        values = [None if v is None else cell_text(json.loads(v)) for v in col.to_pylist()]
        return pl.Series(name, values, pl.String)
    if kind == "list":
        return pl.Series(name, [cell_text(v) for v in col.to_pylist()], pl.String)
    if kind == "utf8":
        col = col.cast(pa.string())
    series = pl.from_arrow(col)
    assert isinstance(series, pl.Series)
    series = series.alias(name).rechunk()
    return series.cast(pl.String) if kind == "int" else series


def _key_value(col: Any, i: int, kind: str) -> Any:
    """Row i of a key column as psycopg gives it: only for the rows that have examples."""
    import uuid
    from decimal import Decimal

    value = _storage(col)[i].as_py()
    if value is None or kind == "value":
        return value
    if kind == "uuid":
        return uuid.UUID(bytes=value)
    if kind == "decimal":  # "nan", "inf" as Decimal reads them, shown like psycopg's
        return Decimal(value)
    return bytes(value).decode()  # utf8


def _rechunk(reader: Any, size: int) -> Iterator[Any]:
    """Arrow tables of `size` rows (the last fewer) from the reader's batches, whose sizes
    ADBC sets by bytes: batches, progress and memory as with SQLAlchemy's partitions."""
    import pyarrow as pa

    pending: list[Any] = []
    have = 0
    for batch in reader:
        if not batch.num_rows:
            continue
        pending.append(batch)
        have += batch.num_rows
        while have >= size:
            table = pa.Table.from_batches(pending)
            yield table.slice(0, size)
            pending = table.slice(size).to_batches()
            have -= size
    if have:
        yield pa.Table.from_batches(pending)


def _adbc_parts(stream: _AdbcStream, names: list[str], batch_rows: int) -> Iterator[_Part]:
    """`_sqlalchemy_parts` for ADBC: the same batches, the same texts and key values."""
    width = len(names)
    for chunk in _rechunk(stream.reader, batch_rows):
        data: dict[str | None, pl.Series] = {
            name: _arrow_text(name, chunk.column(i), kind)
            for i, (name, kind) in enumerate(zip(names, stream.texts, strict=True))
        }

        def key_of(i: int, chunk: Any = chunk) -> list[Any]:
            return [_key_value(chunk.column(width + j), i, k) for j, k in enumerate(stream.keys)]

        yield chunk.num_rows, data, key_of


def _adbc_message(exc: BaseException) -> str:
    """`_safe_message` for ADBC: its messages go on with the query (and any literal in it),
    so only the server's first line is kept, up to a colon, quoted names masked."""
    text = re.sub(r"^[A-Z_]+: ", "", str(exc)).replace("[libpq] ", "")
    m = re.search(r"\b(?:ERROR|FATAL):\s+([^\n]*)", text)
    first = m.group(1).split(":", 1)[0] if m else text.split("\n", 1)[0]
    first = re.sub(r"'[^']*'?", "'…'", re.sub(r'"[^"]*"?', '"…"', first[:200]))
    return f"{type(exc).__name__}: {first.strip()}"
