"""PIPIA draft: PIPL Art. 55 triggers and an Art. 56 contents draft (zh/en Markdown).

Art. 55 requires a prior personal-information protection impact assessment, with a
processing record, when a processor (1) processes sensitive PI, (2) uses PI for automated
decision-making, (3) entrusts processing, provides PI to others or discloses it, (4)
provides PI abroad, (5) does other processing with a significant impact on individuals.
Art. 56: the assessment covers (1) legality, legitimacy and necessity of purpose and
method, (2) impact on rights and security risks, (3) whether protective measures are
lawful, effective and proportionate; report and record are kept at least 3 years.
(Research notes: verified against the NPC English text.) Which facts fire item (5) is
Tianping's reading and marked so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, Field

from tianping.i18n import I18nText
from tianping.privacy._crossborder import ROUTE_TEXT, CrossBorderDecision, decide_route
from tianping.privacy._inventory import SensitiveInventory, build_inventory
from tianping.systems import SystemProfile

__all__ = ["PipiaDraft", "PipiaSection", "PipiaTrigger", "draft_pipia", "render_markdown"]

Confidence = Literal["verified", "secondary", "unverified"]
SectionStatus = Literal["filled", "needs_input", "template"]


class PipiaTrigger(BaseModel):
    item: str = Field(description="Art. 55 item, e.g. '(1)'")
    key: str
    title: I18nText
    fired: bool
    reason: I18nText
    confidence: Confidence = "verified"


class PipiaSection(BaseModel):
    id: str
    title: I18nText
    basis: str = Field(description="Article the section serves")
    status: SectionStatus
    lines: list[I18nText] = Field(default_factory=list)
    missing: list[I18nText] = Field(default_factory=list, description="What a person must add")


class PipiaDraft(BaseModel):
    system_id: str
    system_name: str
    generated_on: dt.date
    required: bool
    triggers: list[PipiaTrigger]
    sections: list[PipiaSection]
    inventory: SensitiveInventory
    crossborder: CrossBorderDecision | None = None

    @property
    def fired(self) -> list[PipiaTrigger]:
        return [t for t in self.triggers if t.fired]

    @property
    def missing_sections(self) -> list[PipiaSection]:
        return [s for s in self.sections if s.status == "needs_input"]


# Chinese names of the profile's category codes (PIPL Art. 28 wording for the sensitive
# ones); the code follows in brackets so a reader can find it in the profile
_ZH_CATEGORY = {
    "identity": "身份信息",
    "contact": "联系方式",
    "account": "账户信息",
    "device": "设备信息",
    "location": "位置信息",
    "behaviour": "行为信息",
    "financial": "财产金融信息",
    "health": "健康信息",
    "biometric": "生物识别",
    "education_employment": "教育工作信息",
    "communication_content": "通信内容",
    "other": "其他",
    "religious_belief": "宗教信仰",
    "specific_identity": "特定身份",
    "medical_health": "医疗健康",
    "financial_account": "金融账户",
    "location_tracking": "行踪轨迹",
    "minors_under_14": "不满十四周岁未成年人的个人信息",
}


def _zh_list(codes: Iterable[str]) -> str:
    return "、".join(f"{_ZH_CATEGORY[c]}（{c}）" if c in _ZH_CATEGORY else c for c in codes)


def _t(zh: str, en: str) -> I18nText:
    return I18nText(zh=zh, en=en)


def _answer(attestations: dict[str, Any], qid: str) -> str | None:
    a = attestations.get(qid)
    if a is None:
        return None
    val = a.get("answer") if isinstance(a, dict) else getattr(a, "answer", None)
    return None if val is None else str(val)


def _triggers(profile: SystemProfile, inv: SensitiveInventory) -> list[PipiaTrigger]:
    d = profile.data
    pi = d.personal_information
    sens_found = [i.category for i in inv.items if i.found]
    sensitive = bool(d.sensitive_categories) or d.minors_under_14 or bool(sens_found)
    adm = pi and "automated_decision" in profile.services
    rec = pi and "recommendation" in profile.services
    provide = pi and (d.entrusted_processing or d.publicly_discloses_pi)
    xb = any(f.individuals or f.sensitive_individuals for f in d.cross_border)
    other_reasons = []
    if d.public_place_capture:
        other_reasons.append(_t("公共场所图像采集或身份识别", "public-place image capture or ID"))
    if "biometric_identification" in profile.services:
        other_reasons.append(_t("生物特征识别服务", "biometric identification service"))
    if profile.edits_face_or_voice:
        other_reasons.append(_t("生成或编辑人脸、人声", "generates or edits faces or voices"))
    if pi and d.individuals >= 1_000_000:
        other_reasons.append(_t("处理100万人以上个人信息", "PI of 1,000,000 or more people"))
    sens_reason = (
        _t(
            "档案声明或扫描发现敏感个人信息："
            + _zh_list(sorted({*d.sensitive_categories, *sens_found})),
            "sensitive PI declared or found by the scan: "
            + ", ".join(sorted({*d.sensitive_categories, *sens_found})),
        )
        if sensitive
        else _t("未声明也未发现敏感个人信息", "no sensitive PI declared or found")
    )
    return [
        PipiaTrigger(
            item="(1)",
            key="sensitive_pi",
            title=_t("处理敏感个人信息", "processing sensitive PI"),
            fired=sensitive,
            reason=sens_reason,
        ),
        PipiaTrigger(
            item="(2)",
            key="automated_decision",
            title=_t("利用个人信息进行自动化决策", "automated decision-making with PI"),
            fired=adm or rec,
            reason=_t(
                "服务类型包含自动化决策" + ("与算法推荐（Tianping 的解读）" if rec else ""),
                "services include automated decision-making"
                + (" and recommendation (Tianping's reading)" if rec else ""),
            )
            if adm or rec
            else _t("未声明自动化决策", "no automated decision-making declared"),
            confidence="secondary" if rec and not adm else "verified",
        ),
        PipiaTrigger(
            item="(3)",
            key="entrust_provide_disclose",
            title=_t(
                "委托处理、向他人提供或公开个人信息",
                "entrusting, providing to others or disclosing PI",
            ),
            fired=bool(provide),
            reason=_t("档案声明委托处理或公开", "profile declares entrusting or disclosure")
            if provide
            else _t("未声明委托、提供或公开", "no entrusting, provision or disclosure declared"),
        ),
        PipiaTrigger(
            item="(4)",
            key="cross_border",
            title=_t("向境外提供个人信息", "providing PI abroad"),
            fired=xb,
            reason=_t(
                f"{len(d.cross_border)} 条出境数据流", f"{len(d.cross_border)} outbound flow(s)"
            )
            if xb
            else _t("未申报个人信息出境", "no outbound PI declared"),
        ),
        PipiaTrigger(
            item="(5)",
            key="significant_impact",
            title=_t("其他对个人权益有重大影响的处理", "other processing with significant impact"),
            fired=bool(other_reasons) and pi,
            reason=_t(
                "；".join(r.zh for r in other_reasons) + "（Tianping 的解读）",
                "; ".join(r.en for r in other_reasons) + " (Tianping's reading)",
            )
            if other_reasons and pi
            else _t("未见其他重大影响情形", "no other significant-impact case seen"),
            confidence="unverified",
        ),
    ]


def draft_pipia(
    profile: SystemProfile,
    *,
    findings: Iterable[Any] = (),
    attestations: dict[str, Any] | None = None,
    anonymity: dict[str, dict[str, Any]] | None = None,
    as_of: dt.date | None = None,
    rulebook: Any | None = None,
) -> PipiaDraft:
    """Build the draft. `anonymity` maps dataset id -> measured metrics (k, l, risk ...)."""
    as_of = as_of or dt.date.today()
    att = attestations or {}
    inv = build_inventory(profile, findings)
    triggers = _triggers(profile, inv)
    xb = (
        decide_route(profile, as_of=as_of, rulebook=rulebook) if profile.data.cross_border else None
    )
    d = profile.data
    sections: list[PipiaSection] = []

    # Overview
    desc = profile.description
    sections.append(
        PipiaSection(
            id="overview",
            title=_t("概述与处理目的", "Overview and purpose of processing"),
            basis="PIPL Art. 56(1)",
            status="filled" if desc else "needs_input",
            lines=[
                _t(
                    f"系统：{profile.name}（{profile.id}），提供者：{profile.provider.name}",
                    f"System: {profile.name_en or profile.name} ({profile.id}); provider: "
                    f"{profile.provider.name}",
                ),
                _t(
                    f"服务类型：{', '.join(profile.services) or '—'}；"
                    f"行业：{', '.join(profile.sectors) or '—'}",
                    f"Services: {', '.join(profile.services) or '—'}; sectors: "
                    f"{', '.join(profile.sectors) or '—'}",
                ),
                *([_t(f"描述：{desc}", f"Description: {desc}")] if desc else []),
            ],
            missing=[] if desc else [_t("写明处理目的与方式", "state the purpose and method")],
        )
    )
    # Processing inventory
    sens_lines = [
        _t(
            f"{i.name.zh}：{'已声明' if i.declared else '未声明'}，扫描发现 {i.found} 处",
            f"{i.name.en}: {'declared' if i.declared else 'NOT declared'}, "
            f"{i.found} scan finding(s)",
        )
        for i in inv.items
    ]
    proc_missing = (
        [
            _t(
                "列出个人信息类别（data.pi_categories）",
                "list the PI categories (data.pi_categories)",
            )
        ]
        if d.personal_information and not d.pi_categories
        else []
    )
    proc_missing += [
        _t(
            f"在档案中声明敏感类别 {i.category}",
            f"declare sensitive category {i.category} in the profile",
        )
        for i in inv.undeclared
    ]
    sections.append(
        PipiaSection(
            id="processing",
            title=_t("处理的个人信息", "Personal information processed"),
            basis="PIPL Arts. 28, 55",
            status="needs_input" if proc_missing else "filled",
            lines=[
                _t(
                    f"个人信息类别：{_zh_list(d.pi_categories) or '—'}",
                    f"PI categories: {', '.join(d.pi_categories) or '—'}",
                ),
                _t(
                    f"涉及个人：{d.individuals}；敏感个人信息涉及：{d.sensitive_individuals}",
                    f"Individuals: {d.individuals}; with sensitive PI: {d.sensitive_individuals}",
                ),
                _t(
                    f"数据来源：{', '.join(d.training_data_sources) or '—'}",
                    f"Sources: {', '.join(d.training_data_sources) or '—'}",
                ),
                *sens_lines,
            ],
            missing=proc_missing,
        )
    )
    # Art. 56(1)
    legal = _answer(att, "pipl-legal-basis-register")
    necessity = _answer(att, "pipl-sensitive-pi-necessity")
    needs_nec = triggers[0].fired
    m1: list[I18nText] = []
    if legal != "yes":
        m1.append(
            _t(
                "确认每项处理的合法性基础（第十三条）",
                "confirm the legal basis of each processing (Art. 13)",
            )
        )
    if needs_nec and necessity != "yes":
        m1.append(
            _t(
                "说明处理敏感个人信息的特定目的和充分必要性（第二十八条）",
                "state the specific purpose and sufficient necessity for sensitive PI (Art. 28)",
            )
        )
    sections.append(
        PipiaSection(
            id="legality_necessity",
            title=_t(
                "处理目的、处理方式的合法性、正当性、必要性",
                "Legality, legitimacy and necessity of purpose and method",
            ),
            basis="PIPL Art. 56(1)",
            status="needs_input" if m1 else "filled",
            lines=[
                _t(
                    f"合法性基础台账声明：{legal or '未回答'}",
                    f"Legal-basis register attestation: {legal or 'unanswered'}",
                ),
                *(
                    [
                        _t(
                            f"敏感个人信息必要性声明：{necessity or '未回答'}",
                            f"Sensitive-PI necessity attestation: {necessity or 'unanswered'}",
                        )
                    ]
                    if needs_nec
                    else []
                ),
            ],
            missing=m1,
        )
    )
    # Art. 56(2)
    risk_lines = [
        _t(
            f"触发事项：{', '.join(t.item for t in triggers if t.fired) or '无'}",
            f"Triggers fired: {', '.join(t.item for t in triggers if t.fired) or 'none'}",
        ),
    ]
    if d.minors_under_14:
        risk_lines.append(
            _t(
                "处理不满十四周岁未成年人个人信息（第三十一条：监护人同意）",
                "PI of children under 14 (Art. 31: guardian consent)",
            )
        )
    if xb is not None:
        risk_lines.append(
            _t(f"出境路径：{xb.route_text.zh}", f"Cross-border route: {xb.route_text.en}")
        )
    for ds_id, m in sorted((anonymity or {}).items()):
        risk_lines.append(
            _t(
                f"数据集 {ds_id}：k={m.get('k')}，"
                f"检察官模型最大风险={m.get('prosecutor_risk_max')}",
                f"Dataset {ds_id}: k={m.get('k')}, "
                f"prosecutor risk max={m.get('prosecutor_risk_max')}",
            )
        )
    sections.append(
        PipiaSection(
            id="impact_risk",
            title=_t(
                "对个人权益的影响及安全风险", "Impact on individuals' rights and security risks"
            ),
            basis="PIPL Art. 56(2)",
            status="filled",
            lines=risk_lines,
        )
    )
    # Art. 56(3)
    measures = _answer(att, "pipl-security-measures")
    m3 = (
        []
        if measures == "yes"
        else [
            _t(
                "描述并证明保护措施（第五十一条：制度、分级、加密与去标识化、权限、培训、应急预案）",
                "describe and evidence the measures (Art. 51: rules, classification, encryption "
                "and "
                "de-identification, access control, training, incident plans)",
            )
        ]
    )
    claimed = [ds.id for ds in profile.datasets if ds.claimed_anonymised]
    mlines = [
        _t(
            f"安全措施声明：{measures or '未回答'}",
            f"Security-measures attestation: {measures or 'unanswered'}",
        )
    ]
    if claimed:
        mlines.append(
            _t(
                f"声称已匿名化的数据集：{', '.join(claimed)}（第七十三条第四项，需验证不可复原）",
                f"Datasets claimed anonymised: {', '.join(claimed)} "
                "(Art. 73(4): must not be restorable)",
            )
        )
    sections.append(
        PipiaSection(
            id="measures",
            title=_t(
                "保护措施是否合法、有效并与风险程度相适应",
                "Whether protective measures are lawful, effective and proportionate",
            ),
            basis="PIPL Art. 56(3)",
            status="needs_input" if m3 else "filled",
            lines=mlines,
            missing=m3,
        )
    )
    if xb is not None:
        consent = _answer(att, "pipl-xb-separate-consent")
        mx = (
            []
            if consent == "yes"
            else [
                _t(
                    "取得出境单独同意并告知境外接收方信息（第三十九条）",
                    "obtain separate consent and disclose the foreign recipient (Art. 39)",
                )
            ]
        )
        sections.append(
            PipiaSection(
                id="cross_border",
                title=_t("个人信息出境", "Cross-border provision"),
                basis="PIPL Arts. 38-39; Cross-Border Data Provisions Arts. 3-8",
                status="needs_input" if mx else "filled",
                lines=[
                    _t(f"路径：{xb.route_text.zh}", f"Route: {xb.route_text.en}"),
                    *[
                        _t(
                            f"{f.destination}：{ROUTE_TEXT[f.route].zh}",
                            f"{f.destination}: {ROUTE_TEXT[f.route].en}",
                        )
                        for f in xb.flows
                    ],
                    _t(
                        f"出境单独同意声明：{consent or '未回答'}",
                        f"Separate-consent attestation: {consent or 'unanswered'}",
                    ),
                ],
                missing=mx,
            )
        )
    sections.append(
        PipiaSection(
            id="retention",
            title=_t("报告与处理记录的保存", "Keeping the report and the processing record"),
            basis="PIPL Art. 56",
            status="filled",
            lines=[
                _t(
                    f"本报告与处理情况记录至少保存三年（至 {as_of.year + 3} 年）",
                    f"Keep this report and the processing record at least 3 years "
                    f"(until {as_of.year + 3})",
                )
            ],
        )
    )
    sections.append(
        PipiaSection(
            id="sign_off",
            title=_t("评估结论与签批", "Conclusion and sign-off"),
            basis="PIPL Art. 56",
            status="template",
            lines=[
                _t(
                    "结论：＿＿＿＿  评估人（岗位）：＿＿＿＿  日期：＿＿＿＿",
                    "Conclusion: ____  Assessor (role): ____  Date: ____",
                )
            ],
        )
    )
    return PipiaDraft(
        system_id=profile.id,
        system_name=profile.name,
        generated_on=as_of,
        required=any(t.fired for t in triggers) and d.personal_information,
        triggers=triggers,
        sections=sections,
        inventory=inv,
        crossborder=xb,
    )


_MARK = {"verified": "", "secondary": " †", "unverified": " ‡"}


def render_markdown(draft: PipiaDraft, lang: Literal["zh", "en"] = "en") -> str:
    """The draft as Markdown in one language. No raw personal information appears."""

    def g(x: I18nText) -> str:
        return x.get(lang)

    zh = lang == "zh"
    out = [
        f"# {'个人信息保护影响评估（草稿）' if zh else 'PI protection impact assessment (draft)'}"
        f" — {draft.system_name}",
        "",
        f"{'生成日期' if zh else 'Generated'}: {draft.generated_on} · "
        + (
            ("需要评估" if draft.required else "未触发第五十五条")
            if zh
            else ("assessment required" if draft.required else "no Art. 55 trigger")
        ),
        "",
        f"## {'第五十五条触发事项' if zh else 'PIPL Art. 55 triggers'}",
        "",
        f"| {'项' if zh else 'item'} | {'事项' if zh else 'trigger'} | {'触发' if zh else 'fired'} "
        f"| {'理由' if zh else 'reason'} |",
        "|---|---|---|---|",
    ]
    for t in draft.triggers:
        fired = ("是" if t.fired else "否") if zh else ("yes" if t.fired else "no")
        out.append(f"| {t.item}{_MARK[t.confidence]} | {g(t.title)} | {fired} | {g(t.reason)} |")
    out.append("")
    for i, s in enumerate(draft.sections, start=1):
        state = {
            "filled": "已填" if zh else "filled",
            "needs_input": "待补充" if zh else "needs input",
            "template": "模板" if zh else "template",
        }[s.status]
        out += [f"## {i}. {g(s.title)}", "", f"*{s.basis} · {state}*", ""]
        out += [f"- {g(line)}" for line in s.lines]
        if s.missing:
            out += ["", f"**{'待补充' if zh else 'To add'}:**"]
            out += [f"- [ ] {g(m)}" for m in s.missing]
        out.append("")
    out.append(
        "† 二手来源 / secondary source · "
        "‡ 未核实或 Tianping 的解读 / unverified or Tianping's reading"
    )
    return "\n".join(out) + "\n"
