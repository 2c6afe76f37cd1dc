"""Audits without a rulebook or a database: the Python API and `tianping audit`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, roc_auc_score

from tianping.audit import run_audit
from tianping.checks import Verdict
from tianping.rules._schema import Bound

from .._helpers import run_tianping
from .conftest import train_module


def tp(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_tianping(*args, cwd=cwd, drop_env={"TIANPING_TRUST_PICKLE"}, timeout=300)


@pytest.fixture(scope="module")
def credit_frames(credit_example: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return (
        pd.read_csv(credit_example / "data" / "train.csv"),
        pd.read_csv(credit_example / "data" / "test.csv"),
    )


def test_in_memory_estimator_and_frame(
    credit_frames: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    train, test = credit_frames
    tm = train_module()
    pipe = tm.credit_pipeline()
    features = [c for c in train.columns if c != "credit_risk"]
    pipe.fit(train[features], (train["credit_risk"] == 1).astype(int))
    report = run_audit(
        pipe,
        test,
        target="credit_risk",
        positive_label=1,
        sensitive=["age"],
        bins={"age": [18, 25, 35, 50, 65, 120]},
        reference=train,
        checks=["audit.performance", "audit.fairness", "audit.drift"],
        evidence_dir=tmp_path / "evidence",
        thresholds={"audit.performance": {"roc_auc": Bound(min=0.99)}},
    )
    by_id = {r.check_id: r for r in report.results}
    perf = by_id["audit.performance"]
    y = (test["credit_risk"] == 1).to_numpy()
    score = pipe.predict_proba(test[features])[:, 1]
    assert perf.metrics["accuracy"] == pytest.approx(
        accuracy_score(y, score >= 0.5), abs=1e-6
    )  # metrics are reported to 6 decimals
    assert perf.metrics["roc_auc"] == pytest.approx(
        roc_auc_score(y, score), abs=1e-6
    )  # metrics are reported to 6 decimals
    # the bound we set is out of reach for this model: the verdict must follow it
    assert perf.verdict == Verdict.FAIL
    assert by_id["audit.fairness"].verdict == Verdict.PASS  # no bound given
    assert by_id["audit.drift"].metrics["features_compared"] == len(features)
    plots = list((tmp_path / "evidence").rglob("*.png"))
    assert plots, "the checks should have written their plots"


def test_callable_model_in_memory(credit_frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    _, test = credit_frames

    def long_loans_are_risky(frame: pd.DataFrame) -> np.ndarray:
        return (frame["duration_months"].to_numpy() <= 24).astype(float)

    report = run_audit(
        long_loans_are_risky,
        test,
        target="credit_risk",
        positive_label=1,
        features=["duration_months"],
        checks=["audit.performance"],
    )
    expected = accuracy_score(test["credit_risk"] == 1, test["duration_months"] <= 24)
    assert report.results[0].metrics["accuracy"] == pytest.approx(
        expected, abs=1e-6
    )  # metrics are reported to 6 decimals


def test_pickle_needs_consent(credit_example: Path) -> None:
    model = credit_example / "artefacts" / "credit_model.joblib"
    data = credit_example / "data" / "test.csv"
    refused = run_audit(
        model, data, target="credit_risk", positive_label=1, checks=["audit.performance"]
    )
    assert refused.results[0].verdict == Verdict.ERROR
    assert "trust" in refused.results[0].message.en.lower()
    allowed = run_audit(
        model,
        data,
        target="credit_risk",
        positive_label=1,
        checks=["audit.performance"],
        trust_pickle=True,
    )
    assert allowed.results[0].verdict == Verdict.PASS


def test_mitigation_what_if_on_credit(credit_example: Path) -> None:
    from tianping.audit import audit_profile

    report = audit_profile(credit_example, checks=["audit.mitigation"], trust_pickle=True)
    res = report.results[0]
    # German Credit's model treats age groups very differently: the what-if must run
    assert res.metrics["dp_difference_before"] > 0.1
    assert res.verdict == Verdict.WARN
    assert "what-if only" in res.message.en.lower() and "unchanged" in res.message.en
    assert res.metrics["whatif_dp_difference_after"] < res.metrics["whatif_dp_difference_before"]


def test_cli_audit_files_and_exit_codes(credit_example: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = [
        "audit",
        "--model",
        str(credit_example / "artefacts" / "credit_model.joblib"),
        "--data",
        str(credit_example / "data" / "test.csv"),
        "--target",
        "credit_risk",
        "--positive-label",
        "1",
        "--sensitive",
        "personal_status_sex",
        "--checks",
        "performance,fairness",
        "--format",
        "json",
        "--out",
        str(out),
    ]
    refused = tp(*args, cwd=tmp_path)
    assert refused.returncode == 1  # the performance check errors without consent
    assert "trust" in json.loads(refused.stdout)["results"][0]["message"]["en"].lower()
    ok = tp(*args, "--trust-pickle", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    report = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    assert [r["check_id"] for r in report["results"]] == ["audit.performance", "audit.fairness"]
    assert list((out / "evidence").rglob("*.png"))


def test_cli_thresholds_file_errors_are_located(credit_example: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bounds.yaml"
    bad.write_text("audit.performance:\n  roc_auc: {minimum: 0.7}\n", encoding="utf-8")
    r = tp(
        "audit",
        str(credit_example),
        "--thresholds",
        str(bad),
        "--checks",
        "performance",
        cwd=tmp_path,
    )
    assert r.returncode == 2
    assert "bounds.yaml:2" in r.stderr and "roc_auc" in r.stderr


def test_cli_usage_errors(tmp_path: Path) -> None:
    r = tp("audit", "--model", "m.joblib", cwd=tmp_path)
    assert r.returncode == 2
    assert "--data" in r.stderr
    (tmp_path / "d.csv").write_text("a,y\n1,0\n", encoding="utf-8")
    missing = tp("audit", "--model", "m.joblib", "--data", "d.csv", "--target", "y", cwd=tmp_path)
    assert missing.returncode == 2  # one message up front, not one error per check
    assert "model file not found" in missing.stderr and "m.joblib" in missing.stderr
