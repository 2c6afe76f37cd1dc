"""De-identified extracts of database tables: a table in, a Parquet or CSV file out.

Training sets are often cut from production tables. The table is read in batches (a
server-side cursor where the driver has one), each batch becomes an Arrow table typed from
the table's column types, goes through the same per-column rules and detection as a
Parquet row group (`deid_table`), and is appended to the output, which is written through
a temporary file and renamed at the end: an error leaves nothing behind, and the database
is only read.
"""

from __future__ import annotations

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
from tianping.privacy._scan_db import cell_text, open_database, reflect_table, table_location

__all__ = ["deid_database_table"]

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


def deid_database_table(
    url: str,
    table: str,
    out: Path,
    policy: Policy,
    *,
    schema: str | None = None,
    batch_rows: int = 50_000,
    on_rows: Callable[[int], None] | None = None,
) -> DeidReport:
    """De-identify `table` of the database at `url` into `out` (.parquet or .csv).

    Column rules name the table's columns; other text columns go through detection when the
    policy says so. `on_rows(n)`: n more rows are done."""
    import pyarrow as pa
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    out = Path(out)
    kind = OUT_FORMATS.get(out.suffix.lower())
    if kind is None:
        raise InputError(f"{out}: write the extract as .parquet or .csv")
    deid = Deidentifier(policy)
    engine, shown = open_database(url)
    where = table_location(shown, table, schema)
    rows = 0
    try:
        meta = reflect_table(engine, table, schema, where)
        cols = list(meta.columns)
        in_schema = pa.schema([pa.field(c.name, _arrow_type(c.type)) for c in cols])
        out_schema = table_out_schema(in_schema, deid, where)
        text = [pa.types.is_string(f.type) for f in in_schema]
        with (
            atomic_path(out) as tmp,
            _writer(kind, tmp, out_schema) as write,
            engine.connect() as conn,
        ):
            result = conn.execution_options(stream_results=True).execute(select(*cols))
            for part in result.partitions(batch_rows):
                columns = list(zip(*part, strict=True)) if part else [()] * len(cols)
                arrays = [
                    pa.array([cell_text(v) if t else v for v in values], type=f.type)
                    for values, t, f in zip(columns, text, in_schema, strict=True)
                ]
                batch = pa.Table.from_arrays(arrays, schema=in_schema)
                write(deid_table(batch, deid, out_schema))
                rows += len(part)
                if on_rows is not None:
                    on_rows(len(part))
    except SQLAlchemyError as exc:
        raise InputError(f"{where}: {_safe_message(exc)}") from None
    finally:
        engine.dispose()
    rep = DeidFileReport(input=where, output=str(out), format="table", records=rows)
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
