"""The columnar disaggregation engine (the role Fairlearn's `MetricFrame` plays).

Every group metric here is a function of four counts per group: true negatives, false
positives, false negatives and true positives. So the engine makes one pass over the rows
that turns each row into a cell number (group x true label x prediction) and counts cells
with `np.bincount`, chunk by chunk to bound memory. Everything after that works on a
(groups, 2, 2) array, a few hundred numbers, whatever the row count.

Definitions follow Fairlearn exactly (values equal to 1e-12, tested):

* rates as scikit-learn's confusion matrix normalised by true label, with 0 where the
  denominator is 0 (a group without positives has TPR 0); precision 0 without predicted
  positives;
* groups are the combinations of the sensitive columns' values that occur, sorted per
  column; combinations that do not occur never appear;
* difference "between_groups" = max - min over groups; "to_overall" = max |group - overall|;
* ratio "between_groups" = min / max; "to_overall" = min over groups of group/overall,
  inverted when above 1;
* equalized odds: the worse ("worst_case") or the mean of the TPR and FPR difference
  (ratio).

Groups smaller than `min_group_size` stay in the table but are left out of differences,
ratios and worst-case figures (their estimates are noise); a missing sensitive value is
its own group, "missing".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from tianping.audit._bootstrap import (
    DEFAULT_LEVEL,
    DEFAULT_REPLICATES,
    DEFAULT_SEED,
    cell_replicates,
    percentile_ci,
    percentile_ci_columns,
)
from tianping.errors import InputError

Method = Literal["between_groups", "to_overall"]
Agg = Literal["worst_case", "mean"]
METRICS = ("selection_rate", "tpr", "fpr", "fnr", "tnr", "accuracy", "precision")
DISPARITIES = (
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equalized_odds_difference",
    "equalized_odds_ratio",
)
CHUNK = 1 << 19
MISSING = "missing"


# --- rates from counts ---------------------------------------------------------------------
def _div(num: np.ndarray[Any, Any], den: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """num/den with 0 where den is 0 (scikit-learn's nan_to_num convention)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / den
    return np.where(den > 0, out, 0.0)


def rates(cells: np.ndarray[Any, Any]) -> dict[str, np.ndarray[Any, Any]]:
    """Metrics from counts shaped (..., 2, 2) = [true label][prediction]; NaN for empty."""
    c = cells.astype(np.float64)
    tn, fp, fn, tp = c[..., 0, 0], c[..., 0, 1], c[..., 1, 0], c[..., 1, 1]
    n = tn + fp + fn + tp
    pos, neg = tp + fn, tn + fp
    with np.errstate(divide="ignore", invalid="ignore"):
        sel = (fp + tp) / n
        acc = (tp + tn) / n
    out = {
        "selection_rate": sel,
        "tpr": _div(tp, pos),
        "fpr": _div(fp, neg),
        "fnr": _div(fn, pos),
        "tnr": _div(tn, neg),
        "accuracy": acc,
        "precision": _div(tp, tp + fp),
    }
    empty = n == 0
    if np.any(empty):
        for k in out:
            out[k] = np.where(empty, np.nan, out[k])
    return out


# --- aggregates as Fairlearn defines them ---------------------------------------------------
def difference(
    by_group: np.ndarray[Any, Any], overall: np.ndarray[Any, Any] | float, method: Method
) -> np.ndarray[Any, Any]:
    """Over the last axis (groups); NaN groups are skipped."""
    g = np.asarray(by_group, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        if method == "between_groups":
            out: np.ndarray[Any, Any] = _nanmax(g) - _nanmin(g)
            return out
        if method == "to_overall":
            return _nanmax(np.abs(g - np.asarray(overall)[..., None]))
    raise ValueError(f"unknown method '{method}': use 'between_groups' or 'to_overall'")


def ratio(
    by_group: np.ndarray[Any, Any], overall: np.ndarray[Any, Any] | float, method: Method
) -> np.ndarray[Any, Any]:
    g = np.asarray(by_group, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "between_groups":
            out: np.ndarray[Any, Any] = _nanmin(g) / _nanmax(g)
            return out
        if method == "to_overall":
            r = g / np.asarray(overall)[..., None]
            r = np.where(r > 1, 1.0 / r, r)
            return _nanmin(r)
    raise ValueError(f"unknown method '{method}': use 'between_groups' or 'to_overall'")


def _nanmax(a: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    filled = np.where(np.isnan(a), -np.inf, a)
    out = filled.max(axis=-1) if a.shape[-1] else np.full(a.shape[:-1], -np.inf)
    return np.where(np.isneginf(out) & np.all(np.isnan(a), axis=-1), np.nan, out)


def _nanmin(a: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    filled = np.where(np.isnan(a), np.inf, a)
    out = filled.min(axis=-1) if a.shape[-1] else np.full(a.shape[:-1], np.inf)
    return np.where(np.isposinf(out) & np.all(np.isnan(a), axis=-1), np.nan, out)


def _worse(a: Any, b: Any, agg: Agg, kind: Literal["difference", "ratio"]) -> Any:
    if agg == "mean":
        return (np.asarray(a) + np.asarray(b)) / 2.0
    if np.ndim(a) == 0:
        # Python's max/min, as Fairlearn applies them to the two-entry Series.
        return max(float(a), float(b)) if kind == "difference" else min(float(a), float(b))
    return np.fmax(a, b) if kind == "difference" else np.fmin(a, b)


# --- the one pass over the rows -------------------------------------------------------------
def _as_binary(values: Any, name: str) -> np.ndarray[Any, Any]:
    arr = np.asarray(values)
    if arr.dtype == np.bool_:
        return arr.view(np.int8) if arr.dtype.itemsize == 1 else arr.astype(np.int8)
    if arr.dtype.kind not in "iuf":
        raise InputError(f"{name} must be 0/1 (1 = favourable outcome); got {arr.dtype} values")
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        raise InputError(f"{name} has missing values (row {int(np.argmax(np.isnan(arr)))})")
    bad = (arr != 0) & (arr != 1)
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(f"{name} must be 0/1 (1 = favourable outcome); row {i} is {arr[i]!r}")
    return arr


def _columns(sensitive: Any) -> dict[str, Any]:
    if isinstance(sensitive, pd.DataFrame):
        return {str(c): sensitive[c] for c in sensitive.columns}
    if isinstance(sensitive, pd.Series):
        return {str(sensitive.name) if sensitive.name is not None else "sensitive": sensitive}
    if isinstance(sensitive, dict):
        return {str(k): v for k, v in sensitive.items()}
    arr = np.asarray(sensitive)
    if arr.ndim == 1:
        return {"sensitive": arr}
    return {f"sensitive_{i}": arr[:, i] for i in range(arr.shape[1])}


class _Coder:
    """Stable integer ids for one column's values across chunks."""

    def __init__(self, column: Any) -> None:
        self.column = column
        self.ids: dict[Any, int] = {}
        self.values: list[Any] = []
        cat = (
            column.dtype
            if isinstance(column, pd.Series) and isinstance(column.dtype, pd.CategoricalDtype)
            else None
        )
        self.categories = list(cat.categories) if cat is not None else None
        self.codes = np.asarray(column.array.codes) if cat is not None else None

    def chunk(self, lo: int, hi: int) -> np.ndarray[Any, Any]:
        if self.codes is not None and self.categories is not None:
            if not self.values:
                self.values = [*self.categories, MISSING]
            codes: np.ndarray[Any, Any] = self.codes[lo:hi].astype(np.int64)
            if len(codes) and codes.min() < 0:
                codes[codes < 0] = len(self.categories)
            return codes
        part = self.column.iloc[lo:hi] if isinstance(self.column, pd.Series) else self.column[lo:hi]
        local, uniques = pd.factorize(part, use_na_sentinel=True)
        table = np.empty(len(uniques) + 1, dtype=np.int64)
        for i, v in enumerate(uniques.tolist()):
            table[i] = self._id(v)
        table[-1] = self._id(MISSING) if (local < 0).any() else -1
        mapped: np.ndarray[Any, Any] = table[local]
        return mapped

    def _id(self, v: Any) -> int:
        if isinstance(v, float) and math.isnan(v):
            v = MISSING
        got = self.ids.get(v)
        if got is None:
            got = self.ids[v] = len(self.values)
            self.values.append(v)
        return got


def count_cells(
    y_true: np.ndarray[Any, Any], y_pred: np.ndarray[Any, Any], sensitive: Any
) -> tuple[list[str], list[list[Any]], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """(column names, values per column, group codes (G, k), cell counts (G, 2, 2)).

    Groups are the value combinations that occur, sorted column by column.
    """
    cols = _columns(sensitive)
    n = len(y_true)
    if len(y_pred) != n:
        raise InputError(f"y_true has {n} rows but y_pred has {len(y_pred)}")
    for name, col in cols.items():
        if len(col) != n:
            raise InputError(f"sensitive column '{name}' has {len(col)} rows, expected {n}")
    if not cols:
        raise InputError("no sensitive column given")
    coders = [_Coder(c) for c in cols.values()]
    acc: dict[tuple[int, ...], np.ndarray[Any, Any]] = {}
    # Chunks bound the temporaries (a few int64 per row of the chunk) well below the input.
    step = min(CHUNK, max(1 << 16, n // 16))
    for lo in range(0, max(n, 1), step):
        hi = min(n, lo + step)
        if hi <= lo:
            break
        codes = [c.chunk(lo, hi) for c in coders]
        # Mixed radix over the ids seen so far; the chunk's local product is small.
        radix = [int(cc.max()) + 1 for cc in codes]
        combined = codes[0].copy()
        for cc, r in zip(codes[1:], radix[1:], strict=True):
            combined *= r
            combined += cc
        combined *= 2
        combined += y_true[lo:hi]
        combined *= 2
        combined += y_pred[lo:hi]
        total = 4 * math.prod(radix)
        if total <= 4 * (hi - lo) + 4096:
            counts = np.bincount(combined, minlength=total)
            nz = np.flatnonzero(counts.reshape(-1, 4).sum(axis=1))
            cell_counts = counts.reshape(-1, 4)[nz]
        else:
            keys, inverse = np.unique(combined >> 2, return_inverse=True)
            cell_counts = np.bincount(
                inverse * 4 + (combined & 3), minlength=4 * len(keys)
            ).reshape(-1, 4)
            nz = keys
        # Decode the group keys back into per-column ids (few hundred at most).
        rest = np.asarray(nz, dtype=np.int64)
        parts = []
        for r in reversed(radix):
            parts.append(rest % r)
            rest = rest // r
        parts.reverse()
        for j, key in enumerate(zip(*(p.tolist() for p in parts), strict=True)):
            prev = acc.get(key)
            acc[key] = cell_counts[j] if prev is None else prev + cell_counts[j]
    values = [c.values for c in coders]
    # Sort groups as Fairlearn does: by each column's sorted values, column by column.
    orders = []
    for vals in values:
        try:
            rank_of = {i: r for r, i in enumerate(sorted(range(len(vals)), key=lambda i: vals[i]))}
        except TypeError:
            rank_of = {
                i: r for r, i in enumerate(sorted(range(len(vals)), key=lambda i: str(vals[i])))
            }
        orders.append(rank_of)
    keys_sorted = sorted(acc, key=lambda k: tuple(orders[j][v] for j, v in enumerate(k)))
    group_codes = np.array(keys_sorted, dtype=np.int64).reshape(len(keys_sorted), len(cols))
    cells = np.array([acc[k] for k in keys_sorted], dtype=np.int64).reshape(-1, 2, 2)
    return list(cols), values, group_codes, cells


# --- the result --------------------------------------------------------------------------------
@dataclass
class Disparities:
    """Aggregate fairness figures for one set of groups."""

    values: dict[str, float]
    ci: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)


@dataclass
class GroupMetrics:
    """Per-group counts and metrics, with Fairlearn's aggregates over them."""

    columns: list[str]
    groups: pd.DataFrame  # one row per group: its value in each sensitive column
    cells: np.ndarray[Any, Any]  # (G, 2, 2) counts [true][pred]
    min_group_size: int = 0
    replicates: np.ndarray[Any, Any] | None = None  # (B, G, 2, 2) bootstrap counts
    level: float = DEFAULT_LEVEL

    @property
    def counts(self) -> np.ndarray[Any, Any]:
        c: np.ndarray[Any, Any] = self.cells.sum(axis=(1, 2))
        return c

    @property
    def included(self) -> np.ndarray[Any, Any]:
        return self.counts >= max(self.min_group_size, 1)

    @property
    def labels(self) -> list[str]:
        """'female' or 'female & [25, 35)' per group."""
        return [" & ".join(str(v) for v in row) for row in self.groups.itertuples(index=False)]

    def _index(self) -> pd.Index:
        if len(self.columns) == 1:
            single: pd.Index = pd.Index(self.groups.iloc[:, 0].tolist(), name=self.columns[0])
            return single
        index: pd.Index = pd.MultiIndex.from_frame(self.groups)
        return index

    @property
    def by_group(self) -> pd.DataFrame:
        """count and every metric per group (as MetricFrame.by_group would show them)."""
        r = rates(self.cells)
        data: dict[str, Any] = {"count": self.counts}
        data.update(r)
        return pd.DataFrame(data, index=self._index())

    @property
    def overall(self) -> pd.Series:
        total = self.cells.sum(axis=0)
        r = rates(total)
        return pd.Series({"count": int(total.sum()), **{k: float(v) for k, v in r.items()}})

    def _masked(
        self, metric: str, cells: np.ndarray[Any, Any] | None = None
    ) -> np.ndarray[Any, Any]:
        c = self.cells if cells is None else cells
        g = rates(c)[metric]
        return np.where(self.included, g, np.nan)

    def _overall_value(self, metric: str, cells: np.ndarray[Any, Any] | None = None) -> Any:
        c = self.cells if cells is None else cells
        return rates(c.sum(axis=-3))[metric]

    def difference(self, metric: str, method: Method = "between_groups") -> float:
        return float(difference(self._masked(metric), self._overall_value(metric), method))

    def ratio(self, metric: str, method: Method = "between_groups") -> float:
        return float(ratio(self._masked(metric), self._overall_value(metric), method))

    def group_max(self, metric: str) -> float:
        return float(_nanmax(self._masked(metric)))

    def group_min(self, metric: str) -> float:
        return float(_nanmin(self._masked(metric)))

    def disparities(
        self, method: Method = "between_groups", agg: Agg = "worst_case", cells: Any = None
    ) -> dict[str, Any]:
        """The four headline figures (arrays over replicates when `cells` has a leading axis)."""
        c = self.cells if cells is None else cells
        out: dict[str, Any] = {}
        for name, fn, kind in (
            ("difference", difference, "difference"),
            ("ratio", ratio, "ratio"),
        ):
            sel = fn(
                self._masked("selection_rate", c), self._overall_value("selection_rate", c), method
            )
            tpr = fn(self._masked("tpr", c), self._overall_value("tpr", c), method)
            fpr = fn(self._masked("fpr", c), self._overall_value("fpr", c), method)
            out[f"demographic_parity_{name}"] = sel
            out[f"equalized_odds_{name}"] = _worse(tpr, fpr, agg, kind)  # type: ignore[arg-type]
        return out

    def bootstrap(
        self,
        replicates: int = DEFAULT_REPLICATES,
        seed: int = DEFAULT_SEED,
        level: float = DEFAULT_LEVEL,
    ) -> GroupMetrics:
        """Draw replicate counts (the cell bootstrap); CIs then come from `*_ci` methods."""
        self.replicates = cell_replicates(self.cells, replicates, seed)
        self.level = level
        return self

    def disparity_ci(
        self, method: Method = "between_groups", agg: Agg = "worst_case"
    ) -> dict[str, tuple[float | None, float | None]]:
        if self.replicates is None:
            return {}
        reps = self.disparities(method, agg, cells=self.replicates)
        return {k: percentile_ci(np.asarray(v), self.level) for k, v in reps.items()}

    def metric_ci(self, metric: str) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        """Per-group (low, high) percentile interval of one metric; NaN without bootstrap."""
        if self.replicates is None:
            nan = np.full(len(self.cells), np.nan)
            return nan, nan.copy()
        return percentile_ci_columns(rates(self.replicates)[metric], self.level)

    def table(self, metrics: tuple[str, ...] = METRICS) -> list[dict[str, Any]]:
        """Row dicts for evidence: group values, count, metrics and their intervals."""
        r = rates(self.cells)
        cis = {m: self.metric_ci(m) for m in metrics} if self.replicates is not None else {}
        rows: list[dict[str, Any]] = []
        counts = self.counts
        for i, label in enumerate(self.labels):
            row: dict[str, Any] = {"group": label}
            for j, col in enumerate(self.columns):
                row[col] = self.groups.iat[i, j]
            row["count"] = int(counts[i])
            row["below_min_size"] = bool(counts[i] < self.min_group_size)
            for m in metrics:
                row[m] = _num(r[m][i])
                if m in cis:
                    row[f"{m}_ci_low"] = _num(cis[m][0][i])
                    row[f"{m}_ci_high"] = _num(cis[m][1][i])
            rows.append(row)
        return rows


def _num(x: Any) -> float | None:
    v = float(x)
    return None if math.isnan(v) else round(v, 6)


def disaggregate(
    y_true: Any,
    y_pred: Any,
    sensitive: Any,
    *,
    min_group_size: int = 0,
) -> GroupMetrics:
    """Count every group's confusion cells in one pass; the metrics follow from them.

    `y_true` and `y_pred` are 0/1 (1 = favourable outcome); `sensitive` is a Series, a
    DataFrame (several columns give intersectional groups), a dict of columns or an array.
    """
    yt = _as_binary(y_true, "y_true")
    yp = _as_binary(y_pred, "y_pred")
    columns, values, codes, cells = count_cells(yt, yp, sensitive)
    groups = pd.DataFrame(
        {col: [values[j][k] for k in codes[:, j]] for j, col in enumerate(columns)}
    )
    return GroupMetrics(columns=columns, groups=groups, cells=cells, min_group_size=min_group_size)


# --- Fairlearn-shaped functions --------------------------------------------------------------
def demographic_parity_difference(
    y_true: Any, y_pred: Any, *, sensitive_features: Any, method: Method = "between_groups"
) -> float:
    return disaggregate(y_true, y_pred, sensitive_features).difference("selection_rate", method)


def demographic_parity_ratio(
    y_true: Any, y_pred: Any, *, sensitive_features: Any, method: Method = "between_groups"
) -> float:
    return disaggregate(y_true, y_pred, sensitive_features).ratio("selection_rate", method)


def _disparity(
    name: str, y_true: Any, y_pred: Any, sensitive_features: Any, method: Method, agg: Agg
) -> float:
    gm = disaggregate(y_true, y_pred, sensitive_features)
    return float(gm.disparities(method, agg)[name])


def equalized_odds_difference(
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: Any,
    method: Method = "between_groups",
    agg: Agg = "worst_case",
) -> float:
    return _disparity("equalized_odds_difference", y_true, y_pred, sensitive_features, method, agg)


def equalized_odds_ratio(
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: Any,
    method: Method = "between_groups",
    agg: Agg = "worst_case",
) -> float:
    return _disparity("equalized_odds_ratio", y_true, y_pred, sensitive_features, method, agg)
