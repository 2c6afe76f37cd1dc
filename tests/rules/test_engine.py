from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tianping.rules import CelError, evaluate, load_rulebook, make_plan
from tianping.rules._cel import split_top_level, trace
from tianping.systems import SystemProfile

from ._minirulebook import write_rulebook


def profile(**fields: object) -> SystemProfile:
    return SystemProfile.model_validate(
        {"id": "s", "name": "s", "provider": {"name": "p"}, **fields}
    )


def test_cel_evaluates_and_never_uses_python_eval() -> None:
    ctx = {"profile": profile(sectors=["finance"]).to_cel()}
    assert evaluate('profile.sectors.exists(s, s == "finance")', ctx) is True
    with pytest.raises(CelError, match="syntax"):
        evaluate("profile.sectors +", ctx)
    with pytest.raises(CelError):
        evaluate('__import__("os")', ctx)
    with pytest.raises(CelError, match="must be a bool"):
        evaluate("1 + 1", ctx)


def test_split_respects_parentheses_and_strings() -> None:
    op, parts = split_top_level('a && (b || c) && "x && y" == z')
    assert op == "&&"
    assert parts == ["a", "(b || c)", '"x && y" == z']
    assert split_top_level("a || b") == ("||", ["a", "b"])
    assert split_top_level("(a && b)") == ("", ["(a && b)"])


def test_trace_reports_each_clause() -> None:
    ctx = {"profile": profile(public_facing=True).to_cel()}
    clauses = trace("profile.public_facing && profile.users.registered > 10", ctx)
    assert [(c.value) for c in clauses] == [True, False]


@pytest.fixture
def rulebook_dir(tmp_path: Path) -> Path:
    return write_rulebook(tmp_path / "rb")


def test_tier_is_the_highest_rule_that_fired(rulebook_dir: Path) -> None:
    rb = load_rulebook([rulebook_dir])
    plan = make_plan(profile(sectors=["finance"], public_facing=True), rb, dt.date(2025, 1, 1))
    assert plan.tier.level == "high"
    assert [r.rule_id for r in plan.tier.reasons] == ["tier.finance", "tier.public"]
    assert plan.tier.reasons[0].citation == "test.law Art. 1"
    plain = make_plan(profile(), rb, dt.date(2025, 1, 1))
    assert plain.tier.level == "low"
    assert plain.tier.reasons[0].rule_id == "default"


def test_applicability_dates_tiers_and_drafts(rulebook_dir: Path) -> None:
    rb = load_rulebook([rulebook_dir])
    p = profile(public_facing=True)
    status = {
        a.obligation_id: a.status for a in make_plan(p, rb, dt.date(2025, 6, 1)).applicability
    }
    assert status == {
        "test.law.art2-public": "applies",
        "test.law.art3-high-only": "below_tier",
        "test.law.art4-later": "not_in_force",
        "test.draft.art1": "draft_excluded",
    }
    later = make_plan(p, rb, dt.date(2026, 1, 1), include_drafts=True)
    assert set(later.applicable_ids()) == {
        "test.law.art2-public",
        "test.law.art4-later",
        "test.draft.art1",
    }
    repealed = make_plan(p, rb, dt.date(2027, 1, 1))
    assert "test.law.art4-later" not in repealed.applicable_ids()
    before = make_plan(p, rb, dt.date(2023, 12, 31))
    assert before.applicable_ids() == []


def test_shared_evidence_is_planned_once_with_tier_thresholds(rulebook_dir: Path) -> None:
    rb = load_rulebook([rulebook_dir])
    plan = make_plan(profile(public_facing=True, sectors=["finance"]), rb, dt.date(2025, 1, 1))
    attest = [t for t in plan.tasks if t.check_id == "process.attestation"]
    assert len(attest) == 1
    assert attest[0].obligation_ids == ["test.law.art2-public", "test.law.art3-high-only"]
    (comp,) = [t for t in plan.tasks if t.check_id == "profile.completeness"]
    assert comp.thresholds["completeness"].min == 1.0
    medium = make_plan(profile(public_facing=True), rb, dt.date(2025, 1, 1))
    (comp,) = [t for t in medium.tasks if t.check_id == "profile.completeness"]
    assert comp.thresholds["completeness"].min == 0.1  # medium falls back to the low bound


def test_rulebook_version_is_a_content_hash(tmp_path: Path) -> None:
    a = load_rulebook([write_rulebook(tmp_path / "a")])
    b = load_rulebook([write_rulebook(tmp_path / "b")])
    assert a.version == b.version and a.version.startswith("sha256:")
    law = tmp_path / "b" / "instruments" / "law.yaml"
    law.write_text(law.read_text().replace("Art. 4", "Art. 5"))
    assert load_rulebook([tmp_path / "b"]).version != a.version


def test_shipped_rulebook_loads_and_plans() -> None:
    rb = load_rulebook()
    plan = make_plan(profile(), rb)
    assert rb.obligations and plan.tier.level in {"low", "medium", "high"}


def test_tier_rule_that_fails_to_evaluate_is_a_located_error(rulebook_dir: Path) -> None:
    from tianping.errors import RulebookError

    tiers = rulebook_dir / "tiers.yaml"
    tiers.write_text(
        tiers.read_text().replace(
            "when: profile.public_facing", 'when: profile.users.registered > "many"'
        )
    )
    with pytest.raises(RulebookError) as exc:
        make_plan(profile(), load_rulebook([rulebook_dir]), dt.date(2025, 1, 1))
    (problem,) = exc.value.problems
    assert problem.location.file is not None and problem.location.file.endswith("tiers.yaml")
    assert problem.location.field == "rules[1].when"
