"""Model adapters on real models: scikit-learn, ONNX (skl2onnx), XGBoost, LightGBM, callables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import pytest

from tianping.adapters import ModelCallError, from_callable, from_estimator, load_model
from tianping.errors import InputError
from tianping.systems._profile import ModelArtefact

from .conftest import train_module


def _spec(**kw: Any) -> ModelArtefact:
    return ModelArtefact.model_validate({"id": "m", **kw})


def test_sklearn_file_needs_consent(credit_pipeline: Any, tmp_path: Path) -> None:
    joblib.dump(credit_pipeline, tmp_path / "m.joblib")
    spec = _spec(kind="sklearn", path="m.joblib", positive_label=1)
    with pytest.raises(InputError) as err:
        load_model(spec, tmp_path, trust_pickle=False)
    assert "unpickling runs code" in str(err.value)
    assert "--trust-pickle" in str(err.value) and "TIANPING_TRUST_PICKLE=1" in str(err.value)
    model = load_model(spec, tmp_path, trust_pickle=True)
    assert model.kind == "sklearn" and model.family == "tree"
    assert model.feature_names == train_module().GERMAN_COLUMNS[:-1]
    assert model.describe()["estimator"] == "GradientBoostingClassifier"


def test_sklearn_scores_and_missing_column(
    credit_pipeline: Any, german: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    _, test = german
    model = from_estimator(credit_pipeline, threshold=0.6)
    s = model.predict_score(test)
    assert np.array_equal(s, credit_pipeline.predict_proba(test[model.feature_names])[:, 1])
    assert np.array_equal(model.predict(test), (s >= 0.6).astype(np.int8))
    with pytest.raises(InputError, match="'purpose'"):
        model.predict_score(test.drop(columns=["purpose"]))


def test_family_from_final_step(
    german: tuple[pd.DataFrame, pd.DataFrame], numeric_columns: list[str]
) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    train, _ = german
    x, y = train[numeric_columns], train["credit_risk"] == 1
    lin = make_pipeline(StandardScaler(), LogisticRegression()).fit(x, y)
    knn = KNeighborsClassifier().fit(x, y)
    assert from_estimator(lin).family == "linear"
    assert from_estimator(knn).family == "black_box"


def _onnx_per_column(pipe: Any, frame: pd.DataFrame, path: Path, zipmap: bool) -> None:
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType, StringTensorType

    numeric = set(train_module().GERMAN_NUMERIC)
    inputs = [
        (c, FloatTensorType([None, 1]) if c in numeric else StringTensorType([None, 1]))
        for c in frame.columns
    ]
    options = {id(pipe): {"zipmap": zipmap}}
    onx = convert_sklearn(pipe, initial_types=inputs, options=options, target_opset=17)
    path.write_bytes(onx.SerializeToString())


@pytest.mark.parametrize("zipmap", [False, True])
def test_onnx_per_column_inputs(
    credit_pipeline: Any, german: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path, zipmap: bool
) -> None:
    _, test = german
    x = test[train_module().GERMAN_COLUMNS[:-1]]
    _onnx_per_column(credit_pipeline, x, tmp_path / "credit.onnx", zipmap)
    model = load_model(_spec(kind="onnx", path="credit.onnx"), tmp_path, trust_pickle=False)
    assert model.kind == "onnx" and model.describe()["inputs"] == "per column"
    assert sorted(model.feature_names) == sorted(x.columns)
    got = model.predict_score(test)
    want = credit_pipeline.predict_proba(x)[:, 1]
    np.testing.assert_allclose(got, want, atol=1e-5)
    assert (model.predict(test) == (want >= 0.5)).mean() > 0.99


def test_onnx_single_tensor(
    german: tuple[pd.DataFrame, pd.DataFrame], numeric_columns: list[str], tmp_path: Path
) -> None:
    from skl2onnx import to_onnx
    from sklearn.linear_model import LogisticRegression

    train, test = german
    clf = LogisticRegression(max_iter=1000).fit(
        train[numeric_columns].to_numpy(np.float32), train["credit_risk"] == 1
    )
    onx = to_onnx(clf, train[numeric_columns].to_numpy(np.float32)[:1], target_opset=17)
    (tmp_path / "lr.onnx").write_bytes(onx.SerializeToString())
    spec = _spec(kind="onnx", path="lr.onnx")
    with pytest.raises(InputError, match="features"):
        load_model(spec, tmp_path, trust_pickle=False)  # a tensor does not name its columns
    model = load_model(spec, tmp_path, trust_pickle=False, feature_names=numeric_columns)
    want = clf.predict_proba(test[numeric_columns].to_numpy(np.float32))[:, 1]
    np.testing.assert_allclose(model.predict_score(test), want, atol=1e-5)
    wrong = _spec(kind="onnx", path="lr.onnx", features=numeric_columns[:3])
    with pytest.raises(InputError, match="takes 7 columns"):
        load_model(wrong, tmp_path, trust_pickle=False)


@pytest.mark.parametrize("suffix", ["json", "ubj"])
def test_xgboost_native_file(
    german: tuple[pd.DataFrame, pd.DataFrame],
    numeric_columns: list[str],
    tmp_path: Path,
    suffix: str,
) -> None:
    import xgboost as xgb

    train, test = german
    clf = xgb.XGBClassifier(n_estimators=30, max_depth=3, random_state=0, n_jobs=1)
    clf.fit(train[numeric_columns], (train["credit_risk"] == 1).astype(int))
    clf.save_model(tmp_path / f"m.{suffix}")
    model = load_model(_spec(kind="xgboost", path=f"m.{suffix}"), tmp_path, trust_pickle=False)
    assert model.family == "tree" and model.feature_names == numeric_columns
    want = clf.predict_proba(test[numeric_columns])[:, 1]
    np.testing.assert_allclose(model.predict_score(test), want, rtol=1e-6)


def test_lightgbm_native_file(
    german: tuple[pd.DataFrame, pd.DataFrame], numeric_columns: list[str], tmp_path: Path
) -> None:
    import lightgbm as lgb

    train, test = german
    clf = lgb.LGBMClassifier(n_estimators=30, num_leaves=8, random_state=0, verbose=-1)
    clf.fit(train[numeric_columns], (train["credit_risk"] == 1).astype(int))
    clf.booster_.save_model(str(tmp_path / "m.txt"))
    model = load_model(_spec(kind="lightgbm", path="m.txt"), tmp_path, trust_pickle=False)
    assert model.family == "tree" and model.feature_names == numeric_columns
    want = clf.predict_proba(test[numeric_columns])[:, 1]
    np.testing.assert_allclose(model.predict_score(test), want, rtol=1e-9)
    with pytest.raises(InputError, match="cannot load LightGBM"):
        (tmp_path / "bad.txt").write_text("not a model", encoding="utf-8")
        load_model(_spec(kind="lightgbm", path="bad.txt"), tmp_path, trust_pickle=False)


def test_callable_from_profile(tmp_path: Path) -> None:
    (tmp_path / "rules_model.py").write_text(
        "def decide(frame):\n"
        "    return ['approve' if a >= 30 else 'decline' for a in frame['age']]\n"
        "def broken(frame):\n"
        "    raise ValueError('lookup table missing')\n",
        encoding="utf-8",
    )
    spec = _spec(
        kind="callable", callable="rules_model:decide", features=["age"], positive_label="approve"
    )
    with pytest.raises(InputError, match="runs code"):
        load_model(spec, tmp_path, trust_pickle=False)
    model = load_model(spec, tmp_path, trust_pickle=True)
    frame = pd.DataFrame({"age": [22, 30, 45], "other": [1, 2, 3]})
    assert model.predict(frame).tolist() == [0, 1, 1]
    broken = load_model(
        _spec(kind="callable", callable="rules_model:broken", features=["age"]),
        tmp_path,
        trust_pickle=True,
    )
    with pytest.raises(ModelCallError, match="lookup table missing"):
        broken.predict_score(frame)
    with pytest.raises(InputError, match="no attribute"):
        load_model(
            _spec(kind="callable", callable="rules_model:nope", features=["age"]),
            tmp_path,
            trust_pickle=True,
        )


def test_from_callable_scores_and_bad_shape() -> None:
    model = from_callable(lambda f: f["x"].to_numpy() / 10, ["x"], threshold=0.3)
    frame = pd.DataFrame({"x": [1, 3, 5]})
    assert model.predict_score(frame).tolist() == [0.1, 0.3, 0.5]
    assert model.predict(frame).tolist() == [0, 1, 1]
    two = from_callable(lambda f: np.c_[1 - f["x"] / 10, f["x"] / 10], ["x"])
    np.testing.assert_allclose(two.predict_score(frame), [0.1, 0.3, 0.5])
    short = from_callable(lambda f: [0.5], ["x"])
    with pytest.raises(ModelCallError, match="for 3 rows"):
        short.predict_score(frame)
