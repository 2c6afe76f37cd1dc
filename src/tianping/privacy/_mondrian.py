"""Mondrian multidimensional generalisation (LeFevre, DeWitt and Ramakrishnan, ICDE 2006).

Greedy top-down median splits: take a partition, try the quasi-identifier with the widest
normalised range, split at the median, keep the split if both halves hold at least k rows
(and, with ``l``, at least l distinct sensitive values each). Numeric columns split on
value; categorical ones on their sorted codes. Each final partition becomes one
equivalence class: numeric values turn into "lo-hi" ranges, categorical ones into the set
of values joined by "|" (or "*" when more than ``max_set`` values); a missing value in such
a set shows as "(missing)", and a class of missing values only stays missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl
from pydantic import BaseModel

from tianping.errors import InputError
from tianping.privacy._anonymity import to_polars

__all__ = ["MondrianResult", "mondrian"]


class MondrianResult(BaseModel):
    k_requested: int
    l_requested: int | None
    k_achieved: int
    partitions: int
    rows: int
    quasi_identifiers: list[str]
    # Normalised certainty penalty in [0, 1]: 0 = data unchanged, 1 = every QI fully generalised.
    ncp: float


def _encode(s: pl.Series) -> tuple[np.ndarray, list[Any], bool]:
    """Integer codes ordered by value, the sorted distinct values, numeric flag."""
    numeric = s.dtype.is_numeric()
    uniq = s.unique().sort(nulls_last=True)
    codes = s.to_frame("v").join(
        uniq.to_frame("v").with_row_index("code"), on="v", how="left", nulls_equal=True
    )["code"]
    return codes.to_numpy().astype(np.int64), uniq.to_list(), numeric


def mondrian(
    data: Any,
    qi: Sequence[str],
    k: int,
    *,
    sensitive: str | None = None,
    l: int | None = None,  # noqa: E741 - the name of the parameter in the literature
    max_set: int = 8,
) -> tuple[pl.DataFrame, MondrianResult]:
    """Generalise ``qi`` columns so that every equivalence class has at least ``k`` rows."""
    df = to_polars(data)
    missing = [c for c in qi if c not in df.columns]
    if missing:
        raise InputError(f"quasi-identifiers {missing} are not columns; columns are {df.columns}")
    if k < 1:
        raise InputError(f"k must be at least 1, got {k}")
    n = df.height
    if n < k:
        raise InputError(f"the table has {n} rows, fewer than k={k}: no k-anonymous release")
    if l is not None and sensitive is None:
        raise InputError("l-diversity needs a sensitive column")
    enc = [_encode(df[c]) for c in qi]
    codes = np.stack([e[0] for e in enc], axis=1) if enc else np.zeros((n, 0), np.int64)
    spans = np.array([max(1, len(e[1]) - 1) for e in enc], dtype=np.float64)
    sens_codes = _encode(df[sensitive])[0] if sensitive is not None else None
    if l is not None and sens_codes is not None and np.unique(sens_codes).size < l:
        raise InputError(f"column '{sensitive}' has fewer than l={l} distinct values")

    def allowed(idx: np.ndarray) -> bool:
        if idx.size < k:
            return False
        if l is not None and sens_codes is not None:
            return bool(np.unique(sens_codes[idx]).size >= l)
        return True

    def try_split(idx: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        if idx.size < 2 * k:
            return None
        sub = codes[idx]
        lo, hi = sub.min(axis=0), sub.max(axis=0)
        for dim in np.argsort(-(hi - lo) / spans, kind="stable"):
            if hi[dim] == lo[dim]:
                return None
            col = sub[:, dim]
            median = np.partition(col, idx.size // 2)[idx.size // 2]
            left_mask = col < median
            if not left_mask.any():  # many rows equal the median: split after it
                left_mask = col <= median
            left, right = idx[left_mask], idx[~left_mask]
            if right.size and allowed(left) and allowed(right):
                return left, right
        return None

    final: list[np.ndarray] = []
    stack = [np.arange(n, dtype=np.int64)]
    while stack:
        idx = stack.pop()
        halves = try_split(idx)
        if halves is None:
            final.append(idx)
        else:
            stack.extend(halves)

    part_of = np.empty(n, dtype=np.int64)
    for pid, part in enumerate(final):
        part_of[part] = pid
    out_cols: dict[str, np.ndarray] = {}
    ncp_total = 0.0
    for j, c in enumerate(qi):
        values, numeric = enc[j][1], enc[j][2]
        labels = []
        for part in final:
            col = codes[part, j]
            lo, hi = int(col.min()), int(col.max())
            labels.append(_label(values, lo, hi, col, numeric, max_set))
            ncp_total += part.size * _ncp(values, lo, hi, numeric)
        out_cols[c] = np.array(labels, dtype=object)[part_of]
    out = df.with_columns([pl.Series(c, out_cols[c].tolist(), dtype=pl.String) for c in qi])
    sizes = np.array([p.size for p in final])
    result = MondrianResult(
        k_requested=k,
        l_requested=l,
        k_achieved=int(sizes.min()),
        partitions=len(final),
        rows=n,
        quasi_identifiers=list(qi),
        ncp=float(ncp_total / (n * max(1, len(qi)))),
    )
    return out, result


def _fmt(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return "" if v is None else str(v)


_MISSING = "(missing)"  # a missing value beside others in a generalised set


def _label(
    values: list[Any], lo: int, hi: int, col: np.ndarray, numeric: bool, max_set: int
) -> str | None:
    if lo == hi:
        return None if values[lo] is None else _fmt(values[lo])  # a class of gaps stays null
    if numeric and values[lo] is not None and values[hi] is not None:
        return f"{_fmt(values[lo])}-{_fmt(values[hi])}"
    present = np.unique(col)
    if present.size > max_set:
        return "*"
    return "|".join(_MISSING if values[int(c)] is None else _fmt(values[int(c)]) for c in present)


def _ncp(values: list[Any], lo: int, hi: int, numeric: bool) -> float:
    if lo == hi or len(values) < 2:
        return 0.0
    if numeric and values[lo] is not None and values[hi] is not None:
        span = float(values[-1] if values[-1] is not None else values[-2]) - float(values[0])
        return (float(values[hi]) - float(values[lo])) / span if span else 0.0
    return (hi - lo + 1) / len(values)
