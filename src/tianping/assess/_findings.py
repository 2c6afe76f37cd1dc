"""Findings: each applicable obligation's status, decided by the evidence behind it."""

from __future__ import annotations

from typing import Literal

from tianping.assess._models import (
    CheckRun,
    CitationOut,
    EvidenceRef,
    FindingStatus,
    ObligationFinding,
    Summary,
)
from tianping.checks import Verdict
from tianping.i18n import I18nText, zh_article
from tianping.rules import Plan, Rulebook
from tianping.rules._evaluate import Applicability
from tianping.rules._load import LoadedObligation
from tianping.rules._plan import ATTESTATION_CHECK

_STATUS_ORDER: list[FindingStatus] = [
    "error",
    "gap",
    "partial",
    "needs_attestation",
    "met",
    "not_applicable",
]


def _reason(status: FindingStatus, refs: list[EvidenceRef]) -> I18nText:
    failing = [r.check_id for r in refs if r.verdict in (Verdict.FAIL, Verdict.WARN)]
    if status == "met":
        return I18nText(zh="全部证据满足要求", en="all evidence satisfies the requirement")
    if status == "needs_attestation":
        return I18nText(zh="尚有流程性声明待填写", en="process attestations still awaited")
    if status == "error":
        return I18nText(
            zh="有检查执行出错，结论无法确定",
            en="a check errored, so the finding cannot be decided",
        )
    if status == "not_applicable":
        return I18nText(zh="声明为不适用", en="declared not applicable")
    missing = [
        r.check_id for r in refs if r.verdict == Verdict.SKIPPED and r.check_id != ATTESTATION_CHECK
    ]
    parts_en, parts_zh = [], []
    if failing:
        parts_en.append("not satisfied: " + ", ".join(sorted(set(failing))))
        parts_zh.append("未满足：" + "、".join(sorted(set(failing))))
    if missing:
        parts_en.append("evidence missing: " + ", ".join(sorted(set(missing))))
        parts_zh.append("缺少证据：" + "、".join(sorted(set(missing))))
    return I18nText(zh="；".join(parts_zh) or "存在差距", en="; ".join(parts_en) or "gap")


def decide_status(refs: list[EvidenceRef]) -> FindingStatus:
    if not refs:
        return "needs_attestation"
    considered = [r for r in refs if r.verdict != Verdict.NOT_APPLICABLE]
    if not considered:
        return "not_applicable"
    verdicts = [r.verdict for r in considered]
    if Verdict.ERROR in verdicts:
        return "error"
    passed = verdicts.count(Verdict.PASS)
    failed = verdicts.count(Verdict.FAIL)
    warned = verdicts.count(Verdict.WARN)
    skipped_checks = sum(
        1 for r in considered if r.verdict == Verdict.SKIPPED and r.check_id != ATTESTATION_CHECK
    )
    unanswered = sum(
        1 for r in considered if r.verdict == Verdict.SKIPPED and r.check_id == ATTESTATION_CHECK
    )
    if failed or warned or skipped_checks:
        return "gap" if passed == 0 and warned == 0 else "partial"
    if unanswered:
        return "needs_attestation"
    return "met"


def _citation(lo: LoadedObligation) -> CitationOut:
    inst = lo.instrument
    short = inst.short_title or inst.title
    art = lo.obligation.citation.text()
    return CitationOut(
        instrument=inst.id,
        instrument_title=inst.title,
        article=art,
        text=I18nText(zh=f"《{short.zh}》{zh_article(art)}", en=f"{short.en}, {art}"),
        url=inst.url,
    )


def build_findings(
    plan: Plan, rulebook: Rulebook, runs: dict[str, CheckRun]
) -> list[ObligationFinding]:
    by_obligation: dict[str, list[str]] = {}
    for task in plan.tasks:
        for oid in task.obligation_ids:
            by_obligation.setdefault(oid, []).append(task.key)
    apps: dict[str, Applicability] = {a.obligation_id: a for a in plan.applicability}
    findings: list[ObligationFinding] = []
    for lo in rulebook.obligations:
        ob = lo.obligation
        app = apps[ob.id]
        refs: list[EvidenceRef] = []
        if app.applies:
            for key in by_obligation.get(ob.id, []):
                run = runs[key]
                refs.append(
                    EvidenceRef(
                        task_key=key,
                        check_id=run.id,
                        verdict=run.verdict,
                        message=run.message,
                        comparisons=run.comparisons,
                    )
                )
            status = decide_status(refs)
            reason = _reason(status, refs)
        else:
            status, reason = "not_applicable", app.explanation
            if app.status == "error":
                status = "error"
        findings.append(
            ObligationFinding(
                id=ob.id,
                title=ob.title,
                summary=ob.summary,
                citation=_citation(lo),
                confidence=ob.confidence,
                severity=ob.severity,
                binds=list(ob.binds),
                status=status,
                status_reason=reason,
                applicability=app.explanation,
                conditions=app.clauses,
                evidence=refs,
                deadline=ob.deadline,
                penalty=ob.penalty,
                crosswalk={k: list(v) for k, v in ob.crosswalk.items()},
            )
        )
    findings.sort(
        key=lambda f: (
            _STATUS_ORDER.index(f.status),
            ["high", "medium", "low"].index(f.severity),
            f.id,
        )
    )
    return findings


def summarise(plan: Plan, findings: list[ObligationFinding], runs: list[CheckRun]) -> Summary:
    by_status = {s: 0 for s in _STATUS_ORDER}
    for f in findings:
        by_status[f.status] += 1
    by_verdict = {v.value: 0 for v in Verdict}
    for r in runs:
        by_verdict[r.verdict.value] += 1
    overall: Literal["pass", "gaps", "incomplete", "error"]
    if by_status["error"]:
        overall = "error"
    elif by_status["gap"] or by_status["partial"]:
        overall = "gaps"
    elif by_status["needs_attestation"]:
        overall = "incomplete"
    else:
        overall = "pass"
    applicable = len(plan.applicable_ids())
    return Summary(
        obligations_evaluated=len(findings),
        obligations_applicable=applicable,
        by_status=by_status,
        checks_run=len(runs),
        by_verdict=by_verdict,
        overall=overall,
    )
