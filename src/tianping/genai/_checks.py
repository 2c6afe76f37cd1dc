"""Checks of the genai domain, loaded through the `tianping.checks` entry point.

Keep this module light: the evaluation modules (aiohttp, pyahocorasick, matplotlib) are
imported inside `run`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from tianping.checks import register
from tianping.checks._contract import (
    Check,
    CheckContext,
    CheckResult,
    EvidenceArtefact,
    Verdict,
)
from tianping.checks._helpers import table_artefact
from tianping.errors import TianpingError
from tianping.i18n import I18nText

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from tianping.genai._eval import EvalReport

_SEED = "tianping-seed"


# One evaluation serves every obligation that cites it within a process (tasks differ only
# by thresholds); the runner cache makes later processes replay instead of resending.
def _bank_refs(ctx: CheckContext, override: list[str] | None) -> list[str]:
    g = ctx.profile.genai
    refs = override if override is not None else (list(g.banks) if g and g.banks else [_SEED])
    return refs


def _fingerprint(paths: list[Path], extra: list[str]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(str(p).encode())
        if p.is_file():
            h.update(hashlib.sha256(p.read_bytes()).digest())
    for e in extra:
        h.update(e.encode())
    return h.hexdigest()


@register
class SafetyEvaluation(Check):
    id = "genai.safety_eval"
    title = I18nText(
        zh="生成式人工智能安全评估（生成内容合格率、拒答率、误拒率）",
        en="Generative-AI safety evaluation (pass, refusal and wrong-refusal rates)",
    )
    family = "genai"
    needs = frozenset({"profile", "endpoint"})
    version = "1"

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        banks: list[str] | None = Field(None, description="Override the profile's banks")
        attacks: list[str] | None = Field(None, description="Override the profile's attacks")
        keywords: str | None = Field(None, description="Keyword library file (default: seed)")

    def run(self, ctx: CheckContext, params: Any) -> CheckResult:
        g = ctx.profile.genai
        if g is None:
            return self.skipped(
                ctx,
                I18nText(
                    zh="档案未配置生成式人工智能评估（genai）",
                    en="the profile has no 'genai' evaluation block",
                ),
            )
        try:
            report = self._evaluate(ctx, params)
        except TianpingError as exc:
            return self.error(
                ctx,
                I18nText(zh=f"评估无法运行：{exc}"[:600], en=f"evaluation cannot run: {exc}"[:600]),
            )
        m = report.metrics
        answered = report.prompts - m.unanswered
        if answered == 0:
            return self.error(
                ctx,
                I18nText(
                    zh=f"被测模型未返回任何回答（{report.target}），请检查服务是否可用",
                    en=f"the target returned no answer at all ({report.target}); is it running?",
                ),
                metrics={"unanswered": m.unanswered},
            )
        metrics: dict[str, Any] = dict(report.flat)
        msg = I18nText(
            zh=(
                f"生成内容合格率 {m.generated.pct()}；应拒答拒答率 {m.refusal.pct()}；"
                f"非拒答误拒率 {m.wrong_refusal.pct()}；样本量"
                f"{'满足' if m.sample_adequate else '不足'}最低要求"
            ),
            en=(
                f"generated-content pass rate {m.generated.pct()}; refusal rate "
                f"{m.refusal.pct()}; wrong-refusal rate {m.wrong_refusal.pct()}; sample "
                f"{'meets' if m.sample_adequate else 'is below'} the protocol minimums"
            ),
        )
        return self.result(ctx, metrics, msg, evidence=_evidence(ctx, report))

    def _evaluate(self, ctx: CheckContext, params: Any) -> EvalReport:
        from tianping.errors import InputError
        from tianping.genai._bank import resolve_bank
        from tianping.genai._eval import EvalOptions, evaluate
        from tianping.genai._targets import target_from_model

        g = ctx.profile.genai
        assert g is not None
        models = {m.id: m for m in ctx.profile.models}
        if g.target not in models:
            raise InputError(
                f"genai.target {g.target!r} is not a declared model; models are "
                f"{sorted(models) or 'none'}"
            )
        target = target_from_model(models[g.target], ctx.base_dir)
        judge = None
        if g.judge:
            if g.judge not in models:
                raise InputError(f"genai.judge {g.judge!r} is not a declared model")
            judge = target_from_model(models[g.judge], ctx.base_dir)
        refs = _bank_refs(ctx, params.banks)
        paths = [resolve_bank(r, ctx.base_dir) for r in refs]
        cache = (
            ctx.resolve(g.cache) if g.cache else ctx.base_dir / ".tianping" / "genai-cache.sqlite"
        )
        cache.parent.mkdir(parents=True, exist_ok=True)
        labels = ctx.resolve(g.human_labels) if g.human_labels else None
        keywords_file = params.keywords or g.keywords
        keywords = ctx.resolve(keywords_file) if keywords_file else None
        attacks = params.attacks if params.attacks is not None else list(g.attacks)
        extra = [
            target.id,
            judge.id if judge else "",
            ",".join(attacks),
            str(g.commercial),
            str(cache),
            ctx.tier,
        ]
        files = [*paths, *(p for p in (labels, keywords) if p is not None)]
        key = ("genai.eval", _fingerprint(files, extra))
        if key in ctx.shared:  # several obligations cite the same evaluation
            memo: EvalReport = ctx.shared[key]
            return memo
        opts = EvalOptions(
            concurrency=g.concurrency,
            processes=g.processes,
            attacks=attacks,
            commercial=g.commercial,
            cache_path=cache,
            keywords=keywords,
            human_labels=labels,
            tier=ctx.tier,
        )
        report = evaluate(target, paths, opts, judge=judge, base_dir=ctx.base_dir)
        if report.prompts > report.metrics.unanswered:  # never memoise a failed run
            ctx.shared[key] = report
        return report


def _evidence(ctx: CheckContext, rep: EvalReport) -> list[EvidenceArtefact]:
    m = rep.metrics
    per_risk = [
        {
            "risk": r.risk,
            "name_zh": r.zh,
            "name_en": r.en,
            "generated_n": r.generated.n,
            "pass_rate": r.generated.rate,
            "pass_ci_low": r.generated.ci_low,
            "pass_ci_high": r.generated.ci_high,
            "should_refuse_n": r.should_refuse.n,
            "refusal_rate": r.should_refuse.rate,
        }
        for r in m.per_risk
    ]
    minimum = {a.kind: a for a in m.adequacy}
    refusal_rows = []
    for kind, label, rate in (
        ("generated_content", "generated-content pass rate", m.generated),
        ("should_refuse", "refusal rate", m.refusal),
        ("should_not_refuse", "wrong-refusal rate", m.wrong_refusal),
    ):
        a = minimum[kind]  # type: ignore[index]
        refusal_rows.append(
            {
                "kind": kind,
                "metric": label,
                "n": rate.n,
                "k": rate.k,
                "rate": rate.rate,
                "ci_low": rate.ci_low,
                "ci_high": rate.ci_high,
                "minimum_n": a.minimum,
                "adequate": a.adequate,
                "minimum_confidence": a.confidence,
            }
        )
    out = [
        table_artefact("各风险生成内容合格率与拒答率", "Pass and refusal rates per risk", per_risk),
        table_artefact(
            "合格率、拒答率、误拒率（Wilson 95%置信区间）与样本量",
            "Pass, refusal and wrong-refusal rates (Wilson 95% CI) and sample adequacy",
            refusal_rows,
        ),
    ]
    if m.attacks:
        out.append(
            table_artefact(
                "攻击成功率（按变换与风险）",
                "Attack success rate per transform and risk",
                [
                    {
                        "attack": a.attack,
                        "risk": a.risk or "*",
                        "attempts": a.attempts,
                        "successes": a.successes,
                        "asr": a.asr.rate,
                        "ci_low": a.asr.ci_low,
                        "ci_high": a.asr.ci_high,
                        "flip_rate": a.flips.rate,
                        "flip_n": a.flips.n,
                    }
                    for a in m.attacks
                ],
            )
        )
    out.append(
        EvidenceArtefact(
            kind="note",
            title=I18nText(zh="评估说明", en="Evaluation notes"),
            data={
                "target": rep.target,
                "banks": [b.model_dump() for b in rep.banks],
                "prompts": rep.prompts,
                "cached": rep.run.cached,
                "keyword_library": rep.keyword_library,
                "notes": rep.notes,
            },
        )
    )
    if ctx.evidence_dir is not None:
        from tianping.checks._helpers import save_figure
        from tianping.genai._taxonomy import load_taxonomy

        bound = ctx.thresholds.get("generated_pass_rate")
        line = bound.min if bound is not None else None
        if line is None:  # the protocol's reference value (TC260-003 §9.3)
            line = load_taxonomy().protocol.thresholds["generated_pass_rate"].min
        art = save_figure(
            _plot(rep, line),
            ctx,
            "genai-per-risk.png",
            I18nText(zh="各风险生成内容合格率（95%置信区间）", en="Pass rate per risk (95% CI)"),
        )
        out += [art] if art else []
    return out


def _plot(rep: EvalReport, line: float | None) -> Figure:
    from tianping.checks._helpers import new_figure

    rows = [r for r in rep.metrics.per_risk if r.generated.n > 0]
    fig, ax = new_figure(7.5, max(3.0, 0.22 * len(rows) + 1.2))
    ys = list(range(len(rows)))[::-1]
    rates = [r.generated.rate or 0.0 for r in rows]
    lo = [(r.generated.rate or 0.0) - (r.generated.ci_low or 0.0) for r in rows]
    hi = [(r.generated.ci_high or 0.0) - (r.generated.rate or 0.0) for r in rows]
    colours = ["#2e7d32" if (line is None or x >= line) else "#c62828" for x in rates]
    ax.barh(ys, rates, xerr=[lo, hi], color=colours, ecolor="#555555", capsize=2, height=0.7)
    ax.set_yticks(ys, [f"{r.risk} (n={r.generated.n})" for r in rows], fontsize=7)
    ax.set_xlim(0, 1)
    ax.set_xlabel("generated-content pass rate (Wilson 95% CI)")
    if line is not None:
        ax.axvline(line, color="#1565c0", linestyle="--", linewidth=1)
    ax.set_title("TC260-003 Appendix A: pass rate per risk", fontsize=9)
    return fig


@register
class BankLint(Check):
    id = "genai.bank_lint"
    title = I18nText(
        zh="测试题库规模、覆盖与配额（TC260-003 第8.2、8.3条）",
        en="Test-bank size, coverage and quotas (TC260-003 §8.2/§8.3)",
    )
    family = "genai"
    needs = frozenset({"profile", "files"})
    version = "1"

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        banks: list[str] | None = Field(None, description="Override the profile's banks")

    def run(self, ctx: CheckContext, params: Any) -> CheckResult:
        from tianping.genai._bank import lint_banks

        if ctx.profile.genai is None and params.banks is None:
            return self.skipped(
                ctx,
                I18nText(
                    zh="档案未配置生成式人工智能评估（genai）",
                    en="the profile has no 'genai' evaluation block",
                ),
            )
        try:
            rep = lint_banks(list(_bank_refs(ctx, params.banks)), ctx.base_dir)
        except TianpingError as exc:
            return self.error(
                ctx,
                I18nText(zh=f"题库无法读取：{exc}"[:600], en=f"bank cannot be read: {exc}"[:600]),
            )
        metrics: dict[str, Any] = dict(rep.metrics())
        evidence = [
            table_artefact(
                "配额缺口",
                "Quota shortfalls",
                [
                    {
                        "kind": s.kind,
                        "scope": s.scope,
                        "have": s.have,
                        "need": s.need,
                        "missing": s.missing,
                        "confidence": s.confidence,
                    }
                    for s in rep.shortfalls
                ],
            )
        ]
        if rep.issues:
            evidence.append(
                table_artefact(
                    "题库问题", "Bank issues", [i.model_dump() for i in rep.issues[:200]]
                )
            )
        verdict = Verdict.FAIL if rep.errors else None
        return self.result(ctx, metrics, rep.summary(), verdict=verdict, evidence=evidence)
