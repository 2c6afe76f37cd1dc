"""Counterfactual probe: change the protected attribute (and its proxies), count changed decisions.

For each sensitive attribute the model takes as input:
- categorical: every other observed raw value whose group differs (with `recode`, A92
  female -> A91/A93/A94 male; values of the same group are not a change of the attribute);
- numeric with bin edges (age): the median observed value of every other bin;
- numeric without edges: the medians of the other quartiles.
A row counts as flipped when any alternative changes its decision. For declared proxies,
the attribute (if a feature) and all its proxy columns are copied jointly from a donor row
of another group (seeded), which keeps the proxies' joint distribution realistic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

if TYPE_CHECKING:
    from tianping.adapters import ModelAdapter

Array = np.ndarray[Any, Any]


class AttributeFlip(BaseModel):
    attribute: str
    mode: str  # "direct" or "proxies"
    columns: list[str]
    rows: int
    flip_rate: float
    by_group: dict[str, float]  # flip rate among rows of each original group
    alternatives: int


def _alternatives(
    col: pd.Series[Any], groups: pd.Series[Any], edges: list[float] | None
) -> list[tuple[Any, str]]:
    """(raw value, its group) candidates to move a row to."""
    numeric = pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col)
    if not numeric:
        pairs = pd.DataFrame({"v": col, "g": groups}).dropna().drop_duplicates("v")
        return [(v, str(g)) for v, g in sorted(zip(pairs["v"], pairs["g"], strict=True), key=str)]
    vals = col.astype(float)
    if edges:
        by = groups.astype(str)
    else:
        qs = np.unique(np.quantile(vals.dropna(), [0.25, 0.5, 0.75]))
        by = pd.Series(np.searchsorted(qs, vals, side="right"), index=col.index).astype(str)
    med = vals.groupby(by).median()
    return [(float(m), str(g)) for g, m in med.items() if not np.isnan(m)]


def direct_flip(
    model: ModelAdapter,
    X: pd.DataFrame,
    base: Array,
    attribute: str,
    groups: pd.Series[Any],
    edges: list[float] | None,
) -> AttributeFlip:
    col = X[attribute]
    alts = _alternatives(col, groups, edges)
    numeric = pd.api.types.is_numeric_dtype(col.dtype)
    row_group = (
        groups.astype(str).to_numpy()
        if (edges or not numeric)
        else np.searchsorted(
            np.unique(np.quantile(col.dropna().astype(float), [0.25, 0.5, 0.75])),
            col.astype(float),
            side="right",
        ).astype(str)
    )
    flipped = np.zeros(len(X), dtype=bool)
    for value, group in alts:
        mask = row_group != group
        if not mask.any():
            continue
        Xp = X.loc[mask].copy()
        Xp[attribute] = value
        dec = np.asarray(model.predict(Xp)).astype(int)
        flipped[np.flatnonzero(mask)] |= dec != base[mask]
    return _summary(attribute, "direct", [attribute], flipped, groups, len(alts))


def proxy_flip(
    model: ModelAdapter,
    X: pd.DataFrame,
    base: Array,
    attribute: str,
    columns: list[str],
    groups: pd.Series[Any],
    *,
    seed: int = 0,
) -> AttributeFlip:
    """Copy `columns` jointly from a random donor row of another group."""
    rng = np.random.default_rng(seed)
    g = groups.astype(str).to_numpy()
    flipped = np.zeros(len(X), dtype=bool)
    labels = sorted(set(g.tolist()))
    if len(labels) >= 2:
        donor = np.empty(len(X), dtype=int)
        for lab in labels:
            rows = np.flatnonzero(g == lab)
            pool = np.flatnonzero(g != lab)
            donor[rows] = pool[rng.integers(0, pool.size, size=rows.size)]
        Xp = X.copy()
        for c in columns:
            Xp[c] = X[c].to_numpy()[donor]
        dec = np.asarray(model.predict(Xp)).astype(int)
        flipped = dec != base
    return _summary(attribute, "proxies", columns, flipped, groups, len(labels) - 1)


def _summary(
    attribute: str,
    mode: str,
    columns: list[str],
    flipped: Array,
    groups: pd.Series[Any],
    alternatives: int,
) -> AttributeFlip:
    by = pd.Series(flipped.astype(float), index=groups.index).groupby(groups.astype(str)).mean()
    return AttributeFlip(
        attribute=attribute,
        mode=mode,
        columns=columns,
        rows=len(flipped),
        flip_rate=float(flipped.mean()) if len(flipped) else 0.0,
        by_group={str(k): float(v) for k, v in by.items()},
        alternatives=alternatives,
    )
