"""Classification performance: overall, per group, with bootstrap intervals.

Values equal scikit-learn's (tested): accuracy, precision, recall and F1 of the positive
class with 0 for an empty denominator, ROC AUC (ties count one half), the Brier score.
Expected calibration error (ECE) uses 10 equal-width bins of the predicted probability
over [0, 1] (the last bin includes 1.0): the sum over bins of |observed positive rate -
mean predicted probability| weighted by the bin's share of rows.

Intervals: percentile bootstrap over rows (each replicate reweights rows by how often they
were drawn), seeded, so two runs give the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tianping.audit._bootstrap import (
    DEFAULT_LEVEL,
    DEFAULT_REPLICATES,
    DEFAULT_SEED,
    percentile_ci,
    row_weights,
)
from tianping.errors import InputError

METRICS = ("accuracy", "precision", "recall", "f1", "roc_auc", "ece", "brier")
ECE_BINS = 10


def _w(weights: np.ndarray[Any, Any] | None, n: int) -> np.ndarray[Any, Any]:
    return np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else 0.0


def label_metrics(
    y: np.ndarray[Any, Any], pred: np.ndarray[Any, Any], weights: np.ndarray[Any, Any] | None = None
) -> dict[str, float]:
    w = _w(weights, len(y))
    tp = float(np.dot(w, (y == 1) & (pred == 1)))
    fp = float(np.dot(w, (y == 0) & (pred == 1)))
    fn = float(np.dot(w, (y == 1) & (pred == 0)))
    total = float(w.sum())
    correct = float(np.dot(w, y == pred))
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    return {
        "accuracy": correct / total if total > 0 else math.nan,
        "precision": precision,
        "recall": recall,
        # scikit-learn's F1 = 2TP / (2TP + FP + FN), 0 when that is 0/0
        "f1": _ratio(2 * tp, 2 * tp + fp + fn),
    }


def roc_auc(
    y: np.ndarray[Any, Any],
    score: np.ndarray[Any, Any],
    weights: np.ndarray[Any, Any] | None = None,
) -> float:
    """Area under the ROC curve (Mann-Whitney form, ties count one half); NaN with one class."""
    w = _w(weights, len(y))
    levels, inverse = np.unique(score, return_inverse=True)
    return _auc_levels(y, inverse, len(levels), w)


def _auc_levels(
    y: np.ndarray[Any, Any], inverse: np.ndarray[Any, Any], k: int, w: np.ndarray[Any, Any]
) -> float:
    pos = np.bincount(inverse, weights=w * (y == 1), minlength=k)
    neg = np.bincount(inverse, weights=w * (y == 0), minlength=k)
    p, q = pos.sum(), neg.sum()
    if p <= 0 or q <= 0:
        return math.nan
    below = np.cumsum(neg) - neg
    return float(np.dot(pos, below + 0.5 * neg) / (p * q))


def calibration_bins(
    y: np.ndarray[Any, Any],
    score: np.ndarray[Any, Any],
    n_bins: int = ECE_BINS,
    weights: np.ndarray[Any, Any] | None = None,
) -> pd.DataFrame:
    """Per equal-width bin: rows, mean predicted probability, observed positive rate."""
    w = _w(weights, len(y))
    idx = np.clip((np.asarray(score, dtype=np.float64) * n_bins).astype(np.int64), 0, n_bins - 1)
    cnt = np.bincount(idx, weights=w, minlength=n_bins)
    s = np.bincount(idx, weights=w * score, minlength=n_bins)
    pos = np.bincount(idx, weights=w * y, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame(
            {
                "bin_low": np.arange(n_bins) / n_bins,
                "bin_high": (np.arange(n_bins) + 1) / n_bins,
                "count": cnt,
                "mean_predicted": np.where(cnt > 0, s / cnt, np.nan),
                "observed_rate": np.where(cnt > 0, pos / cnt, np.nan),
            }
        )


def expected_calibration_error(
    y: np.ndarray[Any, Any],
    score: np.ndarray[Any, Any],
    n_bins: int = ECE_BINS,
    weights: np.ndarray[Any, Any] | None = None,
) -> float:
    bins = calibration_bins(y, score, n_bins, weights)
    total = float(bins["count"].sum())
    if total <= 0:
        return math.nan
    used = bins["count"] > 0
    gap = (bins["observed_rate"] - bins["mean_predicted"]).abs()[used]
    return float((gap * bins["count"][used]).sum() / total)


def brier(
    y: np.ndarray[Any, Any],
    score: np.ndarray[Any, Any],
    weights: np.ndarray[Any, Any] | None = None,
) -> float:
    w = _w(weights, len(y))
    return float(np.average((np.asarray(score, dtype=np.float64) - y) ** 2, weights=w))


def all_metrics(
    y: np.ndarray[Any, Any],
    score: np.ndarray[Any, Any],
    threshold: float,
    weights: np.ndarray[Any, Any] | None = None,
) -> dict[str, float]:
    pred = (score >= threshold).astype(np.int8)
    out = label_metrics(y, pred, weights)
    out["roc_auc"] = roc_auc(y, score, weights)
    out["ece"] = expected_calibration_error(y, score, ECE_BINS, weights)
    out["brier"] = brier(y, score, weights)
    return out


@dataclass
class Performance:
    """Overall and per-group performance with intervals."""

    n: int
    threshold: float
    overall: dict[str, float]
    ci: dict[str, tuple[float | None, float | None]]
    by_group: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    calibration: pd.DataFrame | None = None
    replicates: int = 0
    level: float = DEFAULT_LEVEL
    notes: list[str] = field(default_factory=list)


def _bootstrap(
    y: np.ndarray[Any, Any],
    score: np.ndarray[Any, Any],
    threshold: float,
    replicates: int,
    seed: int,
    level: float,
    metrics: tuple[str, ...] = METRICS,
) -> dict[str, tuple[float | None, float | None]]:
    n = len(y)
    if replicates <= 0 or n == 0:
        return {}
    pred = (score >= threshold).astype(np.int8)
    levels, inverse = np.unique(score, return_inverse=True)
    k = len(levels)
    vals: dict[str, list[float]] = {m: [] for m in metrics}
    # Draw weights in blocks so memory stays O(block x n).
    block = max(1, min(replicates, 2_000_000 // max(n, 1)))
    done = 0
    rng_seed = seed
    while done < replicates:
        b = min(block, replicates - done)
        weights = row_weights(n, b, rng_seed)
        rng_seed += 1
        for w in weights:
            lab = label_metrics(y, pred, w)
            for m in ("accuracy", "precision", "recall", "f1"):
                if m in vals:
                    vals[m].append(lab[m])
            if "roc_auc" in vals:
                vals["roc_auc"].append(_auc_levels(y, inverse, k, w))
            if "ece" in vals:
                vals["ece"].append(expected_calibration_error(y, score, ECE_BINS, w))
            if "brier" in vals:
                vals["brier"].append(brier(y, score, w))
        done += b
    return {m: percentile_ci(np.asarray(v), level) for m, v in vals.items()}


def evaluate(
    y_true: Any,
    score: Any,
    *,
    threshold: float = 0.5,
    sensitive: pd.DataFrame | None = None,
    replicates: int = DEFAULT_REPLICATES,
    seed: int = DEFAULT_SEED,
    level: float = DEFAULT_LEVEL,
    min_group_size: int = 1,
) -> Performance:
    """All metrics overall and per sensitive group, with percentile bootstrap intervals."""
    y = np.asarray(y_true)
    s = np.asarray(score, dtype=np.float64)
    if y.shape != s.shape or y.ndim != 1:
        raise InputError(f"y_true {y.shape} and scores {s.shape} must be equal-length vectors")
    if np.isnan(s).any():
        raise InputError(f"the model gave no score (NaN) for {int(np.isnan(s).sum())} row(s)")
    if not np.isin(y, (0, 1)).all():
        raise InputError("y_true must be 0/1 (1 = favourable outcome)")
    y = y.astype(np.int8)
    notes: list[str] = []
    if len(np.unique(y)) < 2:
        notes.append(
            f"the target has one class only ({int(y[0]) if len(y) else '-'}): ROC AUC is undefined"
        )
    overall = all_metrics(y, s, threshold)
    ci = _bootstrap(y, s, threshold, replicates, seed, level)
    perf = Performance(
        n=len(y),
        threshold=threshold,
        overall=overall,
        ci=ci,
        calibration=calibration_bins(y, s),
        replicates=replicates,
        level=level,
        notes=notes,
    )
    if sensitive is not None:
        for col in sensitive.columns:
            codes, uniques = pd.factorize(sensitive[col], sort=True)
            rows: list[dict[str, Any]] = []
            for gi, label in enumerate(uniques.tolist()):
                mask = codes == gi
                count = int(mask.sum())
                row: dict[str, Any] = {"attribute": str(col), "group": str(label), "count": count}
                m = all_metrics(y[mask], s[mask], threshold)
                for name in METRICS:
                    row[name] = None if math.isnan(m[name]) else m[name]
                if count >= min_group_size:
                    gci = _bootstrap(
                        y[mask], s[mask], threshold, replicates, seed + gi + 1, level, ("accuracy",)
                    )
                    lo, hi = gci.get("accuracy", (None, None))
                    row["accuracy_ci_low"], row["accuracy_ci_high"] = lo, hi
                row["below_min_size"] = count < min_group_size
                rows.append(row)
            perf.by_group[str(col)] = rows
    return perf
