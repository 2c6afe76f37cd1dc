"""A real AssessmentReport, built from the shipped rulebook, a real profile and real check runs.

Until the assessment engine exists this assembles the report itself: load a profile from the
annotated template (edited into a finance automated-decision system with personal
information), plan against the shipped rulebook, execute every planned check for real, and
derive findings from the verdicts.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

import pytest

from tianping import __version__
from tianping.assess._models import (
    AssessmentReport,
    CheckRun,
    CitationOut,
    EvidenceRef,
    FindingStatus,
    ObligationFinding,
    Summary,
    SystemSummary,
    ToolInfo,
)
from tianping.checks import CheckContext, CheckResult, Verdict, execute, registry
from tianping.checks._attestations import load_attestations
from tianping.i18n import I18nText
from tianping.rules import load_rulebook, make_plan
from tianping.systems import load_profile_text, profile_template

AS_OF = dt.date(2025, 6, 30)

_EDITS = [
    ("sectors: [other]", "sectors: [finance]"),
    ("services: []", "services: [automated_decision]"),
    ("public_facing: false", "public_facing: true"),
    ("  is_ciio: false", "  is_ciio: false\n  contact_email: compliance@example.com"),
    ("  personal_information: false", "  personal_information: true"),
    ("  pi_categories: []", "  pi_categories: [identity, contact, financial]"),
    ("  individuals: 0                ", "  individuals: 120000           "),
    ("    offered_to_public: false", "    offered_to_public: true"),
    (
        "models: []",
        "models:\n  - id: scorer\n    kind: sklearn\n    path: artefacts/model.joblib\n"
        "    task: classification",
    ),
    (
        "datasets: []",
        "datasets:\n  - id: applicants\n    path: data/applicants.csv\n"
        "    target: approved\n    sensitive_attributes: [sex, age]\n"
        "    bins: {age: [18, 30, 45, 60]}",
    ),
]


def finance_profile_text(name: str) -> str:
    text = profile_template("credit-scoring", name).replace(
        "name_en: " + name, "name_en: Retail credit scoring"
    )
    for old, new in _EDITS:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def write_dataset(path: Path) -> None:
    rng = random.Random(7)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["age", "sex", "income", "approved"])
        for i in range(400):
            sex = "F" if i % 2 else "M"
            age = rng.randint(18, 59) if i < 390 else rng.randint(61, 75)  # 10 rows over 60
            income = "" if i % 37 == 0 else str(rng.randint(3000, 40000))
            w.writerow([age, sex, income, int(rng.random() < 0.6)])


def write_attestations(base: Path) -> Path:
    (base / "docs").mkdir(parents=True, exist_ok=True)
    (base / "docs" / "pipia-2025.pdf").write_bytes(b"%PDF-1.4\n% PIPIA report\n")
    path = base / "attestations.yaml"
    path.write_text(
        "answers:\n"
        "  pipl-pipia-done:\n"
        "    answer: 'yes'\n"
        "    evidence: [docs/pipia-2025.pdf]\n"
        "    answered_by: DPO\n"
        "    date: 2025-03-01\n"
        "  pipl-adm-fairness-review:\n"
        "    answer: partial\n"
        "    evidence: [RISK-2025-014]\n"
        "    note: quarterly review started in Q2\n"
        "    answered_by: model risk officer\n",
        encoding="utf-8",
    )
    return path


def finding_status(verdicts: list[Verdict]) -> FindingStatus:
    if Verdict.ERROR in verdicts:
        return "error"
    if Verdict.FAIL in verdicts:
        return "gap"
    if Verdict.WARN in verdicts:
        return "partial"
    if Verdict.SKIPPED in verdicts:
        return "needs_attestation"
    return "met"


_REASONS: dict[str, I18nText] = {
    "error": I18nText(zh="有检查无法完成", en="a check could not complete"),
    "gap": I18nText(zh="有检查未通过", en="a check failed"),
    "partial": I18nText(zh="部分落实或证据不全", en="partly in place or incomplete evidence"),
    "needs_attestation": I18nText(zh="等待流程性声明", en="awaiting an attestation"),
    "met": I18nText(zh="全部证据通过", en="all evidence passed"),
}


def build_report(base: Path, name: str = "零售信贷评分") -> AssessmentReport:
    write_dataset(base / "data" / "applicants.csv")
    att_path = write_attestations(base)
    profile = load_profile_text(finance_profile_text(name), str(base / "tianping.yaml"))
    rulebook = load_rulebook()
    plan = make_plan(profile, rulebook, as_of=AS_OF)
    answers = load_attestations(att_path).answers
    results: dict[str, CheckResult] = {}
    runs: list[CheckRun] = []
    for task in plan.tasks:
        cls = registry.get(task.check_id)
        assert cls is not None, task.check_id
        ctx = CheckContext(
            profile=profile,
            base_dir=base,
            tier=plan.tier.level,
            thresholds=task.thresholds,
            attestations=dict(answers),
            attestations_file=att_path,
            as_of=AS_OF,
        )
        res = execute(cls(), ctx, task.params)
        results[task.key] = res
        runs.append(CheckRun.from_result(task.key, cls.title, cls.family, res, task.obligation_ids))
    findings: list[ObligationFinding] = []
    for app in plan.applicability:
        lo = rulebook.obligation(app.obligation_id)
        assert lo is not None
        ob, inst = lo.obligation, lo.instrument
        short = inst.short_title or inst.title
        evidence = [
            EvidenceRef(
                task_key=t.key,
                check_id=t.check_id,
                verdict=results[t.key].verdict,
                message=results[t.key].message,
                comparisons=results[t.key].comparisons,
            )
            for t in plan.tasks
            if ob.id in t.obligation_ids
        ]
        if app.applies:
            status = finding_status([e.verdict for e in evidence])
            reason = _REASONS[status]
        else:
            status, reason = "not_applicable", app.explanation
        findings.append(
            ObligationFinding(
                id=ob.id,
                title=ob.title,
                summary=ob.summary,
                citation=CitationOut(
                    instrument=inst.id,
                    instrument_title=inst.title,
                    article=ob.citation.text(),
                    text=I18nText(
                        zh=f"{short.zh} {ob.citation.text()}", en=f"{short.en} {ob.citation.text()}"
                    ),
                    url=inst.url,
                ),
                confidence=ob.confidence,
                severity=ob.severity,
                binds=list(ob.binds),
                status=status,
                status_reason=reason,
                applicability=app.explanation,
                conditions=app.clauses,
                evidence=evidence,
                deadline=ob.deadline,
                penalty=ob.penalty,
                crosswalk={k: list(v) for k, v in ob.crosswalk.items()},
            )
        )
    by_status: dict[str, int] = {}
    for f in findings:
        by_status[f.status] = by_status.get(f.status, 0) + 1
    by_verdict: dict[str, int] = {}
    for r in runs:
        by_verdict[r.verdict.value] = by_verdict.get(r.verdict.value, 0) + 1
    overall = (
        "error"
        if by_status.get("error")
        else "gaps"
        if by_status.get("gap")
        else "incomplete"
        if by_status.get("partial") or by_status.get("needs_attestation")
        else "pass"
    )
    applicable = [f for f in findings if f.status != "not_applicable"]
    return AssessmentReport(
        tool=ToolInfo(version=__version__),
        assessment_id="a-20250630-0001",
        system=SystemSummary(
            id=profile.id,
            name=profile.name,
            name_en=profile.name_en,
            version=profile.version,
            provider=profile.provider.name,
            lifecycle=profile.lifecycle,
            sectors=list(profile.sectors),
            services=list(profile.services),
            jurisdictions=profile.jurisdictions,
        ),
        rulebook_version=rulebook.version,
        as_of=AS_OF,
        generated_at=dt.datetime(2025, 6, 30, 9, 15, tzinfo=dt.UTC),
        tier=plan.tier,
        obligations=findings,
        checks=runs,
        summary=Summary(
            obligations_evaluated=len(findings),
            obligations_applicable=len(applicable),
            by_status=by_status,
            checks_run=len(runs),
            by_verdict=by_verdict,
            overall=overall,
        ),
    )


@pytest.fixture(scope="session")
def report(tmp_path_factory: pytest.TempPathFactory) -> AssessmentReport:
    return build_report(tmp_path_factory.mktemp("assess"))


@pytest.fixture(scope="session")
def hostile_report(tmp_path_factory: pytest.TempPathFactory) -> AssessmentReport:
    return build_report(tmp_path_factory.mktemp("hostile"), name='<script>alert(1)</script> & "co"')
