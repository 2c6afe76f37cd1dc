"""Tiering and applicability: which tier, which obligations are in force, and why."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import cel
from pydantic import BaseModel, Field

from tianping.errors import Problem, RulebookError
from tianping.i18n import I18nText
from tianping.rules._cel import CelError, ClauseTrace, evaluate, trace
from tianping.rules._load import LoadedObligation, Rulebook
from tianping.rules._schema import TIER_RANK, TierId
from tianping.systems import SystemProfile


class TraceClause(BaseModel):
    expr: str
    value: bool | None
    error: str | None = None


class TierReason(BaseModel):
    rule_id: str
    tier: TierId
    reason: I18nText
    citation: str | None = None
    confidence: str = "verified"
    clauses: list[TraceClause] = Field(default_factory=list)


class TierDecision(BaseModel):
    level: TierId
    title: I18nText
    meaning: I18nText
    reasons: list[TierReason]


ApplicabilityStatus = Literal[
    "applies", "condition_false", "not_in_force", "draft_excluded", "below_tier", "error"
]


class Applicability(BaseModel):
    obligation_id: str
    status: ApplicabilityStatus
    explanation: I18nText
    clauses: list[TraceClause] = Field(default_factory=list)

    @property
    def applies(self) -> bool:
        return self.status == "applies"


def _clauses(items: list[ClauseTrace]) -> list[TraceClause]:
    return [TraceClause(expr=c.expr, value=c.value, error=c.error) for c in items]


def cel_context(profile: SystemProfile, as_of: dt.date | None = None) -> Any:
    """A reusable CEL context: converting the profile once makes each evaluation ~100x cheaper
    than passing a dict (measured: 650 µs -> 6.5 µs per condition)."""
    return cel.Context(
        variables={"profile": profile.to_cel(), "as_of": (as_of or dt.date.today()).isoformat()}
    )


def decide_tier(profile: SystemProfile, rulebook: Rulebook, context: Any = None) -> TierDecision:
    ctx = context or cel_context(profile)
    fired: list[TierReason] = []
    for i, rule in enumerate(rulebook.tiers.rules):
        try:
            hit = evaluate(rule.when, ctx)
        except CelError as exc:
            raise RulebookError(
                "A tier rule failed to evaluate / 风险等级规则求值失败",
                [Problem(str(exc), rulebook.tiers_doc.locate(("rules", i, "when")))],
            ) from None
        if hit:
            cite = f"{rule.citation.instrument} {rule.citation.article}" if rule.citation else None
            fired.append(
                TierReason(
                    rule_id=rule.id,
                    tier=rule.tier,
                    reason=rule.reason,
                    citation=cite,
                    confidence=rule.confidence,
                    clauses=_clauses(trace(rule.when, ctx)),
                )
            )
    level: TierId = rulebook.tiers.default
    for r in fired:
        if TIER_RANK[r.tier] > TIER_RANK[level]:
            level = r.tier
    if not fired:
        fired.append(
            TierReason(rule_id="default", tier=level, reason=rulebook.tiers.default_reason)
        )
    fired.sort(key=lambda r: -TIER_RANK[r.tier])
    tier = next(t for t in rulebook.tiers.tiers if t.id == level)
    return TierDecision(level=level, title=tier.title, meaning=tier.meaning, reasons=fired)


def in_force(lo: LoadedObligation, as_of: dt.date) -> bool:
    start = lo.obligation.effective or lo.instrument.effective
    end = lo.obligation.repealed or lo.instrument.repealed
    if start is not None and as_of < start:
        return False
    return not (end is not None and as_of >= end)


def applicability(
    lo: LoadedObligation,
    profile_ctx: Any,
    tier: TierId,
    as_of: dt.date,
    include_drafts: bool = False,
) -> Applicability:
    ob, inst = lo.obligation, lo.instrument
    if inst.status == "draft" and not include_drafts:
        return Applicability(
            obligation_id=ob.id,
            status="draft_excluded",
            explanation=I18nText(
                zh="征求意见稿，默认不适用（使用 --include-drafts 纳入）",
                en="draft instrument, excluded by default (use --include-drafts)",
            ),
        )
    if not in_force(lo, as_of):
        start = ob.effective or inst.effective
        end = ob.repealed or inst.repealed
        return Applicability(
            obligation_id=ob.id,
            status="not_in_force",
            explanation=I18nText(
                zh=f"{as_of} 时未生效（生效 {start}，废止 {end or '—'}）",
                en=f"not in force on {as_of} (effective {start}, repealed {end or '—'})",
            ),
        )
    clauses = _clauses(trace(ob.applies_when, profile_ctx))
    try:
        hit = evaluate(ob.applies_when, profile_ctx)
    except CelError as exc:
        return Applicability(
            obligation_id=ob.id,
            status="error",
            clauses=clauses,
            explanation=I18nText(
                zh=f"适用条件求值失败：{exc}", en=f"condition failed to evaluate: {exc}"
            ),
        )
    if not hit:
        return Applicability(
            obligation_id=ob.id,
            status="condition_false",
            clauses=clauses,
            explanation=I18nText(zh="适用条件不满足", en="condition not met"),
        )
    if TIER_RANK[tier] < TIER_RANK[ob.min_tier]:
        return Applicability(
            obligation_id=ob.id,
            status="below_tier",
            clauses=clauses,
            explanation=I18nText(
                zh=f"仅适用于 {ob.min_tier} 及以上风险等级",
                en=f"applies only at tier {ob.min_tier} or above",
            ),
        )
    return Applicability(
        obligation_id=ob.id,
        status="applies",
        clauses=clauses,
        explanation=I18nText(zh="适用条件满足", en="condition met"),
    )
