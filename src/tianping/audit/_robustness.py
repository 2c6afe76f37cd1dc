"""Robustness probes on tabular inputs, all black-box (only `predict_score` is called).

- noise: Gaussian noise on every numeric feature, scaled to each feature's std;
- missing values: one feature set to NaN at a time; the model may raise or flip;
- category shift: a categorical value replaced by another observed one, or an unseen one;
- adversarial: greedy search, at most `max_features` features changed per row, numeric by
  +-eps*std clipped to the observed range, categorical switched to an observed value;
- monotonicity: a declared feature swept over a grid; a step the wrong way beyond `tol`.

A flip is a changed decision (score crossing the model's threshold).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel

if TYPE_CHECKING:
    from tianping.adapters import ModelAdapter

Array = np.ndarray[Any, Any]
UNSEEN = "__tianping_unseen__"


class Probe(BaseModel):
    """One perturbation: what was changed and what happened."""

    probe: str  # noise | missing | category_observed | category_unseen | adversarial | ...
    feature: str  # a column, or "*" for all numeric / any
    rows: int
    flip_rate: float
    failure_rate: float  # rows where the model raised or flipped
    raised: bool = False
    error: str | None = None
    mean_features_changed: float | None = None


def numeric_columns(X: pd.DataFrame) -> list[str]:
    return [
        str(c)
        for c in X.columns
        if pd.api.types.is_numeric_dtype(X[c].dtype) and not pd.api.types.is_bool_dtype(X[c])
    ]


def _safe_decisions(model: ModelAdapter, X: pd.DataFrame) -> tuple[Array | None, str | None]:
    try:
        return np.asarray(model.predict(X)).astype(int), None
    except Exception as exc:  # the probe measures exactly this
        return None, f"{type(exc).__name__}: {str(exc)[:200]}"


def _probe(model: ModelAdapter, X: pd.DataFrame, base: Array, name: str, feature: str) -> Probe:
    dec, err = _safe_decisions(model, X)
    if dec is None:
        return Probe(
            probe=name,
            feature=feature,
            rows=len(X),
            flip_rate=0.0,
            failure_rate=1.0,
            raised=True,
            error=err,
        )
    flips = float(np.mean(dec != base)) if len(X) else 0.0
    return Probe(probe=name, feature=feature, rows=len(X), flip_rate=flips, failure_rate=flips)


def noise(
    model: ModelAdapter, X: pd.DataFrame, base: Array, sigmas: list[float], seed: int
) -> list[Probe]:
    rng = np.random.default_rng(seed)
    cols = numeric_columns(X)
    out: list[Probe] = []
    if not cols:
        return out
    std = X[cols].astype(float).std(ddof=0).to_numpy()
    for s in sigmas:
        Xp = X.copy()
        eps = rng.standard_normal((len(X), len(cols))) * std * s
        Xp[cols] = X[cols].astype(float).to_numpy() + eps
        out.append(_probe(model, Xp, base, f"noise_{s:g}sigma", "*"))
    return out


def missing_values(model: ModelAdapter, X: pd.DataFrame, base: Array) -> list[Probe]:
    out: list[Probe] = []
    for c in X.columns:
        Xp = X.copy()
        # `where(False)` keeps the column's kind of missing value (NaN in a string column).
        Xp[c] = X[c].where(pd.Series(False, index=X.index))
        out.append(_probe(model, Xp, base, "missing", str(c)))
    return out


def _observed(col: pd.Series[Any]) -> list[Any]:
    return sorted(col.dropna().unique().tolist(), key=str)


def category_shift(model: ModelAdapter, X: pd.DataFrame, base: Array, seed: int) -> list[Probe]:
    rng = np.random.default_rng(seed)
    numeric = set(numeric_columns(X))
    out: list[Probe] = []
    for c in [c for c in X.columns if str(c) not in numeric]:
        values = _observed(X[c])
        if len(values) >= 2:
            cur = X[c].to_numpy(dtype=object)
            # A different observed category per row: shift by a random non-zero offset.
            pos = np.array([values.index(v) if v in values else 0 for v in cur])
            new = (pos + rng.integers(1, len(values), size=len(X))) % len(values)
            Xp = X.copy()
            Xp[c] = np.asarray(values, dtype=object)[new]
            out.append(_probe(model, Xp, base, "category_observed", str(c)))
        Xu = X.copy()
        Xu[c] = UNSEEN
        out.append(_probe(model, Xu, base, "category_unseen", str(c)))
    return out


def adversarial(
    model: ModelAdapter,
    X: pd.DataFrame,
    base_scores: Array,
    *,
    reference: pd.DataFrame,
    eps_sigma: float = 0.5,
    max_features: int = 2,
    max_categories: int = 5,
    seed: int = 0,
) -> Probe:
    """Greedy black-box attack: each step tries every one-feature change on every row still
    unflipped and keeps the one that moves the score furthest towards the threshold."""
    rng = np.random.default_rng(seed)
    thr = model.threshold
    numeric = numeric_columns(reference)
    stats = {
        c: (
            float(reference[c].astype(float).std(ddof=0)),
            float(reference[c].min()),
            float(reference[c].max()),
        )
        for c in numeric
    }
    cats = {str(c): _observed(reference[c]) for c in X.columns if str(c) not in set(numeric)}
    cur = X.reset_index(drop=True).copy()
    for c in numeric:
        cur[c] = cur[c].astype(float)
    base_dec = (base_scores >= thr).astype(int)
    score = base_scores.astype(float).copy()
    changed: list[set[str]] = [set() for _ in range(len(cur))]
    flipped = np.zeros(len(cur), dtype=bool)
    for _ in range(max_features):
        active = np.flatnonzero(~flipped)
        if active.size == 0:
            break
        cands: list[tuple[int, str, Any]] = []
        for i in active:
            row = cur.iloc[i]
            for c in numeric:
                if c in changed[i]:
                    continue
                sd, lo, hi = stats[c]
                for d in (-eps_sigma * sd, eps_sigma * sd):
                    v = float(np.clip(row[c] + d, lo, hi)) if not pd.isna(row[c]) else lo
                    if v != row[c]:
                        cands.append((int(i), c, v))
            for c, vals in cats.items():
                if c in changed[i]:
                    continue
                others = [v for v in vals if v != row[c]]
                if len(others) > max_categories:
                    pick = rng.choice(len(others), size=max_categories, replace=False)
                    others = [others[k] for k in sorted(pick)]
                cands.extend((int(i), c, v) for v in others)
        if not cands:
            break
        idx = np.array([k[0] for k in cands])
        batch = cur.iloc[idx].reset_index(drop=True).copy()
        for j, (_, c, v) in enumerate(cands):
            batch.at[j, c] = v
        try:
            s_new = np.asarray(model.predict_score(batch), dtype=float)
        except Exception as exc:
            return Probe(
                probe="adversarial",
                feature="*",
                rows=len(cur),
                flip_rate=0.0,
                failure_rate=1.0,
                raised=True,
                error=f"{type(exc).__name__}: {str(exc)[:200]}",
            )
        # Progress towards the other side of the threshold (positive = closer / across).
        toward = np.where(base_dec[idx] == 1, score[idx] - s_new, s_new - score[idx])
        best: dict[int, int] = {}
        for j, row_pos in enumerate(idx.tolist()):
            if row_pos not in best or toward[j] > toward[best[row_pos]]:
                best[row_pos] = j
        for pos, j in best.items():
            if toward[j] <= 0:
                continue
            _, c, v = cands[j]
            cur.at[pos, c] = v
            changed[pos].add(c)
            score[pos] = s_new[j]
            flipped[pos] = int(s_new[j] >= thr) != base_dec[pos]
    n_changed = [len(changed[i]) for i in np.flatnonzero(flipped)]
    return Probe(
        probe="adversarial",
        feature="*",
        rows=len(cur),
        flip_rate=float(flipped.mean()) if len(cur) else 0.0,
        failure_rate=float(flipped.mean()) if len(cur) else 0.0,
        mean_features_changed=float(np.mean(n_changed)) if n_changed else None,
    )


class MonotoneResult(BaseModel):
    feature: str
    direction: Literal["increasing", "decreasing"]
    rows: int
    grid_points: int
    violation_rate: float
    max_wrong_step: float
    error: str | None = None


def monotonicity(
    model: ModelAdapter,
    X: pd.DataFrame,
    feature: str,
    direction: Literal["increasing", "decreasing"],
    *,
    grid_points: int = 12,
    tol: float = 1e-6,
) -> MonotoneResult:
    """Sweep `feature` over quantiles of its observed values for every row; a row violates
    when its score steps the wrong way by more than `tol` between neighbouring grid values."""
    col = X[feature].astype(float)
    grid = np.unique(np.quantile(col.dropna(), np.linspace(0.0, 1.0, grid_points)))
    n = len(X)
    big = pd.concat([X] * len(grid), ignore_index=True)
    big[feature] = np.repeat(grid, n)
    try:
        s = np.asarray(model.predict_score(big), dtype=float).reshape(len(grid), n)
    except Exception as exc:
        return MonotoneResult(
            feature=feature,
            direction=direction,
            rows=n,
            grid_points=len(grid),
            violation_rate=1.0,
            max_wrong_step=float("nan"),
            error=f"{type(exc).__name__}: {str(exc)[:200]}",
        )
    steps = np.diff(s, axis=0)
    wrong = -steps if direction == "increasing" else steps
    worst = wrong.max(axis=0) if len(grid) > 1 else np.zeros(n)
    return MonotoneResult(
        feature=feature,
        direction=direction,
        rows=n,
        grid_points=len(grid),
        violation_rate=float(np.mean(worst > tol)) if n else 0.0,
        max_wrong_step=float(max(worst.max(initial=0.0), 0.0)),
    )
