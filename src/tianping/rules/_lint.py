"""`tianping rules lint`: schema, citations, CEL, check ids and parameters, stable ids."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tianping.errors import InputError, Location, Problem
from tianping.rules._cel import CelError, check_references, compile_expr, evaluate
from tianping.rules._evaluate import cel_context
from tianping.rules._load import Rulebook, load_rulebook, shipped_rulebook_dir
from tianping.systems import SystemProfile

IDS_LOCK = "ids.lock"


def sample_profiles() -> list[SystemProfile]:
    """A sparse and a full profile: conditions are evaluated on both to catch type errors."""
    sparse = SystemProfile.model_validate(
        {"id": "sparse", "name": "sparse", "provider": {"name": "p"}}
    )
    full = SystemProfile.model_validate(
        {
            "id": "full",
            "name": "full",
            "provider": {
                "name": "p",
                "uscc": "91350100M000100Y43",
                "roles": ["provider"],
                "is_ciio": True,
            },
            "sectors": ["finance"],
            "services": ["generative"],
            "public_facing": True,
            "users": {"registered": 1, "monthly_active": 1, "min_age": 13, "minors_allowed": True},
            "public_opinion": {"attributes": True, "mobilisation": True},
            "modalities": ["text"],
            "offers_download": True,
            "data": {
                "personal_information": True,
                "pi_categories": ["identity"],
                "sensitive_categories": ["biometric"],
                "individuals": 1,
                "sensitive_individuals": 1,
                "minors_under_14": True,
                "cross_border": [{"destination": "SG", "individuals": 1}],
            },
            "models": [{"id": "m", "kind": "sklearn", "path": "m.joblib"}],
            "datasets": [{"id": "d", "path": "d.csv"}],
            "deployments": [{"jurisdiction": "CN", "since": "2024-01-01"}],
            "healthcare": {"decision_support": True},
            "automotive": {"automation_level": 3},
        }
    )
    return [sparse, full]


def _expr_problems(expr: str, loc: Location, contexts: list[Any]) -> list[Problem]:
    try:
        compile_expr(expr)
    except CelError as exc:
        return [Problem(f"CEL syntax error: {exc}", loc)]
    problems = [Problem(f"CEL: {p}", loc) for p in check_references(expr)]
    if problems:
        return problems
    for ctx in contexts:
        try:
            evaluate(expr, ctx)
        except CelError as exc:
            return [Problem(f"CEL type error: {exc}", loc)]
    return []


def lint_rulebook(rulebook: Rulebook) -> list[Problem]:
    from tianping.checks import registry

    contexts = [cel_context(p, dt.date(2026, 1, 1)) for p in sample_profiles()]
    problems: list[Problem] = []
    for i, rule in enumerate(rulebook.tiers.rules):
        loc = rulebook.tiers_doc.locate(("rules", i, "when"))
        problems += _expr_problems(rule.when, loc, contexts)
        if rule.citation and rule.citation.instrument not in rulebook.instruments:
            problems.append(
                Problem(
                    f"tier rule '{rule.id}' cites unknown instrument '{rule.citation.instrument}'",
                    rulebook.tiers_doc.locate(("rules", i, "citation")),
                )
            )
    for lo in rulebook.obligations:
        ob = lo.obligation
        if not ob.citation.article.strip():
            problems.append(
                Problem("obligation has no article in its citation", lo.locate("citation"))
            )
        problems += _expr_problems(ob.applies_when, lo.locate("applies_when"), contexts)
        for j, req in enumerate(ob.evidence.checks):
            cls = registry.get(req.id)
            if cls is None:
                problems.append(
                    Problem(
                        f"unknown check id '{req.id}'",
                        lo.locate("evidence", "checks", j, "id"),
                        "registered: " + ", ".join(registry.ids()),
                    )
                )
                continue
            try:
                cls.Params.model_validate(req.params)
            except ValidationError as exc:
                first = exc.errors()[0]
                problems.append(
                    Problem(
                        f"bad parameters for '{req.id}': {first['msg']} at "
                        f"{'.'.join(str(p) for p in first['loc'])}",
                        lo.locate("evidence", "checks", j, "params"),
                    )
                )
        start = ob.effective or lo.instrument.effective
        if ob.repealed and start and ob.repealed <= start:
            problems.append(Problem("repealed on or before it took effect", lo.locate("repealed")))
    problems += _crosswalk_problems(rulebook)
    return problems


def _crosswalk_problems(rulebook: Rulebook) -> list[Problem]:
    try:
        from tianping.rules._crosswalk import validate_crosswalk
    except ImportError:  # catalogs not shipped in this build
        return []
    return list(validate_crosswalk(rulebook))


def read_lock(path: Path) -> list[str]:
    if not path.is_file():
        return []
    return [
        ln.strip()
        for ln in path.read_text(encoding="utf-8").splitlines()
        if ln.strip() and not ln.startswith("#")
    ]


def lock_problems(rulebook: Rulebook, lock_file: Path) -> list[Problem]:
    """Published ids must not disappear: repeal an obligation instead of deleting it."""
    present = {lo.obligation.id for lo in rulebook.obligations}
    return [
        Problem(
            f"obligation id '{oid}' was published and is now missing; keep it and "
            "set 'repealed' instead of deleting or renaming it",
            Location(str(lock_file), n + 1),
        )
        for n, oid in enumerate(read_lock(lock_file))
        if oid not in present
    ]


def write_lock(rulebook: Rulebook, lock_file: Path) -> None:
    ids = sorted(set(read_lock(lock_file)) | {lo.obligation.id for lo in rulebook.obligations})
    lock_file.write_text(
        "# Published obligation ids: never remove a line (see rules lint).\n"
        + "\n".join(ids)
        + "\n",
        encoding="utf-8",
    )


def lint(dirs: list[Path] | None = None) -> tuple[Rulebook | None, list[Problem]]:
    """Load and lint; a load failure is returned as problems rather than raised."""
    try:
        rb = load_rulebook(dirs)
    except InputError as exc:
        return None, exc.problems or [Problem(exc.message)]
    lock_dir = dirs[0] if dirs else shipped_rulebook_dir()
    return rb, lint_rulebook(rb) + lock_problems(rb, lock_dir / IDS_LOCK)
