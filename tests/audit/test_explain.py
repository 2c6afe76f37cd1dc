"""SHAP explanations on the real example models, checked against shap itself."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from tianping.adapters import ModelAdapter, from_callable, from_estimator
from tianping.audit._explain import explain, plan, sample_decisions, stability
from tianping.audit._inputs import AuditData


def _group_by_prefix(
    values_t: np.ndarray[Any, Any], names: list[str], features: list[str], prefixes: dict[str, str]
) -> np.ndarray[Any, Any]:
    """Independent mapping: sum transformed columns whose output name has the input prefix."""
    out = np.zeros((values_t.shape[0], len(features)))
    used = np.zeros(len(names), dtype=bool)
    for j, f in enumerate(features):
        hit = np.array([n == prefixes[f] + f or n.startswith(prefixes[f] + f + "_") for n in names])
        if f == "education":  # "cat__education_..." must not swallow other cat columns
            hit &= np.array([not n.startswith("cat__education_num") for n in names])
        out[:, j] = values_t[:, hit].sum(axis=1)
        used |= hit
    assert used.all()
    return out


def test_credit_gbm_matches_tree_explainer(
    credit_model: ModelAdapter, credit_data: AuditData
) -> None:
    import shap

    X = credit_data.X
    expl = explain(credit_model, X)
    assert expl.explainer.startswith("tree_shap (shap.TreeExplainer")
    assert expl.output_space == "log-odds"
    assert expl.values.shape == (len(X), len(credit_model.feature_names))
    assert expl.additivity_max_error < 1e-9
    pipe = credit_model.native
    Xt = pipe[:-1].transform(X)
    ref = shap.TreeExplainer(pipe[-1]).shap_values(Xt)
    names = [str(n) for n in pipe[:-1].get_feature_names_out()]
    prefixes = {f: ("cat__" if f"cat__{f}" in "|".join(names) else "num__") for f in X.columns}
    expected = _group_by_prefix(ref, names, list(X.columns), prefixes)
    np.testing.assert_allclose(expl.values, expected, atol=1e-12)
    # log-odds of the model itself
    margin = pipe.decision_function(X)
    np.testing.assert_allclose(expl.model_output, margin, atol=1e-12)
    imp = expl.importance()
    assert imp.index[0] == "checking_status"
    assert expl.estimated_seconds > 0


def test_income_logistic_matches_linear_explainer(
    adult_model: ModelAdapter, adult_data: AuditData
) -> None:
    import shap

    X = adult_data.X.iloc[:2000]
    bg = adult_data.X.iloc[2000:4000]
    expl = explain(adult_model, X, background=bg)
    assert expl.explainer.startswith("linear_shap")
    assert expl.background_size == len(bg)
    assert expl.additivity_max_error < 1e-9
    pipe = adult_model.native
    Xt, bgt = pipe[:-1].transform(X), pipe[:-1].transform(bg)
    lin = shap.LinearExplainer(pipe[-1], shap.maskers.Independent(bgt, max_samples=len(bgt)))
    ref = lin.shap_values(Xt)
    names = [str(n) for n in pipe[:-1].get_feature_names_out()]
    feats = list(X.columns)
    prefixes = {f: ("num__" if f"num__{f}" in names else "cat__") for f in feats}
    expected = _group_by_prefix(np.asarray(ref), names, feats, prefixes)
    np.testing.assert_allclose(expl.values, expected, atol=1e-9)
    assert expl.values.shape[1] == len(feats)  # one value per input column


def test_black_box_uses_permutation_and_states_time(
    credit_data: AuditData, credit_model: ModelAdapter
) -> None:
    feats = credit_model.feature_names
    fn = from_callable(credit_model.predict_score, feats)
    assert plan(fn).startswith("permutation")
    X = credit_data.X.iloc[:6]
    expl = explain(fn, X, background=credit_data.X, background_size=20, max_evals=2 * 20 + 1)
    assert expl.explainer.startswith("permutation")
    assert expl.background_size == 20
    assert expl.estimated_seconds > 0
    assert expl.additivity_max_error < 1e-9  # permutation SHAP telescopes exactly
    np.testing.assert_allclose(expl.model_output, credit_model.predict_score(X), atol=1e-12)


def test_black_box_budget_limits_rows(credit_data: AuditData, credit_model: ModelAdapter) -> None:
    fn = from_callable(credit_model.predict_score, credit_model.feature_names)
    X = credit_data.X.iloc[:40]
    expl = explain(fn, X, background_size=10, max_evals=41, max_seconds=1e-6)
    assert len(expl.rows) == 3 < len(X)
    assert "explained the first 3 rows" in expl.note


def test_xgboost_and_lightgbm_native_contributions(credit_data: AuditData) -> None:
    import lightgbm as lgb
    import xgboost as xgb

    from tianping.adapters._boosters import LightGBMAdapter, XGBoostAdapter, _categorical

    X = _categorical(credit_data.X)
    y = credit_data.y
    assert y is not None
    feats = list(X.columns)
    booster = xgb.train(
        {"objective": "binary:logistic", "max_depth": 3, "eta": 0.2, "seed": 0},
        xgb.DMatrix(X, label=y, enable_categorical=True),
        num_boost_round=20,
    )
    xa = XGBoostAdapter(booster, feats)
    ex = explain(xa, credit_data.X)
    assert ex.explainer.startswith("tree_shap (xgboost pred_contribs")
    assert ex.additivity_max_error < 1e-4  # float32 sums in XGBoost
    p = 1 / (1 + np.exp(-ex.model_output))
    np.testing.assert_allclose(p, xa.predict_score(credit_data.X), atol=1e-6)

    lgbm = lgb.train(
        {"objective": "binary", "num_leaves": 8, "verbose": -1, "seed": 0, "min_data_in_leaf": 5},
        lgb.Dataset(X, label=y),
        num_boost_round=20,
    )
    la = LightGBMAdapter(lgbm, feats)
    el = explain(la, credit_data.X)
    assert el.explainer.startswith("tree_shap (lightgbm")
    assert el.additivity_max_error < 1e-9
    assert el.values.shape == (len(X), len(feats))


def test_unmappable_pipeline_falls_back_to_permutation(credit_data: AuditData) -> None:
    from sklearn.decomposition import PCA
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import Pipeline

    num = ["duration_months", "credit_amount", "age", "installment_rate"]
    X = credit_data.X[num].astype(float)
    assert credit_data.y is not None
    pipe = Pipeline(
        [("pca", PCA(n_components=2)), ("rf", RandomForestClassifier(20, random_state=0))]
    ).fit(X, credit_data.y)
    m = from_estimator(pipe, num)
    expl = explain(m, X.iloc[:5], background_size=10, max_evals=9)
    assert expl.explainer.startswith("permutation")
    assert "exact path unavailable" in expl.note


def test_random_forest_probability_space_and_class_sign(credit_data: AuditData) -> None:
    from sklearn.ensemble import RandomForestClassifier

    num = ["duration_months", "credit_amount", "age", "installment_rate"]
    X = credit_data.X[num].astype(float)
    assert credit_data.y is not None
    rf = RandomForestClassifier(20, max_depth=4, random_state=0).fit(X, credit_data.y)
    e1 = explain(from_estimator(rf, num, positive_index=1), X)
    e0 = explain(from_estimator(rf, num, positive_index=0), X)
    assert e1.output_space == "probability"
    assert e1.additivity_max_error < 1e-9
    np.testing.assert_allclose(e1.values, -e0.values, atol=1e-12)


def test_stability_and_sampling() -> None:
    rng = np.random.default_rng(0)
    from tianping.audit._explain import ShapExplanation

    def fake(values: np.ndarray[Any, Any]) -> ShapExplanation:
        n, p = values.shape
        return ShapExplanation(
            explainer="x",
            output_space="raw",
            feature_names=[f"f{i}" for i in range(p)],
            values=values,
            expected_value=0.0,
            model_output=np.zeros(n),
            rows=np.arange(n),
            background_size=0,
            estimated_seconds=0.0,
            seconds=0.0,
            additivity_max_error=0.0,
        )

    clear = rng.normal(size=(500, 6)) * np.array([10, 5, 3, 2, 1, 0.5])
    s = stability(fake(clear), resamples=10, top_k=3)
    assert s.spearman_min == pytest.approx(1.0)
    assert s.topk_jaccard_min == 1.0
    noisy = rng.normal(size=(30, 6))
    s2 = stability(fake(noisy), resamples=10, top_k=3)
    assert s2.spearman_min < 0.9
    picks = sample_decisions(np.array([0, 1] * 20), per_class=5, seed=1)
    assert len(picks) == 10
    assert picks == sample_decisions(np.array([0, 1] * 20), per_class=5, seed=1)


def test_explain_rejects_missing_columns(credit_model: ModelAdapter) -> None:
    from tianping.errors import InputError

    with pytest.raises(InputError, match="feature column"):
        explain(credit_model, pd.DataFrame({"age": [30]}))
