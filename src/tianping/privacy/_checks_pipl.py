"""PIPL checks: anonymity of datasets, the PIPIA draft, the cross-border route.

Registered on import; heavy modules (polars, numpy, matplotlib) load inside `run`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from tianping.checks._contract import (
    Check,
    CheckContext,
    CheckResult,
    EvidenceArtefact,
    Verdict,
    file_artefact,
)
from tianping.checks._helpers import save_figure, table_artefact
from tianping.checks._registry import register
from tianping.errors import InputError
from tianping.i18n import I18nText

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["AnonymityCheck", "CrossBorderCheck", "PipiaCheck"]


def _answer(ctx: CheckContext, qid: str) -> str | None:
    a = ctx.attestations.get(qid)
    if a is None:
        return None
    val = a.get("answer") if isinstance(a, dict) else getattr(a, "answer", None)
    return None if val is None else str(val)


def _histogram(sizes: dict[str, dict[int, int]]) -> Figure:
    from tianping.checks._helpers import new_figure

    fig, ax = new_figure(6.4, 3.6)
    for ds_id, hist in sizes.items():
        xs = sorted(hist)
        rows = [x * hist[x] for x in xs]
        ax.bar([str(x) for x in xs[:40]], rows[:40], alpha=0.7, label=ds_id)
    ax.set_xlabel("equivalence-class size (k)")
    ax.set_ylabel("rows")
    ax.set_title("Rows by equivalence-class size")
    ax.tick_params(axis="x", labelrotation=90, labelsize=7)
    ax.legend(fontsize=7)
    return fig


@register
class AnonymityCheck(Check):
    id = "privacy.anonymity"
    title = I18nText(
        zh="匿名化程度（k-匿名、l-多样性、t-接近度、重识别风险）",
        en="Anonymity (k-anonymity, l-diversity, t-closeness, re-identification risk)",
    )
    family = "privacy"
    needs = frozenset({"dataset"})

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        dataset: str | None = Field(
            None,
            description="Dataset id; default: every dataset with quasi_identifiers or "
            "claimed_anonymised",
        )
        sensitive: list[str] | None = Field(
            None, description="Sensitive columns for l and t; default: the dataset's target"
        )
        population: str | None = Field(
            None, description="Population table (CSV/Parquet) for the journalist model"
        )
        claimed_only: bool = Field(
            False, description="Only datasets with claimed_anonymised (PIPL Art. 73(4) claims)"
        )

    def run(self, ctx: CheckContext, params: Any) -> CheckResult:
        from tianping.privacy._anonymity import load_dataset, load_table, measure

        chosen = [
            d
            for d in ctx.profile.datasets
            if (params.dataset and d.id == params.dataset)
            or (
                not params.dataset
                and (d.claimed_anonymised or (d.quasi_identifiers and not params.claimed_only))
            )
        ]
        if not chosen:
            why = (
                f"dataset '{params.dataset}' is not declared"
                if params.dataset
                else (
                    "no dataset claims to be anonymised"
                    if params.claimed_only
                    else "no dataset declares quasi_identifiers or claimed_anonymised"
                )
            )
            return self.result(
                ctx,
                {},
                I18nText(zh=f"跳过：{why}", en=f"skipped: {why}"),
                verdict=Verdict.SKIPPED if not params.dataset else Verdict.ERROR,
            )
        pop = None
        if params.population:
            pop = load_table(ctx.resolve(params.population))
        reports: dict[str, Any] = {}
        notes: list[str] = []
        for ds in chosen:
            path = ctx.resolve(ds.path)
            try:
                df = load_dataset(path, ds)
            except InputError as exc:
                return self.error(
                    ctx,
                    I18nText(zh=f"数据集 {ds.id} 无法读取：{exc}", en=f"dataset {ds.id}: {exc}"),
                )
            qi = list(ds.quasi_identifiers)
            if not qi:
                # Claimed anonymised without declared QIs: assume the attacker may know any
                # column but the target (the strict reading).
                qi = [c for c in df.columns if c != ds.target]
                notes.append(ds.id)
            sens = (
                params.sensitive
                if params.sensitive is not None
                else ([ds.target] if ds.target else [])
            )
            sens = [s for s in sens if s not in qi]
            try:
                reports[ds.id] = measure(df, qi, sens, population=pop)
            except InputError as exc:
                return self.error(
                    ctx, I18nText(zh=f"数据集 {ds.id}：{exc}", en=f"dataset {ds.id}: {exc}")
                )
        reps = list(reports.values())
        ls = [r.l_distinct for r in reps if r.l_distinct is not None]
        les = [r.l_entropy for r in reps if r.l_entropy is not None]
        ts = [r.t_closeness for r in reps if r.t_closeness is not None]
        js = [r.journalist_risk_max for r in reps if r.journalist_risk_max is not None]
        metrics: dict[str, Any] = {
            "datasets": len(reps),
            "rows": sum(r.rows for r in reps),
            "k": min(r.k for r in reps),
            "equivalence_classes": sum(r.equivalence_classes for r in reps),
            "records_unique": sum(r.records_unique for r in reps),
            "l_distinct": min(ls) if ls else None,
            "l_entropy": round(min(les), 6) if les else None,
            "t_closeness": round(max(ts), 6) if ts else None,
            "prosecutor_risk_max": round(max(r.prosecutor_risk_max for r in reps), 6),
            "prosecutor_risk_avg": round(max(r.prosecutor_risk_avg for r in reps), 6),
            "journalist_risk_max": round(max(js), 6) if js else None,
            "marketer_risk": round(max(r.marketer_risk for r in reps), 6),
            "claimed_anonymised": any(d.claimed_anonymised for d in chosen),
        }
        evidence: list[EvidenceArtefact] = [
            table_artefact(
                "等价类大小分布",
                "Equivalence-class sizes",
                [
                    {"dataset": ds_id, "class_size": size, "classes": cnt, "rows": size * cnt}
                    for ds_id, r in reports.items()
                    for size, cnt in sorted(r.class_size_histogram.items())[:50]
                ],
            ),
            table_artefact(
                "各数据集指标",
                "Metrics per dataset",
                [
                    {
                        "dataset": ds_id,
                        "quasi_identifiers": ", ".join(r.quasi_identifiers),
                        "sensitive": ", ".join(r.sensitive),
                        "k": r.k,
                        "l_distinct": r.l_distinct,
                        "t_closeness": None if r.t_closeness is None else round(r.t_closeness, 6),
                        "prosecutor_risk_max": round(r.prosecutor_risk_max, 6),
                        "marketer_risk": round(r.marketer_risk, 6),
                    }
                    for ds_id, r in reports.items()
                ],
            ),
        ]
        if ctx.evidence_dir is not None:
            art = save_figure(
                _histogram({k: v.class_size_histogram for k, v in reports.items()}),
                ctx,
                "privacy-anonymity-classes.png",
                I18nText(zh="等价类大小直方图", en="Class-size histogram"),
            )
            evidence += [art] if art else []
        extra_zh = f"；{', '.join(notes)} 未声明准标识符，按除目标外所有列计算" if notes else ""
        extra_en = (
            f"; {', '.join(notes)} declare no quasi-identifiers: all columns but the target used"
            if notes
            else ""
        )
        msg = I18nText(
            zh=f"{len(reps)} 个数据集：k={metrics['k']}，l={metrics['l_distinct']}，"
            f"t={metrics['t_closeness']}，检察官模型最大风险 {metrics['prosecutor_risk_max']}"
            + extra_zh,
            en=f"{len(reps)} dataset(s): k={metrics['k']}, l={metrics['l_distinct']}, "
            f"t={metrics['t_closeness']}, prosecutor risk max {metrics['prosecutor_risk_max']}"
            + extra_en,
        )
        return self.result(ctx, metrics, msg, evidence=evidence)


@register
class PipiaCheck(Check):
    id = "privacy.pipia"
    title = I18nText(
        zh="个人信息保护影响评估（第五十五、五十六条）",
        en="PI protection impact assessment (PIPL Arts. 55-56)",
    )
    family = "privacy"
    needs = frozenset({"profile", "attestations"})

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        scan: bool = Field(
            True, description="Sample-scan scan_paths and datasets for undeclared sensitive PI"
        )

    def run(self, ctx: CheckContext, params: Any) -> CheckResult:
        from tianping.privacy._inventory import scan_profile
        from tianping.privacy._pipia import draft_pipia, render_markdown

        findings: list[dict[str, Any]] = []
        if params.scan:
            findings, _ = scan_profile(ctx.profile, ctx.base_dir)
        draft = draft_pipia(
            ctx.profile, findings=findings, attestations=ctx.attestations, as_of=ctx.as_of
        )
        fired = draft.fired
        missing = draft.missing_sections
        metrics: dict[str, Any] = {
            "required": draft.required,
            "triggers": len(fired),
            "missing_sections": len(missing),
            "sections": len(draft.sections),
            "undeclared_sensitive": len(draft.inventory.undeclared),
            "pipia_attested": _answer(ctx, "pipl-pipia-done") == "yes",
        }
        evidence: list[EvidenceArtefact] = [
            table_artefact(
                "第五十五条触发事项",
                "PIPL Art. 55 triggers",
                [
                    {
                        "item": t.item,
                        "trigger": t.title.en,
                        "fired": t.fired,
                        "reason": t.reason.en,
                        "confidence": t.confidence,
                    }
                    for t in draft.triggers
                ],
            ),
            table_artefact(
                "待补充的章节",
                "Sections that need input",
                [
                    {
                        "section": s.id,
                        "basis": s.basis,
                        "missing": "; ".join(m.en for m in s.missing),
                    }
                    for s in missing
                ],
            ),
        ]
        for lang in ("zh", "en"):
            path = ctx.evidence_path(f"pipia-draft.{lang}.md")
            if path is not None:
                path.write_text(render_markdown(draft, lang), encoding="utf-8")
                evidence.append(
                    file_artefact(
                        path,
                        I18nText(zh=f"PIPIA 草稿（{lang}）", en=f"PIPIA draft ({lang})"),
                        kind="document",
                    )
                )
        if not draft.required:
            return self.result(
                ctx,
                metrics,
                I18nText(
                    zh="未触发第五十五条，无需影响评估", en="no Art. 55 trigger: no PIPIA needed"
                ),
                verdict=Verdict.NOT_APPLICABLE,
                evidence=evidence,
            )
        msg = I18nText(
            zh=f"触发 {len(fired)} 项（{', '.join(t.item for t in fired)}）；"
            f"草稿 {len(draft.sections)} 节，{len(missing)} 节待补充",
            en=f"{len(fired)} trigger(s) ({', '.join(t.item for t in fired)}); draft of "
            f"{len(draft.sections)} sections, {len(missing)} need input",
        )
        return self.result(ctx, metrics, msg, evidence=evidence)


@register
class CrossBorderCheck(Check):
    id = "privacy.crossborder"
    title = I18nText(
        zh="数据出境路径（2024 年数据跨境流动规定）",
        en="Cross-border route (2024 Cross-Border Data Provisions)",
    )
    family = "privacy"
    needs = frozenset({"profile", "attestations"})

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")

    def run(self, ctx: CheckContext, params: Any) -> CheckResult:
        from tianping.privacy._crossborder import decide_route, reasoning_rows

        dec = decide_route(ctx.profile, as_of=ctx.as_of)
        if dec.route == "security_assessment":
            in_place = _answer(ctx, "xb-security-assessment-passed") == "yes"
        elif dec.route == "standard_contract_or_certification":
            in_place = _answer(ctx, "xb-scc-or-certification") == "yes"
        else:
            in_place = True
        metrics: dict[str, Any] = {
            "route": dec.route,
            "flows": len(dec.flows),
            "exempt_flows": sum(1 for f in dec.flows if f.route == "exempt"),
            "needs_security_assessment": dec.needs_security_assessment,
            "needs_contract_or_certification": dec.needs_contract_or_certification,
            "ordinary_individuals": dec.totals.get("ordinary_individuals", 0),
            "ordinary_sensitive_individuals": dec.totals.get("ordinary_sensitive_individuals", 0),
            "mechanism_in_place": in_place,
        }
        evidence = [
            table_artefact("出境路径推理", "Cross-border route reasoning", reasoning_rows(dec))
        ]
        if not dec.flows:
            return self.result(
                ctx,
                metrics,
                I18nText(zh="档案未申报数据出境", en="no outbound flow declared"),
                verdict=Verdict.NOT_APPLICABLE,
                evidence=evidence,
            )
        state_zh = "已声明落实" if in_place else "未声明落实"
        state_en = "attested in place" if in_place else "not attested"
        msg = I18nText(
            zh=f"{len(dec.flows)} 条出境数据流；路径：{dec.route_text.zh}（{state_zh}）",
            en=f"{len(dec.flows)} outbound flow(s); route: {dec.route_text.en} ({state_en})",
        )
        return self.result(ctx, metrics, msg, evidence=evidence)
