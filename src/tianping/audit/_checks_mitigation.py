"""`audit.mitigation`: what a post-processing threshold optimizer *would* change.

A what-if, never a fix: the model is not altered and the report says so. It runs only
when the demographic-parity difference exceeds `trigger` (default 0.1): fit Fairlearn's
`ThresholdOptimizer` on half of the evaluation rows, measure both models on the other half.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from tianping.checks import Check, CheckContext, CheckResult, EvidenceArtefact, Verdict, register
from tianping.checks._contract import Need
from tianping.checks._helpers import table_artefact
from tianping.i18n import I18nText


@register
class MitigationWhatIf(Check):
    id: ClassVar[str] = "audit.mitigation"
    title: ClassVar[I18nText] = I18nText(
        zh="公平性缓解假设分析（阈值优化，非修复）",
        en="Fairness mitigation what-if (threshold optimizer, not a fix)",
    )
    family: ClassVar[str] = "audit"
    needs: ClassVar[frozenset[Need]] = frozenset({"model", "dataset"})

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")

        sensitive: str | None = Field(
            None, description="Attribute to optimise for (default: worst)"
        )
        constraint: Literal["demographic_parity", "equalized_odds", "true_positive_rate_parity"] = (
            "demographic_parity"
        )
        objective: Literal["accuracy_score", "balanced_accuracy_score"] = "accuracy_score"
        trigger: float = Field(0.1, ge=0, le=1, description="Run only above this DP difference")
        seed: int = 0

    def run(self, ctx: CheckContext, params: Any) -> CheckResult:
        p: MitigationWhatIf.Params = params
        try:
            import fairlearn  # noqa: F401
        except ImportError:
            return self.skipped(
                ctx,
                I18nText(
                    zh="未安装 fairlearn（tianping[audit]），跳过假设分析",
                    en="fairlearn is not installed (tianping[audit]); what-if skipped",
                ),
            )
        from tianping.audit._checks_core import _inputs_or_result

        loaded = _inputs_or_result(self, ctx, None)
        if isinstance(loaded, CheckResult):
            return loaded
        model, data = loaded
        return _what_if(self, ctx, p, model, data)


def _what_if(
    check: MitigationWhatIf, ctx: CheckContext, p: MitigationWhatIf.Params, model: Any, data: Any
) -> CheckResult:
    import numpy as np
    from fairlearn.metrics import demographic_parity_difference, equalized_odds_difference
    from fairlearn.postprocessing import ThresholdOptimizer

    y = np.asarray(data.y, dtype=int)
    scores = np.asarray(model.predict_score(data.X), dtype=float)
    pred = (scores >= model.threshold).astype(int)
    columns = [p.sensitive] if p.sensitive else list(data.sensitive.columns)
    missing = [c for c in columns if c not in data.sensitive.columns]
    if missing or not columns:
        return check.skipped(
            ctx,
            I18nText(
                zh=f"未找到敏感属性列：{', '.join(missing) or '（未声明）'}",
                en=f"sensitive attribute not found: {', '.join(missing) or '(none declared)'}",
            ),
        )
    dp_by = {
        c: float(
            demographic_parity_difference(y, pred, sensitive_features=data.sensitive[c].to_numpy())
        )
        for c in columns
    }
    attr = max(dp_by, key=lambda c: dp_by[c])
    before = dp_by[attr]
    metrics: dict[str, Any] = {"attribute": attr, "dp_difference_before": before}
    if before <= p.trigger:
        return check.result(
            ctx,
            metrics,
            I18nText(
                zh=f"人口均等差异 {before:.3f} 未超过 {p.trigger}，无需假设分析",
                en=f"demographic-parity difference {before:.3f} is within {p.trigger}; "
                "no what-if needed",
            ),
            verdict=Verdict.NOT_APPLICABLE,
        )
    groups = data.sensitive[attr].to_numpy()
    rng = np.random.default_rng(p.seed)
    fit_mask = np.zeros(len(y), dtype=bool)
    # stratify the half split by group and label, so both halves see every cell
    for g in np.unique(groups):
        for label in (0, 1):
            idx = np.flatnonzero((groups == g) & (y == label))
            rng.shuffle(idx)
            fit_mask[idx[: len(idx) // 2]] = True
    test = ~fit_mask
    opt = ThresholdOptimizer(
        estimator=_score_estimator(scores),
        constraints=p.constraint,
        objective=p.objective,
        prefit=True,
        predict_method="predict_proba",
    )
    index = np.arange(len(y)).reshape(-1, 1)  # rows are looked up by position in `scores`
    opt.fit(index[fit_mask], y[fit_mask], sensitive_features=groups[fit_mask])
    after_pred = np.asarray(
        opt.predict(index[test], sensitive_features=groups[test], random_state=p.seed), dtype=int
    )
    base_pred = pred[test]
    yt, gt = y[test], groups[test]
    metrics.update(
        {
            "constraint": p.constraint,
            "rows_fit": int(fit_mask.sum()),
            "rows_measured": int(test.sum()),
            "whatif_dp_difference_before": float(
                demographic_parity_difference(yt, base_pred, sensitive_features=gt)
            ),
            "whatif_dp_difference_after": float(
                demographic_parity_difference(yt, after_pred, sensitive_features=gt)
            ),
            "whatif_eo_difference_before": float(
                equalized_odds_difference(yt, base_pred, sensitive_features=gt)
            ),
            "whatif_eo_difference_after": float(
                equalized_odds_difference(yt, after_pred, sensitive_features=gt)
            ),
            "whatif_accuracy_before": float((base_pred == yt).mean()),
            "whatif_accuracy_after": float((after_pred == yt).mean()),
        }
    )
    table = []
    for g in np.unique(gt):
        m = gt == g
        table.append(
            {
                "group": str(g),
                "rows": int(m.sum()),
                "selection_rate_before": round(float(base_pred[m].mean()), 4),
                "selection_rate_after": round(float(after_pred[m].mean()), 4),
            }
        )
    evidence: list[EvidenceArtefact] = [
        table_artefact(
            f"假设分析：按 {attr} 分组的选择率（前/后）",
            f"What-if: selection rate by {attr} (before/after)",
            table,
        )
    ]
    plot = _plot(ctx, table, attr)
    if plot is not None:
        evidence.append(plot)
    b, a = metrics["whatif_dp_difference_before"], metrics["whatif_dp_difference_after"]
    acc_b, acc_a = metrics["whatif_accuracy_before"], metrics["whatif_accuracy_after"]
    return check.result(
        ctx,
        metrics,
        I18nText(
            zh=f"仅为假设分析，未修改模型：对 {attr} 采用阈值优化后，人口均等差异由 {b:.3f} "
            f"变为 {a:.3f}，准确率由 {acc_b:.3f} 变为 {acc_a:.3f}（留出的一半数据上测得）。"
            "是否采用需人工评估其合法性与业务影响。",
            en=f"What-if only, the model is unchanged: a threshold optimizer on {attr} would move "
            f"the demographic-parity difference from {b:.3f} to {a:.3f} and accuracy from "
            f"{acc_b:.3f} to {acc_a:.3f} (measured on a held-out half). Whether to adopt it "
            "needs a human review of legality and business impact.",
        ),
        verdict=Verdict.WARN,
        evidence=evidence,
    )


def _score_estimator(scores: Any) -> Any:
    """A prefit scikit-learn classifier over precomputed scores: X holds row positions."""
    import numpy as np
    from sklearn.base import BaseEstimator, ClassifierMixin

    class ScoreEstimator(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
        def __init__(self, scores: Any = None) -> None:
            self.scores = scores

        def fit(self, X: Any, y: Any) -> Any:
            self.classes_ = np.array([0, 1])
            return self

        def predict_proba(self, X: Any) -> Any:
            s = self.scores[np.asarray(X).reshape(-1).astype(int)]
            return np.column_stack([1 - s, s])

        def predict(self, X: Any) -> Any:
            return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    est = ScoreEstimator(scores)
    est.classes_ = np.array([0, 1])  # fitted: ThresholdOptimizer(prefit=True) checks this
    return est


def _plot(ctx: CheckContext, table: list[dict[str, Any]], attr: str) -> EvidenceArtefact | None:
    if ctx.evidence_dir is None:
        return None
    import numpy as np

    from tianping.checks._helpers import new_figure, save_figure

    fig, ax = new_figure(6, 3.2)
    x = np.arange(len(table))
    ax.bar(x - 0.2, [r["selection_rate_before"] for r in table], 0.4, label="model")
    ax.bar(x + 0.2, [r["selection_rate_after"] for r in table], 0.4, label="what-if")
    ax.set_xticks(x, [r["group"] for r in table], rotation=30, ha="right")
    ax.set_ylabel("selection rate")
    ax.set_title(f"What-if (not applied): selection rate by {attr}")
    ax.legend()
    return save_figure(
        fig,
        ctx,
        "mitigation_whatif.png",
        I18nText(
            zh=f"假设分析（未采用）：按 {attr} 的选择率", en=f"What-if (not applied): by {attr}"
        ),
    )
