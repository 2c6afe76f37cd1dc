"""The columnar fairness engine equals Fairlearn on real model predictions."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from fairlearn import metrics as flm
from sklearn import metrics as skm

from tianping.adapters import ModelAdapter
from tianping.audit import _fairness as tf
from tianping.audit._inputs import AuditData
from tianping.errors import InputError

TOL = 1e-12
METHODS = ("between_groups", "to_overall")


def _precision(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(skm.precision_score(y_true, y_pred, zero_division=0))


FAIRLEARN = {
    "count": flm.count,
    "selection_rate": flm.selection_rate,
    "tpr": flm.true_positive_rate,
    "fpr": flm.false_positive_rate,
    "fnr": flm.false_negative_rate,
    "tnr": flm.true_negative_rate,
    "accuracy": skm.accuracy_score,
    "precision": _precision,
}


def _cases(model: ModelAdapter, data: AuditData) -> tuple[np.ndarray, np.ndarray]:
    assert data.y is not None
    return data.y.astype(int), model.predict(data.X).astype(int)


def _frames(data: AuditData) -> list[pd.DataFrame | pd.Series]:
    sens = data.sensitive
    cols = list(sens.columns)
    return [sens[c] for c in cols] + [sens[cols[:2]], sens[cols]]


@pytest.fixture(scope="module")
def real_cases(
    credit_model: ModelAdapter,
    credit_data: AuditData,
    adult_model: ModelAdapter,
    adult_data: AuditData,
) -> list[tuple[np.ndarray, np.ndarray, pd.DataFrame | pd.Series]]:
    out = []
    for model, data in ((credit_model, credit_data), (adult_model, adult_data)):
        y, p = _cases(model, data)
        out += [(y, p, sf) for sf in _frames(data)]
    return out


def test_by_group_equals_metricframe(
    real_cases: list[tuple[np.ndarray, np.ndarray, pd.DataFrame | pd.Series]],
) -> None:
    assert len(real_cases) == 9  # credit: 3 + 2 + 1; adult: 2 + 2
    for y, p, sf in real_cases:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mf = flm.MetricFrame(metrics=FAIRLEARN, y_true=y, y_pred=p, sensitive_features=sf)
        ours = tf.disaggregate(y, p, sf)
        theirs = mf.by_group.dropna(how="all").astype(float)
        mine = ours.by_group.astype(float)
        # same groups, same order (each column sorted), same values
        assert list(mine.index) == list(theirs.index)
        np.testing.assert_allclose(mine[theirs.columns], theirs, rtol=0, atol=TOL)
        overall = mf.overall.astype(float)
        np.testing.assert_allclose(ours.overall[overall.index], overall, rtol=0, atol=TOL)
        for metric in ("selection_rate", "tpr", "fpr", "accuracy"):
            for method in METHODS:
                assert abs(ours.difference(metric, method) - mf.difference(method)[metric]) <= TOL
                r_theirs = mf.ratio(method)[metric]
                assert abs(ours.ratio(metric, method) - r_theirs) <= TOL, (metric, method)
            assert ours.group_max(metric) == pytest.approx(mf.group_max()[metric], abs=TOL)
            assert ours.group_min(metric) == pytest.approx(mf.group_min()[metric], abs=TOL)


@pytest.mark.parametrize("method", METHODS)
def test_headline_functions_equal_fairlearn(
    real_cases: list[tuple[np.ndarray, np.ndarray, pd.DataFrame | pd.Series]], method: str
) -> None:
    # German Credit: every attribute and intersection; Adult (16k rows): sex x race only
    for y, p, sf in real_cases[:5] + real_cases[-1:]:
        kw = {"sensitive_features": sf, "method": method}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = {
                "dpd": flm.demographic_parity_difference(y, p, **kw),
                "dpr": flm.demographic_parity_ratio(y, p, **kw),
                "eod": flm.equalized_odds_difference(y, p, **kw),
                "eor": flm.equalized_odds_ratio(y, p, **kw),
            }
            if isinstance(sf, pd.DataFrame):  # the mean aggregate on the intersections only
                expected["eod_mean"] = flm.equalized_odds_difference(y, p, agg="mean", **kw)
                expected["eor_mean"] = flm.equalized_odds_ratio(y, p, agg="mean", **kw)
        got = {
            "dpd": tf.demographic_parity_difference(y, p, **kw),
            "dpr": tf.demographic_parity_ratio(y, p, **kw),
            "eod": tf.equalized_odds_difference(y, p, **kw),
            "eor": tf.equalized_odds_ratio(y, p, **kw),
            "eod_mean": tf.equalized_odds_difference(y, p, agg="mean", **kw),
            "eor_mean": tf.equalized_odds_ratio(y, p, agg="mean", **kw),
        }
        for k in expected:
            assert abs(got[k] - expected[k]) <= TOL, (k, method, got[k], expected[k])
        assert 0 <= got["dpr"] <= 1


def test_real_disparities_are_not_trivial(
    credit_model: ModelAdapter, credit_data: AuditData
) -> None:
    y, p = _cases(credit_model, credit_data)
    gm = tf.disaggregate(y, p, credit_data.sensitive["age"])
    # the credit model approves the young less often: a real, non-zero gap
    assert gm.difference("selection_rate") > 0.1
    assert gm.by_group.loc["[18, 25)", "selection_rate"] < gm.overall["selection_rate"]


def test_min_group_size_excludes_small_groups() -> None:
    y = np.array([1, 0, 1, 1, 0, 1, 0, 0, 1])
    p = np.array([1, 0, 1, 0, 0, 1, 1, 0, 0])
    s = pd.Series(["a", "a", "a", "a", "b", "b", "b", "b", "c"], name="g")
    all_groups = tf.disaggregate(y, p, s)
    assert list(all_groups.counts) == [4, 4, 1]
    assert all_groups.difference("selection_rate") == 0.5  # c: 0.0, a: 0.5
    big = tf.disaggregate(y, p, s, min_group_size=2)
    assert big.difference("selection_rate") == 0.0  # a and b both 0.5; c is left out
    assert list(big.included) == [True, True, False]
    table = big.table()
    assert [r["below_min_size"] for r in table] == [False, False, True]
    assert table[2]["count"] == 1


def test_empty_intersections_never_appear() -> None:
    s = pd.DataFrame({"a": ["x", "x", "y", "y"], "b": ["p", "q", "p", "p"]})
    gm = tf.disaggregate(np.array([1, 0, 1, 0]), np.array([1, 1, 0, 0]), s)
    assert gm.labels == ["x & p", "x & q", "y & p"]  # (y, q) has no rows
    assert (gm.counts > 0).all()


def test_categorical_and_missing_values() -> None:
    cat = pd.Series(pd.Categorical(["b", "a", None, "b"], categories=["a", "b", "z"]))
    gm = tf.disaggregate(np.array([1, 0, 1, 1]), np.array([1, 0, 0, 1]), cat)
    assert sorted(gm.labels) == ["a", "b", "missing"]
    obj = pd.Series(["b", "a", None, "b"])
    gm2 = tf.disaggregate(np.array([1, 0, 1, 1]), np.array([1, 0, 0, 1]), obj)
    assert sorted(gm2.labels) == ["a", "b", "missing"]


def test_chunked_pass_equals_single_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    n = 5000
    sf = pd.DataFrame({"a": rng.choice(list("pqrs"), n), "b": rng.integers(0, 7, n)})
    y, p = rng.integers(0, 2, n), rng.integers(0, 2, n)
    whole = tf.disaggregate(y, p, sf)
    monkeypatch.setattr(tf, "CHUNK", 333)
    chunked = tf.disaggregate(y, p, sf)
    assert np.array_equal(whole.cells, chunked.cells)
    assert whole.labels == chunked.labels


def test_bootstrap_is_seeded_and_covers_the_estimate(
    credit_model: ModelAdapter, credit_data: AuditData
) -> None:
    y, p = _cases(credit_model, credit_data)
    sf = credit_data.sensitive["age"]
    a = tf.disaggregate(y, p, sf, min_group_size=30).bootstrap(300, seed=7)
    b = tf.disaggregate(y, p, sf, min_group_size=30).bootstrap(300, seed=7)
    c = tf.disaggregate(y, p, sf, min_group_size=30).bootstrap(300, seed=8)
    ci_a, ci_b, ci_c = a.disparity_ci(), b.disparity_ci(), c.disparity_ci()
    assert ci_a == ci_b and ci_a != ci_c
    point = a.disparities()
    for name, (lo, hi) in ci_a.items():
        assert lo is not None and hi is not None and lo <= point[name] <= hi, name
    # replicate cell counts keep the sample size
    assert a.replicates is not None
    assert (a.replicates.sum(axis=(1, 2, 3)) == len(y)).all()
    lo, hi = a.metric_ci("selection_rate")
    rates = a.by_group["selection_rate"].to_numpy()
    assert (lo <= rates + 1e-12).all() and (rates <= hi + 1e-12).all()


def test_bad_labels_are_named() -> None:
    with pytest.raises(InputError, match=r"y_pred must be 0/1.*row 2"):
        tf.disaggregate(np.array([0, 1, 1]), np.array([0, 1, 2]), pd.Series(["a", "b", "a"]))
    with pytest.raises(InputError, match="sensitive column 'g' has 2 rows"):
        tf.disaggregate(np.array([0, 1, 1]), np.array([0, 1, 1]), pd.Series(["a", "b"], name="g"))
