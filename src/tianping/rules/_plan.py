"""Plan: applicable obligations -> the checks and attestations that evidence them."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from pydantic import BaseModel, Field

from tianping.rules._evaluate import (
    Applicability,
    TierDecision,
    applicability,
    cel_context,
    decide_tier,
)
from tianping.rules._load import Rulebook
from tianping.rules._schema import Bound
from tianping.systems import SystemProfile

ATTESTATION_CHECK = "process.attestation"


class PlannedTask(BaseModel):
    """One check run; several obligations may share it (deduplicated evidence)."""

    key: str
    check_id: str
    params: dict[str, Any]
    thresholds: dict[str, Bound] = Field(default_factory=dict)
    obligation_ids: list[str] = Field(default_factory=list)


class Plan(BaseModel):
    system_id: str
    rulebook_version: str
    as_of: dt.date
    include_drafts: bool
    tier: TierDecision
    applicability: list[Applicability]
    tasks: list[PlannedTask]

    def applicable_ids(self) -> list[str]:
        return [a.obligation_id for a in self.applicability if a.applies]


def task_key(check_id: str, params: dict[str, Any], thresholds: dict[str, Bound]) -> str:
    canon = json.dumps(
        {
            "c": check_id,
            "p": params,
            "t": {k: v.model_dump() for k, v in sorted(thresholds.items())},
        },
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canon.encode()).hexdigest()[:20]


def make_plan(
    profile: SystemProfile,
    rulebook: Rulebook,
    as_of: dt.date | None = None,
    include_drafts: bool = False,
) -> Plan:
    as_of = as_of or dt.date.today()
    ctx = cel_context(profile, as_of)
    tier = decide_tier(profile, rulebook, ctx)
    results: list[Applicability] = []
    tasks: dict[str, PlannedTask] = {}
    for lo in rulebook.obligations:
        app = applicability(lo, ctx, tier.level, as_of, include_drafts)
        results.append(app)
        if not app.applies:
            continue
        ob = lo.obligation
        for req in ob.evidence.checks:
            thresholds = req.thresholds_for(tier.level)
            _add(tasks, req.id, req.params, thresholds, ob.id)
        for q in ob.evidence.attestations:
            params = {
                "question_id": q.id,
                "question": q.question.model_dump(),
                "evidence_required": q.evidence_required,
            }
            _add(tasks, ATTESTATION_CHECK, params, {}, ob.id)
    return Plan(
        system_id=profile.id,
        rulebook_version=rulebook.version,
        as_of=as_of,
        include_drafts=include_drafts,
        tier=tier,
        applicability=results,
        tasks=list(tasks.values()),
    )


def _add(
    tasks: dict[str, PlannedTask],
    check_id: str,
    params: dict[str, Any],
    thresholds: dict[str, Bound],
    obligation_id: str,
) -> None:
    key = task_key(check_id, params, thresholds)
    task = tasks.get(key)
    if task is None:
        task = tasks[key] = PlannedTask(
            key=key, check_id=check_id, params=params, thresholds=thresholds
        )
    if obligation_id not in task.obligation_ids:
        task.obligation_ids.append(obligation_id)
