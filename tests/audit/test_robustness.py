"""Robustness probes on models whose behaviour is known, and on the real credit model."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from tianping.adapters import ModelAdapter, from_callable
from tianping.audit import _robustness as rb
from tianping.audit._inputs import AuditData


def _frame(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "z": rng.normal(size=n),
            "colour": rng.choice(["red", "green", "blue"], size=n),
        }
    )


def _sigmoid(v: Any) -> Any:
    return 1 / (1 + np.exp(-v))


def test_noise_only_matters_near_the_boundary() -> None:
    X = _frame()
    cat_only = from_callable(lambda d: (d["colour"] == "red").astype(float), list(X.columns))
    base = cat_only.predict(X)
    assert all(p.flip_rate == 0 for p in rb.noise(cat_only, X, base, [0.05, 0.5], 0))
    lin = from_callable(lambda d: _sigmoid(4 * d["x"]), list(X.columns))
    b2 = lin.predict(X)
    small, big = rb.noise(lin, X, b2, [0.05, 0.5], 0)
    assert 0 < small.flip_rate < big.flip_rate < 0.5


def test_missing_values_raise_or_flip() -> None:
    X = _frame()

    def strict(d: pd.DataFrame) -> Any:
        if d["x"].isna().any():
            raise ValueError("x is missing")
        return _sigmoid(d["x"] + d["z"].fillna(10))

    m = from_callable(strict, list(X.columns))
    out = {p.feature: p for p in rb.missing_values(m, X, m.predict(X))}
    assert (
        out["x"].raised and out["x"].failure_rate == 1.0 and "x is missing" in str(out["x"].error)
    )
    assert not out["z"].raised and out["z"].flip_rate == pytest.approx(np.mean(m.predict(X) == 0))
    assert out["colour"].failure_rate == 0.0


def test_category_shift_observed_and_unseen() -> None:
    X = _frame()
    m = from_callable(lambda d: (d["colour"] == "red").astype(float), list(X.columns))
    probes = rb.category_shift(m, X, m.predict(X), 0)
    obs = next(p for p in probes if p.probe == "category_observed")
    unseen = next(p for p in probes if p.probe == "category_unseen")
    # every red row leaves red; non-red rows become red with probability 1/2
    red = float((X["colour"] == "red").mean())
    assert obs.flip_rate == pytest.approx(red + (1 - red) / 2, abs=0.08)
    assert unseen.flip_rate == pytest.approx(red)


def test_adversarial_flips_borderline_rows_only() -> None:
    X = _frame()
    m = from_callable(lambda d: _sigmoid(3 * d["x"]), list(X.columns))
    s = m.predict_score(X)
    adv = rb.adversarial(m, X, s, reference=X, eps_sigma=0.5, max_features=2)
    # only x matters; one step of 0.5 std flips exactly the rows within 0.5 std of 0
    sd = X["x"].std(ddof=0)
    within = float((X["x"].abs() < 0.5 * sd).mean())
    assert adv.flip_rate == pytest.approx(within, abs=0.01)
    assert adv.mean_features_changed == pytest.approx(1.0)


def test_monotonicity_declared_both_ways() -> None:
    X = _frame()
    m = from_callable(lambda d: _sigmoid(d["x"]), list(X.columns))
    up = rb.monotonicity(m, X.iloc[:50], "x", "increasing")
    down = rb.monotonicity(m, X.iloc[:50], "x", "decreasing")
    assert up.violation_rate == 0.0
    assert down.violation_rate == 1.0 and down.max_wrong_step > 0


def test_real_credit_model(credit_model: ModelAdapter, credit_data: AuditData) -> None:
    X = credit_data.X.iloc[:80].reset_index(drop=True)
    base = credit_model.predict(X)
    miss = {p.feature: p for p in rb.missing_values(credit_model, X, base)}
    # GradientBoostingClassifier rejects NaN in numeric inputs; the one-hot encoder
    # ignores a missing category
    assert miss["credit_amount"].raised
    assert not miss["checking_status"].raised
    mono = rb.monotonicity(credit_model, X, "credit_amount", "decreasing")
    assert 0.0 <= mono.violation_rate <= 1.0 and mono.grid_points > 2
