"""The main job on the bundled examples, end to end: real models, real server, real files.

The credit example runs every predictive-model audit on its trained model and the report
shows their numbers and plots beside JR/T 0221 and PIPL Art. 24; the chatbot example runs
the TC260-003 evaluation against the local rule-based server and verifies its labelled
sample outputs.
"""

from __future__ import annotations

import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tianping.assess import AssessmentReport, AssessOptions, run_assessment
from tianping.checks import Verdict
from tianping.reports import render_html
from tianping.store import open_store

from ..audit.conftest import train_module
from ..conftest import EXAMPLES

CHAT_PORT = 18765  # the chatbot example's endpoint
AUDITS = (
    "audit.performance",
    "audit.fairness",
    "audit.explainability",
    "audit.robustness",
    "audit.counterfactual",
    "audit.drift",
    "audit.mitigation",
)


def _assess(base: Path, tmp: Path) -> AssessmentReport:
    store = open_store(f"sqlite:///{tmp / 'tianping.db'}")
    try:
        return run_assessment(
            base,
            store,
            AssessOptions(evidence_root=tmp / "evidence", trust_pickle=True),
        )
    finally:
        store.close()


@pytest.fixture(scope="module")
def credit_report(tmp_path_factory: pytest.TempPathFactory) -> AssessmentReport:
    base = tmp_path_factory.mktemp("credit") / "credit-scoring"
    shutil.copytree(EXAMPLES / "credit-scoring", base, ignore=shutil.ignore_patterns("artefacts"))
    train_module().train_credit(base / "artefacts", base / "data")
    return _assess(base, base.parent)


def test_credit_runs_every_audit_on_the_real_model(credit_report: AssessmentReport) -> None:
    runs = {c.id: c for c in credit_report.checks}
    for check_id in AUDITS:
        assert check_id in runs, f"{check_id} was not planned"
        assert runs[check_id].verdict not in (Verdict.ERROR, Verdict.SKIPPED), (
            check_id,
            runs[check_id].message.en,
        )
    perf = runs["audit.performance"].metrics
    assert 0.7 < float(perf["roc_auc"]) < 0.95  # gradient boosting on German Credit
    fair = runs["audit.fairness"].metrics
    assert "demographic_parity_difference__age" in fair


def test_credit_report_shows_plots_beside_obligations(credit_report: AssessmentReport) -> None:
    html = render_html(credit_report, lang="en")
    by_id = {o.id: o for o in credit_report.obligations}
    fairness_ob = by_id["cn.jrt0221.s6-1-objective-function"]
    assert any(e.check_id == "audit.fairness" for e in fairness_ob.evidence)
    # each plot appears in its check's section and again beside the obligations it serves
    assert (
        html.count("data:image/png;base64,")
        > 2 * sum(1 for c in credit_report.checks for a in c.evidence if a.kind == "image") - 1
    )
    assert "PIPL" in html and "JR/T 0221" in html


def _serving(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2) as r:
            return bool(r.status == 200)
    except OSError:
        return False


@pytest.fixture(scope="module")
def chat_endpoint() -> Iterator[None]:
    if _serving(CHAT_PORT):
        yield
        return
    from tianping.genai._server import ChatServer

    server = ChatServer(port=CHAT_PORT)
    try:
        server.start()
    except (OSError, RuntimeError) as exc:
        pytest.skip(f"port {CHAT_PORT} is taken by something else: {exc}")
    yield
    server.stop()


def test_chatbot_runs_safety_eval_and_verifies_labels(chat_endpoint: None, tmp_path: Path) -> None:
    base = tmp_path / "public-chatbot"
    shutil.copytree(EXAMPLES / "public-chatbot", base)
    report = _assess(base, tmp_path)
    runs = {c.id: c for c in report.checks}
    evaluation = runs["genai.safety_eval"]
    assert evaluation.verdict in (Verdict.PASS, Verdict.FAIL), evaluation.message.en
    m = evaluation.metrics
    for key in ("generated_pass_rate", "refusal_rate", "wrong_refusal_rate", "sample_adequate"):
        assert key in m
    assert (
        float(m["refusal_rate_ci_low"])
        <= float(m["refusal_rate"])
        <= float(m["refusal_rate_ci_high"])
    )
    assert m["sample_adequate"] is False  # the seed bank is far below the protocol minimums
    assert "attack_success_rate" in m
    labels = runs["labels.verify"]
    assert labels.verdict == Verdict.PASS, labels.message.en
    assert int(labels.metrics["files_checked"]) >= 3
