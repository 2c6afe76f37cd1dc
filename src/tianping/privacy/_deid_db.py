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

import json
from collections.abc import Callable
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
from tianping.privacy._policy import Policy
from tianping.privacy._scan import _safe_message
from tianping.privacy._scan_db import (
    cell_text,
    is_database_url,
    open_database,
    reflect_table,
    table_location,
)

__all__ = ["deid_database_in_place", "deid_database_table"]

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


def _holds_text(column: Any) -> bool:
    """Whether a database column takes text back: string and JSON columns. Others (numbers,
    decimals, UUIDs, times) are rewritten only when a column rule names them."""
    from sqlalchemy import types as sa

    return isinstance(column.type, sa.String | sa.JSON)


class _Source:
    """A reflected table under a policy: its Arrow schemas, and the columns a batch takes
    through de-identification (all of them for a file; for a database, the text columns
    and those the policy names, with any date-shift 'per' column they need)."""

    def __init__(
        self, engine: Any, table: str, schema: str | None, where: str, deid: Deidentifier,
        for_db: bool = False,
    ) -> None:  # fmt: skip
        import pyarrow as pa

        self.meta = reflect_table(engine, table, schema, where)
        self.cols = list(self.meta.columns)
        self.deid = deid
        in_schema = pa.schema([pa.field(c.name, _arrow_type(c.type)) for c in self.cols])
        out_schema = table_out_schema(in_schema, deid, where)  # checks the policy's columns
        rules = deid.policy.columns
        self.touched = [
            c
            for c in self.cols
            if deid.touches(c.name) and (c.name in rules or (_holds_text(c) if for_db else True))
        ]
        self.rewritten = {c.name for c in self.touched}
        if for_db:
            names = set(self.rewritten)
            names |= {getattr(rules[n], "per", None) for n in names if n in rules} - {None}
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

    def deid_rows(self, part: Any) -> Any:
        """One batch of result rows, de-identified: the work columns, as an Arrow table in
        `out_schema`."""
        import pyarrow as pa

        columns = list(zip(*part, strict=True)) if part else [()] * len(self.cols)
        arrays = []
        for i, conv, f in zip(self.work, self.convert, self.in_schema, strict=True):
            values = [cell_text(v) for v in columns[i]] if conv else columns[i]
            try:
                arrays.append(pa.array(values, type=f.type))
            except (pa.ArrowTypeError, pa.ArrowInvalid):  # SQLite: a number in a text column
                arrays.append(pa.array([cell_text(v) for v in values], type=f.type))
        batch = pa.Table.from_arrays(arrays, schema=self.in_schema)
        return deid_table(batch, self.deid, self.out_schema)

    def becomes_text(self, column: Any) -> bool:
        """Whether the policy turns a column that is not a text column into text."""
        import pyarrow as pa

        if column.name not in self.rewritten:
            return False
        return bool(
            pa.types.is_string(self.out_schema.field(column.name).type)
        ) and not _holds_text(column)


def _db_values(
    column: Any, values: list[Any], where: str, row0: int, check_length: bool = False
) -> list[Any]:
    """De-identified values (rows row0 + 1 …) as their column takes them: JSON columns get
    the parsed JSON; a string the column could not hold is a located error (never showing
    the value)."""
    from sqlalchemy import types as sa

    if isinstance(column.type, sa.JSON):
        out = []
        for i, v in enumerate(values):
            try:
                out.append(None if v is None else json.loads(v))
            except ValueError:
                raise InputError(
                    f"{where}, row {row0 + i + 1}, column {column.name}: the de-identified "
                    "value is not JSON; use a rule that keeps JSON valid (detect) or write a "
                    "copy as text"
                ) from None
        return out
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

    Column rules name the table's columns; other text columns go through detection when the
    policy says so. `on_rows(n)`: n more rows are done."""
    if isinstance(out, str) and is_database_url(out):
        return _to_database(
            url, table, out, out_table or table, policy, schema, batch_rows, on_rows
        )
    out = Path(out)
    kind = OUT_FORMATS.get(out.suffix.lower())
    if kind is None:
        raise InputError(f"{out}: write the extract as .parquet or .csv, or give a database URL")
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    deid = Deidentifier(policy)
    engine, shown = open_database(url)
    where = table_location(shown, table, schema)
    rows = 0
    try:
        src = _Source(engine, table, schema, where, deid)
        with (
            atomic_path(out) as tmp,
            _writer(kind, tmp, src.out_schema) as write,
            engine.connect() as conn,
        ):
            result = conn.execution_options(stream_results=True).execute(select(*src.cols))
            for part in result.partitions(batch_rows):
                write(src.deid_rows(part))
                rows += len(part)
                if on_rows is not None:
                    on_rows(len(part))
    except SQLAlchemyError as exc:
        raise InputError(f"{where}: {_safe_message(exc)}") from None
    finally:
        engine.dispose()
    return _report(where, str(out), rows, deid)


def _target_type(column: Any, src: _Source, same_dialect: bool) -> Any:
    """The column type of the new table: the source's (its generic form across database
    kinds); unbounded text where the policy rewrites a string column (a token may be longer
    than the value) or turns other values into text."""
    from sqlalchemy import types as sa

    rewritten = column.name in src.rewritten
    if src.becomes_text(column) or (rewritten and isinstance(column.type, sa.String)):
        return sa.Text()
    if same_dialect:
        return column.type
    try:
        return column.type.as_generic()
    except NotImplementedError:  # a type with no generic form (e.g. PostgreSQL's INET)
        return sa.Text()


def _to_database(
    url: str,
    table: str,
    out_url: str,
    out_table: str,
    policy: Policy,
    schema: str | None,
    batch_rows: int,
    on_rows: Callable[[int], None] | None,
) -> DeidReport:
    from sqlalchemy import Column, MetaData, Table, inspect
    from sqlalchemy.exc import SQLAlchemyError

    deid = Deidentifier(policy)
    engine, shown = open_database(url)
    target, target_shown = (
        (engine, shown) if out_url == url else open_database(out_url, create=True)
    )
    where = table_location(shown, table, schema)
    dest = table_location(target_shown, out_table)
    rows = 0
    try:
        if target_shown == shown and out_table == table and schema is None:
            raise InputError(
                f"{where}: the output table is the input; name another (--out-table) or "
                "de-identify in place (--in-place) / 输出表与输入表相同"
            )
        src = _Source(engine, table, schema, where, deid, for_db=True)
        if inspect(target).has_table(out_table):
            raise InputError(f"{dest}: the table exists already; drop it or name another")
        same = target.dialect.name == engine.dialect.name
        new = Table(
            out_table,
            MetaData(),
            *(
                Column(
                    c.name,
                    _target_type(c, src, same),
                    # a key stays a key where its values are kept as they are
                    primary_key=c.primary_key and c.name not in src.rewritten,
                )
                for c in src.cols
            ),
        )
        try:
            rows = _fill(new, src, engine, target, where, batch_rows, on_rows)
        except BaseException:
            # PostgreSQL takes the CREATE back with the rows; SQLite's driver (and MySQL)
            # commits DDL at once, so a half-made table is dropped here
            with target.begin() as conn:
                new.drop(conn, checkfirst=True)
            raise
    except SQLAlchemyError as exc:
        raise InputError(f"{dest}: {_safe_message(exc)}; nothing was written") from None
    finally:
        engine.dispose()
        target.dispose()
    return _report(where, dest, rows, deid)


def _fill(
    new: Any,
    src: _Source,
    engine: Any,
    target: Any,
    where: str,
    batch_rows: int,
    on_rows: Callable[[int], None] | None,
) -> int:
    """Create `new` in `target` and fill it with `src`'s rows de-identified, in one
    transaction; the number of rows."""
    from sqlalchemy import select

    names = [c.name for c in src.cols]
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
            with rconn.execute(select(*src.cols), execution_options=stream) as result:
                for part in result.partitions(batch_rows):
                    done = src.deid_rows(part)
                    records = [dict(zip(names, raw, strict=True)) for raw in part]
                    for c in src.touched:
                        values = _db_values(c, done.column(c.name).to_pylist(), where, rows)
                        for rec, v in zip(records, values, strict=True):
                            rec[c.name] = v
                    if records:
                        wconn.execute(new.insert(), records)
                    rows += len(part)
                    if on_rows is not None:
                        on_rows(len(part))
        finally:
            if not one_conn:
                rconn.close()
    return rows


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
    from sqlalchemy import and_, bindparam, select, tuple_, update
    from sqlalchemy.exc import SQLAlchemyError

    deid = Deidentifier(policy)
    engine, shown = open_database(url)
    where = table_location(shown, table, schema)
    rows = changed = 0
    try:
        src = _Source(engine, table, schema, where, deid, for_db=True)
        keys = list(src.meta.primary_key.columns)
        if not keys:
            raise InputError(
                f"{where}: no primary key, so rows cannot be updated one by one; write a "
                "de-identified copy instead (a database URL or a file as output) / 无主键"
            )
        key_names = {k.name for k in keys}
        bad_keys = sorted(key_names & set(src.deid.policy.columns) & src.rewritten)
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
        if not src.touched:
            raise InputError(f"{where}: the policy changes no column of this table")
        names = [c.name for c in src.cols]
        kpos = [names.index(k.name) for k in keys]
        rewrite = [(names.index(c.name), c) for c in src.touched if c.name not in key_names]
        # key columns under detection of unlisted columns: checked, never written
        checked = [(names.index(c.name), c) for c in src.touched if c.name in key_names]
        stmt = (
            update(src.meta)
            .where(and_(*(k == bindparam(f"k_{i}") for i, k in enumerate(keys))))
            .values({c.name: bindparam(f"v_{j}") for j, (_, c) in enumerate(rewrite)})
        )
        key_expr = keys[0] if len(keys) == 1 else tuple_(*keys)
        with engine.begin() as conn:
            last: tuple[Any, ...] | None = None
            while True:
                q = select(*src.cols).order_by(*keys).limit(batch_rows)
                if last is not None:
                    q = q.where(key_expr > (last[0] if len(keys) == 1 else tuple_(*last)))
                part = conn.execute(q).all()
                if not part:
                    break
                done = src.deid_rows(part)
                for pos, c in checked:
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
                params = []
                for i, raw in enumerate(part):
                    vals = [col[i] for col in new]
                    if all(v == raw[pos] for v, (pos, _) in zip(vals, rewrite, strict=True)):
                        continue  # nothing in this row changes
                    params.append(
                        {f"v_{j}": v for j, v in enumerate(vals)}
                        | {f"k_{i}": raw[p] for i, p in enumerate(kpos)}
                    )
                if params:
                    conn.execute(stmt, params)
                changed += len(params)
                rows += len(part)
                last = tuple(part[-1][p] for p in kpos)
                if on_rows is not None:
                    on_rows(len(part))
    except SQLAlchemyError as exc:
        raise InputError(f"{where}: {_safe_message(exc)}; nothing was changed") from None
    finally:
        engine.dispose()
    return _report(where, f"{where} (in place, {changed} rows updated)", rows, deid)


def _report(where: str, output: str, rows: int, deid: Deidentifier) -> DeidReport:
    """The run's report: one table, its rows, and the values replaced per type or column."""
    rep = DeidFileReport(input=where, output=output, format="table", records=rows)
    rep.replaced = dict(sorted(deid.counts.items()))
    return DeidReport(files=[rep])


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
