"""Algorithm audits of predictive models: performance, fairness, explainability,
robustness, counterfactual probes, drift and a mitigation what-if.

    from tianping.audit import run_audit
    report = run_audit("model.joblib", "test.csv", target="y", sensitive=["sex", "age"],
                       trust_pickle=True)

The numeric engines can be used directly too (`disaggregate`, `evaluate`, `explain`,
`feature_drift`). Everything is imported on first use: importing this package is cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tianping._lazy import lazy_getattr

if TYPE_CHECKING:
    from tianping.audit._drift import feature_drift, group_coverage, js_distance, psi
    from tianping.audit._explain import ShapExplanation, explain, stability
    from tianping.audit._fairness import (
        GroupMetrics,
        demographic_parity_difference,
        demographic_parity_ratio,
        disaggregate,
        equalized_odds_difference,
        equalized_odds_ratio,
    )
    from tianping.audit._inputs import AuditData, load_audit_inputs
    from tianping.audit._narrative import explain_decision
    from tianping.audit._performance import Performance, evaluate
    from tianping.audit._standalone import AUDIT_CHECKS, AuditReport, audit_profile, run_audit

_WHERE = {
    "AUDIT_CHECKS": "_standalone",
    "AuditReport": "_standalone",
    "audit_profile": "_standalone",
    "run_audit": "_standalone",
    "AuditData": "_inputs",
    "load_audit_inputs": "_inputs",
    "GroupMetrics": "_fairness",
    "disaggregate": "_fairness",
    "demographic_parity_difference": "_fairness",
    "demographic_parity_ratio": "_fairness",
    "equalized_odds_difference": "_fairness",
    "equalized_odds_ratio": "_fairness",
    "Performance": "_performance",
    "evaluate": "_performance",
    "ShapExplanation": "_explain",
    "explain": "_explain",
    "stability": "_explain",
    "explain_decision": "_narrative",
    "feature_drift": "_drift",
    "group_coverage": "_drift",
    "js_distance": "_drift",
    "psi": "_drift",
}

__all__ = [
    "AUDIT_CHECKS",
    "AuditData",
    "AuditReport",
    "GroupMetrics",
    "Performance",
    "ShapExplanation",
    "audit_profile",
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "disaggregate",
    "equalized_odds_difference",
    "equalized_odds_ratio",
    "evaluate",
    "explain",
    "explain_decision",
    "feature_drift",
    "group_coverage",
    "js_distance",
    "load_audit_inputs",
    "psi",
    "run_audit",
    "stability",
]


__getattr__ = lazy_getattr(__name__, _WHERE)
