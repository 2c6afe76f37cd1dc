"""Drift and representativeness: PSI, KS and Jensen-Shannon per feature; group coverage.

Binning (stated in every result): numeric features use the deciles of the *reference*
sample as edges (duplicates merged, open-ended outer bins), categorical features use the
union of observed categories; missing values form their own bin in both. PSI replaces an
empty bin's share by `PSI_EPSILON` so the logarithm stays finite. The 0.1 / 0.2 / 0.25 PSI
cut-offs are conventional industry rules of thumb, not legal thresholds.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

PSI_EPSILON = 1e-4
BINNING_NOTE = (
    "numeric: deciles of the reference (duplicate edges merged), missing values as their "
    f"own bin; categorical: observed categories; empty bins get share {PSI_EPSILON:g} for PSI"
)
_MISSING = "(missing)"


class FeatureDrift(BaseModel):
    feature: str
    kind: str  # "numeric" | "categorical"
    bins: int
    psi: float
    js_distance: float
    ks_statistic: float | None = None
    ks_pvalue: float | None = None


class GroupCoverage(BaseModel):
    attribute: str
    group: str
    reference_share: float
    evaluation_share: float
    evaluation_count: int


def is_numeric(s: pd.Series[Any]) -> bool:
    return bool(pd.api.types.is_numeric_dtype(s.dtype)) and not pd.api.types.is_bool_dtype(s.dtype)


def binned_shares(
    ref: pd.Series[Any], cur: pd.Series[Any]
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], str]:
    """Shares of reference and current in the same bins (see the module docstring)."""
    if is_numeric(ref) and is_numeric(cur):
        r = ref.to_numpy(dtype=float)
        c = cur.to_numpy(dtype=float)
        r_ok = r[~np.isnan(r)]
        edges = (
            np.unique(np.quantile(r_ok, np.linspace(0.1, 0.9, 9))) if r_ok.size else np.array([])
        )
        nb = edges.size + 1

        def counts(v: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
            ok = ~np.isnan(v)
            idx = np.searchsorted(edges, v[ok], side="right")
            out = np.bincount(idx, minlength=nb).astype(float)
            return np.append(out, float((~ok).sum()))

        rc, cc = counts(r), counts(c)
        kind = "numeric"
    else:
        r_s = ref.astype(object).where(ref.notna(), _MISSING).astype(str)
        c_s = cur.astype(object).where(cur.notna(), _MISSING).astype(str)
        cats = sorted(set(r_s.unique()) | set(c_s.unique()))
        rc = r_s.value_counts().reindex(cats, fill_value=0).to_numpy(dtype=float)
        cc = c_s.value_counts().reindex(cats, fill_value=0).to_numpy(dtype=float)
        kind = "categorical"
    keep = (rc + cc) > 0  # a bin empty in both carries no information
    rc, cc = rc[keep], cc[keep]
    return rc / max(rc.sum(), 1.0), cc / max(cc.sum(), 1.0), kind


def psi(p_ref: np.ndarray[Any, Any], p_cur: np.ndarray[Any, Any]) -> float:
    """Population stability index: sum (cur - ref) * ln(cur / ref), empty bins -> epsilon."""
    r = np.where(p_ref > 0, p_ref, PSI_EPSILON)
    c = np.where(p_cur > 0, p_cur, PSI_EPSILON)
    return float(np.sum((c - r) * np.log(c / r)))


def js_distance(p_ref: np.ndarray[Any, Any], p_cur: np.ndarray[Any, Any]) -> float:
    """Jensen-Shannon distance, base 2 (0 = identical, 1 = disjoint)."""
    from scipy.spatial.distance import jensenshannon

    if p_ref.sum() == 0 or p_cur.sum() == 0:
        return float("nan")
    return float(jensenshannon(p_ref, p_cur, base=2))


def feature_drift(reference: pd.DataFrame, current: pd.DataFrame) -> list[FeatureDrift]:
    """Drift statistics for every column the two frames share, in reference order."""
    from scipy.stats import ks_2samp

    out: list[FeatureDrift] = []
    for col in [c for c in reference.columns if c in current.columns]:
        p_r, p_c, kind = binned_shares(reference[col], current[col])
        row = FeatureDrift(
            feature=str(col),
            kind=kind,
            bins=int(p_r.size),
            psi=psi(p_r, p_c),
            js_distance=js_distance(p_r, p_c),
        )
        if kind == "numeric":
            a = reference[col].dropna().to_numpy(dtype=float)
            b = current[col].dropna().to_numpy(dtype=float)
            if a.size and b.size:
                ks = ks_2samp(a, b)
                row.ks_statistic = float(ks.statistic)
                row.ks_pvalue = float(ks.pvalue)
        out.append(row)
    return out


def group_coverage(reference: pd.DataFrame | None, current: pd.DataFrame) -> list[GroupCoverage]:
    """Share of each sensitive group (string labels) in the evaluation vs the reference."""
    out: list[GroupCoverage] = []
    for attr in current.columns:
        cur = current[attr].astype(str)
        cur_share = cur.value_counts(normalize=True)
        cur_count = cur.value_counts()
        ref_share = (
            reference[attr].astype(str).value_counts(normalize=True)
            if reference is not None and attr in reference.columns
            else pd.Series(dtype=float)
        )
        for g in sorted(set(cur_share.index) | set(ref_share.index)):
            out.append(
                GroupCoverage(
                    attribute=str(attr),
                    group=str(g),
                    reference_share=float(ref_share.get(g, 0.0)),
                    evaluation_share=float(cur_share.get(g, 0.0)),
                    evaluation_count=int(cur_count.get(g, 0)),
                )
            )
    return out
