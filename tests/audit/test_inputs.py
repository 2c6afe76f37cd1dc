"""The audit input loader on the real example models and data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tianping.adapters import ModelAdapter
from tianping.audit._inputs import AuditData, bin_label, group_labels, load_audit_inputs
from tianping.checks import CheckContext
from tianping.errors import InputError
from tianping.systems import load_profile

from .conftest import context, train_module


def test_credit_inputs(credit_model: ModelAdapter, credit_data: AuditData) -> None:
    tm = train_module()
    assert credit_model.kind == "sklearn"
    assert credit_model.family == "tree"
    assert credit_model.feature_names == tm.GERMAN_COLUMNS[:-1]
    assert credit_data.n == 300
    assert credit_data.y is not None
    raw = credit_data.frame["credit_risk"].to_numpy()
    assert np.array_equal(credit_data.y, (raw == 1).astype(np.int8))
    sens = credit_data.sensitive
    assert list(sens.columns) == ["personal_status_sex", "age", "foreign_worker"]
    assert set(sens["personal_status_sex"]) == {"male", "female"}
    assert set(sens["foreign_worker"]) <= {"foreign", "domestic"}
    assert set(sens["age"]) <= {"[18, 25)", "[25, 35)", "[35, 50)", "[50, 65)", "[65, 120)"}
    a92 = credit_data.frame["personal_status_sex"].isin(["A92", "A95"]).to_numpy()
    assert np.array_equal(a92, (sens["personal_status_sex"] == "female").to_numpy())
    scores = credit_model.predict_score(credit_data.X)
    assert scores.shape == (300,) and scores.min() >= 0 and scores.max() <= 1
    native = credit_model.native.predict_proba(credit_data.X)[:, 1]
    assert np.array_equal(scores, native)
    assert ((credit_model.predict(credit_data.X) == 1) == (scores >= 0.5)).all()


def test_credit_reference(credit_example: Path) -> None:
    _, data, ref = load_audit_inputs(context(credit_example))
    assert ref is not None and ref.n == 700 and ref.dataset.id == "german-credit-train"
    assert list(ref.X.columns) == list(data.X.columns)


def test_adult_inputs(adult_model: ModelAdapter, adult_data: AuditData) -> None:
    assert adult_model.family == "linear"
    assert "fnlwgt" not in adult_model.feature_names  # from the pipeline's own columns
    assert adult_data.n == 16281
    assert adult_data.y is not None
    # adult.test writes '>50K.'; both spellings are positive
    assert adult_data.y.sum() == (adult_data.frame["income"] == ">50K.").sum() > 3000
    assert set(adult_data.sensitive["sex"]) == {"Male", "Female"}
    assert adult_data.sensitive["race"].nunique() == 5
    assert adult_data.X["workclass"].isna().any()  # '?' is missing, spaces stripped
    assert any("missing values" in n for n in adult_data.notes)


def test_group_labels() -> None:
    s = pd.Series([17.0, 18, 24.9, 25, 119, 120, np.nan])
    got = group_labels(s, edges=[18, 25, 120]).tolist()
    assert got == ["< 18", "[18, 25)", "[18, 25)", "[25, 120)", "[25, 120)", ">= 120", "missing"]
    assert bin_label(30, [18, 25, 35]) == "[25, 35)"
    coded = group_labels(pd.Series(["A91", "A92", None, "A99"]), recode={"A91": "m", "A92": "f"})
    assert coded.tolist() == ["m", "f", "missing", "A99"]


def _write_profile(base: Path, model: str, dataset: str) -> None:
    (base / "tianping.yaml").write_text(
        "schema_version: 1\nid: t\nname: t\nprovider: {name: E}\n"
        f"models:\n  - {model}\ndatasets:\n  - {dataset}\n",
        encoding="utf-8",
    )


def test_missing_column_named(credit_example: Path, tmp_path: Path) -> None:
    frame = pd.read_csv(credit_example / "data" / "test.csv").drop(columns=["purpose"])
    frame.to_csv(tmp_path / "d.csv", index=False)
    model = credit_example / "artefacts" / "credit_model.joblib"
    _write_profile(
        tmp_path,
        f"{{id: m, kind: sklearn, path: {model}, positive_label: 1}}",
        "{id: d, path: d.csv, target: credit_risk, sensitive_attributes: [age]}",
    )
    with pytest.raises(InputError, match="purpose"):
        load_audit_inputs(context(tmp_path))


def test_declared_features_mismatch(credit_example: Path, tmp_path: Path) -> None:
    model = credit_example / "artefacts" / "credit_model.joblib"
    data = credit_example / "data" / "test.csv"
    _write_profile(
        tmp_path,
        f"{{id: m, kind: sklearn, path: {model}, positive_label: 1, features: [age, shoe_size]}}",
        f"{{id: d, path: {data}, target: credit_risk}}",
    )
    with pytest.raises(InputError, match=r"unexpected column.*shoe_size"):
        load_audit_inputs(context(tmp_path))


def test_pickle_needs_consent(credit_example: Path) -> None:
    ctx = CheckContext(profile=load_profile(credit_example), base_dir=credit_example)
    with pytest.raises(InputError, match=r"unpickling runs code.*--trust-pickle"):
        load_audit_inputs(ctx)


def test_unlabelled_target_needs_positive_label(credit_example: Path, tmp_path: Path) -> None:
    model = credit_example / "artefacts" / "credit_model.joblib"
    data = credit_example / "data" / "test.csv"
    _write_profile(
        tmp_path,
        f"{{id: m, kind: sklearn, path: {model}}}",
        f"{{id: d, path: {data}, target: credit_risk}}",
    )
    with pytest.raises(InputError, match="positive_label"):
        load_audit_inputs(context(tmp_path))


def test_unknown_sensitive_column(credit_example: Path, tmp_path: Path) -> None:
    model = credit_example / "artefacts" / "credit_model.joblib"
    data = credit_example / "data" / "test.csv"
    _write_profile(
        tmp_path,
        f"{{id: m, kind: sklearn, path: {model}, positive_label: 1}}",
        f"{{id: d, path: {data}, target: credit_risk, sensitive_attributes: [religion]}}",
    )
    with pytest.raises(InputError, match="religion"):
        load_audit_inputs(context(tmp_path))
