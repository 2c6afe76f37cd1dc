"""Diff between two rulebook versions, and which AI systems each change affects."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal

from pydantic import BaseModel, Field

from tianping.i18n import I18nText
from tianping.rules._evaluate import ApplicabilityStatus
from tianping.rules._load import LoadedObligation, Rulebook
from tianping.rules._plan import Plan, make_plan
from tianping.rules._schema import Instrument, Obligation, TierId
from tianping.systems import SystemProfile

ChangeKind = Literal["added", "removed", "changed"]
ChangedField = Literal[
    "condition",
    "citation",
    "thresholds",
    "evidence",
    "dates",
    "titles",
    "severity",
    "binds",
    "deadline",
    "penalty",
    "confidence",
    "crosswalk",
    "instrument",
]


class FieldChange(BaseModel):
    field: ChangedField
    path: str = Field(description="The schema field(s), e.g. 'applies_when'")
    old: Any = None
    new: Any = None


class ObligationChange(BaseModel):
    obligation_id: str
    kind: ChangeKind
    instrument_id: str
    title: I18nText
    fields: list[ChangedField] = Field(default_factory=list, description="Empty unless changed")
    details: list[FieldChange] = Field(default_factory=list)


class InstrumentChange(BaseModel):
    instrument_id: str
    kind: ChangeKind
    fields: list[str] = Field(default_factory=list)


class RulebookDiff(BaseModel):
    old_version: str
    new_version: str
    added: list[ObligationChange] = Field(default_factory=list)
    removed: list[ObligationChange] = Field(default_factory=list)
    changed: list[ObligationChange] = Field(default_factory=list)
    instruments: list[InstrumentChange] = Field(default_factory=list)
    tiers_changed: bool = False

    @property
    def changes(self) -> list[ObligationChange]:
        return [*self.added, *self.removed, *self.changed]

    @property
    def empty(self) -> bool:
        return not (self.changes or self.instruments or self.tiers_changed)


def _j(value: Any) -> Any:
    """A JSON-comparable form of a model or value."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, dict):
        return {str(k): _j(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_j(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _same(a: Any, b: Any) -> bool:
    return json.dumps(_j(a), sort_keys=True, ensure_ascii=False) == json.dumps(
        _j(b), sort_keys=True, ensure_ascii=False
    )


def _dates(lo: LoadedObligation) -> dict[str, Any]:
    """The dates in effect for an obligation: its own, else its instrument's; and draft status."""
    ob, inst = lo.obligation, lo.instrument
    eff = ob.effective or inst.effective
    rep = ob.repealed or inst.repealed
    return {
        "effective": eff.isoformat() if eff else None,
        "repealed": rep.isoformat() if rep else None,
        "status": inst.status,
    }


def _evidence_without_thresholds(ob: Obligation) -> Any:
    data = ob.evidence.model_dump(mode="json")
    for check in data["checks"]:
        check.pop("thresholds", None)
    return data


def _thresholds(ob: Obligation) -> list[Any]:
    return [{"id": c.id, "thresholds": _j(c.thresholds)} for c in ob.evidence.checks]


def _compare(old: LoadedObligation, new: LoadedObligation) -> list[FieldChange]:
    a, b = old.obligation, new.obligation
    out: list[FieldChange] = []

    def add(field: ChangedField, path: str, x: Any, y: Any) -> None:
        if not _same(x, y):
            out.append(FieldChange(field=field, path=path, old=_j(x), new=_j(y)))

    add(
        "condition",
        "applies_when",
        " ".join(a.applies_when.split()),
        " ".join(b.applies_when.split()),
    )
    add("condition", "min_tier", a.min_tier, b.min_tier)
    add("citation", "citation", a.citation.text(), b.citation.text())
    add("thresholds", "evidence.checks[].thresholds", _thresholds(a), _thresholds(b))
    add("evidence", "evidence", _evidence_without_thresholds(a), _evidence_without_thresholds(b))
    add("dates", "effective/repealed", _dates(old), _dates(new))
    add("titles", "title", a.title, b.title)
    add("titles", "summary", a.summary, b.summary)
    add("severity", "severity", a.severity, b.severity)
    add("binds", "binds", a.binds, b.binds)
    add("deadline", "deadline", a.deadline, b.deadline)
    add("penalty", "penalty", a.penalty, b.penalty)
    add(
        "confidence",
        "confidence",
        [a.confidence, a.confidence_note],
        [b.confidence, b.confidence_note],
    )
    add(
        "crosswalk",
        "crosswalk",
        {k: a.crosswalk[k] for k in sorted(a.crosswalk)},
        {k: b.crosswalk[k] for k in sorted(b.crosswalk)},
    )
    add("instrument", "instrument", old.instrument.id, new.instrument.id)
    return out


def _instrument_fields(a: Instrument, b: Instrument) -> list[str]:
    da, db = a.model_dump(mode="json"), b.model_dump(mode="json")
    return [k for k in da if da[k] != db.get(k)]


def _whole(lo: LoadedObligation, kind: Literal["added", "removed"]) -> ObligationChange:
    return ObligationChange(
        obligation_id=lo.obligation.id,
        kind=kind,
        instrument_id=lo.instrument.id,
        title=lo.obligation.title,
    )


def diff_rulebooks(old: Rulebook, new: Rulebook) -> RulebookDiff:
    """Added, removed and changed obligations (with the fields that changed), by id."""
    old_by = {lo.obligation.id: lo for lo in old.obligations}
    new_by = {lo.obligation.id: lo for lo in new.obligations}
    diff = RulebookDiff(old_version=old.version, new_version=new.version)
    diff.added = [_whole(lo, "added") for oid, lo in new_by.items() if oid not in old_by]
    for oid, lo in old_by.items():
        if oid not in new_by:
            diff.removed.append(_whole(lo, "removed"))
            continue
        details = _compare(lo, new_by[oid])
        if details:
            fields: list[ChangedField] = []
            for d in details:
                if d.field not in fields:
                    fields.append(d.field)
            diff.changed.append(
                ObligationChange(
                    obligation_id=oid,
                    kind="changed",
                    instrument_id=new_by[oid].instrument.id,
                    title=new_by[oid].obligation.title,
                    fields=fields,
                    details=details,
                )
            )
    for iid, inst in new.instruments.items():
        if iid not in old.instruments:
            diff.instruments.append(InstrumentChange(instrument_id=iid, kind="added"))
        else:
            fields_i = _instrument_fields(old.instruments[iid], inst)
            if fields_i:
                diff.instruments.append(
                    InstrumentChange(instrument_id=iid, kind="changed", fields=fields_i)
                )
    for iid in old.instruments:
        if iid not in new.instruments:
            diff.instruments.append(InstrumentChange(instrument_id=iid, kind="removed"))
    diff.tiers_changed = not _same(old.tiers, new.tiers)
    return diff


Effect = Literal["now_applies", "no_longer_applies", "plan_changed", "details_changed"]


class SystemImpact(BaseModel):
    """One change as it reaches one system."""

    system_id: str
    obligation_id: str
    kind: ChangeKind
    effect: Effect
    status_before: ApplicabilityStatus | None = Field(None, description="None: not in old book")
    status_after: ApplicabilityStatus | None = Field(None, description="None: not in new book")
    tasks_added: list[str] = Field(default_factory=list, description="Check ids newly planned")
    tasks_removed: list[str] = Field(default_factory=list)
    fields: list[ChangedField] = Field(default_factory=list)


class TierChange(BaseModel):
    system_id: str
    before: TierId
    after: TierId


class ImpactReport(BaseModel):
    as_of: dt.date
    systems: list[str] = Field(description="Every system considered")
    impacts: list[SystemImpact] = Field(default_factory=list)
    tier_changes: list[TierChange] = Field(default_factory=list)

    def affected(self, obligation_id: str) -> list[str]:
        return sorted({i.system_id for i in self.impacts if i.obligation_id == obligation_id})


def _status(plan: Plan, obligation_id: str) -> ApplicabilityStatus | None:
    for a in plan.applicability:
        if a.obligation_id == obligation_id:
            return a.status
    return None


def _task_sigs(plan: Plan, obligation_id: str) -> dict[str, str]:
    """Task key -> a readable label, for the tasks that evidence one obligation."""
    out: dict[str, str] = {}
    for t in plan.tasks:
        if obligation_id in t.obligation_ids:
            qid = t.params.get("question_id")
            out[t.key] = f"{t.check_id}:{qid}" if qid else t.check_id
    return out


def affected_systems(
    diff: RulebookDiff,
    profiles: list[SystemProfile],
    old: Rulebook,
    new: Rulebook,
    as_of: dt.date | None = None,
    include_drafts: bool = False,
) -> ImpactReport:
    """For each change in `diff`, the systems whose applicability or plan it changes.

    A changed obligation that applies before and after with the same tasks is reported as
    `details_changed` (same plan, new details in the report); one that applies in neither
    version is not reported. Tier changes (from `tiers.yaml`) are listed per system.
    """
    day = as_of or dt.date.today()
    report = ImpactReport(as_of=day, systems=[p.id for p in profiles])
    for profile in profiles:
        before = make_plan(profile, old, day, include_drafts)
        after = make_plan(profile, new, day, include_drafts)
        if before.tier.level != after.tier.level:
            report.tier_changes.append(
                TierChange(system_id=profile.id, before=before.tier.level, after=after.tier.level)
            )
        for change in diff.changes:
            oid = change.obligation_id
            sb, sa = _status(before, oid), _status(after, oid)
            was, now = sb == "applies", sa == "applies"
            if not (was or now):
                continue
            tb, ta = _task_sigs(before, oid), _task_sigs(after, oid)
            effect: Effect
            if now and not was:
                effect = "now_applies"
            elif was and not now:
                effect = "no_longer_applies"
            elif set(tb) != set(ta):
                effect = "plan_changed"
            else:
                effect = "details_changed"
            report.impacts.append(
                SystemImpact(
                    system_id=profile.id,
                    obligation_id=oid,
                    kind=change.kind,
                    effect=effect,
                    status_before=sb,
                    status_after=sa,
                    tasks_added=sorted(ta[k] for k in set(ta) - set(tb)),
                    tasks_removed=sorted(tb[k] for k in set(tb) - set(ta)),
                    fields=change.fields,
                )
            )
    return report
