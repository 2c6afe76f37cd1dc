"""Cross-border route under the 2024 Cross-Border Data Provisions, per flow and overall.

The decision is not re-implemented here: it is read off the rulebook. The outbound
obligations of `cn.cross-border-data-provisions` (Arts. 3-8) and PIPL Arts. 38-40, 55 are
evaluated on the profile (their CEL conditions use `profile.derived.xb_*`, counted from
1 January of the current year, exempt scenarios left out), and the route is the strictest
mechanism whose obligation applies. This module adds the per-flow view, the counts and a
bilingual, cited reasoning trail built from those obligations.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from tianping.i18n import I18nText, zh_article
from tianping.systems import SystemProfile

__all__ = ["CrossBorderDecision", "FlowRoute", "ReasonStep", "Route", "decide_route"]

Route = Literal["none", "exempt", "standard_contract_or_certification", "security_assessment"]
_RANK: dict[str, int] = {
    "none": 0,
    "exempt": 1,
    "standard_contract_or_certification": 2,
    "security_assessment": 3,
}
ROUTE_TEXT: dict[str, I18nText] = {
    "none": I18nText(zh="无数据出境", en="no outbound transfer"),
    "exempt": I18nText(
        zh="免予安全评估、标准合同和认证", en="exempt from assessment, contract and certification"
    ),
    "standard_contract_or_certification": I18nText(
        zh="订立标准合同并备案，或通过个人信息出境认证",
        en="standard contract (filed) or outbound PI certification",
    ),
    "security_assessment": I18nText(
        zh="申报数据出境安全评估", en="declare a data-export security assessment"
    ),
}

# Obligation id -> the route it imposes (rulebook ids; the rulebook holds the thresholds).
_ROUTE_OBLIGATIONS: dict[str, Route] = {
    "cn.xb.art7-1-ciio-security-assessment": "security_assessment",
    "cn.xb.art7-2-important-data-security-assessment": "security_assessment",
    "cn.xb.art7-2-volume-security-assessment": "security_assessment",
    "cn.xb.art8-standard-contract-or-certification": "standard_contract_or_certification",
    "cn.xb.art5-4-small-volume-exemption": "exempt",
}
_VOLUME_OBLIGATIONS: tuple[str, ...] = (
    "cn.xb.art7-2-volume-security-assessment",
    "cn.xb.art8-standard-contract-or-certification",
    "cn.xb.art5-4-small-volume-exemption",
)
# Obligations that stay with every transfer of PI, whatever the route.
_ALSO: tuple[str, ...] = (
    "cn.xb.art3-6-exempt-scenario",
    "cn.pipl.art38-transfer-mechanism",
    "cn.pipl.art39-xb-notice-consent",
    "cn.pipl.art40-localisation",
    "cn.pipl.art55-pipia",
)
_SCENARIO_ARTICLE: dict[str, tuple[I18nText, I18nText]] = {
    "trade_no_pi": (
        I18nText(zh="第三条", en="Art. 3"),
        I18nText(
            zh="国际贸易、跨境运输、学术合作、跨国生产制造和市场营销等活动中收集和产生的数据，"
            "不含个人信息或者重要数据",
            en="data from international trade, cross-border transport, academic cooperation, "
            "transnational manufacturing or marketing that contains no PI or important data",
        ),
    ),
    "foreign_pi_transit": (
        I18nText(zh="第四条", en="Art. 4"),
        I18nText(
            zh="境外收集和产生的个人信息传输至境内处理后向境外提供，未引入境内个人信息或重要数据",
            en="PI collected abroad, processed in China and sent back, with no domestic PI "
            "or important data added",
        ),
    ),
    "contract_necessity": (
        I18nText(zh="第五条第（一）项", en="Art. 5(1)"),
        I18nText(
            zh="为订立、履行个人作为一方当事人的合同所必需",
            en="necessary to conclude or perform a contract to which the individual is a party",
        ),
    ),
    "cross_border_hr": (
        I18nText(zh="第五条第（二）项", en="Art. 5(2)"),
        I18nText(
            zh="按照依法制定的劳动规章制度和依法签订的集体合同实施跨境人力资源管理所必需",
            en="necessary for cross-border HR management under lawful labour rules or "
            "collective contracts",
        ),
    ),
    "emergency": (
        I18nText(zh="第五条第（三）项", en="Art. 5(3)"),
        I18nText(
            zh="紧急情况下为保护自然人的生命健康和财产安全所必需",
            en="necessary in an emergency to protect a natural person's life, health or property",
        ),
    ),
    "ftz_outside_negative_list": (
        I18nText(zh="第六条", en="Art. 6"),
        I18nText(
            zh="自由贸易试验区负面清单外的数据",
            en="data outside a pilot free-trade-zone negative list",
        ),
    ),
}
_XB_TITLE = I18nText(zh="《促进和规范数据跨境流动规定》", en="Cross-Border Data Provisions")


class ReasonStep(BaseModel):
    """One step of the reasoning, with its legal source and how sure the source is."""

    text: I18nText
    citation: I18nText
    obligation: str | None = None
    confidence: Literal["verified", "secondary", "unverified"] = "verified"


class FlowRoute(BaseModel):
    index: int
    destination: str
    recipient: str | None = None
    scenario: str
    individuals: int
    sensitive_individuals: int
    important_data: bool
    route: Route
    reasoning: list[ReasonStep] = Field(default_factory=list)


class CrossBorderDecision(BaseModel):
    system_id: str
    as_of: dt.date
    counting_from: dt.date = Field(description="1 January of the as-of year (Arts. 5, 7, 8)")
    is_ciio: bool
    route: Route
    route_text: I18nText
    needs_security_assessment: bool
    needs_contract_or_certification: bool
    flows: list[FlowRoute] = Field(default_factory=list)
    totals: dict[str, int | bool] = Field(default_factory=dict)
    reasoning: list[ReasonStep] = Field(default_factory=list)
    also_required: list[ReasonStep] = Field(default_factory=list)
    rulebook_version: str | None = None


def scenario_text(scenario: str) -> I18nText:
    """A flow's scenario in words: ordinary, or the exemption and its article."""
    if scenario == "ordinary":
        return I18nText(zh="一般数据流", en="ordinary")
    if scenario in _SCENARIO_ARTICLE:
        art = _SCENARIO_ARTICLE[scenario][0]
        return I18nText(zh=f"豁免情形，{art.zh}", en=f"exempt scenario, {art.en}")
    return I18nText(zh=scenario, en=scenario)


def _step_from(lo: Any, text: I18nText | None = None) -> ReasonStep:
    ob, inst = lo.obligation, lo.instrument
    short = inst.short_title or inst.title
    art = ob.citation.text()
    return ReasonStep(
        text=text or ob.summary,
        citation=I18nText(zh=f"《{short.zh}》{zh_article(art)}", en=f"{short.en} {art}"),
        obligation=ob.id,
        confidence=ob.confidence,
    )


def decide_route(
    profile: SystemProfile,
    *,
    as_of: dt.date | None = None,
    rulebook: Any | None = None,
) -> CrossBorderDecision:
    """The cross-border route for the profile's outbound flows, with cited reasoning."""
    from tianping.rules import applicability, cel_context, load_rulebook

    as_of = as_of or dt.date.today()
    rb = rulebook or load_rulebook()
    ctx = cel_context(profile, as_of)
    derived: dict[str, Any] = profile.to_cel()["derived"]  # type: ignore[assignment]
    applied: dict[str, Any] = {}
    for oid in (*_ROUTE_OBLIGATIONS, *_ALSO):
        lo = rb.obligation(oid)
        if lo is None:
            continue
        # Tier does not gate these obligations (none has a min_tier above low).
        if applicability(lo, ctx, "high", as_of).applies:
            applied[oid] = lo

    flows_in = profile.data.cross_border
    ordinary_route: Route = "none"
    reasoning: list[ReasonStep] = []
    # The volume route (Arts. 5(4), 7(2) volume, 8) is shared by every ordinary flow;
    # CIIO status and important data are decided per flow below.
    for oid in _VOLUME_OBLIGATIONS:
        vol = _ROUTE_OBLIGATIONS[oid]
        if oid in applied and _RANK[vol] > _RANK[ordinary_route]:
            ordinary_route = vol
    for oid in _ROUTE_OBLIGATIONS:
        if oid in applied:
            reasoning.append(_step_from(applied[oid]))
    counting_from = dt.date(as_of.year, 1, 1)
    totals: dict[str, int | bool] = {
        "ordinary_individuals": int(derived["xb_ordinary_individuals"]),
        "ordinary_sensitive_individuals": int(derived["xb_ordinary_sensitive_individuals"]),
        "ordinary_important_data": bool(derived["xb_ordinary_important_data"]),
        "all_individuals": int(derived["xb_individuals"]),
        "all_sensitive_individuals": int(derived["xb_sensitive_individuals"]),
    }
    count_step = ReasonStep(
        text=I18nText(
            zh=f"自 {counting_from} 起累计：一般个人信息 {totals['ordinary_individuals']} 人，"
            f"敏感个人信息 {totals['ordinary_sensitive_individuals']} 人"
            f"（豁免情形的数据流不计入，Tianping 的解读）。",
            en=f"Cumulative since {counting_from}: {totals['ordinary_individuals']} individuals' "
            f"PI (excluding sensitive), {totals['ordinary_sensitive_individuals']} individuals' "
            "sensitive PI (exempt flows not counted: Tianping's reading).",
        ),
        citation=I18nText(
            zh=f"{_XB_TITLE.zh}第五条、第七条、第八条", en=f"{_XB_TITLE.en} Arts. 5, 7, 8"
        ),
        confidence="secondary",
    )
    if flows_in:
        reasoning.insert(0, count_step)

    flows: list[FlowRoute] = []
    for i, f in enumerate(flows_in):
        steps: list[ReasonStep] = []
        if f.scenario != "ordinary":
            art, cond = _SCENARIO_ARTICLE[f.scenario]
            route: Route = "exempt"
            steps.append(
                ReasonStep(
                    text=I18nText(zh=f"豁免情形：{cond.zh}。", en=f"Exempt scenario: {cond.en}."),
                    citation=I18nText(zh=f"{_XB_TITLE.zh}{art.zh}", en=f"{_XB_TITLE.en} {art.en}"),
                    obligation="cn.xb.art3-6-exempt-scenario",
                )
            )
        elif f.individuals == 0 and f.sensitive_individuals == 0 and not f.important_data:
            route = "none"
            steps.append(
                ReasonStep(
                    text=I18nText(
                        zh="该数据流未申报个人信息或重要数据。",
                        en="The flow declares no personal information and no important data.",
                    ),
                    citation=I18nText(zh=f"{_XB_TITLE.zh}第三条", en=f"{_XB_TITLE.en} Art. 3"),
                    confidence="secondary",
                )
            )
        else:
            route = ordinary_route if ordinary_route != "none" else "exempt"
            conf: Literal["verified", "secondary", "unverified"] = "verified"
            if profile.provider.is_ciio:
                route = "security_assessment"
                why = I18nText(
                    zh="提供者为关键信息基础设施运营者：任何个人信息或重要数据出境均需安全评估。",
                    en="The provider is a CIIO: any PI or important data sent abroad needs a "
                    "security assessment.",
                )
            elif f.important_data:
                route = "security_assessment"
                why = I18nText(
                    zh="该数据流包含经告知或公开发布的重要数据。",
                    en="The flow includes notified or published important data.",
                )
            elif derived["xb_ordinary_important_data"]:
                # Arts. 5(4) and 8 do not apply once important data leaves (rulebook
                # conditions); the assessment declared for it is read as covering this flow.
                route = "security_assessment"
                why = I18nText(
                    zh="其他一般数据流含重要数据，须申报安全评估；Tianping 将本数据流一并纳入该评估"
                    "（规定未明确，Tianping 的解读）。",
                    en="Another ordinary flow carries important data, so a security assessment is "
                    "declared; Tianping reads it as covering this flow too (the Provisions do "
                    "not say; Tianping's reading).",
                )
                conf = "unverified"
            else:
                why = I18nText(
                    zh="一般数据流：路径取决于全部一般数据流自1月1日起的累计人数。",
                    en="Ordinary flow: the route follows the cumulative count of all ordinary "
                    "flows since 1 January.",
                )
            steps.append(
                ReasonStep(
                    text=why,
                    citation=I18nText(
                        zh=f"{_XB_TITLE.zh}第七条、第八条", en=f"{_XB_TITLE.en} Arts. 7-8"
                    ),
                    confidence=conf,
                )
            )
        flows.append(
            FlowRoute(
                index=i,
                destination=f.destination,
                recipient=f.recipient,
                scenario=f.scenario,
                individuals=f.individuals,
                sensitive_individuals=f.sensitive_individuals,
                important_data=f.important_data,
                route=route,
                reasoning=steps,
            )
        )
    overall: Route = "none"
    for fr in flows:
        if _RANK[fr.route] > _RANK[overall]:
            overall = fr.route
    if not flows_in:
        reasoning.append(
            ReasonStep(
                text=I18nText(
                    zh="档案未申报数据出境。", en="The profile declares no outbound flow."
                ),
                citation=I18nText(zh="《个人信息保护法》第三十八条", en="PIPL Art. 38"),
            )
        )
    also = [_step_from(applied[oid]) for oid in _ALSO if oid in applied]
    if overall == "standard_contract_or_certification" and as_of < dt.date(2026, 1, 1):
        also.append(
            ReasonStep(
                text=I18nText(
                    zh="《个人信息出境认证办法》自2026年1月1日起施行；此前认证路径依个人信息保护法第三十八条。",
                    en="The Outbound PI Certification Measures apply from 2026-01-01; before "
                    "that the certification route rests on PIPL Art. 38(2).",
                ),
                citation=I18nText(
                    zh="《个人信息出境认证办法》", en="Outbound PI Certification Measures"
                ),
            )
        )
    return CrossBorderDecision(
        system_id=profile.id,
        as_of=as_of,
        counting_from=counting_from,
        is_ciio=profile.provider.is_ciio,
        route=overall,
        route_text=ROUTE_TEXT[overall],
        needs_security_assessment=overall == "security_assessment",
        needs_contract_or_certification=overall == "standard_contract_or_certification",
        flows=flows,
        totals=totals,
        reasoning=reasoning,
        also_required=also,
        rulebook_version=getattr(rb, "version", None),
    )


def reasoning_rows(decision: CrossBorderDecision, lang: str = "en") -> list[dict[str, Any]]:
    """Evidence table: one row per reasoning step (overall, then per flow)."""
    rows: list[dict[str, Any]] = []

    def add(scope: str, route: str, step: ReasonStep) -> None:
        rows.append(
            {
                "scope": scope,
                "route": route,
                "reason": step.text.get("zh" if lang == "zh" else "en"),
                "citation": step.citation.get("zh" if lang == "zh" else "en"),
                "obligation": step.obligation or "",
                "confidence": step.confidence,
            }
        )

    for s in decision.reasoning:
        add("overall", decision.route, s)
    for f in decision.flows:
        for s in f.reasoning:
            add(f"flow {f.index} → {f.destination}", f.route, s)
    for s in decision.also_required:
        add("also required", "", s)
    return rows
