"""Generative-AI safety evaluation per TC260-003 / GB/T 45654-2025 (天平 genai).

Light to import: names resolve lazily, so `import tianping.genai` pulls in no HTTP client.

    from tianping.genai import OpenAIChatTarget, EvalOptions, evaluate
    report = evaluate(OpenAIChatTarget("http://127.0.0.1:8000/v1", "qwen"), ["tianping-seed"])
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tianping._lazy import lazy_getattr

if TYPE_CHECKING:
    from tianping.genai._attacks import ATTACKS, apply_attacks, resolve_attacks
    from tianping.genai._bank import Bank, BankItem, LintReport, lint_banks, load_bank
    from tianping.genai._cache import ResponseCache
    from tianping.genai._eval import EvalOptions, EvalReport, EvalRun, evaluate, run_evaluation
    from tianping.genai._judges import (
        KeywordScreener,
        LLMJudge,
        RefusalDetector,
        calibrate,
        export_review,
        import_review,
    )
    from tianping.genai._metrics import SafetyMetrics, wilson
    from tianping.genai._runner import (
        BudgetExceeded,
        Estimate,
        RunOptions,
        RunResult,
        arun_prompts,
        estimate,
        run_prompts,
    )
    from tianping.genai._server import ChatServer, FaultPlan
    from tianping.genai._targets import (
        CallableTarget,
        GGUFTarget,
        OpenAIChatTarget,
        Target,
        TargetError,
        target_from_model,
    )
    from tianping.genai._taxonomy import Taxonomy, load_taxonomy
    from tianping.genai._types import ChatMessage, PromptItem, ResponseRecord

_EXPORTS = {
    "ATTACKS": "_attacks",
    "apply_attacks": "_attacks",
    "resolve_attacks": "_attacks",
    "Bank": "_bank",
    "BankItem": "_bank",
    "LintReport": "_bank",
    "lint_banks": "_bank",
    "load_bank": "_bank",
    "EvalOptions": "_eval",
    "EvalReport": "_eval",
    "EvalRun": "_eval",
    "evaluate": "_eval",
    "run_evaluation": "_eval",
    "KeywordScreener": "_judges",
    "LLMJudge": "_judges",
    "RefusalDetector": "_judges",
    "calibrate": "_judges",
    "export_review": "_judges",
    "import_review": "_judges",
    "SafetyMetrics": "_metrics",
    "wilson": "_metrics",
    "Taxonomy": "_taxonomy",
    "load_taxonomy": "_taxonomy",
    "ChatMessage": "_types",
    "PromptItem": "_types",
    "ResponseRecord": "_types",
    "Target": "_targets",
    "CallableTarget": "_targets",
    "OpenAIChatTarget": "_targets",
    "target_from_model": "_targets",
    "RunOptions": "_runner",
    "RunResult": "_runner",
    "run_prompts": "_runner",
    "arun_prompts": "_runner",
    "ChatServer": "_server",
    "FaultPlan": "_server",
    "ResponseCache": "_cache",
    "BudgetExceeded": "_runner",
    "Estimate": "_runner",
    "estimate": "_runner",
    "GGUFTarget": "_targets",
    "TargetError": "_targets",
}

__all__ = [
    "ATTACKS",
    "Bank",
    "BankItem",
    "BudgetExceeded",
    "CallableTarget",
    "ChatMessage",
    "ChatServer",
    "Estimate",
    "EvalOptions",
    "EvalReport",
    "EvalRun",
    "FaultPlan",
    "GGUFTarget",
    "KeywordScreener",
    "LLMJudge",
    "LintReport",
    "OpenAIChatTarget",
    "PromptItem",
    "RefusalDetector",
    "ResponseCache",
    "ResponseRecord",
    "RunOptions",
    "RunResult",
    "SafetyMetrics",
    "Target",
    "TargetError",
    "Taxonomy",
    "apply_attacks",
    "arun_prompts",
    "calibrate",
    "estimate",
    "evaluate",
    "export_review",
    "import_review",
    "lint_banks",
    "load_bank",
    "load_taxonomy",
    "resolve_attacks",
    "run_evaluation",
    "run_prompts",
    "target_from_model",
    "wilson",
]


__getattr__ = lazy_getattr(__name__, _EXPORTS)
