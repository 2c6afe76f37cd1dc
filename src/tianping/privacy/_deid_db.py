"""De-identification of database tables: into a Parquet or CSV extract, into a new table
of a database, or in place.

Training sets are often cut from production tables, and test or analytics databases are
often copies that must be cleaned where they are. The table is read in batches, each batch
becomes an Arrow table typed from the table's column types and goes through the same
per-column rules and detection as a Parquet row group (`deid_table`).

- To a file: appended to the output, written through a temporary file and renamed at the
  end; an error leaves nothing behind, and the database is only read.
- To a table (`out` a database URL): created with the source's columns and types (text
  where a rule turns values into text) and filled in one transaction; an error rolls it
  back, so no half-filled table is left, and the source is only read.
- In place: rows are read in key order a batch at a time and the changed cells written
  back by primary key, all in one transaction: the table is either wholly de-identified
  or untouched. Column types must stay as they are there.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from copy import copy as shallow_copy
from pathlib import Path
from typing import Any

from tianping.errors import InputError
from tianping.privacy._deid import (
    Deidentifier,
    DeidFileReport,
    DeidReport,
    atomic_path,
    deid_table,
    table_out_schema,
)
from tianping.privacy._deid_db_schema import (
    add_after_rows,
    add_foreign_keys,
    column_options,
    declared,
    plan_schema,
    triggers,
    value_change,
)
from tianping.privacy._policy import Policy
from tianping.privacy._scan import _safe_message
from tianping.privacy._scan_db import (
    as_stored,
    cell_text,
    is_database_url,
    loose_sqlite,
    open_database,
    reflect_table,
    table_location,
    text_array,
)

__all__ = ["deid_database", "deid_database_in_place", "deid_database_table"]

OUT_FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv"}


def _arrow_type(sql_type: Any) -> Any:
    """The Arrow type a column's values are kept in (text where nothing closer fits)."""
    import pyarrow as pa
    from sqlalchemy import types as sa

    if isinstance(sql_type, sa.Boolean):
        return pa.bool_()
    if isinstance(sql_type, sa.Integer):
        return pa.int64()
    if isinstance(sql_type, sa.Float):
        return pa.float64()
    if isinstance(sql_type, sa.DateTime):
        return pa.timestamp("us")
    if isinstance(sql_type, sa.Date):
        return pa.date32()
    if isinstance(sql_type, sa.LargeBinary):
        return pa.binary()
    return pa.string()  # text, JSON (as its text), decimals (exactly as written), others


def _is_sql_string(column: Any) -> bool:
    from sqlalchemy import types as sa

    return isinstance(column.type, sa.String)


def _is_json(column: Any) -> bool:
    from sqlalchemy import types as sa

    return isinstance(column.type, sa.JSON)


def json_text(value: Any) -> str | None:
    """A JSON column's value as JSON text (a bare string keeps its quotes); None for NULL."""
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _holds_text(column: Any) -> bool:
    """Whether a database column takes text back: string and JSON columns, and arrays of
    text (as their JSON text, read back into an array). Others (numbers, decimals, UUIDs,
    times) are rewritten only when a column rule names them."""
    from sqlalchemy import types as sa

    return isinstance(column.type, sa.String | sa.JSON) or text_array(column.type)


def _checked_integers(column: Any, deid: Deidentifier) -> bool:
    from sqlalchemy import types as sa

    return (
        isinstance(column.type, sa.Integer)
        and column.name not in deid.policy.columns
        and deid.touches(column.name)
    )


def _array_values(column: Any, values: list[Any], where: str, row0: int) -> list[Any]:
    """De-identified JSON texts of a text-array column as arrays again: each must still be
    a JSON array of text (nested for more dimensions) or NULL; a located error if not."""

    def back(i: int, v: Any) -> Any:
        if v is None:
            return None
        try:
            got = json.loads(v)
        except ValueError:
            got = None
        if not isinstance(got, list) or not _text_items(got):
            raise InputError(
                f"{where}, row {row0 + i + 1}, column {column.name}: the de-identified value "
                "is not an array of text; use a rule that keeps the array (detect) / 数组列"
            )
        return got

    return [back(i, v) for i, v in enumerate(values)]


def _text_items(items: list[Any]) -> bool:
    return all(x is None or isinstance(x, str) or (isinstance(x, list) and _text_items(x))
               for x in items)  # fmt: skip


class _Source:
    """A reflected table under a policy: its Arrow schemas, and the columns a batch takes
    through de-identification (all of them for a file; for a database, the text columns
    and those the policy names, with any date-shift 'per' column they need)."""

    def __init__(
        self, engine: Any, table: str, schema: str | None, where: str, deid: Deidentifier,
        for_db: bool = False,
    ) -> None:  # fmt: skip
        import pyarrow as pa

        self.where = where
        self.meta = reflect_table(engine, table, schema, where)
        self.cols = list(self.meta.columns)
        self.deid = deid
        in_schema = pa.schema([pa.field(c.name, _arrow_type(c.type)) for c in self.cols])
        out_schema = table_out_schema(in_schema, deid, where)  # checks the policy's columns
        rules = deid.policy.columns
        dialect = engine.dialect.name
        # SQLite columns of no type (or NUMERIC affinity) hold text as often as numbers
        self.loose = {c.name for c in self.cols if loose_sqlite(c, dialect)}
        self.select = as_stored(self.cols, dialect)
        self.touched = [
            c
            for c in self.cols
            if deid.touches(c.name)
            and (c.name in rules or (_holds_text(c) or c.name in self.loose if for_db else True))
        ]
        self.rewritten = {c.name for c in self.touched}
        if for_db:
            names = set(self.rewritten)
            names |= {getattr(rules[n], "per", None) for n in names if n in rules} - {None}
            # integers under detection: checked (a phone stored as a number), not rewritten
            names |= {c.name for c in self.cols if _checked_integers(c, deid)}
            work = [i for i, c in enumerate(self.cols) if c.name in names]
        else:
            work = list(range(len(self.cols)))
        self.work = work
        self.in_schema = pa.schema([in_schema.field(i) for i in work])
        self.out_schema = pa.schema([out_schema.field(i) for i in work])
        # values that need cell_text: text kept in Arrow, read from a column that is not a
        # string column (JSON, decimals, UUIDs, …); string columns give str already
        self.convert = [
            pa.types.is_string(f.type) and not _is_sql_string(self.cols[i])
            for i, f in zip(work, self.in_schema, strict=True)
        ]

    def deid_rows(self, part: Any, row0: int = 0) -> Any:
        """One batch of result rows, de-identified: the work columns, as an Arrow table in
        `out_schema`."""
        import pyarrow as pa

        columns = list(zip(*part, strict=True)) if part else [()] * len(self.cols)
        arrays = []
        for i, conv, f in zip(self.work, self.convert, self.in_schema, strict=True):
            text = json_text if _is_json(self.cols[i]) else cell_text
            values = [text(v) for v in columns[i]] if conv else columns[i]
            try:
                arrays.append(pa.array(values, type=f.type))
            except (pa.ArrowTypeError, pa.ArrowInvalid):  # SQLite: a number in a text column
                arrays.append(self._as_text(values, f, i, row0))
        batch = pa.Table.from_arrays(arrays, schema=self.in_schema)
        return deid_table(batch, self.deid, self.out_schema)

    def _as_text(self, values: Sequence[Any], field: Any, i: int, row0: int) -> Any:
        """A batch's values of column i where they do not fit its Arrow type: as text, for a
        text column; otherwise a located error (SQLite keeps text in a DATETIME column, and
        an extract types its columns)."""
        import pyarrow as pa

        try:
            return pa.array([cell_text(v) for v in values], type=field.type)
        except (pa.ArrowTypeError, pa.ArrowInvalid):
            pass
        col = self.cols[i]
        for k, v in enumerate(values):
            try:
                pa.array([v], type=field.type)
            except (pa.ArrowTypeError, pa.ArrowInvalid):
                raise InputError(
                    f"{self.where}, row {row0 + k + 1}, column {col.name}: a value of type "
                    f"{type(v).__name__} is not a {col.type}; SQLite keeps any value in any "
                    "column. Write a copy into a database, which keeps it, or fix the value "
                    "/ 值与列类型不符"
                ) from None
        raise InputError(f"{self.where}, column {col.name}: values do not fit {col.type}")

    def becomes_text(self, column: Any) -> bool:
        """Whether the policy turns a column that is not a text column into text."""
        import pyarrow as pa

        if column.name not in self.rewritten or column.name in self.loose:
            return False  # a loose SQLite column takes text as it is
        return bool(
            pa.types.is_string(self.out_schema.field(column.name).type)
        ) and not _holds_text(column)


def _db_values(
    column: Any, values: list[Any], where: str, row0: int, check_length: bool = False
) -> list[Any]:
    """De-identified values (rows row0 + 1 …) as their column takes them: JSON columns
    their JSON text, checked; a string the column could not hold is a located error (never
    showing the value)."""
    if text_array(column.type):
        return _array_values(column, values, where, row0)
    if _is_json(column):
        for i, v in enumerate(values):
            try:
                if v is not None:
                    json.loads(v)
            except ValueError:
                raise InputError(
                    f"{where}, row {row0 + i + 1}, column {column.name}: the de-identified "
                    "value is not JSON; use a rule that keeps JSON valid (detect) or write a "
                    "copy as text"
                ) from None
        return values
    limit = getattr(column.type, "length", None) if check_length else None
    if limit:
        for i, v in enumerate(values):
            if isinstance(v, str) and len(v) > limit:
                raise InputError(
                    f"{where}, row {row0 + i + 1}, column {column.name}: the de-identified "
                    f"value has {len(v)} characters, the column holds {limit}; widen the "
                    "column, choose a shorter rule, or write a de-identified copy / 列宽不足"
                )
    return values


def _table_policies(
    engine: Any, shown: str, tables: list[str] | None, schema: str | None, policy: Policy
) -> dict[str, Policy]:  # fmt: skip
    """The tables of a run (`tables`, or every table of the database) with the rules for
    each (`Policy.for_table`). InputError for a table that does not exist or a column key
    that names no column of the run's tables; a `table.column` key of a table the run
    leaves out (views included) is not an error: one policy serves a whole database."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import SQLAlchemyError

    try:
        insp = inspect(engine)
        names = insp.get_table_names(schema=schema)
        view_names = insp.get_view_names(schema=schema)  # named, or known to the policy
        known = set(names) | set(view_names)
        if tables:
            missing = [t for t in tables if t not in known]
            if missing:
                listed = sorted(names) + [f"{v} (view)" for v in sorted(view_names)]
                raise InputError(f"{shown}: no table(s) {missing}; tables are {listed}")
            chosen = list(dict.fromkeys(tables))
        else:
            chosen = sorted(names)
        if not chosen:
            where = f" in schema {schema}" if schema else ""
            raise InputError(f"{shown}: no tables{where} / 没有数据表")
        columns = {t: [c["name"] for c in insp.get_columns(t, schema=schema)] for t in chosen}
    except SQLAlchemyError as exc:
        raise InputError(f"{shown}: cannot read the table list: {_safe_message(exc)}") from None
    others = known - set(chosen)
    unused = [
        k
        for k in policy.unused_columns(columns)
        if not (k.partition(".")[2] and k.partition(".")[0] in others)
    ]
    if unused:
        shown_cols = "; ".join(f"{t}: {', '.join(c)}" for t, c in columns.items())
        raise InputError(
            f"{shown}: policy column(s) {unused} name no column of the table(s) de-identified "
            f"(columns are {shown_cols}); write a plain column name or table.column"
        )
    return {t: policy.for_table(t, columns[t]) for t in chosen}


def deid_database_table(
    url: str,
    table: str,
    out: Path | str,
    policy: Policy,
    *,
    schema: str | None = None,
    out_table: str | None = None,
    batch_rows: int = 50_000,
    on_rows: Callable[[int], None] | None = None,
) -> DeidReport:
    """De-identify `table` (or a view) of the database at `url` into `out`: a .parquet or
    .csv file, or a database URL, where a new table (`out_table`, default the same name)
    is created in one transaction.

    Column rules name the table's columns (plainly or as `table.column`); other text
    columns go through detection when the policy says so. `on_rows(n)`: n more rows are
    done."""
    if isinstance(out, str) and is_database_url(out):
        with _Databases(url, out) as dbs:
            pol = _table_policies(dbs.engine, dbs.shown, [table], schema, policy)[table]
            files = _copy_tables(dbs, {table: (out_table or table, pol)}, schema, batch_rows,
                                 on_rows)  # fmt: skip
        return DeidReport(files=files)
    out = Path(out)
    kind = OUT_FORMATS.get(out.suffix.lower())
    if kind is None:
        raise InputError(f"{out}: write the extract as .parquet or .csv, or give a database URL")
    engine, shown = open_database(url)
    try:
        pol = _table_policies(engine, shown, [table], schema, policy)[table]
        rows, deid = _extract(engine, shown, table, schema, out, kind, pol, batch_rows, on_rows)
    finally:
        engine.dispose()
    return DeidReport(
        files=[_file_report(table_location(shown, table, schema), str(out), rows, deid)]
    )


def deid_database(
    url: str,
    out: Path | str | None,
    policy: Policy,
    *,
    tables: list[str] | None = None,
    schema: str | None = None,
    out_format: str = "parquet",
    batch_rows: int = 50_000,
    on_rows: Callable[[int], None] | None = None,
) -> DeidReport:
    """De-identify several tables of a database in one run: `tables` (which may name
    views), or every table (views are left out). One policy serves them all: a plain
    column key applies to every table with that column, `table.column` to one table, and
    keyed pseudonyms agree across tables (same value, same domain, same token), so joins
    on pseudonymised columns still match.

    - `out` a database URL (not the input's): each table into a new table of the same
      name there. A table that exists is refused before anything is written, and when one
      table fails, the tables this run made are dropped again.
    - `out` a folder: one extract per table, `<table>.parquet` (or `.csv`: `out_format`),
      each written through a temporary file, so an extract is whole or absent.
    - `out` None: every table in place, all in one transaction (see
      `deid_database_in_place`); every refusal is checked before the first write.
    """
    if out is None:
        return _in_place(url, tables, schema, policy, batch_rows, on_rows)
    if isinstance(out, str) and is_database_url(out):
        with _Databases(url, out) as dbs:
            if dbs.target is dbs.engine:
                raise InputError(
                    f"{dbs.shown}: the output database is the input; give another database, "
                    "or de-identify in place / 输出库与输入库相同"
                )
            policies = _table_policies(dbs.engine, dbs.shown, tables, schema, policy)
            files = _copy_tables(dbs, {t: (t, pol) for t, pol in policies.items()}, schema,
                                 batch_rows, on_rows)  # fmt: skip
        return DeidReport(files=files)
    folder = Path(out)
    if folder.suffix.lower() in OUT_FORMATS or (folder.exists() and not folder.is_dir()):
        raise InputError(
            f"{folder}: several tables go to a folder (one extract per table) or a database "
            "URL; for one table give --table / 多表输出需为目录或数据库"
        )
    if out_format not in ("parquet", "csv"):
        raise InputError(f"extract format {out_format!r}: expected parquet or csv")
    engine, shown = open_database(url)
    files = []
    try:
        policies = _table_policies(engine, shown, tables, schema, policy)
        for t, pol in policies.items():
            extract = folder / f"{t}.{out_format}"
            rows, deid = _extract(engine, shown, t, schema, extract, out_format, pol, batch_rows,
                                  on_rows)  # fmt: skip
            files.append(_file_report(table_location(shown, t, schema), str(extract), rows, deid))
    finally:
        engine.dispose()
    return DeidReport(files=files)


def _extract(
    engine: Any, shown: str, table: str, schema: str | None, out: Path, kind: str,
    policy: Policy, batch_rows: int, on_rows: Callable[[int], None] | None,
) -> tuple[int, Deidentifier]:  # fmt: skip
    """One table into a Parquet or CSV file, through a temporary file renamed at the end."""
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    deid = Deidentifier(policy)
    where = table_location(shown, table, schema)
    rows = 0
    try:
        src = _Source(engine, table, schema, where, deid)
        with (
            atomic_path(out) as tmp,
            _writer(kind, tmp, src.out_schema) as write,
            engine.connect() as conn,
        ):
            result = conn.execution_options(stream_results=True).execute(select(*src.select))
            for part in result.partitions(batch_rows):
                write(src.deid_rows(part, rows))
                rows += len(part)
                if on_rows is not None:
                    on_rows(len(part))
    except SQLAlchemyError as exc:
        raise InputError(f"{where}: {_safe_message(exc)}") from None
    return rows, deid


def _target_type(column: Any, src: _Source, same_dialect: bool, same_database: bool) -> Any:
    """The column type of the new table: the source's (its generic form across database
    kinds); unbounded text where the policy rewrites a string column (a token may be longer
    than the value) or turns other values into text. A keyed token's length is known, so a
    bounded string column that becomes tokens stays bounded (MySQL indexes and references
    only bounded strings)."""
    from sqlalchemy import Column
    from sqlalchemy import types as sa

    rewritten = column.name in src.rewritten
    if isinstance(column.type, sa.NullType):  # SQLite's column of no type
        return _untyped() if same_dialect else sa.Text()
    if src.becomes_text(column) or (rewritten and isinstance(column.type, sa.String)):
        change = value_change(column, src.deid.policy, src.rewritten)
        length = getattr(column.type, "length", None)
        if change[0] == "token" and length and not isinstance(column.type, sa.Text):
            return sa.String(max(length, len(change[2]) + 1 + int(change[3])))
        return sa.Text()
    named = getattr(column.type, "data_type", None)  # a PostgreSQL DOMAIN over its base type
    if same_dialect:
        if named is not None and not same_database:  # made there too, check and all
            domain = shallow_copy(column.type)
            domain.create_type = True
            return domain
        return column.type
    if named is not None:
        column = Column(column.name, named)
    if isinstance(column.type, sa.ARRAY):  # only PostgreSQL has arrays: their JSON text
        return sa.Text()
    try:
        return column.type.as_generic()
    except NotImplementedError:  # a type with no generic form (e.g. PostgreSQL's INET)
        return sa.Text()


@functools.cache
def _untyped_class() -> Any:
    from sqlalchemy.types import UserDefinedType

    class Untyped(UserDefinedType[Any]):
        """A SQLite column declared with no type, as its source was (it keeps any value
        as given)."""

        cache_ok = True

        def get_col_spec(self, **kw: Any) -> str:
            return ""

    return Untyped


def _untyped() -> Any:
    return _untyped_class()()  # the class is made on first use: SQLAlchemy loads lazily


class _Databases:
    """The input database and the output one (the same engine when the URLs are equal),
    both disposed of at the end."""

    def __init__(self, url: str, out_url: str) -> None:
        self.engine, self.shown = open_database(url)
        try:
            self.target, self.target_shown = (
                (self.engine, self.shown) if out_url == url else open_database(out_url, create=True)
            )
        except BaseException:
            self.engine.dispose()
            raise

    def where(self, table: str, schema: str | None) -> str:
        return table_location(self.shown, table, schema)

    def __enter__(self) -> _Databases:
        return self

    def __exit__(self, *exc: object) -> None:
        self.engine.dispose()
        self.target.dispose()


def _drop(engine: Any, tables: list[str]) -> None:
    """Drop tables this run made (after an error: best effort, the error comes first)."""
    from sqlalchemy import MetaData, Table
    from sqlalchemy.exc import SQLAlchemyError

    for t in reversed(tables):
        try:
            with engine.begin() as conn:
                Table(t, MetaData()).drop(conn, checkfirst=True)
        except SQLAlchemyError:
            pass


class _Copy:
    """One table's copy, prepared before any is written: its source, the new table (in the
    run's one MetaData, so foreign keys between copies resolve) and its schema plan."""

    def __init__(
        self, dbs: _Databases, table: str, out_table: str, policy: Policy, schema: str | None
    ) -> None:
        self.table, self.out_table = table, out_table
        self.deid = Deidentifier(policy)
        self.where = dbs.where(table, schema)
        self.dest = table_location(dbs.target_shown, out_table)
        if dbs.target is dbs.engine and out_table == table and schema is None:
            raise InputError(
                f"{self.where}: the output table is the input; name another (--out-table) or "
                "de-identify in place (--in-place) / 输出表与输入表相同"
            )
        self.src = _Source(dbs.engine, table, schema, self.where, self.deid, for_db=True)
        self.changes = {c.name: value_change(c, policy, self.src.rewritten) for c in self.src.cols}

    def build(self, dbs: _Databases, schema: str | None, meta: Any, run: dict[str, Any]) -> None:
        """The new table with the constraints the policy leaves true (`plan_schema`);
        `run`: every copy of the run by source table."""
        from sqlalchemy import Column, Table, inspect

        engine, target = dbs.engine, dbs.target
        same = target.dialect.name == engine.dialect.name
        types = {c.name: _target_type(c, self.src, same, target is engine) for c in self.src.cols}
        self.to_target = {c.name: _to_target(c, types[c.name]) for c in self.src.cols}
        self.plan = plan_schema(
            inspect(engine), self.table, schema, self.out_table, self.src.cols, self.changes,
            same_dialect=same, same_database=target is engine,
            run_tables={t: (c.out_table, c.changes) for t, c in run.items()},
            retyped=frozenset(
                c.name for c in self.src.cols if not isinstance(types[c.name], type(c.type))
            ),
        )  # fmt: skip
        columns = []
        for c in self.src.cols:
            args, kw = column_options(self.plan, c.name, target.dialect.name)
            # a key stays a key where its values are kept as they are
            key = c.primary_key and c.name not in self.src.rewritten
            columns.append(Column(
                c.name, types[c.name], *args, primary_key=key,
                nullable=not key and c.name not in self.plan.not_null, **kw,
            ))  # fmt: skip
        self.new = Table(self.out_table, meta, *columns, *declared(self.plan, target.dialect.name))

    def report(self, rows: int) -> DeidFileReport:
        rep = _file_report(self.where, self.dest, rows, self.deid)
        rep.constraints_kept = self.plan.kept
        rep.constraints_dropped = self.plan.dropped
        return rep


def _copy_tables(
    dbs: _Databases,
    tables: dict[str, tuple[str, Policy]],
    schema: str | None,
    batch_rows: int,
    on_rows: Callable[[int], None] | None,
) -> list[DeidFileReport]:
    """Tables (source → (output name, policy)) into new tables of the output database, each
    filled in one transaction, then the foreign keys between them. Output tables that exist
    are refused before any is written; after an error the tables this run made are dropped
    again, so the output database is as it was."""
    from sqlalchemy import MetaData, inspect
    from sqlalchemy.exc import SQLAlchemyError

    target = dbs.target
    made: list[str] = []
    copy: _Copy | None = None
    try:
        copies = {t: _Copy(dbs, t, out, pol, schema) for t, (out, pol) in tables.items()}
        there = [c.out_table for c in copies.values() if inspect(target).has_table(c.out_table)]
        if len(there) == 1 and len(copies) == 1:
            only = next(iter(copies.values()))
            raise InputError(f"{only.dest}: the table exists already; drop it or name another")
        if there:
            raise InputError(
                f"{dbs.target_shown}: table(s) {there} exist already; drop them or write "
                "into another database / 目标表已存在"
            )
        meta = MetaData()
        for c in copies.values():
            c.build(dbs, schema, meta, copies)
        rows: dict[str, int] = {}
        for t, copy in copies.items():
            made.append(copy.out_table)
            rows[t] = _fill(copy, dbs.engine, target, batch_rows, on_rows)
        copy = None
        add_foreign_keys(target, {c.out_table: c.new for c in copies.values()},
                         [c.plan for c in copies.values()])  # fmt: skip
    except SQLAlchemyError as exc:
        _drop(target, made)  # none existed before the run
        dest = copy.dest if copy is not None else dbs.target_shown
        raise InputError(f"{dest}: {_safe_message(exc)}; nothing was written") from None
    except BaseException:
        _drop(target, made)
        raise
    return [c.report(rows[t]) for t, c in copies.items()]


def _to_target(column: Any, target_type: Any) -> Callable[[Sequence[Any]], Sequence[Any]]:
    """How a column's values become what the copy's column takes: where the copy keeps
    as text what the source did not (an array, an address, a domain, in another kind of
    database), the value's text (JSON text for an array)."""
    from sqlalchemy import types as sa

    if isinstance(target_type, sa.String) and not isinstance(column.type, sa.String | sa.JSON):
        return lambda vs: [cell_text(v) for v in vs]
    return _same


def _same(values: Sequence[Any]) -> Sequence[Any]:
    return values


def _fill(
    copy: _Copy,
    engine: Any,
    target: Any,
    batch_rows: int,
    on_rows: Callable[[int], None] | None,
) -> int:
    """Create the copy's table in `target` and fill it with the source's rows
    de-identified, then build its indexes, in one transaction; the number of rows."""
    from sqlalchemy import select

    from tianping.privacy._db_write import insert_rows

    src, new, where = copy.src, copy.new, copy.where
    touched = {c.name for c in src.touched}
    # SQLite: a second connection would wait on the reader's lock, so one reads and writes;
    # elsewhere the read streams on its own connection (MySQL allows nothing else on a
    # connection while a result streams)
    one_conn = target is engine and engine.dialect.name == "sqlite"
    rows = 0
    with target.begin() as wconn:
        new.create(wconn)
        rconn = wconn if one_conn else engine.connect()
        try:
            stream = {"stream_results": True}  # this statement only: inserts follow
            with rconn.execute(select(*src.select), execution_options=stream) as result:
                for part in result.partitions(batch_rows):
                    done = src.deid_rows(part, rows)
                    raw = list(zip(*part, strict=True)) if part else [()] * len(src.cols)
                    columns = [
                        copy.to_target[c.name](
                            _db_values(c, done.column(c.name).to_pylist(), where, rows)
                            if c.name in touched
                            else [json_text(v) for v in values]
                            if _is_json(c)
                            else values
                        )
                        for c, values in zip(src.cols, raw, strict=True)
                    ]
                    for j, c in enumerate(src.cols):  # loose SQLite values keep their kind
                        if c.name in src.loose and c.name in touched:
                            columns[j] = list(map(_unless_same, raw[j], columns[j]))
                    insert_rows(wconn, new, columns)  # COPY on PostgreSQL
                    rows += len(part)
                    if on_rows is not None:
                        on_rows(len(part))
        finally:
            if not one_conn:
                rconn.close()
        add_after_rows(wconn, new, copy.plan)  # indexes once, not row by row
    return rows


class _InPlace:
    """One table to de-identify where it is: its refusals are checked when it is made,
    before anything is written; `run` then updates it on a connection the caller holds a
    transaction on."""

    def __init__(self, engine: Any, table: str, schema: str | None, where: str, policy: Policy):
        from sqlalchemy import inspect

        self.where = where
        self.deid = deid = Deidentifier(policy)
        self.src = src = _Source(engine, table, schema, where, deid, for_db=True)
        self.changes_nothing = not src.touched
        if self.changes_nothing:  # left alone, whatever its keys
            return
        keys = list(src.meta.primary_key.columns)
        if not keys:
            raise InputError(
                f"{where}: no primary key, so rows cannot be updated one by one; write a "
                "de-identified copy instead (a database URL or a file as output) / 无主键"
            )
        key_names = {k.name for k in keys}
        bad_keys = sorted(key_names & set(deid.policy.columns) & src.rewritten)
        if bad_keys:
            raise InputError(
                f"{where}: the policy changes key column(s) {bad_keys}, which find the rows "
                "to update; keep them, or write a de-identified copy instead"
            )
        retyped = [f"{c.name} ({c.type})" for c in src.touched if src.becomes_text(c)]
        if retyped:
            raise InputError(
                f"{where}: in place a column keeps its type, but the policy turns "
                f"{', '.join(retyped)} into text; write a de-identified copy instead"
            )
        self.warnings = [
            f"trigger {name} fires on UPDATE: it ran for every changed row and may have "
            "written the old values elsewhere (an audit or history table?); de-identify "
            "where it writes too / 更新触发器可能已将原值写入他处"
            for name, on_update in triggers(inspect(engine), table, schema)
            if on_update
        ]
        names = [c.name for c in src.cols]
        self.keys = keys
        self.kpos = [names.index(k.name) for k in keys]
        self.rewrite = [(names.index(c.name), c) for c in src.touched if c.name not in key_names]
        # key columns under detection of unlisted columns: checked, never written
        self.checked = [(names.index(c.name), c) for c in src.touched if c.name in key_names]
        self.key_names = [k.name for k in keys]
        self.set_names = [c.name for _, c in self.rewrite]

    def run(
        self, conn: Any, batch_rows: int, on_rows: Callable[[int], None] | None
    ) -> tuple[int, int]:
        """Rows read and rows updated."""
        from sqlalchemy import select, tuple_

        from tianping.privacy._db_write import update_rows

        src, keys, kpos, rewrite, where = self.src, self.keys, self.kpos, self.rewrite, self.where
        key_expr = keys[0] if len(keys) == 1 else tuple_(*keys)
        rows = changed = 0
        last: tuple[Any, ...] | None = None
        while True:
            q = select(*src.select).order_by(*keys).limit(batch_rows)
            if last is not None:
                q = q.where(key_expr > (last[0] if len(keys) == 1 else tuple_(*last)))
            part = conn.execute(q).all()
            if not part:
                break
            done = src.deid_rows(part, rows)
            for pos, c in self.checked:
                for i, v in enumerate(done.column(c.name).to_pylist()):
                    if v != cell_text(part[i][pos]):
                        raise InputError(
                            f"{where}, row {rows + i + 1}, column {c.name}: the key holds "
                            "personal information; in place rows are found by their key, "
                            "so write a de-identified copy instead / 主键含个人信息"
                        )
            new = [
                _db_values(c, done.column(c.name).to_pylist(), where, rows, True)
                for _, c in rewrite
            ]
            # a JSON value is compared as the text it was de-identified from
            was = [json_text if _is_json(c) else _as_is for _, c in rewrite]
            updates = []
            for i, raw in enumerate(part):
                vals = [
                    _unless_same(raw[pos], col[i]) if c.name in src.loose else col[i]
                    for col, (pos, c) in zip(new, rewrite, strict=True)
                ]
                if all(
                    v == old(raw[pos]) for v, old, (pos, _) in zip(vals, was, rewrite, strict=True)
                ):
                    continue  # nothing in this row changes
                updates.append((*(raw[p] for p in kpos), *vals))
            update_rows(conn, src.meta, self.key_names, self.set_names, updates)
            changed += len(updates)
            rows += len(part)
            last = tuple(part[-1][p] for p in kpos)
            if on_rows is not None:
                on_rows(len(part))
        return rows, changed


def deid_database_in_place(
    url: str,
    table: str,
    policy: Policy,
    *,
    schema: str | None = None,
    batch_rows: int = 5_000,
    on_rows: Callable[[int], None] | None = None,
) -> DeidReport:
    """De-identify `table` where it is: rows are read in primary-key order, batch by batch,
    and the cells that change are updated by key, all in one transaction (an error leaves
    the table as it was). Refused for a table without a primary key, a policy that changes
    a key column, or a rule that would turn a column that is not text into text (write a
    de-identified copy then)."""
    return _in_place(url, [table], schema, policy, batch_rows, on_rows)


def _in_place(
    url: str,
    tables: list[str] | None,
    schema: str | None,
    policy: Policy,
    batch_rows: int,
    on_rows: Callable[[int], None] | None,
) -> DeidReport:
    """Tables (default: every table) de-identified where they are, in one transaction."""
    from sqlalchemy.exc import SQLAlchemyError

    engine, shown = open_database(url)
    where = shown
    files = []
    try:
        policies = _table_policies(engine, shown, tables, schema, policy)
        todo = []
        for t, pol in policies.items():
            where = table_location(shown, t, schema)  # refusals name their table
            run = _InPlace(engine, t, schema, where, pol)
            if not run.changes_nothing:
                todo.append(run)
        if not todo:
            where = where if len(policies) == 1 else shown
            raise InputError(f"{where}: the policy changes no column of the table(s)")
        with engine.begin() as conn:
            for r in todo:
                where = r.where
                rows, changed = r.run(conn, batch_rows, on_rows)
                output = f"{where} (in place, {changed} rows updated)"
                rep = _file_report(where, output, rows, r.deid)
                rep.warnings = r.warnings if changed else []
                files.append(rep)
    except SQLAlchemyError as exc:
        raise InputError(f"{where}: {_safe_message(exc)}; nothing was changed") from None
    finally:
        engine.dispose()
    return DeidReport(files=files)


def _unless_same(raw: Any, new: Any) -> Any:
    """A loose SQLite value de-identified as text: the stored value itself (a number stays
    a number) unless its text changed."""
    return raw if new == cell_text(raw) else new


def _as_is(value: Any) -> Any:
    return value


def _file_report(where: str, output: str, rows: int, deid: Deidentifier) -> DeidFileReport:
    """One table's entry: its rows, and the values replaced per type or column."""
    rep = DeidFileReport(input=where, output=output, format="table", records=rows)
    rep.replaced = dict(sorted(deid.counts.items()))
    rep.left = deid.left_report()
    return rep


class _writer:
    """A Parquet or CSV writer on `path` as a context manager that yields its write()."""

    def __init__(self, kind: str, path: Path, schema: Any) -> None:
        self.kind, self.path, self.schema = kind, path, schema
        self._w: Any = None

    def __enter__(self) -> Callable[[Any], None]:
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        if self.kind == "parquet":
            self._w = pq.ParquetWriter(self.path, self.schema, compression="zstd")
        else:
            self._w = pacsv.CSVWriter(self.path, self.schema)
        return lambda t: self._w.write_table(t)

    def __exit__(self, *exc: object) -> None:
        self._w.close()
