"""Run an assessment: plan -> run checks (each result stored at once) -> findings -> report."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tianping import __version__
from tianping.assess._findings import build_findings, summarise
from tianping.assess._models import AssessmentReport, CheckRun, SystemSummary, ToolInfo
from tianping.checks import CheckContext, CheckResult, execute, registry
from tianping.checks._attestations import load_attestations
from tianping.errors import InputError, Location, Problem, RulebookError, display_path
from tianping.rules import Plan, Rulebook, load_rulebook, make_plan
from tianping.store import Store
from tianping.systems import SystemProfile, load_profile

ProgressFn = Callable[[str, int, int, str], None]
"""progress(event, done, total, check_id): event is 'start', 'cached', 'done'."""


@dataclass
class AssessOptions:
    as_of: dt.date | None = None
    include_drafts: bool = False
    rulebook_dirs: list[Path] = field(default_factory=list)
    resume: bool = True
    # Plots and tables go under <evidence_root>/<run key>/<task>; None keeps them in memory.
    evidence_root: Path | None = None
    # Consent to unpickle model files (runs code from them); see CheckContext.trust_pickle.
    trust_pickle: bool = False


@dataclass
class LoadedSystem:
    profile: SystemProfile
    profile_path: Path
    attestations: dict[str, Any]
    attestations_path: Path | None
    fingerprint: str


def load_system(path: str | Path) -> LoadedSystem:
    """The profile plus its attestation answers; hashes both for the run key."""
    p = Path(path)
    profile_path = p / "tianping.yaml" if p.is_dir() else p
    profile = load_profile(profile_path)
    digest = hashlib.sha256(profile_path.read_bytes())
    answers: dict[str, Any] = {}
    att_path: Path | None = None
    if profile.attestations.file:
        att_path = profile_path.parent / profile.attestations.file
        if not att_path.is_file():
            raise InputError(
                f"Attestation file not found / 声明文件不存在: {display_path(att_path)} "
                f"(named by 'attestations.file' in {display_path(profile_path)})"
            )
        answers = dict(load_attestations(att_path).answers)
        digest.update(att_path.read_bytes())
    return LoadedSystem(profile, profile_path, answers, att_path, digest.hexdigest())


def check_plan_ids(plan: Plan, rulebook: Rulebook) -> None:
    """Every planned check must be registered: fail before running anything."""
    problems: list[Problem] = []
    for task in plan.tasks:
        if registry.get(task.check_id) is None:
            for oid in task.obligation_ids:
                lo = rulebook.obligation(oid)
                loc = lo.locate("evidence", "checks") if lo else Location()
                problems.append(
                    Problem(
                        f"unknown check id '{task.check_id}'",
                        loc,
                        "registered: " + ", ".join(registry.ids()),
                    )
                )
    if problems:
        raise RulebookError(
            "The rulebook names checks that are not registered / 规则库引用了未注册的检查", problems
        )


def run_key(system: LoadedSystem, plan: Plan) -> str:
    return hashlib.sha256(
        f"{system.fingerprint}|{plan.rulebook_version}|{plan.as_of}|{plan.include_drafts}".encode()
    ).hexdigest()[:32]


def _task_dir(root: Path | None, key: str, task_key: str) -> Path | None:
    if root is None:
        return None
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in task_key)
    digest = hashlib.sha256(task_key.encode()).hexdigest()[:8]
    return root / key[:16] / f"{safe[:80]}-{digest}"


def run_assessment(
    path: str | Path,
    store: Store,
    options: AssessOptions | None = None,
    progress: ProgressFn | None = None,
    rulebook: Rulebook | None = None,
) -> AssessmentReport:
    opts = options or AssessOptions()
    system = load_system(path)
    rb = rulebook or load_rulebook(opts.rulebook_dirs or None)
    plan = make_plan(system.profile, rb, opts.as_of, opts.include_drafts)
    check_plan_ids(plan, rb)
    key = run_key(system, plan)
    row = store.find_unfinished(key) if opts.resume else None
    if row is None:
        row = store.create_assessment(
            system_id=system.profile.id,
            run_key=key,
            profile_sha256=system.fingerprint,
            rulebook_version=plan.rulebook_version,
            as_of=plan.as_of,
            include_drafts=plan.include_drafts,
            tier=plan.tier.level,
            tasks_total=len(plan.tasks),
        )
    done = {
        k: CheckResult.model_validate_json(r.result_json) for k, r in store.results(row.id).items()
    }
    runs: dict[str, CheckRun] = {}
    shared: dict[Any, Any] = {}  # inputs the checks of this run load once (CheckContext.memo)
    total = len(plan.tasks)
    for i, task in enumerate(plan.tasks):
        cls = registry.get(task.check_id)
        assert cls is not None  # check_plan_ids ran
        result = done.get(task.key)
        if result is not None:
            if progress:
                progress("cached", i + 1, total, task.check_id)
        else:
            if progress:
                progress("start", i, total, task.check_id)
            ctx = CheckContext(
                profile=system.profile,
                base_dir=system.profile_path.parent,
                tier=plan.tier.level,
                thresholds=task.thresholds,
                attestations=system.attestations,
                attestations_file=system.attestations_path,
                as_of=plan.as_of,
                evidence_dir=_task_dir(opts.evidence_root, key, task.key),
                trust_pickle=opts.trust_pickle,
                shared=shared,
            )
            result = execute(cls(), ctx, task.params)
            store.save_result(
                row.id, task.key, task.check_id, result.verdict.value, result.model_dump_json()
            )
            if progress:
                progress("done", i + 1, total, task.check_id)
        runs[task.key] = CheckRun.from_result(
            task.key, cls.title, cls.family, result, task.obligation_ids
        )
    findings = build_findings(plan, rb, runs)
    run_list = list(runs.values())
    p = system.profile
    report = AssessmentReport(
        tool=ToolInfo(version=__version__),
        assessment_id=row.id,
        system=SystemSummary(
            id=p.id,
            name=p.name,
            name_en=p.name_en,
            version=p.version,
            provider=p.provider.name,
            lifecycle=p.lifecycle,
            sectors=list(p.sectors),
            services=list(p.services),
            jurisdictions=p.jurisdictions,
        ),
        rulebook_version=plan.rulebook_version,
        as_of=plan.as_of,
        include_drafts=plan.include_drafts,
        generated_at=dt.datetime.now(dt.UTC),
        tier=plan.tier,
        obligations=findings,
        checks=run_list,
        summary=summarise(plan, findings, run_list),
    )
    store.finish_assessment(row.id, report.model_dump_json())
    return report
