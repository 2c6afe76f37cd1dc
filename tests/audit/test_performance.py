"""Performance metrics equal scikit-learn's on the real example models."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from tianping.adapters import ModelAdapter
from tianping.audit import _performance as tp
from tianping.audit._inputs import AuditData
from tianping.errors import InputError

TOL = 1e-12


@pytest.fixture(scope="module")
def cases(
    credit_model: ModelAdapter,
    credit_data: AuditData,
    adult_model: ModelAdapter,
    adult_data: AuditData,
) -> list[tuple[np.ndarray, np.ndarray]]:
    out = []
    for model, data in ((credit_model, credit_data), (adult_model, adult_data)):
        assert data.y is not None
        out.append((data.y.astype(int), model.predict_score(data.X)))
    return out


def _ece_reference(y: np.ndarray, s: np.ndarray, bins: int = 10) -> float:
    """ECE written out the slow way: 10 equal-width bins, last one closed."""
    total = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        mask = (s >= lo) & ((s < hi) if b < bins - 1 else (s <= hi))
        if mask.any():
            total += mask.sum() / len(s) * abs(y[mask].mean() - s[mask].mean())
    return total


def test_metrics_equal_sklearn(cases: list[tuple[np.ndarray, np.ndarray]]) -> None:
    for y, s in cases:
        got = tp.all_metrics(y, s, 0.5)
        pred = (s >= 0.5).astype(int)
        assert abs(got["accuracy"] - skm.accuracy_score(y, pred)) <= TOL
        assert abs(got["precision"] - skm.precision_score(y, pred)) <= TOL
        assert abs(got["recall"] - skm.recall_score(y, pred)) <= TOL
        assert abs(got["f1"] - skm.f1_score(y, pred)) <= TOL
        assert abs(got["roc_auc"] - skm.roc_auc_score(y, s)) <= TOL
        assert abs(got["brier"] - skm.brier_score_loss(y, s)) <= TOL
        assert abs(got["ece"] - _ece_reference(y, s)) <= TOL
        assert 0.7 < got["roc_auc"] < 0.95  # real models, real signal


def test_auc_with_ties_and_weights() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 500)
    s = np.round(rng.random(500), 1)  # many ties
    w = rng.integers(0, 4, 500).astype(float)
    assert abs(tp.roc_auc(y, s) - skm.roc_auc_score(y, s)) <= TOL
    assert abs(tp.roc_auc(y, s, w) - skm.roc_auc_score(y, s, sample_weight=w)) <= TOL
    lab = tp.label_metrics(y, (s >= 0.5).astype(int), w)
    assert abs(lab["f1"] - skm.f1_score(y, s >= 0.5, sample_weight=w)) <= TOL
    assert abs(tp.brier(y, s, w) - skm.brier_score_loss(y, s, sample_weight=w)) <= TOL


def test_weighted_bootstrap_equals_resampled_rows() -> None:
    """A replicate's weights give the metric of the rows it drew."""
    from tianping.audit._bootstrap import row_weights

    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 300)
    s = rng.random(300)
    w = row_weights(300, 1, seed=11)[0]
    rows = np.repeat(np.arange(300), w.astype(int))
    assert abs(tp.roc_auc(y, s, w) - skm.roc_auc_score(y[rows], s[rows])) <= TOL
    assert abs(tp.brier(y, s, w) - skm.brier_score_loss(y[rows], s[rows])) <= TOL
    assert abs(tp.expected_calibration_error(y, s, 10, w) - _ece_reference(y[rows], s[rows])) <= TOL


def test_evaluate_by_group_with_intervals(
    credit_model: ModelAdapter, credit_data: AuditData
) -> None:
    assert credit_data.y is not None
    s = credit_model.predict_score(credit_data.X)
    perf = tp.evaluate(
        credit_data.y, s, sensitive=credit_data.sensitive, replicates=100, min_group_size=30
    )
    for m in tp.METRICS:
        lo, hi = perf.ci[m]
        assert lo is not None and hi is not None and lo <= perf.overall[m] <= hi, m
    rows = perf.by_group["personal_status_sex"]
    assert [r["group"] for r in rows] == ["female", "male"]
    female = credit_data.sensitive["personal_status_sex"].to_numpy() == "female"
    y = credit_data.y
    assert rows[0]["count"] == int(female.sum())
    assert abs(rows[0]["accuracy"] - skm.accuracy_score(y[female], s[female] >= 0.5)) <= TOL
    assert abs(rows[0]["roc_auc"] - skm.roc_auc_score(y[female], s[female])) <= TOL
    again = tp.evaluate(credit_data.y, s, replicates=100)
    assert again.ci == tp.evaluate(credit_data.y, s, replicates=100).ci  # seeded


def test_bad_input() -> None:
    with pytest.raises(InputError, match="NaN"):
        tp.evaluate(np.array([0, 1]), np.array([0.2, np.nan]))
    perf = tp.evaluate(np.array([1, 1, 1]), np.array([0.2, 0.7, 0.9]), replicates=5)
    assert np.isnan(perf.overall["roc_auc"])
    assert any("one class" in n for n in perf.notes)
