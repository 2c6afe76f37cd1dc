"""The rulebook: schema, loader, CEL evaluation, tiering, planning and lint."""

from tianping.rules._cel import CelError, check_references, evaluate
from tianping.rules._evaluate import (
    Applicability,
    TierDecision,
    applicability,
    cel_context,
    decide_tier,
)
from tianping.rules._load import Rulebook, load_rulebook, shipped_rulebook_dir
from tianping.rules._plan import Plan, PlannedTask, make_plan
from tianping.rules._schema import (
    TIER_RANK,
    AttestationQuestion,
    Bound,
    CheckRequirement,
    Instrument,
    Obligation,
)

__all__ = [
    "TIER_RANK",
    "Applicability",
    "AttestationQuestion",
    "Bound",
    "CelError",
    "CheckRequirement",
    "Instrument",
    "Obligation",
    "Plan",
    "PlannedTask",
    "Rulebook",
    "TierDecision",
    "applicability",
    "cel_context",
    "check_references",
    "decide_tier",
    "evaluate",
    "load_rulebook",
    "make_plan",
    "shipped_rulebook_dir",
]
