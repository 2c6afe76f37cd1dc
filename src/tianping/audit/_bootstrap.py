"""Bootstrap confidence intervals without materialising resampled rows.

Two exact equivalents of the row bootstrap (draw n rows with replacement):

* cell bootstrap: when a metric depends only on the counts of a few cells (group x true
  label x prediction), resampling rows is the same as one multinomial draw of n over the
  cells with their observed shares. Cost O(replicates x cells), independent of n.
* weight bootstrap: for score-based metrics (ROC AUC, calibration), replicate b weights
  row i by how often it was drawn, a multinomial(n, 1/n) vector, and the weighted metric
  is the resampled metric.

Intervals are percentile intervals; replicates where a metric is undefined are ignored.
"""

from __future__ import annotations

from typing import Any

import numpy as np

DEFAULT_REPLICATES = 200
DEFAULT_SEED = 20240901
DEFAULT_LEVEL = 0.95


def cell_replicates(
    counts: np.ndarray[Any, Any], replicates: int, seed: int = DEFAULT_SEED
) -> np.ndarray[Any, Any]:
    """Replicate cell counts, shape (replicates, *counts.shape), each summing to counts.sum()."""
    rng = np.random.default_rng(seed)
    flat = counts.reshape(-1).astype(np.float64)
    n = int(flat.sum())
    if n == 0 or replicates <= 0:
        return np.zeros((max(replicates, 0), *counts.shape), dtype=np.int64)
    draws = rng.multinomial(n, flat / n, size=replicates)
    return draws.reshape(replicates, *counts.shape)


def row_weights(n: int, replicates: int, seed: int = DEFAULT_SEED) -> np.ndarray[Any, Any]:
    """How often each row is drawn in each replicate, shape (replicates, n), float64."""
    rng = np.random.default_rng(seed)
    if n == 0:
        return np.zeros((replicates, 0))
    return rng.multinomial(n, np.full(n, 1.0 / n), size=replicates).astype(np.float64)


def percentile_ci(
    values: np.ndarray[Any, Any], level: float = DEFAULT_LEVEL
) -> tuple[float | None, float | None]:
    """(low, high) percentile interval over replicates, ignoring NaN; None if none defined."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return None, None
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(v, [alpha, 1.0 - alpha])
    return float(lo), float(hi)


def percentile_ci_columns(
    values: np.ndarray[Any, Any], level: float = DEFAULT_LEVEL
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Percentile intervals per column of a (replicates, k) array, NaN where undefined."""
    v = np.asarray(values, dtype=np.float64)
    v = np.where(np.isfinite(v), v, np.nan)
    alpha = (1.0 - level) / 2.0
    if v.shape[0] == 0:
        nan = np.full(v.shape[1:], np.nan)
        return nan, nan.copy()
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            lo = np.nanquantile(v, alpha, axis=0)
            hi = np.nanquantile(v, 1.0 - alpha, axis=0)
    return lo, hi
