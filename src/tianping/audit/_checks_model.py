"""Model-behaviour audits: explainability, robustness, counterfactual probe, drift.

Registered on import. Heavy libraries (numpy, pandas, shap, matplotlib) are imported inside
`run` so that loading the registry stays fast.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from tianping.checks._contract import (
    Check,
    CheckContext,
    CheckResult,
    EvidenceArtefact,
    Metric,
    Verdict,
)
from tianping.checks._helpers import table_artefact, threshold_note
from tianping.checks._registry import register
from tianping.i18n import I18nText

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from tianping.adapters import ModelAdapter
    from tianping.audit._inputs import AuditData


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model: str | None = Field(None, description="Model id; default: the first predictive model")
    seed: int = Field(0, description="Seed for every sample and perturbation")
    min_rows: int = Field(20, ge=1, description="Fewer evaluation rows than this: SKIPPED")


def _msg(zh: str, en: str) -> I18nText:
    return I18nText(zh=zh, en=en)


def _load(
    check: Check, ctx: CheckContext, params: _Params
) -> tuple[ModelAdapter, AuditData, AuditData | None] | CheckResult:
    """The audit inputs, or an ERROR / SKIPPED result that says why there are none."""
    from tianping.audit._inputs import load_audit_inputs
    from tianping.errors import TianpingError

    if not ctx.profile.models or not ctx.profile.datasets:
        return check.skipped(
            ctx, _msg("档案未声明模型或数据集", "the profile declares no model or no dataset")
        )
    try:
        model, data, ref = load_audit_inputs(ctx, params.model)
    except ImportError as exc:
        return check.error(
            ctx,
            _msg(f"缺少依赖：{exc}", f"missing dependency: {exc} (pip install 'tianping[audit]')"),
        )
    except TianpingError as exc:
        return check.error(
            ctx, _msg(f"无法加载审计输入：{exc}", f"cannot load the audit inputs: {exc}")
        )
    if data.n < params.min_rows:
        return check.skipped(
            ctx,
            _msg(
                f"评估数据仅 {data.n} 行，少于 {params.min_rows} 行",
                f"only {data.n} evaluation rows, fewer than {params.min_rows}",
            ),
            metrics={"rows": data.n},
        )
    return model, data, ref


def _first_failing_row(model: ModelAdapter, X: pd.DataFrame) -> int | None:
    """Position of a row the model raises on (bisection), or None if it never raises."""

    def fails(part: pd.DataFrame) -> bool:
        try:
            model.predict_score(part)
        except Exception:
            return True
        return False

    lo, hi = 0, len(X)
    if not fails(X):
        return None
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if fails(X.iloc[lo:mid]):
            hi = mid
        elif fails(X.iloc[mid:hi]):
            lo = mid
        else:  # fails only on the whole batch (e.g. a size limit): report the batch start
            return lo
    return lo


def _base_scores(check: Check, ctx: CheckContext, model: ModelAdapter, X: pd.DataFrame) -> Any:
    """Scores on the unperturbed data, or an ERROR result naming the failing row."""
    import numpy as np

    try:
        return np.asarray(model.predict_score(X), dtype=float)
    except Exception as exc:
        row = _first_failing_row(model, X)
        where = f" (first failing row: {row + 1})" if row is not None else ""
        return check.error(
            ctx,
            _msg(
                f"模型在评估数据上出错{where}：{type(exc).__name__}: {str(exc)[:200]}",
                f"the model raised on the evaluation data{where}: "
                f"{type(exc).__name__}: {str(exc)[:200]}",
            ),
        )


def _sample(X: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    return X if len(X) <= n else X.sample(n=n, random_state=seed).sort_index()


def _save(
    ctx: CheckContext, draw: Callable[[], Figure], name: str, title: I18nText
) -> list[EvidenceArtefact]:
    """Draw (only when there is an evidence folder) and save a PNG; [] otherwise."""
    from tianping.checks._helpers import save_figure

    if ctx.evidence_dir is None:
        return []
    art = save_figure(draw(), ctx, name, title)
    return [art] if art is not None else []


def _bar(
    labels: list[str], values: list[float], *, xlabel: str, lines: tuple[float, ...] = ()
) -> Figure:
    from tianping.audit._plots import COLOURS
    from tianping.checks._helpers import new_figure

    fig, ax = new_figure(7, max(2.2, 0.32 * len(labels) + 1))
    y = list(range(len(labels)))[::-1]
    ax.barh(y, values, color=COLOURS[0])
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel(xlabel)
    for x in lines:
        ax.axvline(x, color=COLOURS[3], linestyle="--", linewidth=1)
    ax.grid(axis="x", alpha=0.3)
    return fig


def _ceil_125(x: float) -> float:
    """The smallest of 1, 2, 5, 10, 20, 50, ... seconds that is at least x."""
    decade = 1.0
    while True:
        for m in (1.0, 2.0, 5.0):
            if m * decade >= x:
                return m * decade
        decade *= 10.0


def _r(x: float | None, nd: int = 6) -> float | None:
    import math

    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return round(float(x), nd)


# --- explainability ----------------------------------------------------------------------


@register
class Explainability(Check):
    id = "audit.explainability"
    title = _msg("可解释性（SHAP）", "Explainability (SHAP)")
    family = "audit"
    needs = frozenset({"model", "dataset"})

    class Params(_Params):
        max_rows: int = Field(1000, ge=1, description="Rows explained (seeded sample)")
        background_size: int = Field(100, ge=1, description="Background rows (black boxes)")
        max_seconds: float = Field(120.0, gt=0, description="Time budget for black boxes")
        local_examples: int = Field(5, ge=0, description="Sampled decisions per outcome")
        top_k: int = Field(5, ge=1)
        resamples: int = Field(20, ge=2, description="Bootstrap resamples for stability")
        additivity_tolerance: float = Field(1e-4, gt=0)
        reveal_values: bool = Field(
            False,
            description="Show individuals' raw feature values in the evidence. Off: numbers "
            "appear as their percentile among the evaluation rows, categories are withheld "
            "(an audit report must not carry personal information)",
        )

    def run(self, ctx: CheckContext, params: Any) -> CheckResult:
        import numpy as np

        from tianping.audit._explain import explain, plan, sample_decisions, stability
        from tianping.audit._narrative import explain_decision

        loaded = _load(self, ctx, params)
        if isinstance(loaded, CheckResult):
            return loaded
        model, data, ref = loaded
        X = _sample(data.X, params.max_rows, params.seed)
        scores = _base_scores(self, ctx, model, X)
        if isinstance(scores, CheckResult):
            return scores
        chosen = plan(model)
        background = ref.X if ref is not None else data.X
        try:
            expl = explain(
                model,
                X,
                background=background,
                background_size=params.background_size,
                max_seconds=params.max_seconds,
                seed=params.seed,
            )
        except Exception as exc:
            return self.error(
                ctx,
                _msg(
                    f"SHAP 计算失败：{type(exc).__name__}: {str(exc)[:200]}",
                    f"SHAP failed: {type(exc).__name__}: {str(exc)[:200]}",
                ),
                metrics={"explainer": chosen},
            )
        stab = stability(expl, resamples=params.resamples, top_k=params.top_k, seed=params.seed)
        imp = expl.importance()
        top = [str(f) for f in imp.index[: params.top_k]]
        metrics: dict[str, Metric] = {
            "explainer": expl.explainer,
            "output_space": expl.output_space,
            "background_size": expl.background_size,
            "rows_explained": len(expl.rows),
            "additivity_max_error": float(f"{expl.additivity_max_error:.3g}"),
            "explanation_stability": round(stab.spearman_min, 6),
            "stability_kendall_min": round(stab.kendall_min, 6),
            "topk_jaccard_min": round(stab.topk_jaccard_min, 6),
            "top_features": ", ".join(top),
            "features_explained": len(expl.feature_names),
        }
        if expl.explainer.startswith("permutation"):
            # Sampled explainers state their cost up front: a coarse 1-2-5 upper bound (s).
            # Exact paths take milliseconds; their timing is in the message and evidence
            # only, so that reruns on the same input give equal metrics.
            metrics["estimated_seconds"] = _ceil_125(expl.estimated_seconds)
        Xe = X.iloc[expl.rows]
        s_e = scores[expl.rows]
        dec = (s_e >= model.threshold).astype(int)
        picks = sample_decisions(dec, per_class=params.local_examples, seed=params.seed)
        local_rows: list[dict[str, Any]] = []
        narratives: list[dict[str, str]] = []
        for i in picks:
            contrib = dict(zip(expl.feature_names, expl.values[i].tolist(), strict=True))
            order = np.argsort(-np.abs(expl.values[i]), kind="stable")[:3]
            row = Xe.iloc[i] if params.reveal_values else _masked_row(Xe.iloc[i], X)
            local_rows.append(
                {
                    "row": int(X.index[expl.rows[i]]) + 1,
                    "decision": "favourable" if dec[i] else "unfavourable",
                    "score": round(float(s_e[i]), 4),
                    **{
                        f"reason_{k + 1}": f"{expl.feature_names[j]}={row.iloc[j]} "
                        f"({expl.values[i, j]:+.3f})"
                        for k, j in enumerate(order)
                    },
                }
            )
            if len(narratives) < 2 and all(
                n["decision"] != local_rows[-1]["decision"] for n in narratives
            ):
                text = explain_decision(
                    {str(k): v for k, v in row.items()},
                    contrib,
                    score=float(s_e[i]),
                    threshold=model.threshold,
                )
                narratives.append(
                    {
                        "row": str(local_rows[-1]["row"]),
                        "decision": local_rows[-1]["decision"],
                        "zh": text.zh,
                        "en": text.en,
                    }
                )
        evidence: list[EvidenceArtefact] = [
            table_artefact(
                "全局重要性（平均 |SHAP|）",
                "Global importance (mean |SHAP|)",
                [{"feature": str(f), "mean_abs_shap": round(float(v), 6)} for f, v in imp.items()],
            ),
            table_artefact(
                "抽样决策的局部解释", "Local explanations of sampled decisions", local_rows
            ),
            EvidenceArtefact(
                kind="json",
                title=_msg(
                    "个人决策的通俗解释（个保法第24条第3款）",
                    "Plain-language explanation of individual decisions (PIPL Art. 24(3))",
                ),
                data=narratives,
            ),
            EvidenceArtefact(
                kind="json",
                title=_msg("解释器与耗时", "Explainer and timing"),
                data={
                    "explainer": expl.explainer,
                    "output_space": expl.output_space,
                    "background_size": expl.background_size,
                    "estimated_seconds": round(expl.estimated_seconds, 3),
                    "seconds": round(expl.seconds, 3),
                    "rows_explained": len(expl.rows),
                    "note": expl.note,
                },
            ),
        ]
        shown = imp.head(15)
        evidence += _save(
            ctx,
            lambda: _bar(
                [str(f) for f in shown.index],
                shown.tolist(),
                xlabel=f"mean |SHAP| ({expl.output_space})",
            ),
            "explain_importance.png",
            _msg("全局特征重要性", "Global feature importance"),
        )
        evidence += _save(
            ctx,
            lambda: _beeswarm(
                expl.values,
                Xe,
                expl.feature_names,
                list(shown.index[:10]),
                expl.output_space,
                params.seed,
            ),
            "explain_beeswarm.png",
            _msg("各特征 SHAP 值分布", "SHAP values per feature"),
        )
        verdict = None
        extra_zh = extra_en = ""
        if expl.additivity_max_error > params.additivity_tolerance:
            verdict = Verdict.WARN
            extra_zh = f"；可加性误差 {expl.additivity_max_error:.2g} 超过容差"
            extra_en = f"; additivity error {expl.additivity_max_error:.2g} exceeds tolerance"
        if expl.note:
            extra_en += f"; {expl.note}"
            extra_zh += f"；{expl.note}"
        note = threshold_note(ctx)
        msg = _msg(
            f"解释器 {expl.explainer}，解释 {len(expl.rows)} 行（预计 "
            f"{expl.estimated_seconds:.1f} 秒，实际 {expl.seconds:.1f} 秒）；"
            f"最重要特征：{', '.join(top[:3])}；"
            f"稳定性（Spearman 最小值）{stab.spearman_min:.3f}{extra_zh}{note.zh}",
            f"{expl.explainer} on {len(expl.rows)} rows (estimated "
            f"{expl.estimated_seconds:.1f} s, took {expl.seconds:.1f} s); "
            f"top features: {', '.join(top[:3])}; "
            f"stability (min Spearman) {stab.spearman_min:.3f}{extra_en}{note.en}",
        )
        return self.result(ctx, metrics, msg, verdict=verdict, evidence=evidence)


def _beeswarm(
    values: Any, X: pd.DataFrame, names: list[str], shown: list[str], space: str, seed: int
) -> Figure:
    """One row of points per feature: SHAP value on x, colour = feature value rank."""
    import numpy as np
    import pandas as pd

    from tianping.checks._helpers import new_figure

    rng = np.random.default_rng(seed)
    fig, ax = new_figure(7, max(2.5, 0.4 * len(shown) + 1))
    for k, f in enumerate(shown):
        j = names.index(f)
        y = len(shown) - 1 - k
        col = X[f]
        if pd.api.types.is_numeric_dtype(col):
            colour = col.rank(pct=True).fillna(0.5).to_numpy()
        else:
            colour = np.full(len(col), 0.5)
        ax.scatter(
            values[:, j],
            y + rng.uniform(-0.3, 0.3, size=len(col)),
            c=colour,
            cmap="coolwarm",
            s=6,
            alpha=0.7,
            vmin=0,
            vmax=1,
        )
    ax.set_yticks(range(len(shown))[::-1], shown, fontsize=8)
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set_xlabel(f"SHAP value ({space}); colour: feature value rank (numeric), grey: categorical")
    return fig


# --- robustness --------------------------------------------------------------------------


@register
class Robustness(Check):
    id = "audit.robustness"
    title = _msg(
        "稳健性（扰动、缺失、类别偏移、对抗、单调性）",
        "Robustness (noise, missing values, category shift, adversarial, monotonicity)",
    )
    family = "audit"
    needs = frozenset({"model", "dataset"})

    class Params(_Params):
        max_rows: int = Field(500, ge=1, description="Rows probed (seeded sample)")
        noise_sigmas: list[float] = Field(default_factory=lambda: [0.05, 0.1])
        adversarial_rows: int = Field(200, ge=1)
        eps_sigma: float = Field(0.5, gt=0, description="Adversarial step, in feature std")
        max_features: int = Field(2, ge=1, description="Features an attack may change")
        monotone_rows: int = Field(200, ge=1)
        grid_points: int = Field(12, ge=2)
        monotone_tolerance: float = Field(
            1e-3, ge=0, description="Score step the wrong way that counts as a violation"
        )

    def run(self, ctx: CheckContext, params: Any) -> CheckResult:
        import numpy as np

        from tianping.audit import _robustness as rb
        from tianping.audit._inputs import model_spec

        loaded = _load(self, ctx, params)
        if isinstance(loaded, CheckResult):
            return loaded
        model, data, ref = loaded
        X = _sample(data.X, params.max_rows, params.seed).reset_index(drop=True)
        scores = _base_scores(self, ctx, model, X)
        if isinstance(scores, CheckResult):
            return scores
        base = (scores >= model.threshold).astype(int)
        probes = rb.noise(model, X, base, params.noise_sigmas, params.seed)
        missing = rb.missing_values(model, X, base)
        shift = rb.category_shift(model, X, base, params.seed)
        n_adv = min(params.adversarial_rows, len(X))
        adv = rb.adversarial(
            model,
            X.iloc[:n_adv],
            scores[:n_adv],
            reference=(ref or data).X,
            eps_sigma=params.eps_sigma,
            max_features=params.max_features,
            seed=params.seed,
        )
        declared = model_spec(ctx, params.model).monotone
        mono = [
            rb.monotonicity(
                model,
                X.iloc[: params.monotone_rows],
                f,
                d,
                grid_points=params.grid_points,
                tol=params.monotone_tolerance,
            )
            for f, d in sorted(declared.items())
            if f in X.columns and f in rb.numeric_columns(X)
        ]
        observed = [p.flip_rate for p in shift if p.probe == "category_observed"]
        unseen = [p.failure_rate for p in shift if p.probe == "category_unseen"]
        raising = [p.feature for p in missing if p.raised]
        metrics: dict[str, Metric] = {
            "rows": len(X),
            "noise_flip_rate": _r(max((p.flip_rate for p in probes), default=0.0)),
            "missing_value_failure_rate": _r(max((p.failure_rate for p in missing), default=0.0)),
            "missing_value_raising_features": len(raising),
            "category_shift_flip_rate": _r(float(np.mean(observed)) if observed else 0.0),
            "category_unseen_failure_rate": _r(max(unseen, default=0.0)),
            "adversarial_flip_rate": _r(adv.flip_rate),
            "adversarial_mean_features_changed": _r(adv.mean_features_changed),
            "monotonicity_violation_rate": (
                _r(max(m.violation_rate for m in mono)) if mono else None
            ),
        }
        check_ctx = ctx
        note_zh = note_en = ""
        if not mono:
            check_ctx = dataclasses.replace(
                ctx,
                thresholds={
                    k: v for k, v in ctx.thresholds.items() if k != "monotonicity_violation_rate"
                },
            )
            undeclared = [f for f in declared if f not in X.columns]
            note_zh = "；未声明单调性约束" + (
                f"（{undeclared} 不是模型输入）" if undeclared else ""
            )
            note_en = "; no monotone relation declared" + (
                f" ({undeclared} not model inputs)" if undeclared else ""
            )
        rows = [p.model_dump() for p in [*probes, *missing, *shift, adv]]
        evidence: list[EvidenceArtefact] = [
            table_artefact("各扰动下的翻转率", "Flip rate by perturbation", rows),
        ]
        if mono:
            evidence.append(
                table_artefact(
                    "声明的单调性检验",
                    "Declared monotone relations",
                    [m.model_dump() for m in mono],
                )
            )
        bars = [
            *[(p.probe, p.flip_rate) for p in probes],
            ("missing (worst feature)", metrics["missing_value_failure_rate"] or 0.0),
            ("category shift (mean)", metrics["category_shift_flip_rate"] or 0.0),
            ("unseen category (worst)", metrics["category_unseen_failure_rate"] or 0.0),
            (f"adversarial (<= {params.max_features} features)", adv.flip_rate),
            *[(f"monotone {m.feature}", m.violation_rate) for m in mono],
        ]
        evidence += _save(
            ctx,
            lambda: _bar(
                [str(b[0]) for b in bars],
                [float(b[1]) for b in bars],
                xlabel="share of rows flipped / failed",
            ),
            "robustness_flip_rates.png",
            _msg("各扰动下的决策翻转率", "Decision flip rate by perturbation"),
        )
        raise_zh = f"；缺失值导致模型报错的特征：{raising[:5]}" if raising else ""
        raise_en = f"; the model raises on a missing value in {raising[:5]}" if raising else ""
        note = threshold_note(ctx)
        mono_txt = f"{metrics['monotonicity_violation_rate']:.1%}" if mono else "n/a"
        msg = _msg(
            f"噪声翻转率 {metrics['noise_flip_rate']:.1%}，对抗翻转率 {adv.flip_rate:.1%}，"
            f"类别偏移翻转率 {metrics['category_shift_flip_rate']:.1%}，"
            f"单调性违反率 {mono_txt}{raise_zh}{note_zh}{note.zh}",
            f"noise flip rate {metrics['noise_flip_rate']:.1%}, adversarial flip rate "
            f"{adv.flip_rate:.1%}, category-shift flip rate "
            f"{metrics['category_shift_flip_rate']:.1%}, monotonicity violations {mono_txt}"
            f"{raise_en}{note_en}{note.en}",
        )
        return self.result(check_ctx, metrics, msg, evidence=evidence)


# --- counterfactual ----------------------------------------------------------------------


@register
class Counterfactual(Check):
    id = "audit.counterfactual"
    title = _msg("反事实检验（翻转受保护属性）", "Counterfactual probe (flip protected attributes)")
    family = "audit"
    needs = frozenset({"model", "dataset"})

    class Params(_Params):
        max_rows: int = Field(2000, ge=1, description="Rows probed (seeded sample)")

    def run(self, ctx: CheckContext, params: Any) -> CheckResult:
        from tianping.audit import _counterfactual as cf
        from tianping.audit._inputs import group_labels

        loaded = _load(self, ctx, params)
        if isinstance(loaded, CheckResult):
            return loaded
        model, data, _ = loaded
        ds = data.dataset
        feats = set(model.feature_names)
        direct = [a for a in ds.sensitive_attributes if a in feats]
        proxies = {a: [c for c in cols if c in feats] for a, cols in sorted(ds.proxies.items())}
        proxies = {a: cols for a, cols in proxies.items() if cols}
        if not direct and not proxies:
            absent = [a for a in ds.sensitive_attributes if a not in feats]
            return self.result(
                ctx,
                {},
                _msg(
                    f"模型不使用受保护属性 {absent}，且未声明代理变量",
                    f"the model uses none of the protected attributes {absent} and no "
                    "proxies are declared",
                ),
                verdict=Verdict.NOT_APPLICABLE,
            )
        idx = _sample(data.X, params.max_rows, params.seed).index
        X = data.X.loc[idx]
        scores = _base_scores(self, ctx, model, X)
        if isinstance(scores, CheckResult):
            return scores
        base = (scores >= model.threshold).astype(int)
        results: list[cf.AttributeFlip] = []
        try:
            for a in direct:
                results.append(
                    cf.direct_flip(model, X, base, a, data.sensitive.loc[idx, a], ds.bins.get(a))
                )
            for a, cols in proxies.items():
                if a in data.sensitive.columns:
                    groups = data.sensitive.loc[idx, a]
                elif a in data.frame.columns:
                    groups = group_labels(
                        data.frame.loc[idx, a], recode=ds.recode.get(a), edges=ds.bins.get(a)
                    )
                else:
                    continue
                joint = ([a] if a in feats else []) + [c for c in cols if c != a]
                results.append(cf.proxy_flip(model, X, base, a, joint, groups, seed=params.seed))
        except Exception as exc:
            return self.error(
                ctx,
                _msg(
                    f"模型在反事实输入上出错：{type(exc).__name__}: {str(exc)[:200]}",
                    f"the model raised on counterfactual inputs: "
                    f"{type(exc).__name__}: {str(exc)[:200]}",
                ),
            )
        metrics: dict[str, Metric] = {
            "rows": len(X),
            "counterfactual_flip_rate": _r(max((r.flip_rate for r in results), default=0.0)),
        }
        for r in results:
            key = f"counterfactual_flip_rate__{r.attribute}" + (
                "__proxies" if r.mode == "proxies" else ""
            )
            metrics[key] = _r(r.flip_rate)
        table: list[dict[str, Any]] = [
            {
                "attribute": r.attribute,
                "mode": r.mode,
                "columns": ", ".join(r.columns),
                "group": g,
                "flip_rate": round(v, 6),
            }
            for r in results
            for g, v in sorted(r.by_group.items())
        ]
        evidence: list[EvidenceArtefact] = [
            table_artefact(
                "按原群体的反事实翻转率", "Counterfactual flip rate by original group", table
            )
        ]
        evidence += _save(
            ctx,
            lambda: _bar(
                [f"{t['attribute']} ({t['mode']}): {t['group']}" for t in table],
                [float(t["flip_rate"]) for t in table],
                xlabel="share of decisions changed",
            ),
            "counterfactual_flip_rates.png",
            _msg("翻转受保护属性后决策改变的比例", "Decisions changed when the attribute flips"),
        )
        absent = [a for a in ds.sensitive_attributes if a not in feats]
        note = threshold_note(ctx)
        summary = ", ".join(
            f"{r.attribute}{'+proxies' if r.mode == 'proxies' else ''} {r.flip_rate:.1%}"
            for r in results
        )
        msg = _msg(
            f"翻转受保护属性后决策改变比例：{summary}"
            + (f"；模型未使用 {absent}" if absent else "")
            + note.zh,
            f"decisions changed when flipping: {summary}"
            + (f"; not model inputs: {absent}" if absent else "")
            + note.en,
        )
        return self.result(ctx, metrics, msg, evidence=evidence)


# --- drift -------------------------------------------------------------------------------


@register
class Drift(Check):
    id = "audit.drift"
    title = _msg("数据漂移与代表性（PSI、KS、JS）", "Drift and representativeness (PSI, KS, JS)")
    family = "audit"
    needs = frozenset({"model", "dataset"})

    class Params(_Params):
        psi_drift: float = Field(
            0.2, gt=0, description="PSI above this counts as drifted (industry rule of thumb)"
        )

    def run(self, ctx: CheckContext, params: Any) -> CheckResult:
        from tianping.audit import _drift as dr

        loaded = _load(self, ctx, params)
        if isinstance(loaded, CheckResult):
            return loaded
        _, data, ref = loaded
        if ref is None:
            return self.skipped(
                ctx,
                _msg(
                    "未声明参考（训练）数据集（模型的 training_dataset），无法比较漂移",
                    "no reference dataset declared (the model's training_dataset): "
                    "nothing to compare drift against",
                ),
            )
        rows = dr.feature_drift(ref.X, data.X)
        cov = dr.group_coverage(ref.sensitive, data.sensitive)
        ks = [r.ks_statistic for r in rows if r.ks_statistic is not None]
        drifted = [r.feature for r in rows if r.psi > params.psi_drift]
        shares = [c.evaluation_share for c in cov if c.evaluation_count > 0]
        metrics: dict[str, Metric] = {
            "features_compared": len(rows),
            "reference_rows": ref.n,
            "evaluation_rows": data.n,
            "max_psi": _r(max((r.psi for r in rows), default=0.0)),
            "max_ks": _r(max(ks, default=0.0)),
            "max_js": _r(max((r.js_distance for r in rows), default=0.0)),
            "drifted_features": len(drifted),
            "min_group_share": _r(min(shares)) if shares else None,
            "max_group_share_shift": _r(
                max((abs(c.evaluation_share - c.reference_share) for c in cov), default=0.0)
            ),
        }
        evidence: list[EvidenceArtefact] = [
            table_artefact(
                "各特征漂移（分箱：" + dr.BINNING_NOTE + "）",
                "Drift per feature (binning: " + dr.BINNING_NOTE + ")",
                [
                    {k: (_r(v) if isinstance(v, float) else v) for k, v in r.model_dump().items()}
                    for r in rows
                ],
            ),
            table_artefact(
                "敏感群体覆盖（评估 vs 参考）",
                "Sensitive group coverage (evaluation vs reference)",
                [
                    {k: (_r(v) if isinstance(v, float) else v) for k, v in c.model_dump().items()}
                    for c in cov
                ],
            ),
        ]
        order = sorted(rows, key=lambda r: -r.psi)
        evidence += _save(
            ctx,
            lambda: _bar(
                [r.feature for r in order],
                [r.psi for r in order],
                xlabel="PSI (dashed: 0.1 and 0.2, conventional rules of thumb)",
                lines=(0.1, 0.2),
            ),
            "drift_psi.png",
            _msg("各特征 PSI", "PSI per feature"),
        )
        note = threshold_note(ctx)
        msg = _msg(
            f"最大 PSI {metrics['max_psi']:.3f}，PSI > {params.psi_drift:g} 的特征 "
            f"{len(drifted)} 个（0.1/0.2/0.25 为行业经验值，非法定标准）；最小群体占比 "
            f"{(metrics['min_group_share'] or 0):.1%}{note.zh}",
            f"max PSI {metrics['max_psi']:.3f}; {len(drifted)} feature(s) with PSI > "
            f"{params.psi_drift:g} (0.1/0.2/0.25 are industry rules of thumb, not law); "
            f"smallest group share {(metrics['min_group_share'] or 0):.1%}{note.en}",
        )
        return self.result(ctx, metrics, msg, evidence=evidence)


def _masked_row(row: Any, X: Any) -> Any:
    """One record as the report may show it: numbers as their percentile among the
    evaluation rows (e.g. "≈P85"), categories withheld ("•••"), missing as "—"."""
    import pandas as pd

    shown: dict[str, str] = {}
    for col, v in row.items():
        series = X[col]
        if pd.isna(v):
            shown[str(col)] = "—"
        elif pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            valid = series.dropna()
            pct = float((valid < v).mean() + 0.5 * (valid == v).mean()) if len(valid) else 0.5
            shown[str(col)] = f"≈P{round(100 * pct)}"
        else:
            shown[str(col)] = "•••"
    return pd.Series(shown, index=row.index, dtype=object)
