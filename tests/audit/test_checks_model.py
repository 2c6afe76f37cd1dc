"""The registered model-behaviour checks on the real credit and income examples."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tianping.audit._checks_model import Counterfactual, Drift, Explainability, Robustness
from tianping.checks import CheckContext, Verdict, execute
from tianping.checks.testing import assert_conforms
from tianping.rules._schema import Bound
from tianping.systems import load_profile

ALL = (Explainability, Robustness, Counterfactual, Drift)
FAST = {
    "audit.explainability": {"resamples": 5},
    "audit.robustness": {"max_rows": 120, "adversarial_rows": 60, "monotone_rows": 60},
    "audit.counterfactual": {},
    "audit.drift": {},
}


def _ctx(base: Path, **kw: Any) -> CheckContext:
    return CheckContext(
        profile=load_profile(base / "tianping.yaml"), base_dir=base, trust_pickle=True, **kw
    )


def _variant(src: Path, dst: Path, edit: Any) -> Path:
    """A copy of an example whose profile text is changed by `edit`; data and model shared."""
    dst.mkdir()
    for name in ("data", "artefacts"):
        (dst / name).symlink_to(src / name)
    (dst / "tianping.yaml").write_text(edit((src / "tianping.yaml").read_text("utf-8")), "utf-8")
    return dst


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.id)
def test_conforms_on_credit_example(cls: Any, credit_example: Path, tmp_path: Path) -> None:
    ev = tmp_path / "evidence"
    res = assert_conforms(cls, _ctx(credit_example, evidence_dir=ev), FAST[cls.id])
    assert res.verdict == Verdict.PASS
    assert "no threshold set" in res.message.en
    images = [e for e in res.evidence if e.kind == "image"]
    assert images and all(Path(str(e.path)).is_file() for e in images)
    assert all(Path(str(e.path)).read_bytes()[:4] == b"\x89PNG" for e in images)
    assert any(e.kind == "table" and e.data for e in res.evidence)


def test_explainability_metrics(credit_example: Path) -> None:
    res = execute(Explainability(), _ctx(credit_example), {"resamples": 5})
    m = res.metrics
    assert str(m["explainer"]).startswith("tree_shap")
    assert m["background_size"] == 0
    assert isinstance(m["additivity_max_error"], float) and m["additivity_max_error"] < 1e-9
    assert 0.5 < float(m["explanation_stability"]) <= 1.0  # type: ignore[arg-type]
    assert m["features_explained"] == 20
    assert str(m["top_features"]).startswith("checking_status")
    assert "estimated_seconds" not in m  # exact path: timing only in message and evidence
    timing = [e.data for e in res.evidence if e.kind == "json" and "seconds" in e.data]
    assert timing and timing[0]["estimated_seconds"] > 0 and "estimated" in res.message.en
    narratives = next(e for e in res.evidence if e.kind == "json").data
    assert {n["decision"] for n in narratives} == {"favourable", "unfavourable"}
    assert all("人工复核" in n["zh"] and "review" in n["en"] for n in narratives)
    local = next(e for e in res.evidence if e.kind == "table" and "reason_1" in e.data[0]).data
    assert len(local) == 10


def test_thresholds_decide_the_verdict(credit_example: Path) -> None:
    strict = {
        "monotonicity_violation_rate": Bound(max=0.0),  # the GBM was trained unconstrained
        "noise_flip_rate": Bound(max=1.0),
    }
    res = execute(Robustness(), _ctx(credit_example, thresholds=strict), FAST["audit.robustness"])
    assert res.verdict == Verdict.FAIL
    assert res.metrics["monotonicity_violation_rate"] is not None
    assert float(res.metrics["monotonicity_violation_rate"]) > 0  # type: ignore[arg-type]
    assert float(res.metrics["missing_value_failure_rate"]) == 1.0  # type: ignore[arg-type]
    loose = {"max_psi": Bound(max=0.25), "min_group_share": Bound(min=0.01)}
    assert execute(Drift(), _ctx(credit_example, thresholds=loose), {}).verdict == Verdict.PASS
    tight = {"max_psi": Bound(max=1e-6)}
    assert execute(Drift(), _ctx(credit_example, thresholds=tight), {}).verdict == Verdict.FAIL
    cf = execute(
        Counterfactual(),
        _ctx(credit_example, thresholds={"counterfactual_flip_rate": Bound(max=0.0)}),
        {},
    )
    assert cf.verdict == Verdict.FAIL
    assert {
        "counterfactual_flip_rate__age",
        "counterfactual_flip_rate__foreign_worker",
        "counterfactual_flip_rate__personal_status_sex",
    } <= set(cf.metrics)


def test_no_reference_skips_drift_and_undeclared_monotone(
    credit_example: Path, tmp_path: Path
) -> None:
    base = _variant(
        credit_example,
        tmp_path / "v",
        lambda t: t.replace("    training_dataset: german-credit-train\n", "").replace(
            "      credit_amount: decreasing", "      not_a_feature: decreasing"
        ),
    )
    res = execute(Drift(), _ctx(base), {})
    assert res.verdict == Verdict.SKIPPED and "training_dataset" in res.message.en
    th = {"monotonicity_violation_rate": Bound(max=0.0)}
    rob = execute(Robustness(), _ctx(base, thresholds=th), FAST["audit.robustness"])
    assert rob.metrics["monotonicity_violation_rate"] is None
    assert rob.verdict == Verdict.PASS
    assert "no monotone relation declared" in rob.message.en
    few = execute(Explainability(), _ctx(base), {"min_rows": 100000})
    assert few.verdict == Verdict.SKIPPED


def _train_without_sensitive(base: Path) -> list[str]:
    import joblib
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    train = pd.read_csv(base / "data" / "train.csv")
    feats = ["checking_status", "duration_months", "credit_amount", "job"]
    pipe = Pipeline(
        [
            (
                "prep",
                ColumnTransformer(
                    [("cat", OneHotEncoder(handle_unknown="ignore"), ["checking_status", "job"])],
                    # remainder: the scaled numeric columns (exercises the remainder mapping)
                    remainder=StandardScaler(),
                ),
            ),
            ("lr", LogisticRegression(max_iter=1000)),
        ]
    ).fit(train[feats], (train["credit_risk"] == 1).astype(int))
    (base / "artefacts").mkdir()
    joblib.dump(pipe, base / "artefacts" / "credit_model.joblib")
    return feats


def test_counterfactual_not_applicable_then_proxies(credit_example: Path, tmp_path: Path) -> None:
    base = tmp_path / "nosens"
    base.mkdir()
    (base / "data").symlink_to(credit_example / "data")
    feats = _train_without_sensitive(base)
    text = (
        (credit_example / "tianping.yaml")
        .read_text("utf-8")
        .replace("    monotone:\n", f"    features: [{', '.join(feats)}]\n    monotone:\n")
    )
    (base / "tianping.yaml").write_text(text, "utf-8")
    res = execute(Counterfactual(), _ctx(base), {})
    assert res.verdict == Verdict.NOT_APPLICABLE
    assert "personal_status_sex" in res.message.en and "age" in res.message.en
    # the linear model is explained exactly, in the input columns
    ex = execute(Explainability(), _ctx(base), {"resamples": 3})
    assert str(ex.metrics["explainer"]).startswith("linear_shap")
    assert ex.metrics["features_explained"] == 4
    # declare job as a proxy of sex: the probe now resamples it from the other group
    (base / "tianping.yaml").write_text(
        text.replace(
            "    role: test\n",
            "    role: test\n    proxies: {personal_status_sex: [job, housing]}\n",
            1,
        ),
        "utf-8",
    )
    res2 = execute(Counterfactual(), _ctx(base), {})
    assert res2.verdict == Verdict.PASS, res2.message.en
    assert "counterfactual_flip_rate__personal_status_sex__proxies" in res2.metrics
    table = res2.evidence[0].data
    assert {r["group"] for r in table} == {"female", "male"}
    assert table[0]["columns"] == "job"  # housing is not a model input


def raise_on_amount(X: pd.DataFrame, bad: int) -> pd.DataFrame:
    """A preprocessing step that fails on one specific applicant (by loan amount)."""
    if (X["credit_amount"] == bad).any():
        raise ValueError("cannot score this applicant")
    return X


def test_model_that_raises_gives_error_naming_the_row(credit_example: Path, tmp_path: Path) -> None:
    import joblib
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    test = pd.read_csv(credit_example / "data" / "test.csv")
    counts = test["credit_amount"].value_counts()
    target = next(i for i in range(7, len(test)) if counts[test["credit_amount"].iloc[i]] == 1)
    bad = int(test["credit_amount"].iloc[target])
    base = tmp_path / "raising"
    base.mkdir()
    (base / "data").symlink_to(credit_example / "data")
    (base / "artefacts").mkdir()
    inner = joblib.load(credit_example / "artefacts" / "credit_model.joblib")
    pipe = Pipeline(
        [("guard", FunctionTransformer(raise_on_amount, kw_args={"bad": bad})), ("model", inner)]
    )
    joblib.dump(pipe, base / "artefacts" / "credit_model.joblib")
    shutil.copy(credit_example / "tianping.yaml", base / "tianping.yaml")
    for cls in (Explainability, Robustness, Counterfactual):
        res = execute(cls(), _ctx(base), {})
        assert res.verdict == Verdict.ERROR, cls.id
        assert f"first failing row: {target + 1}" in res.message.en
        assert "cannot score this applicant" in res.message.en


def test_income_example_linear_and_drift(income_example: Path) -> None:
    ex = execute(Explainability(), _ctx(income_example), {"max_rows": 400, "resamples": 5})
    assert ex.verdict == Verdict.PASS, ex.message.en
    assert str(ex.metrics["explainer"]).startswith("linear_shap")
    assert float(ex.metrics["additivity_max_error"]) < 1e-9  # type: ignore[arg-type]
    dr = execute(Drift(), _ctx(income_example), {})
    assert dr.verdict == Verdict.PASS
    assert dr.metrics["features_compared"] == 13
    assert float(dr.metrics["max_psi"]) < 0.1  # type: ignore[arg-type]  # same census, two files
    cf = execute(Counterfactual(), _ctx(income_example), {"max_rows": 500})
    assert {"counterfactual_flip_rate__sex", "counterfactual_flip_rate__race"} <= set(cf.metrics)


def test_explanations_in_evidence_carry_no_raw_values(credit_example: Path) -> None:
    """An audit report must not carry individuals' data: percentiles and withheld codes."""
    masked = execute(Explainability(), _ctx(credit_example), FAST["audit.explainability"])
    shown = execute(
        Explainability(),
        _ctx(credit_example),
        {**FAST["audit.explainability"], "reveal_values": True},
    )

    def texts(res: Any) -> str:
        local = next(e for e in res.evidence if e.kind == "table" and "reason_1" in e.data[0])
        narratives = next(e for e in res.evidence if e.kind == "json").data
        return repr(local.data) + repr(narratives)

    hidden, raw = texts(masked), texts(shown)
    codes = {c for c in pd.read_csv(credit_example / "data" / "test.csv")["checking_status"]}
    assert not any(f"={c} " in hidden or f"yours: {c})" in hidden for c in codes)
    assert "≈P" in hidden and "•••" in hidden
    assert any(f"={c} " in raw for c in codes)  # the opt-in shows them
