"""The harness shared by the table-driven scenario suites (content and data instruments).

A scenario is a small profile (overrides on a suite's base profile), the date it is judged
on, the obligation ids that must and must not apply, and the provision behind the
expectation.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from tianping.rules import make_plan
from tianping.rules._load import LoadedObligation
from tianping.systems import SystemProfile

from ._profiles import shipped

AS_OF = dt.date(2026, 6, 1)


@dataclass
class Scenario:
    name: str
    why: str  # the provision that justifies the expectation
    profile: dict[str, Any]
    must: list[str]
    must_not: list[str] = field(default_factory=list)
    as_of: dt.date = AS_OF
    include_drafts: bool = False


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge `over` into a copy of `base` (dicts merge, everything else replaces)."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def build_profile(base: dict[str, Any], over: dict[str, Any]) -> SystemProfile:
    return SystemProfile.model_validate(merge(base, over))


def obligations_of(instruments: list[str]) -> list[LoadedObligation]:
    return [lo for lo in shipped().obligations if lo.instrument.id in instruments]


def assert_ids_known(scenarios: list[Scenario]) -> None:
    assert len({s.name for s in scenarios}) == len(scenarios)
    known = {lo.obligation.id for lo in shipped().obligations}
    for s in scenarios:
        missing = sorted(set(s.must + s.must_not) - known)
        assert not missing, f"{s.name}: unknown obligation ids {missing}"
        assert not set(s.must) & set(s.must_not), s.name


def check_scenario(scenario: Scenario, base: dict[str, Any]) -> None:
    plan = make_plan(
        build_profile(base, scenario.profile),
        shipped(),
        as_of=scenario.as_of,
        include_drafts=scenario.include_drafts,
    )
    status = {a.obligation_id: a for a in plan.applicability}
    errors = [f"{oid}: {a.explanation.en}" for oid, a in status.items() if a.status == "error"]
    assert not errors, errors
    for oid in scenario.must:
        a = status[oid]
        assert a.applies, (
            f"{scenario.name} ({scenario.why}): {oid} should apply, "
            f"got {a.status}: {a.explanation.en} {a.clauses}"
        )
    for oid in scenario.must_not:
        assert not status[oid].applies, f"{scenario.name} ({scenario.why}): {oid} should not apply"
