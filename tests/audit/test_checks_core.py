"""audit.performance and audit.fairness as registered checks, on the real credit example."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from tianping.audit._checks_core import FairnessCheck, PerformanceCheck
from tianping.checks import CheckContext, Verdict, execute
from tianping.checks.testing import assert_conforms
from tianping.rules._schema import Bound
from tianping.systems import load_profile

from .conftest import context


def test_performance_conforms_and_writes_evidence(credit_example: Path, tmp_path: Path) -> None:
    ctx = context(credit_example, evidence_dir=tmp_path / "ev")
    res = assert_conforms(PerformanceCheck, ctx, {"bootstrap": 50})
    assert res.verdict == Verdict.PASS
    assert "no threshold set" in res.message.en and "未设阈值" in res.message.zh
    m = res.metrics
    for name in ("accuracy", "precision", "recall", "f1", "roc_auc", "ece", "brier"):
        value, lo, hi = m[name], m[f"{name}_ci_low"], m[f"{name}_ci_high"]
        assert isinstance(value, float) and isinstance(lo, float) and isinstance(hi, float)
        assert lo <= value <= hi, name
    assert isinstance(m["worst_group_accuracy"], float)
    assert m["worst_group_accuracy"] <= m["accuracy"]  # type: ignore[operator]
    images = {Path(e.path).name for e in res.evidence if e.kind == "image" and e.path}
    assert images == {
        "performance_roc.png",
        "performance_calibration.png",
        "performance_by_group.png",
    }
    for e in res.evidence:
        if e.path:
            assert Path(e.path).read_bytes()[:4] == b"\x89PNG"
    tables = [e for e in res.evidence if e.kind == "table"]
    assert tables and {"attribute", "group", "count", "accuracy"} <= set(tables[0].data[0])


def test_performance_thresholds_decide(credit_example: Path) -> None:
    ok = context(credit_example, thresholds={"roc_auc": Bound(min=0.7)})
    assert execute(PerformanceCheck(), ok, {"bootstrap": 0}).verdict == Verdict.PASS
    strict = context(credit_example, thresholds={"roc_auc": Bound(min=0.95)})
    res = execute(PerformanceCheck(), strict, {"bootstrap": 0})
    assert res.verdict == Verdict.FAIL
    assert not res.comparisons[0].passed


def test_fairness_conforms(credit_example: Path, tmp_path: Path) -> None:
    ctx = context(credit_example, evidence_dir=tmp_path / "ev")
    res = assert_conforms(FairnessCheck, ctx, {"bootstrap": 50})
    assert res.verdict == Verdict.PASS
    m = res.metrics
    for name in ("demographic_parity_difference", "equalized_odds_difference"):
        assert isinstance(m[name], float) and 0 <= m[name] <= 1
        assert m[f"{name}__age"] is not None
    assert m["demographic_parity_ratio"] == min(
        v for k, v in m.items() if k.startswith("demographic_parity_ratio__") and v is not None
    )
    # foreign_worker has one group of 30+ rows only: shown, not compared
    assert m["demographic_parity_difference__foreign_worker"] is None
    assert "foreign_worker" in res.message.en
    assert isinstance(m["groups_below_min_size"], int) and m["groups_below_min_size"] > 0
    assert m["smallest_group"] == 1 and "single-row group" in res.message.en
    names = {Path(e.path).name for e in res.evidence if e.path}
    assert {"fairness_age.png", "fairness_personal_status_sex.png"} <= names
    table = next(e for e in res.evidence if e.kind == "table").data
    assert {r["attribute"] for r in table} >= {"age", "intersectional"}


def test_fairness_threshold_fails_on_age_gap(credit_example: Path) -> None:
    ctx = context(credit_example, thresholds={"demographic_parity_ratio": Bound(min=0.8)})
    res = execute(FairnessCheck(), ctx, {"bootstrap": 0, "sensitive": ["age"]})
    assert res.verdict == Verdict.FAIL
    assert res.metrics["demographic_parity_ratio"] < 0.8  # type: ignore[operator]
    assert "intersectional" not in "".join(res.metrics)


def test_fairness_params(credit_example: Path) -> None:
    ctx = context(credit_example)
    a = execute(FairnessCheck(), ctx, {"bootstrap": 0, "intersectional": False})
    assert not any(k.endswith("__intersectional") for k in a.metrics)
    b = execute(FairnessCheck(), ctx, {"bootstrap": 0, "method": "to_overall"})
    assert (
        b.metrics["demographic_parity_difference__age"]
        != (a.metrics["demographic_parity_difference__age"])
    )
    c = execute(FairnessCheck(), ctx, {"bootstrap": 0, "sensitive": ["shoe_size"]})
    assert c.verdict == Verdict.ERROR and "shoe_size" in c.message.en


def _variant(credit_example: Path, tmp_path: Path, **edits: str) -> Path:
    base = tmp_path / "variant"
    base.mkdir()
    shutil.copytree(credit_example / "artefacts", base / "artefacts")
    shutil.copytree(credit_example / "data", base / "data")
    text = (credit_example / "tianping.yaml").read_text(encoding="utf-8")
    for old, new in edits.items():
        assert old in text
        text = text.replace(old, new)
    (base / "tianping.yaml").write_text(text, encoding="utf-8")
    return base


def test_one_class_target_is_an_error(credit_example: Path, tmp_path: Path) -> None:
    base = _variant(credit_example, tmp_path)
    test = pd.read_csv(base / "data" / "test.csv")
    test[test["credit_risk"] == 1].to_csv(base / "data" / "test.csv", index=False)
    res = execute(PerformanceCheck(), context(base), {"bootstrap": 0})
    assert res.verdict == Verdict.ERROR and "one class" in res.message.en
    fair = execute(FairnessCheck(), context(base), {"bootstrap": 0})
    assert fair.metrics["equalized_odds_difference"] is None
    assert isinstance(fair.metrics["demographic_parity_difference"], float)
    assert "one class" in fair.message.en


def test_no_model_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "tianping.yaml").write_text(
        "schema_version: 1\nid: t\nname: t\nprovider: {name: E}\n", encoding="utf-8"
    )
    ctx = CheckContext(profile=load_profile(tmp_path), base_dir=tmp_path)
    for check in (PerformanceCheck(), FairnessCheck()):
        res = execute(check, ctx, {})
        assert res.verdict == Verdict.SKIPPED and "no predictive model" in res.message.en


def test_untrusted_pickle_is_an_error_with_the_way_out(credit_example: Path) -> None:
    ctx = CheckContext(profile=load_profile(credit_example), base_dir=credit_example)
    res = execute(FairnessCheck(), ctx, {})
    assert res.verdict == Verdict.ERROR and "--trust-pickle" in res.message.en


def test_model_that_raises_is_an_error(credit_example: Path, tmp_path: Path) -> None:
    base = _variant(
        credit_example,
        tmp_path,
        **{
            "kind: sklearn\n    path: artefacts/credit_model.joblib": (
                "kind: callable\n    callable: broken_model:predict"
            )
        },
    )
    (base / "broken_model.py").write_text(
        "def predict(frame):\n    raise RuntimeError('scoring service unavailable')\n",
        encoding="utf-8",
    )
    res = execute(PerformanceCheck(), context(base), {"bootstrap": 0})
    assert res.verdict == Verdict.ERROR
    assert "scoring service unavailable" in res.message.en
