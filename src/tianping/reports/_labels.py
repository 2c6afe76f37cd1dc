"""Bilingual UI strings for the reports: headings, labels, status and verdict names.

Every string exists in zh-CN and en. Renderers look strings up by key with `label()`;
a missing key is a programming error and raises `KeyError`.
"""

from __future__ import annotations

from tianping.i18n import I18nText, t

# Finding status: name, one-line meaning, and a glyph so colour is never the only cue.
STATUS_ORDER: tuple[str, ...] = (
    "gap",
    "error",
    "partial",
    "needs_attestation",
    "met",
    "not_applicable",
)
STATUS: dict[str, I18nText] = {
    "met": t("已满足", "Met"),
    "gap": t("存在差距", "Gap"),
    "partial": t("部分满足", "Partial"),
    "needs_attestation": t("待声明", "Needs attestation"),
    "error": t("评估出错", "Error"),
    "not_applicable": t("不适用", "Not applicable"),
}
STATUS_MEANING: dict[str, I18nText] = {
    "met": t(
        "所需证据齐全，检查全部通过。", "All required evidence is present and every check passed."
    ),
    "gap": t(
        "至少一项检查未通过或声明未落实：需要整改。",
        "At least one check failed or a control is declared not in place: remediation needed.",
    ),
    "partial": t(
        "部分落实，或证据不完整（例如声明缺少证明材料）。",
        "Partly in place, or the evidence is incomplete (e.g. an answer without documents).",
    ),
    "needs_attestation": t(
        "需要责任人回答流程性问题并提供证明材料。",
        "A responsible person must answer a process question and cite documents.",
    ),
    "error": t(
        "检查无法完成（如文件缺失或数据无法读取），结论未知。",
        "A check could not complete (e.g. a missing or unreadable file); outcome unknown.",
    ),
    "not_applicable": t(
        "按系统档案，该义务不适用于本系统。",
        "Given the system profile, this obligation does not apply to the system.",
    ),
}
STATUS_GLYPH: dict[str, str] = {
    "met": "✓",
    "gap": "✗",
    "partial": "◐",
    "needs_attestation": "?",
    "error": "!",
    "not_applicable": "–",
}

VERDICT: dict[str, I18nText] = {
    "pass": t("通过", "Pass"),
    "fail": t("未通过", "Fail"),
    "warn": t("警告", "Warning"),
    "error": t("出错", "Error"),
    "skipped": t("未执行/待回答", "Skipped / awaiting answer"),
    "not_applicable": t("不适用", "Not applicable"),
}
VERDICT_MEANING: dict[str, I18nText] = {
    "pass": t("所有阈值均满足。", "Every threshold was met."),
    "fail": t("至少一个阈值未满足。", "At least one threshold was not met."),
    "warn": t(
        "结果可用但有保留（如证据不全）。",
        "Usable result with reservations (e.g. missing evidence).",
    ),
    "error": t("检查未能完成。", "The check could not complete."),
    "skipped": t(
        "缺少输入（如数据集或声明答复），未执行。",
        "Not run for lack of input (e.g. no dataset or no attestation answer).",
    ),
    "not_applicable": t("经声明不适用。", "Declared not applicable."),
}
VERDICT_GLYPH: dict[str, str] = {
    "pass": "✓",
    "fail": "✗",
    "warn": "⚠",
    "error": "!",
    "skipped": "…",
    "not_applicable": "–",
}

SEVERITY: dict[str, I18nText] = {
    "high": t("高", "High"),
    "medium": t("中", "Medium"),
    "low": t("低", "Low"),
}
SEVERITY_ORDER: dict[str, int] = {"high": 0, "medium": 1, "low": 2}

CONFIDENCE: dict[str, I18nText] = {
    "verified": t("已核实", "Verified"),
    "secondary": t("二手来源", "Secondary source"),
    "unverified": t("未核实", "Unverified"),
}
CONFIDENCE_MEANING: dict[str, I18nText] = {
    "verified": t("已对照官方原文核实。", "Checked against the official text."),
    "secondary": t(
        "依据二手资料（解读、译文、新闻），未对照官方原文核实，请自行核对原文。",
        "Taken from a secondary source (commentary, translation, news); not verified "
        "against the official text. Check the original before relying on it.",
    ),
    "unverified": t(
        "尚未对照官方原文核实，引用与内容可能不准确，请自行核对原文。",
        "Not yet verified against the official text; the citation or content may be "
        "inaccurate. Check the original before relying on it.",
    ),
}
# Terminal marks for facts that were not verified against the official text.
CONFIDENCE_MARK: dict[str, str] = {"verified": "", "secondary": "‡", "unverified": "†"}

OVERALL: dict[str, I18nText] = {
    "pass": t("全部满足", "All met"),
    "gaps": t("存在差距", "Gaps found"),
    "incomplete": t(
        "尚不完整（待声明或部分满足）", "Incomplete (attestations or partial evidence)"
    ),
    "error": t("评估出错", "Errors in the assessment"),
}

CROSSWALK: dict[str, I18nText] = {
    "eu_ai_act": t("欧盟《人工智能法》", "EU AI Act"),
    "nist_ai_rmf": t("NIST AI RMF", "NIST AI RMF"),
    "iso_42001": t("ISO/IEC 42001", "ISO/IEC 42001"),
    "ai_verify": t("新加坡 AI Verify", "AI Verify (Singapore)"),
}

BINDS: dict[str, I18nText] = {
    "provider": t("服务提供者", "Provider"),
    "technical_supporter": t("技术支持者", "Technical supporter"),
    "dissemination_platform": t("传播平台", "Dissemination platform"),
    "app_distribution_platform": t("应用分发平台", "App distribution platform"),
    "user": t("使用者", "User"),
    "processor": t("个人信息处理者", "PI processor"),
    "deployer": t("部署者", "Deployer"),
    "developer": t("开发者", "Developer"),
}

LABELS: dict[str, I18nText] = {
    # document
    "doc_title": t("AI 合规评估报告", "AI compliance assessment report"),
    "brand": t("天平 Tianping", "Tianping 天平"),
    "language": t("语言", "Language"),
    "print": t("打印 / 导出 PDF", "Print / save as PDF"),
    "expand_all": t("全部展开", "Expand all"),
    "collapse_all": t("全部收起", "Collapse all"),
    "contents": t("目录", "Contents"),
    "nav_tier": t("风险等级", "Tier"),
    "nav_summary": t("概览", "Summary"),
    "nav_obligations": t("义务", "Obligations"),
    "nav_checks": t("检查", "Checks"),
    "nav_not_applicable": t("不适用", "Not applicable"),
    "nav_legend": t("图例", "Legend"),
    # header
    "system": t("AI 系统", "AI system"),
    "system_id": t("系统标识", "System id"),
    "provider": t("提供者", "Provider"),
    "version": t("系统版本", "System version"),
    "lifecycle": t("生命周期", "Lifecycle"),
    "sectors": t("行业", "Sectors"),
    "services": t("服务类型", "Services"),
    "jurisdictions": t("法域", "Jurisdictions"),
    "rulebook_version": t("规则库版本", "Rulebook version"),
    "as_of": t("评估基准日", "Assessed as of"),
    "generated_at": t("生成时间", "Generated"),
    "assessment_id": t("评估编号", "Assessment id"),
    "tool": t("工具", "Tool"),
    "schema_version": t("报告格式版本", "Report schema"),
    "drafts_included": t(
        "已纳入征求意见稿（非正式生效文件）", "Draft instruments included (not yet in force)"
    ),
    "none": t("无", "none"),
    # tier
    "tier": t("风险等级", "Risk tier"),
    "tier_reasons": t("判定依据", "Why this tier"),
    "why": t("为何触发：条件求值", "Why: the conditions evaluated"),
    "clause": t("条件", "Condition"),
    "value": t("结果", "Value"),
    "true": t("成立", "true"),
    "false": t("不成立", "false"),
    "clause_error": t("求值出错", "error"),
    "citation": t("依据", "Citation"),
    "tier_default_note": t(
        "风险等级由 Tianping 依据所引条款推定；中国尚无官方统一的 AI 应用分级。",
        "The tier is Tianping's reading of the cited provisions; China has no "
        "official, binding grading of AI applications yet.",
    ),
    # summary
    "summary": t("结论概览", "Summary"),
    "overall": t("总体结论", "Overall result"),
    "obligations_evaluated": t("已评估义务", "Obligations evaluated"),
    "obligations_applicable": t("适用义务", "Applicable obligations"),
    "checks_run": t("已执行检查", "Checks run"),
    # obligations
    "obligations": t("适用义务与结论", "Applicable obligations and findings"),
    "obligations_intro": t(
        "按法规分组（存在差距的法规在前）；每组内按严重程度、再按结论排序。点击“详情”查看证据。",
        "Grouped by instrument (those with gaps first); within each, sorted by "
        'severity then status. Open "Details" for the evidence.',
    ),
    "instrument": t("法规/标准", "Instrument"),
    "obligation": t("义务", "Obligation"),
    "status": t("结论", "Status"),
    "severity": t("严重程度", "Severity"),
    "confidence": t("核实程度", "Confidence"),
    "deadline": t("期限", "Deadline"),
    "penalty": t("法律责任", "Penalty"),
    "crosswalk": t("国际对照", "Crosswalk"),
    "binds": t("责任主体", "Duty holder"),
    "details": t("详情", "Details"),
    "obligation_summary": t("义务内容", "What it requires"),
    "status_reason": t("结论理由", "Why this status"),
    "applicability": t("适用性", "Applicability"),
    "evidence": t("证据", "Evidence"),
    "no_evidence": t("无检查或声明证据。", "No check or attestation evidence."),
    "check": t("检查", "Check"),
    "verdict": t("判定", "Verdict"),
    "message": t("说明", "Message"),
    "thresholds": t("阈值比较", "Threshold comparisons"),
    "metric": t("指标", "Metric"),
    "bound": t("阈值", "Bound"),
    "passed": t("满足", "met"),
    "failed": t("未满足", "not met"),
    "missing_value": t("缺失", "missing"),
    "see_check": t("查看检查详情", "See the check run"),
    "official_text": t("官方原文", "Official text"),
    "none_applicable": t("没有适用的义务。", "No obligation applies."),
    # checks
    "checks": t("检查执行记录", "Check runs"),
    "checks_intro": t(
        "每项检查只执行一次，其结果可为多项义务提供证据。",
        "Each check runs once; its result may evidence several obligations.",
    ),
    "no_checks": t("未执行任何检查。", "No check was run."),
    "check_id": t("检查标识", "Check id"),
    "family": t("类别", "Family"),
    "duration": t("耗时", "Duration"),
    "evidences": t("支撑的义务", "Evidences obligations"),
    "params": t("参数", "Parameters"),
    "metrics": t("指标", "Metrics"),
    "artefacts": t("证据材料", "Evidence artefacts"),
    "versions": t("版本", "Versions"),
    "rows_shown": t(
        "仅显示前 {shown} 行，共 {total} 行", "Showing the first {shown} of {total} rows"
    ),
    "file": t("文件", "File"),
    "image_missing": t(
        "图表文件不存在或格式不支持，无法嵌入", "The plot file is missing or not PNG/SVG/JPEG"
    ),
    "image_changed": t(
        "图表文件与记录的 SHA-256 不一致，已拒绝嵌入",
        "The plot file no longer matches its recorded SHA-256; not embedded",
    ),
    "image_too_large": t("图表文件过大，未嵌入", "The plot file is too large to embed"),
    "document": t("文件编号", "Document reference"),
    "note": t("声明", "Statement"),
    "sha256": t("SHA-256 摘要", "SHA-256"),
    "truncated": t("（已截断）", "(truncated)"),
    "attestations": t("流程性声明", "Process attestations"),
    "attestations_intro": t(
        "由责任人回答的流程性问题；答复与证明材料记录在声明文件中。",
        "Process questions answered by a responsible person; answers and "
        "documents are kept in the attestation file.",
    ),
    "question": t("问题", "Question"),
    "answer": t("答复", "Answer"),
    # not applicable
    "not_applicable_section": t("不适用的义务", "Obligations that do not apply"),
    "not_applicable_intro": t(
        "以下义务经评估不适用于本系统；展开查看原因。",
        "These obligations were evaluated and do not apply; expand for why.",
    ),
    "show_list": t("展开列表", "Show the list"),
    # legend
    "legend": t("图例与说明", "Legend"),
    "legend_status": t("结论", "Finding status"),
    "legend_verdict": t("检查判定", "Check verdicts"),
    "legend_confidence": t("核实程度", "Confidence of the legal data"),
    "legend_severity": t("严重程度", "Severity"),
    "legend_severity_text": t(
        "高：违反可能导致处罚或暂停服务；中：重要的合规要求；低：良好实践。",
        "High: a breach may lead to penalties or suspension; medium: an "
        "important requirement; low: good practice.",
    ),
    "disclaimer": t(
        "本报告由 Tianping 根据系统档案与规则库自动生成，供合规工作参考，"
        "不构成法律意见。"
        "标注“未核实”或“二手来源”的内容未对照官方原文核实。",
        "Generated automatically by Tianping from the system profile and the rulebook "
        "to support compliance work; it is not legal advice. Items marked "
        '"unverified" or "secondary source" were not verified against the '
        "official text.",
    ),
}


def label(key: str) -> I18nText:
    """The bilingual UI string for `key`."""
    return LABELS[key]


ALL_TABLES: dict[str, dict[str, I18nText]] = {
    "status": STATUS,
    "status_meaning": STATUS_MEANING,
    "verdict": VERDICT,
    "verdict_meaning": VERDICT_MEANING,
    "severity": SEVERITY,
    "confidence": CONFIDENCE,
    "confidence_meaning": CONFIDENCE_MEANING,
    "overall": OVERALL,
    "crosswalk": CROSSWALK,
    "binds": BINDS,
    "labels": LABELS,
}
