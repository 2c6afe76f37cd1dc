"""Anonymity metrics over quasi-identifiers: k, l (distinct, entropy), t-closeness, risk.

Definitions follow pycanon (IFCA) so values agree on shared cases: equivalence classes are
the groups of rows with equal quasi-identifier values; l-diversity and t-closeness over
several sensitive attributes take the worst attribute (pycanon's ``gen=True``); t-closeness
uses the ordered-distance EMD for numeric attributes and the equal-distance EMD for
categorical ones (Li, Li and Venkatasubramanian 2007). Unlike pycanon (pandas ``groupby``
drops missing keys), missing quasi-identifier values form their own class, which is the
conservative choice, and a missing sensitive value counts as one more value (placed before
the others in numeric order for t-closeness). Everything runs as polars group-bys plus
numpy, never per-class Python.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from pydantic import BaseModel, Field

from tianping.errors import InputError
from tianping.privacy._compressed import compression_of, inner_path, open_binary

__all__ = [
    "AnonymityReport",
    "SensitiveStats",
    "entropy_l_diversity",
    "equivalence_class_sizes",
    "k_anonymity",
    "l_diversity",
    "load_database_table",
    "load_table",
    "measure",
    "reidentification_risk",
    "t_closeness",
    "to_polars",
]

_DENSE_CELLS = 4_000_000  # classes x values per numpy block in numeric t-closeness


class SensitiveStats(BaseModel):
    """Per sensitive attribute: the worst class over all equivalence classes."""

    attribute: str
    numeric: bool
    distinct_values: int
    l_distinct: int
    l_entropy: float = Field(description="exp(min class entropy); pycanon reports int() of it")
    t_closeness: float


class AnonymityReport(BaseModel):
    rows: int
    quasi_identifiers: list[str]
    sensitive: list[str]
    equivalence_classes: int
    k: int
    class_size_histogram: dict[int, int] = Field(
        default_factory=dict, description="class size -> number of classes of that size"
    )
    l_distinct: int | None = None
    l_entropy: float | None = None
    t_closeness: float | None = None
    per_sensitive: list[SensitiveStats] = Field(default_factory=list)
    prosecutor_risk_max: float
    prosecutor_risk_avg: float
    records_unique: int = Field(description="Rows whose class has size 1 (sample uniques)")
    journalist_risk_max: float | None = None
    journalist_risk_avg: float | None = None
    marketer_risk: float


def to_polars(data: Any) -> pl.DataFrame:
    """Accept a polars or pandas DataFrame (or anything polars can build a frame from)."""
    if isinstance(data, pl.DataFrame):
        return data
    if isinstance(data, pl.LazyFrame):
        return data.collect()
    try:
        import pandas as pd

        if isinstance(data, pd.DataFrame):
            return pl.from_pandas(data)
    except ImportError:  # pragma: no cover - pandas ships with the extras we use
        pass
    return pl.DataFrame(data)


def _check_columns(df: pl.DataFrame, cols: Sequence[str], what: str) -> None:
    if not cols:
        raise InputError(f"no {what} given")
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise InputError(f"{what} {missing} are not columns; columns are {df.columns}")


_KEY_LIMIT = 1 << 62  # combined integer keys must fit in int64
_BINCOUNT_LIMIT = 50_000_000  # dense counting up to this key range, else np.unique


def _column_codes(s: pl.Series) -> tuple[np.ndarray, int]:
    """Integer codes 0..n-1 for a column (nulls get their own code) and n."""
    if s.dtype.is_integer() or s.dtype == pl.Boolean:
        a = s.cast(pl.Int64)
        lo = a.min()
        base = int(lo) if lo is not None else 0  # type: ignore[arg-type]
        codes = np.array((a - base).fill_null(-1).to_numpy(), dtype=np.int64)
    else:
        txt = s if s.dtype == pl.String else s.cast(pl.String)
        cats = txt.unique().drop_nulls()
        # An Enum over the column's own values gives dense codes 0..n-1 without sorting.
        codes = txt.cast(pl.Enum(cats)).to_physical().cast(pl.Int64).fill_null(-1).to_numpy()
        codes = np.array(codes, dtype=np.int64)  # writable copy
    n = int(codes.max()) + 2 if codes.size else 1
    codes[codes < 0] = n - 1
    return codes, n


def _class_keys(df: pl.DataFrame, cols: Sequence[str]) -> tuple[np.ndarray, int] | None:
    """One int64 key per row for the combination of `cols`, and the key range; None when
    the range would overflow (then the caller groups with polars)."""
    key: np.ndarray | None = None
    size = 1
    for c in cols:
        codes, n = _column_codes(df[c])
        if size * n >= _KEY_LIMIT:
            return None
        key = codes if key is None else key * n + codes
        size *= n
    return (key if key is not None else np.zeros(df.height, np.int64)), size


def _counts(key: np.ndarray, size: int) -> np.ndarray:
    if size <= _BINCOUNT_LIMIT:
        c = np.bincount(key, minlength=1)
        return c[c > 0]
    return np.unique(key, return_counts=True)[1]


def _class_sizes(df: pl.DataFrame, qi: Sequence[str]) -> np.ndarray:
    keyed = _class_keys(df, qi)
    if keyed is not None:
        return _counts(*keyed).astype(np.int64)
    sizes = df.group_by(list(qi)).agg(pl.len().alias("__n"))["__n"].to_numpy()
    return np.asarray(sizes, dtype=np.int64)


def equivalence_class_sizes(data: Any, qi: Sequence[str]) -> np.ndarray:
    """Sizes of the equivalence classes (order unspecified)."""
    df = to_polars(data)
    _check_columns(df, qi, "quasi-identifiers")
    return _class_sizes(df, qi)


def k_anonymity(data: Any, qi: Sequence[str]) -> int:
    """Smallest equivalence-class size (pycanon ``k_anonymity``)."""
    sizes = equivalence_class_sizes(data, qi)
    return int(sizes.min()) if sizes.size else 0


def _is_numeric(s: pl.Series) -> bool:
    return s.dtype.is_numeric()


def _sa_counts(df: pl.DataFrame, qi: Sequence[str], sa: str) -> pl.DataFrame:
    """(class id, value rank, count) triples, class sizes joined in."""
    trip = df.group_by([*qi, sa]).agg(pl.len().alias("__c"))
    trip = trip.with_columns(
        (pl.struct(list(qi)).rank("dense") - 1).cast(pl.Int64).alias("__cls"),
        # a missing sensitive value is one more value (the first in numeric order)
        (pl.col(sa).rank("dense").fill_null(0).rank("dense") - 1).cast(pl.Int64).alias("__v"),
    )
    sizes = trip.group_by("__cls").agg(pl.col("__c").sum().alias("__n"))
    return trip.select("__cls", "__v", "__c").join(sizes, on="__cls")


def _sensitive_stats(
    df: pl.DataFrame, qi: Sequence[str], sa: str, numeric: bool | None
) -> SensitiveStats:
    num = _is_numeric(df[sa]) if numeric is None else numeric
    trip = _sa_counts(df, qi, sa)
    n = df.height
    per_class = trip.group_by("__cls").agg(
        pl.len().alias("l"),
        (-(pl.col("__c") / pl.col("__n")) * (pl.col("__c") / pl.col("__n")).log()).sum().alias("h"),
    )
    l_distinct = int(per_class["l"].min())  # type: ignore[arg-type]
    h_min = float(per_class["h"].min())  # type: ignore[arg-type]
    l_entropy = float(np.exp(1) ** h_min)
    # Global distribution p over the sorted distinct values.
    vals = trip.group_by("__v").agg(pl.col("__c").sum()).sort("__v")
    m = vals.height
    p = vals["__c"].to_numpy().astype(np.float64) / n
    cls = trip["__cls"].to_numpy()
    v = trip["__v"].to_numpy()
    q = trip["__c"].to_numpy().astype(np.float64) / trip["__n"].to_numpy()
    n_cls = per_class.height
    if m <= 1:
        t = 0.0
    elif not num:
        # Equal-distance EMD: 0.5 * sum |q - p|; values absent from a class add p_v.
        diff = np.abs(q - p[v]) - p[v]
        acc = np.bincount(cls, weights=diff, minlength=n_cls)
        t = float(np.max(0.5 * (acc + 1.0)))
    else:
        # Ordered-distance EMD: sum over values of |cumulative (q - p)| / (m - 1).
        order = np.argsort(cls, kind="stable")
        cls_s, v_s, q_s = cls[order], v[order], q[order]
        bounds = np.searchsorted(cls_s, np.arange(0, n_cls + 1))
        block = max(1, _DENSE_CELLS // m)
        t = 0.0
        for lo in range(0, n_cls, block):
            hi = min(n_cls, lo + block)
            a, b = bounds[lo], bounds[hi]
            mat = np.zeros((hi - lo, m), dtype=np.float64)
            mat[cls_s[a:b] - lo, v_s[a:b]] = q_s[a:b]
            mat -= p
            np.cumsum(mat, axis=1, out=mat)
            emd = np.abs(mat).sum(axis=1) / (m - 1)
            t = max(t, float(emd.max()))
    return SensitiveStats(
        attribute=sa,
        numeric=num,
        distinct_values=m,
        l_distinct=l_distinct,
        l_entropy=l_entropy,
        t_closeness=t,
    )


def _sensitive_all(
    data: Any, qi: Sequence[str], sensitive: Sequence[str], numeric: dict[str, bool] | None
) -> list[SensitiveStats]:
    df = to_polars(data)
    _check_columns(df, qi, "quasi-identifiers")
    _check_columns(df, sensitive, "sensitive attributes")
    if df.height == 0:
        raise InputError("the table has no rows")
    numeric = numeric or {}
    return [_sensitive_stats(df, qi, sa, numeric.get(sa)) for sa in sensitive]


def l_diversity(data: Any, qi: Sequence[str], sensitive: Sequence[str]) -> int:
    """Distinct l-diversity: fewest distinct sensitive values in any class (worst attribute)."""
    df = to_polars(data)
    _check_columns(df, qi, "quasi-identifiers")
    _check_columns(df, sensitive, "sensitive attributes")
    keyed = _class_keys(df, qi)
    best: int | None = None
    for sa in sensitive:
        sa_codes, n_sa = _column_codes(df[sa])
        if keyed is not None and keyed[1] * n_sa <= _BINCOUNT_LIMIT:
            # Distinct (class, value) pairs, then pairs per class.
            pairs = np.flatnonzero(np.bincount(keyed[0] * n_sa + sa_codes))
            per_class = np.bincount(pairs // n_sa)
            val = int(per_class[per_class > 0].min())
        else:
            agg = df.group_by(list(qi)).agg(pl.col(sa).n_unique().alias("__l"))
            val = int(agg["__l"].min())  # type: ignore[arg-type]
        best = val if best is None else min(best, val)
    return int(best or 0)


def entropy_l_diversity(data: Any, qi: Sequence[str], sensitive: Sequence[str]) -> float:
    """Entropy l-diversity as exp(min entropy); ``int()`` of it equals pycanon's value."""
    df = to_polars(data)
    _check_columns(df, qi, "quasi-identifiers")
    _check_columns(df, sensitive, "sensitive attributes")
    best = float("inf")
    for sa in sensitive:
        trip = df.group_by([*qi, sa]).agg(pl.len().alias("__c"))
        trip = trip.with_columns((pl.col("__c") / pl.col("__c").sum().over(list(qi))).alias("__q"))
        ent = trip.group_by(list(qi)).agg((-(pl.col("__q") * pl.col("__q").log())).sum().alias("h"))
        h = float(ent["h"].min())  # type: ignore[arg-type]
        best = min(best, float(np.exp(1) ** h))
    return best


def t_closeness(
    data: Any,
    qi: Sequence[str],
    sensitive: Sequence[str],
    numeric: dict[str, bool] | None = None,
) -> float:
    """Largest EMD between a class's sensitive distribution and the table's (worst attribute)."""
    return max(s.t_closeness for s in _sensitive_all(data, qi, sensitive, numeric))


def reidentification_risk(
    data: Any,
    qi: Sequence[str],
    population: Any | None = None,
    population_count: str | None = None,
) -> dict[str, float | int | None]:
    """Prosecutor, journalist and marketer re-identification risk (El Emam's models).

    Prosecutor: the attacker knows the target is in the data: risk 1/f per record, where f
    is its class size. Journalist: the attacker does not know; risk 1/F with F the size of
    the matching class in ``population`` (a table with the same quasi-identifier columns,
    one row per person, or aggregated with a ``population_count`` column). Marketer: the
    expected share of records re-identified when all are linked: mean of 1/F (1/f without
    a population table).
    """
    df = to_polars(data)
    _check_columns(df, qi, "quasi-identifiers")
    if df.height == 0:
        raise InputError("the table has no rows")
    classes = df.group_by(list(qi)).agg(pl.len().alias("__f"))
    f = classes["__f"].to_numpy().astype(np.float64)
    n = float(df.height)
    out: dict[str, float | int | None] = {
        "prosecutor_risk_max": float(1.0 / f.min()),
        "prosecutor_risk_avg": float(classes.height / n),
        "records_unique": int(f[f == 1].sum()),
        "journalist_risk_max": None,
        "journalist_risk_avg": None,
        "marketer_risk": float(classes.height / n),
    }
    if population is not None:
        pop = to_polars(population)
        _check_columns(pop, qi, "quasi-identifiers of the population table")
        if population_count:
            _check_columns(pop, [population_count], "population count column")
            pop_cls = pop.group_by(list(qi)).agg(pl.col(population_count).sum().alias("__F"))
        else:
            pop_cls = pop.group_by(list(qi)).agg(pl.len().alias("__F"))
        pop_cls = pop_cls.with_columns(
            [pl.col(c).cast(classes.schema[c], strict=False) for c in qi]
        )
        joined = classes.join(pop_cls, on=list(qi), how="left", nulls_equal=True)
        # A sample class missing from the population is at least its own size there.
        big_f = joined.select(pl.max_horizontal(pl.col("__F").fill_null(0), pl.col("__f")))
        big_f_arr = big_f.to_series().to_numpy().astype(np.float64)
        f_arr = joined["__f"].to_numpy().astype(np.float64)
        out["journalist_risk_max"] = float(1.0 / big_f_arr.min())
        out["journalist_risk_avg"] = float((f_arr / big_f_arr).sum() / n)
        out["marketer_risk"] = float((f_arr / big_f_arr).sum() / n)
    return out


def measure(
    data: Any,
    qi: Sequence[str],
    sensitive: Sequence[str] = (),
    *,
    population: Any | None = None,
    population_count: str | None = None,
    numeric: dict[str, bool] | None = None,
) -> AnonymityReport:
    """Every metric in one call (k, l, entropy l, t, the three risk models)."""
    df = to_polars(data)
    _check_columns(df, qi, "quasi-identifiers")
    if df.height == 0:
        raise InputError("the table has no rows")
    sizes = _class_sizes(df, qi)
    uniq, counts = np.unique(sizes, return_counts=True)
    risk = reidentification_risk(df, qi, population, population_count)
    per = _sensitive_all(df, qi, sensitive, numeric) if sensitive else []
    return AnonymityReport(
        rows=df.height,
        quasi_identifiers=list(qi),
        sensitive=list(sensitive),
        equivalence_classes=int(sizes.size),
        k=int(sizes.min()),
        class_size_histogram={int(a): int(b) for a, b in zip(uniq, counts, strict=True)},
        l_distinct=min(s.l_distinct for s in per) if per else None,
        l_entropy=min(s.l_entropy for s in per) if per else None,
        t_closeness=max(s.t_closeness for s in per) if per else None,
        per_sensitive=per,
        prosecutor_risk_max=float(risk["prosecutor_risk_max"] or 0.0),
        prosecutor_risk_avg=float(risk["prosecutor_risk_avg"] or 0.0),
        records_unique=int(risk["records_unique"] or 0),
        journalist_risk_max=_opt(risk["journalist_risk_max"]),
        journalist_risk_avg=_opt(risk["journalist_risk_avg"]),
        marketer_risk=float(risk["marketer_risk"] or 0.0),
    )


def _opt(x: float | int | None) -> float | None:
    return None if x is None else float(x)


def load_table(
    path: Path,
    *,
    fmt: str | None = None,
    delimiter: str | None = None,
    has_header: bool = True,
    columns: Sequence[str] | None = None,
    na_values: Sequence[str] = ("", "?", "NA", "N/A", "null", "NaN"),
    keep_na_tokens: bool = True,
    skip_rows: int = 0,
) -> pl.DataFrame:
    """Read CSV/TSV, Parquet or JSONL into polars with trimmed strings and numeric columns typed.

    Missing-value tokens stay as they are by default (``keep_na_tokens``): for anonymity a
    '?' is a value an attacker sees, so it forms its own class rather than vanishing.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    kind = (fmt or inner_path(path).suffix.lstrip(".")).lower()  # a.csv.gz is CSV
    packed = compression_of(path)
    if packed and kind in ("parquet", "pq", "arrow", "feather", "ipc"):
        raise InputError(f"{path}: a compressed {kind} file: decompress it first / 请先解压")
    try:
        if kind in ("parquet", "pq"):
            df = pl.read_parquet(path)
        elif kind in ("jsonl", "ndjson"):
            if packed:
                with open_binary(path) as fh:
                    df = pl.read_ndjson(io.BytesIO(fh.read()))
            else:
                df = pl.read_ndjson(path)
        elif kind in ("arrow", "feather", "ipc"):
            df = pl.read_ipc(path)
        else:
            sep = delimiter or ("\t" if kind == "tsv" else _sniff_delimiter(path))
            df = _read_csv(path, sep, has_header, columns, skip_rows)
            df = df.filter(~pl.all_horizontal(pl.all().is_null()))
            df = _type_strings(df, na_values, keep_na_tokens)
    except (pl.exceptions.PolarsError, OSError, EOFError, UnicodeDecodeError, ValueError) as exc:
        if isinstance(exc, InputError):
            raise
        # parsers quote the offending row: keep only the message's head, never the data
        head = str(exc).split(":", 1)[0][:120]
        raise InputError(f"{path}: cannot read as {kind or 'csv'}: {head}") from None
    if df.height == 0:
        raise InputError(f"{path}: no rows")
    return df


def load_database_table(
    url: str, table: str, columns: Sequence[str], schema: str | None = None
) -> pl.DataFrame:
    """Only `columns` of a database table (the quasi-identifiers and sensitive attributes:
    direct identifiers are never read), values typed as the database gives them."""
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from tianping.privacy._scan import _safe_message
    from tianping.privacy._scan_db import open_database, reflect_table, table_location

    engine, shown = open_database(url)
    where = table_location(shown, table, schema)
    try:
        meta = reflect_table(engine, table, schema, where)
        names = [c.name for c in meta.columns]
        missing = [c for c in columns if c not in names]
        if missing:
            raise InputError(f"{where}: no column(s) {missing}; columns are {names}")
        with engine.connect() as conn:
            rows = conn.execute(select(*(meta.c[c] for c in columns))).all()
    except SQLAlchemyError as exc:  # drivers may quote values: the message's head only
        raise InputError(f"{where}: {_safe_message(exc)}") from None
    finally:
        engine.dispose()
    if not rows:
        raise InputError(f"{where}: no rows")
    return pl.DataFrame([tuple(r) for r in rows], schema=list(columns), orient="row")


def load_dataset(path: Path, ds: Any) -> pl.DataFrame:
    """Load a profile `Dataset` (format, delimiter, header, column names, skipped rows)."""
    return load_table(
        path,
        fmt=ds.format,
        delimiter=ds.delimiter,
        has_header=ds.has_header,
        columns=ds.columns,
        na_values=ds.na_values,
        skip_rows=int(getattr(ds, "skip_rows", 0) or 0),
    )


def _read_csv(
    path: Path, sep: str, has_header: bool, columns: Sequence[str] | None, skip_rows: int
) -> pl.DataFrame:
    """Every field as text (empty fields null). A row with too few or too many fields is an
    error naming the rows: k over a table with rows dropped or shifted would be wrong."""
    import csv

    with io.TextIOWrapper(open_binary(path), encoding="utf-8", newline="") as fh:
        for _ in range(skip_rows):
            fh.readline()
        first = next(csv.reader([fh.readline()], delimiter=sep), [])
    width = len(first)
    if columns and len(columns) != width:
        raise InputError(
            f"{path}: {len(columns)} column names given but the file has {width} columns"
        )
    names = list(columns) if columns else first if has_header else []
    names = names or [f"column_{i + 1}" for i in range(width)]  # polars' names, no header
    bad: list[tuple[int | None, int, int]] = []

    def on_invalid(row: Any) -> str:
        before = skip_rows + (1 if has_header else 0)  # row.number counts them too
        at = row.number - before if isinstance(row.number, int) and row.number > 0 else None
        bad.append((at, row.expected_columns, row.actual_columns))  # row.text: never shown
        return "skip"

    with open_binary(path) as source:  # decompressed as the suffix says
        table = _read_all(source, names, skip_rows, has_header, sep, on_invalid)
    if bad:
        shown = "; ".join(
            f"data row {at if at is not None else '?'}: expected {exp} fields, got {got}"
            for at, exp, got in bad[:5]
        )
        more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
        raise InputError(
            f"{path}: {len(bad)} malformed row(s): {shown}{more}; fix or remove them "
            "(anonymity over a table with rows dropped would be wrong)"
        )
    df = pl.from_arrow(table)
    assert isinstance(df, pl.DataFrame)
    return df


def _read_all(
    source: Any, names: list[str], skip_rows: int, has_header: bool, sep: str,
    on_invalid: Callable[[Any], str],
) -> Any:  # fmt: skip
    """The whole CSV stream, every field as text, bad rows to `on_invalid`."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    return pacsv.read_csv(
        source,
        read_options=pacsv.ReadOptions(
            skip_rows=skip_rows + (1 if has_header else 0),
            column_names=names,
            use_threads=False,  # numbers the bad rows
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=sep, newlines_in_values=True, invalid_row_handler=on_invalid
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=True,
            null_values=[""],
        ),
    )


def _sniff_delimiter(path: Path) -> str:
    with open_binary(path) as fh:
        head = fh.read(65536).decode("utf-8", errors="replace")
    first = head.splitlines()[0] if head else ""
    counts = {d: first.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _type_strings(df: pl.DataFrame, na_values: Sequence[str], keep_na: bool) -> pl.DataFrame:
    df = df.with_columns(pl.col(pl.String).str.strip_chars())
    na = set(na_values)
    out = []
    for name in df.columns:
        s = df[name]
        if s.dtype != pl.String:
            out.append(s)
            continue
        present = s.filter(~s.is_in(list(na)) & s.is_not_null())
        typed = None
        for dtype in (pl.Int64, pl.Float64):
            cast = present.cast(dtype, strict=False)
            if present.len() and cast.null_count() == 0:
                typed = dtype
                break
        has_na = present.len() != s.len() - s.null_count()
        if typed is not None and not (keep_na and has_na):
            out.append(s.cast(typed, strict=False).alias(name))
        else:
            out.append(s)
    return pl.DataFrame(out)


def histogram_rows(report: AnonymityReport, limit: int = 50) -> list[dict[str, int]]:
    """Evidence rows: class size, number of classes, rows in them (smallest sizes first)."""
    rows = [
        {"class_size": size, "classes": count, "rows": size * count}
        for size, count in sorted(report.class_size_histogram.items())
    ]
    return rows[:limit]
