"""The assessment report: the one document every output format renders."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from tianping.checks import CheckResult, EvidenceArtefact, ThresholdComparison, Verdict
from tianping.i18n import I18nText
from tianping.rules._evaluate import TierDecision, TraceClause
from tianping.rules._schema import Deadline

FindingStatus = Literal["met", "gap", "partial", "needs_attestation", "not_applicable", "error"]
REPORT_SCHEMA_VERSION = "1.0"


class SystemSummary(BaseModel):
    id: str
    name: str
    name_en: str | None = None
    version: str
    provider: str
    lifecycle: str
    sectors: list[str]
    services: list[str]
    jurisdictions: list[str]


class CitationOut(BaseModel):
    instrument: str = Field(description="Instrument id")
    instrument_title: I18nText
    article: str
    text: I18nText = Field(description="Human-readable citation")
    url: str | None = None


class EvidenceRef(BaseModel):
    """A check run that decided (part of) a finding."""

    task_key: str
    check_id: str
    verdict: Verdict
    message: I18nText
    comparisons: list[ThresholdComparison] = Field(default_factory=list)


class ObligationFinding(BaseModel):
    id: str
    title: I18nText
    summary: I18nText
    citation: CitationOut
    confidence: Literal["verified", "secondary", "unverified"]
    severity: Literal["high", "medium", "low"]
    binds: list[str]
    status: FindingStatus
    status_reason: I18nText
    applicability: I18nText
    conditions: list[TraceClause] = Field(default_factory=list)
    evidence: list[EvidenceRef] = Field(default_factory=list)
    deadline: Deadline | None = None
    penalty: I18nText | None = None
    crosswalk: dict[str, list[str]] = Field(default_factory=dict)


class CheckRun(BaseModel):
    key: str
    id: str
    title: I18nText
    family: str
    verdict: Verdict
    message: I18nText
    metrics: dict[str, Any] = Field(default_factory=dict)
    comparisons: list[ThresholdComparison] = Field(default_factory=list)
    evidence: list[EvidenceArtefact] = Field(default_factory=list)
    params: dict[str, Any] = Field(default_factory=dict)
    obligation_ids: list[str] = Field(default_factory=list)
    duration_s: float = 0.0
    versions: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def from_result(
        cls, key: str, title: I18nText, family: str, res: CheckResult, obligation_ids: list[str]
    ) -> CheckRun:
        return cls(
            key=key,
            id=res.check_id,
            title=title,
            family=family,
            verdict=res.verdict,
            message=res.message,
            metrics=res.metrics,
            comparisons=res.comparisons,
            evidence=res.evidence,
            params=res.params,
            obligation_ids=obligation_ids,
            duration_s=res.duration_s,
            versions=res.versions,
        )


class Summary(BaseModel):
    obligations_evaluated: int
    obligations_applicable: int
    by_status: dict[str, int]
    checks_run: int
    by_verdict: dict[str, int]
    overall: Literal["pass", "gaps", "incomplete", "error"]


class ToolInfo(BaseModel):
    name: str = "tianping"
    version: str


class AssessmentReport(BaseModel):
    """The result of `tianping assess`; `--format json` prints exactly this."""

    schema_version: str = REPORT_SCHEMA_VERSION
    tool: ToolInfo
    assessment_id: str
    system: SystemSummary
    rulebook_version: str
    as_of: dt.date
    include_drafts: bool = False
    generated_at: dt.datetime
    tier: TierDecision
    obligations: list[ObligationFinding]
    checks: list[CheckRun]
    summary: Summary

    def applicable(self) -> list[ObligationFinding]:
        return [o for o in self.obligations if o.status != "not_applicable"]
