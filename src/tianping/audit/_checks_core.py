"""Audit checks: model performance and group fairness; registered on import.

Light at import time: numpy, pandas, matplotlib and the engines load inside `run`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tianping.checks import (
    Check,
    CheckContext,
    CheckResult,
    EvidenceArtefact,
    register,
)
from tianping.checks._helpers import table_artefact, threshold_note
from tianping.errors import TianpingError
from tianping.i18n import I18nText

if TYPE_CHECKING:
    from tianping.adapters import ModelAdapter
    from tianping.audit._inputs import AuditData

Metric = float | int | str | bool | None


def _fmt(x: Any, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{float(x):.{digits}f}"


def _num(x: Any) -> float | None:
    if x is None:
        return None
    v = float(x)
    return None if math.isnan(v) or math.isinf(v) else round(v, 6)


def _inputs_or_result(
    check: Check, ctx: CheckContext, model_id: str | None
) -> tuple[ModelAdapter, AuditData] | CheckResult:
    """The model and evaluation data, or a SKIPPED/ERROR result that says why not."""
    from tianping.audit._inputs import NothingToAudit, load_audit_inputs

    try:
        model, data, _ = load_audit_inputs(ctx, model_id)
    except NothingToAudit as exc:
        return check.skipped(ctx, I18nText(zh=f"不适用：{exc}", en=f"not applicable: {exc}"))
    except TianpingError as exc:
        return check.error(
            ctx,
            I18nText(zh=f"无法加载模型或数据：{exc}", en=f"cannot load the model or data: {exc}"),
        )
    if data.y is None:
        return check.skipped(
            ctx,
            I18nText(
                zh=f"数据集 '{data.dataset.id}' 没有目标列，无法评估",
                en=f"dataset '{data.dataset.id}' has no target column to evaluate against",
            ),
        )
    if data.n == 0:
        return check.error(
            ctx, I18nText(zh=f"数据集 '{data.dataset.id}' 没有数据行", en="the dataset has no rows")
        )
    return model, data


def _scores(check: Check, ctx: CheckContext, model: ModelAdapter, data: AuditData) -> Any:
    """Model scores, or an ERROR result when the model fails or gives NaN."""
    import numpy as np

    try:
        score = model.predict_score(data.X)
    except TianpingError as exc:
        return check.error(
            ctx, I18nText(zh=f"模型预测失败：{exc}", en=f"the model failed to predict: {exc}")
        )
    except Exception as exc:  # a model that raises must not stop the assessment
        text = f"{type(exc).__name__}: {str(exc)[:300]}"
        return check.error(ctx, I18nText(zh=f"模型预测出错：{text}", en=f"the model raised {text}"))
    nan = np.isnan(score)
    if nan.any():
        first = int(np.argmax(nan))
        return check.error(
            ctx,
            I18nText(
                zh=f"模型对 {int(nan.sum())} 行未给出分数（首个为第 {first} 行）",
                en=f"the model gave no score (NaN) for {int(nan.sum())} row(s), first row {first}",
            ),
        )
    return score


class _AuditParams(BaseModel):
    """What both audits take: the model, and the bootstrap behind every interval."""

    model_config = ConfigDict(extra="forbid")
    model: str | None = Field(None, description="Model id; default: the first predictive one")
    bootstrap: int = Field(200, ge=0, le=10000, description="Bootstrap replicates (0: none)")
    confidence: float = Field(0.95, gt=0, lt=1)
    seed: int = 20240901


# --- audit.performance ---------------------------------------------------------------------
@register
class PerformanceCheck(Check):
    id = "audit.performance"
    title = I18nText(
        zh="模型性能（准确率、AUC、校准，分组与置信区间）",
        en="Model performance (accuracy, AUC, calibration; by group, with intervals)",
    )
    family = "audit"
    needs = frozenset({"model", "dataset"})
    version = "1"

    class Params(_AuditParams):
        min_group_size: int = Field(30, ge=1, description="Smaller groups: no worst-group claim")
        sensitive: list[str] | None = Field(
            None, description="Group columns; default: the dataset's sensitive_attributes"
        )

    def run(self, ctx: CheckContext, params: Any) -> CheckResult:
        import numpy as np

        from tianping.audit._inputs import sensitive_frame
        from tianping.audit._performance import METRICS, evaluate

        got = _inputs_or_result(self, ctx, params.model)
        if isinstance(got, CheckResult):
            return got
        model, data = got
        score = _scores(self, ctx, model, data)
        if isinstance(score, CheckResult):
            return score
        assert data.y is not None
        if len(np.unique(data.y)) < 2:
            only = int(data.y[0])
            return self.error(
                ctx,
                I18nText(
                    zh=f"目标列 '{data.dataset.target}' 只有一个类别（全部为 {only}），"
                    "无法计算 AUC 等指标",
                    en=f"target '{data.dataset.target}' has one class only (all {only}): "
                    "ROC AUC and recall are undefined",
                ),
                metrics={"n": data.n},
            )
        try:
            sens = (
                sensitive_frame(data.frame, data.dataset, params.sensitive)
                if params.sensitive is not None
                else data.sensitive
            )
        except TianpingError as exc:
            return self.error(ctx, I18nText(zh=f"分组列有误：{exc}", en=str(exc)))
        perf = evaluate(
            data.y,
            score,
            threshold=model.threshold,
            sensitive=sens if len(sens.columns) else None,
            replicates=params.bootstrap,
            seed=params.seed,
            level=params.confidence,
            min_group_size=params.min_group_size,
        )
        metrics: dict[str, Metric] = {"n": data.n, "threshold": model.threshold}
        for m in METRICS:
            metrics[m] = _num(perf.overall[m])
            lo, hi = perf.ci.get(m, (None, None))
            metrics[f"{m}_ci_low"], metrics[f"{m}_ci_high"] = _num(lo), _num(hi)
        worst: tuple[float, str] | None = None
        for attr, rows in perf.by_group.items():
            for row in rows:
                acc = row.get("accuracy")
                if acc is not None and not row["below_min_size"]:
                    label = f"{attr}={row['group']}"
                    if worst is None or acc < worst[0]:
                        worst = (acc, label)
        metrics["worst_group_accuracy"] = _num(worst[0]) if worst else None
        metrics["worst_group"] = worst[1] if worst else None
        metrics["ece_bins"] = 10
        evidence = self._evidence(ctx, data.y, score, perf)
        pct = f"{params.confidence * 100:g}%"
        acc_ci = f"[{_fmt(metrics['accuracy_ci_low'])}, {_fmt(metrics['accuracy_ci_high'])}]"
        auc_ci = f"[{_fmt(metrics['roc_auc_ci_low'])}, {_fmt(metrics['roc_auc_ci_high'])}]"
        worst_en = (
            f"; worst group accuracy {_fmt(worst[0])} ({worst[1]}, groups of at least "
            f"{params.min_group_size})"
            if worst
            else ""
        )
        worst_zh = (
            f"；最差分组准确率 {_fmt(worst[0])}（{worst[1]}，样本数≥{params.min_group_size}）"
            if worst
            else ""
        )
        note = threshold_note(ctx)
        notes_en = "".join(f"; {n}" for n in data.notes + perf.notes)
        en = (
            f"model '{model.kind}' on dataset '{data.dataset.id}' ({data.n} rows): accuracy "
            f"{_fmt(metrics['accuracy'])} {acc_ci}, ROC AUC {_fmt(metrics['roc_auc'])} {auc_ci} "
            f"({pct} bootstrap, {params.bootstrap} replicates), F1 {_fmt(metrics['f1'])}, "
            f"ECE {_fmt(metrics['ece'])} (10 equal-width bins), Brier {_fmt(metrics['brier'])}"
            f"{worst_en}{notes_en}{note.en}"
        )
        zh = (
            f"模型在数据集 '{data.dataset.id}'（{data.n} 行）上："
            f"准确率 {_fmt(metrics['accuracy'])} {acc_ci}，"
            f"ROC AUC {_fmt(metrics['roc_auc'])} {auc_ci}（{pct} 自助法置信区间，"
            f"{params.bootstrap} 次重抽样），F1 {_fmt(metrics['f1'])}，ECE {_fmt(metrics['ece'])}"
            f"（10 个等宽分箱），Brier {_fmt(metrics['brier'])}{worst_zh}{note.zh}"
        )
        res = self.result(ctx, metrics, I18nText(zh=zh, en=en), evidence=evidence)
        res.versions = {"model": str(model.describe().get("library", model.kind))}
        return res

    def _evidence(self, ctx: CheckContext, y: Any, score: Any, perf: Any) -> list[EvidenceArtefact]:
        from sklearn.metrics import roc_curve

        from tianping.audit._plots import bar_with_ci, line_plot
        from tianping.checks._helpers import new_figure, save_figure

        out: list[EvidenceArtefact] = []
        rows = [r for group_rows in perf.by_group.values() for r in group_rows]
        if rows:
            out.append(
                table_artefact(
                    "分组性能",
                    "Performance by group",
                    [{k: _cell(v) for k, v in r.items()} for r in rows],
                )
            )
        if perf.calibration is not None:
            out.append(
                table_artefact(
                    "校准分箱（10 个等宽分箱）",
                    "Calibration bins (10 equal-width)",
                    [
                        {k: _cell(v) for k, v in r.items()}
                        for r in perf.calibration.to_dict("records")
                    ],
                )
            )
        if ctx.evidence_dir is None:
            return out
        fpr, tpr, _ = roc_curve(y, score)
        fig, ax = new_figure(4.8, 4.4)
        line_plot(
            ax, fpr, tpr, label=f"AUC = {_fmt(perf.overall['roc_auc'])}", diagonal=True,
            xlabel="false positive rate", ylabel="true positive rate", title="ROC curve",
        )  # fmt: skip
        art = save_figure(fig, ctx, "performance_roc.png", I18nText(zh="ROC 曲线", en="ROC curve"))
        out += [art] if art else []
        cal = perf.calibration.dropna()
        fig, ax = new_figure(4.8, 4.4)
        line_plot(
            ax, cal["mean_predicted"], cal["observed_rate"], diagonal=True, marker="o",
            label=f"ECE = {_fmt(perf.overall['ece'])}", xlabel="mean predicted probability",
            ylabel="observed positive rate", title="Calibration (10 equal-width bins)",
        )  # fmt: skip
        art = save_figure(
            fig, ctx, "performance_calibration.png", I18nText(zh="校准曲线", en="Calibration curve")
        )
        out += [art] if art else []
        if perf.by_group:
            k = len(perf.by_group)
            fig, axes = new_figure(max(4.5, 3.6 * k), 4.0, ncols=k)
            axes_list = list(axes) if k > 1 else [axes]
            for ax, (attr, grows) in zip(axes_list, perf.by_group.items(), strict=True):
                bar_with_ci(
                    ax,
                    [str(r["group"]) for r in grows],
                    [r["accuracy"] for r in grows],
                    [r.get("accuracy_ci_low") for r in grows],
                    [r.get("accuracy_ci_high") for r in grows],
                    title=attr,
                    ylabel="accuracy",
                    reference=perf.overall["accuracy"],
                    muted=[bool(r["below_min_size"]) for r in grows],
                )
            art = save_figure(
                fig,
                ctx,
                "performance_by_group.png",
                I18nText(zh="分组准确率（含置信区间）", en="Accuracy by group (with intervals)"),
            )
            out += [art] if art else []
        return out


def _cell(v: Any) -> Any:
    if isinstance(v, float):
        return None if math.isnan(v) or math.isinf(v) else round(v, 6)
    if hasattr(v, "item"):
        return _cell(v.item())
    return v


# --- audit.fairness ---------------------------------------------------------------------------
@register
class FairnessCheck(Check):
    id = "audit.fairness"
    title = I18nText(
        zh="群体公平性（人口均等、均等几率，含交叉群体）",
        en="Group fairness (demographic parity, equalized odds; intersectional)",
    )
    family = "audit"
    needs = frozenset({"model", "dataset"})
    version = "1"

    class Params(_AuditParams):
        sensitive: list[str] | None = Field(
            None, description="Sensitive columns; default: the dataset's sensitive_attributes"
        )
        intersectional: bool = Field(True, description="Also audit combinations of the columns")
        min_group_size: int = Field(
            30, ge=1, description="Smaller groups are shown but left out of the worst case"
        )
        method: Literal["between_groups", "to_overall"] = "between_groups"
        agg: Literal["worst_case", "mean"] = Field(
            "worst_case", description="Equalized odds: the worse of TPR and FPR, or their mean"
        )

    def run(self, ctx: CheckContext, params: Any) -> CheckResult:
        from tianping.audit._fairness import DISPARITIES, disaggregate
        from tianping.audit._inputs import sensitive_frame

        got = _inputs_or_result(self, ctx, params.model)
        if isinstance(got, CheckResult):
            return got
        model, data = got
        try:
            sens = (
                sensitive_frame(data.frame, data.dataset, params.sensitive)
                if params.sensitive is not None
                else data.sensitive
            )
        except TianpingError as exc:
            return self.error(ctx, I18nText(zh=f"敏感属性列有误：{exc}", en=str(exc)))
        if not len(sens.columns):
            return self.skipped(
                ctx,
                I18nText(
                    zh=f"数据集 '{data.dataset.id}' 未声明敏感属性（sensitive_attributes）",
                    en=f"dataset '{data.dataset.id}' declares no sensitive_attributes to audit",
                ),
            )
        score = _scores(self, ctx, model, data)
        if isinstance(score, CheckResult):
            return score
        y_pred = (score >= model.threshold).astype("int8")
        assert data.y is not None
        sets: list[tuple[str, list[str]]] = [(c, [c]) for c in sens.columns]
        if params.intersectional and len(sens.columns) > 1:
            sets.append(("intersectional", list(sens.columns)))
        metrics: dict[str, Metric] = {"n": data.n}
        per_set: dict[str, Any] = {}
        below: list[tuple[str, str, int]] = []
        singles: list[str] = []
        few: list[str] = []  # sets with fewer than two groups large enough to compare
        smallest: tuple[int, str] | None = None
        for name, cols in sets:
            gm = disaggregate(data.y, y_pred, sens[cols], min_group_size=params.min_group_size)
            if params.bootstrap:
                gm.bootstrap(params.bootstrap, params.seed, params.confidence)
            values = gm.disparities(params.method, params.agg)
            cis = gm.disparity_ci(params.method, params.agg)
            per_set[name] = (gm, values, cis)
            counts = gm.counts
            for label, c in zip(gm.labels, counts.tolist(), strict=True):
                if c < params.min_group_size:
                    below.append((name, label, int(c)))
                if c == 1:
                    singles.append(f"{name}: {label}")
                if smallest is None or c < smallest[0]:
                    smallest = (int(c), f"{name}: {label}")
            comparable = int(gm.included.sum()) >= 2
            if not comparable:
                few.append(name)
            for m in DISPARITIES:
                metrics[f"{m}__{name}"] = _num(values[m]) if comparable else None
        # Worst case over the attributes (and their intersection): the largest difference,
        # the smallest ratio, with the interval of the set it came from.
        worst_from: dict[str, str] = {}
        for m in DISPARITIES:
            best: tuple[float, str] | None = None
            for name in per_set:
                v = metrics.get(f"{m}__{name}")
                if not isinstance(v, float):
                    continue
                if best is None or (v > best[0] if m.endswith("difference") else v < best[0]):
                    best = (v, name)
            metrics[m] = best[0] if best else None
            if best:
                worst_from[m] = best[1]
                lo, hi = per_set[best[1]][2].get(m, (None, None))
                metrics[f"{m}_ci_low"], metrics[f"{m}_ci_high"] = _num(lo), _num(hi)
        one_class = len(set(data.y.tolist())) < 2
        if one_class:
            # Without both outcomes TPR or FPR is 0 by convention everywhere: no evidence.
            for key in list(metrics):
                if key.startswith("equalized_odds"):
                    metrics[key] = None
        metrics["groups_below_min_size"] = len(below)
        metrics["smallest_group"] = smallest[0] if smallest else None
        metrics["min_group_size"] = params.min_group_size
        evidence = self._evidence(ctx, per_set, params)
        below_en = (
            f"; {len(below)} group(s) below {params.min_group_size} rows left out of the worst "
            f"case (smallest: {smallest[1]} with {smallest[0]})"
            if below and smallest
            else ""
        )
        below_zh = (
            f"；{len(below)} 个分组样本少于 {params.min_group_size}，未计入最差值"
            f"（最小：{smallest[1]}，{smallest[0]} 行）"
            if below and smallest
            else ""
        )
        if few:
            below_en += (
                f"; not compared (fewer than two groups of {params.min_group_size}+ rows): "
                f"{', '.join(few)}"
            )
            below_zh += f"；未比较（样本数达标的分组不足两个）：{'、'.join(few)}"
        if one_class:
            below_en += (
                f"; target '{data.dataset.target}' has one class only: equalized odds undefined"
            )
            below_zh += f"；目标列 '{data.dataset.target}' 只有一个类别，均等几率无定义"
        if singles:
            below_en += f"; single-row group(s): {', '.join(singles[:5])}"
            below_zh += f"；仅 1 行的分组：{'、'.join(singles[:5])}"
        if all(metrics[m] is None for m in DISPARITIES):
            return self.skipped(
                ctx,
                I18nText(
                    zh=f"没有任何敏感属性包含两个样本数≥{params.min_group_size} 的分组，"
                    f"无法比较{below_zh}",
                    en=f"no sensitive attribute has two groups of at least {params.min_group_size} "
                    f"rows to compare{below_en}",
                ),
                metrics=metrics,
                evidence=evidence,
            )
        note = threshold_note(ctx)

        def figure(m: str) -> str:
            return f"{_fmt(metrics[m])} [{_fmt(metrics.get(f'{m}_ci_low'))}, " + (
                f"{_fmt(metrics.get(f'{m}_ci_high'))}] ({worst_from.get(m, '-')})"
            )

        both = "intersectional" in per_set
        en = (
            f"on dataset '{data.dataset.id}' ({data.n} rows), attributes "
            f"{', '.join(sens.columns)}{' and their intersection' if both else ''}"
            f" ({params.method}): demographic parity difference "
            f"{figure('demographic_parity_difference')}, "
            f"ratio {figure('demographic_parity_ratio')}; "
            f"equalized odds difference {figure('equalized_odds_difference')}, ratio "
            f"{figure('equalized_odds_ratio')}{below_en}{note.en}"
        )
        zh = (
            f"数据集 '{data.dataset.id}'（{data.n} 行），敏感属性 {', '.join(sens.columns)}"
            f"{'及其交叉组合' if both else ''}：人口均等差 "
            f"{figure('demographic_parity_difference')}，"
            f"比率 {figure('demographic_parity_ratio')}；"
            f"均等几率差 {figure('equalized_odds_difference')}，比率 "
            f"{figure('equalized_odds_ratio')}{below_zh}{note.zh}"
        )
        return self.result(ctx, metrics, I18nText(zh=zh, en=en), evidence=evidence)

    def _evidence(
        self, ctx: CheckContext, per_set: dict[str, Any], params: Any
    ) -> list[EvidenceArtefact]:
        from tianping.audit._plots import COLOURS, bar_with_ci
        from tianping.checks._helpers import new_figure, save_figure

        rows: list[dict[str, Any]] = []
        for name, (gm, _, _) in per_set.items():
            for r in gm.table():
                rows.append({"attribute": name, **{k: _cell(v) for k, v in r.items()}})
        out = [table_artefact("分组公平性指标", "Fairness metrics by group", rows)]
        if ctx.evidence_dir is None:
            return out
        for name, (gm, _, _) in per_set.items():
            if len(gm.counts) > 40:
                continue  # too many bars to read; the table has them all
            table = gm.table()
            labels = [r["group"] for r in table]
            muted = [bool(r["below_min_size"]) for r in table]
            fig, axes = new_figure(max(7.0, 0.55 * len(labels) + 4), 4.2, ncols=2)
            bar_with_ci(
                axes[0], labels, [r["selection_rate"] for r in table],
                [r.get("selection_rate_ci_low") for r in table],
                [r.get("selection_rate_ci_high") for r in table],
                title=f"selection rate — {name}", ylabel="selection rate", muted=muted,
            )  # fmt: skip
            for i, (metric, colour) in enumerate((("tpr", COLOURS[0]), ("fpr", COLOURS[1]))):
                bar_with_ci(
                    axes[1], labels, [r[metric] for r in table],
                    [r.get(f"{metric}_ci_low") for r in table],
                    [r.get(f"{metric}_ci_high") for r in table],
                    title=f"TPR / FPR — {name}", colour=colour, offset=-0.2 + 0.4 * i,
                    width=0.4, label=metric.upper(),
                )  # fmt: skip
            axes[1].legend(fontsize=8)
            safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)
            art = save_figure(
                fig,
                ctx,
                f"fairness_{safe}.png",
                I18nText(
                    zh=f"按 {name} 分组的选择率与 TPR/FPR（含置信区间；灰色为样本不足的分组）",
                    en=f"Selection rate and TPR/FPR by {name} (with intervals; grey: groups "
                    f"below {params.min_group_size} rows)",
                ),
            )
            out += [art] if art else []
        return out
