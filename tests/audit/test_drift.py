"""PSI, KS and Jensen-Shannon against independent computations."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tianping.audit._drift import (
    PSI_EPSILON,
    binned_shares,
    feature_drift,
    group_coverage,
    js_distance,
    psi,
)
from tianping.audit._inputs import AuditData


def _psi_by_hand(ref: np.ndarray, cur: np.ndarray) -> float:
    """Deciles of the reference with pandas' own cut, shares, epsilon, the PSI sum."""
    edges = np.unique(np.quantile(ref, np.linspace(0.1, 0.9, 9)))
    bins = [-np.inf, *edges.tolist(), np.inf]
    r = pd.Series(pd.cut(ref, bins, right=False)).value_counts(sort=False).to_numpy() / len(ref)
    c = pd.Series(pd.cut(cur, bins, right=False)).value_counts(sort=False).to_numpy() / len(cur)
    keep = (r + c) > 0
    total = 0.0
    for a, b in zip(r[keep], c[keep], strict=True):
        a, b = (a or PSI_EPSILON), (b or PSI_EPSILON)
        total += (b - a) * math.log(b / a)
    return total


def test_numeric_psi_ks_js_match_independent_computation() -> None:
    rng = np.random.default_rng(0)
    ref = rng.normal(0, 1, 5000)
    cur = rng.normal(0.5, 1.2, 3000)
    (row,) = feature_drift(pd.DataFrame({"x": ref}), pd.DataFrame({"x": cur}))
    assert row.kind == "numeric"
    assert row.bins == 10
    assert row.psi == pytest.approx(_psi_by_hand(ref, cur), rel=1e-12)
    assert row.psi > 0.2
    # KS by hand: the largest gap between the two empirical CDFs
    grid = np.sort(np.concatenate([ref, cur]))
    gap = np.abs(
        np.searchsorted(np.sort(ref), grid, side="right") / ref.size
        - np.searchsorted(np.sort(cur), grid, side="right") / cur.size
    ).max()
    assert row.ks_statistic == pytest.approx(gap, abs=1e-12)
    assert row.ks_pvalue is not None and row.ks_pvalue < 1e-6
    # JS distance by hand, base 2
    p, q, _ = binned_shares(pd.Series(ref), pd.Series(cur))
    m = (p + q) / 2
    kl = lambda a, b: sum(x * math.log2(x / y) for x, y in zip(a, b, strict=True) if x > 0)  # noqa: E731
    assert row.js_distance == pytest.approx(math.sqrt((kl(p, m) + kl(q, m)) / 2), rel=1e-9)


def test_same_distribution_has_no_drift() -> None:
    rng = np.random.default_rng(1)
    a = rng.normal(size=20000)
    (row,) = feature_drift(pd.DataFrame({"x": a[:10000]}), pd.DataFrame({"x": a[10000:]}))
    assert row.psi < 0.01
    assert row.js_distance < 0.05
    assert row.ks_pvalue is not None and row.ks_pvalue > 0.001


def test_categorical_new_category_and_missing() -> None:
    ref = pd.Series(["a"] * 50 + ["b"] * 50)
    cur = pd.Series(["a"] * 40 + ["b"] * 40 + ["c"] * 10 + [None] * 10)
    p, q, kind = binned_shares(ref, cur)
    assert kind == "categorical"
    # categories sorted: (missing), a, b, c
    np.testing.assert_allclose(p, [0, 0.5, 0.5, 0])
    np.testing.assert_allclose(q, [0.1, 0.4, 0.4, 0.1])
    expected = 2 * (0.1 - PSI_EPSILON) * math.log(0.1 / PSI_EPSILON) + 2 * (-0.1) * math.log(0.8)
    assert psi(p, q) == pytest.approx(expected, rel=1e-12)
    assert 0 < js_distance(p, q) < 1
    assert js_distance(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(1.0)


def test_group_coverage_shares() -> None:
    ref = pd.DataFrame({"sex": ["male"] * 70 + ["female"] * 30})
    cur = pd.DataFrame({"sex": ["male"] * 90 + ["female"] * 10})
    cov = {c.group: c for c in group_coverage(ref, cur)}
    assert cov["female"].reference_share == pytest.approx(0.3)
    assert cov["female"].evaluation_share == pytest.approx(0.1)
    assert cov["female"].evaluation_count == 10


def test_credit_train_vs_test_is_stable(credit_data: AuditData) -> None:
    # the stratified 70/30 split of one dataset: no feature should drift
    from tianping.audit._drift import feature_drift as fd

    half = len(credit_data.X) // 2
    rows = fd(credit_data.X.iloc[:half], credit_data.X.iloc[half:])
    assert len(rows) == credit_data.X.shape[1]
    assert max(r.psi for r in rows) < 0.25
    assert {r.kind for r in rows} == {"numeric", "categorical"}
