from __future__ import annotations

from pathlib import Path

import pytest

from tianping.checks import Verdict, execute, registry
from tianping.checks._attestations import load_attestations
from tianping.checks.testing import assert_conforms, minimal_context
from tianping.errors import InputError
from tianping.rules import Bound
from tianping.systems import SystemProfile

from ..conftest import EXAMPLES

GERMAN = EXAMPLES / "data" / "german-credit" / "german.data"
GERMAN_COLUMNS = [
    "checking_status",
    "duration",
    "credit_history",
    "purpose",
    "credit_amount",
    "savings",
    "employment",
    "installment_rate",
    "personal_status_sex",
    "other_debtors",
    "residence_since",
    "property",
    "age",
    "other_installments",
    "housing",
    "existing_credits",
    "job",
    "num_dependents",
    "telephone",
    "foreign_worker",
    "credit_risk",
]


def german_profile(**ds: object) -> SystemProfile:
    return SystemProfile.model_validate(
        {
            "id": "g",
            "name": "g",
            "provider": {"name": "p"},
            "datasets": [
                {
                    "id": "german",
                    "path": str(GERMAN),
                    "delimiter": " ",
                    "has_header": False,
                    "columns": GERMAN_COLUMNS,
                    "target": "credit_risk",
                    "sensitive_attributes": ["personal_status_sex", "age", "foreign_worker"],
                    "bins": {"age": [18, 25, 35, 50, 65, 120]},
                    **ds,
                }
            ],
        }
    )


@pytest.mark.skipif(not GERMAN.exists(), reason="examples/data not present")
def test_dataset_profile_on_real_german_credit(tmp_path: Path) -> None:
    cls = registry.get("data.profile")
    assert cls is not None
    ctx = minimal_context(
        tmp_path, german_profile(), thresholds={"groups_below_min_size": Bound(max=0)}
    )
    res = assert_conforms(cls, ctx, {"min_group_size": 30})
    assert res.metrics["rows"] == 1000
    assert res.metrics["columns"] == 21
    assert res.metrics["max_missing_ratio"] == 0.0
    table = next(e for e in res.evidence if e.kind == "table" and "Group" in e.title.en)
    groups = {(r["attribute"], r["group"]): r["count"] for r in table.data}
    # UCI documentation: foreign_worker A201 (yes) 963, A202 (no) 37; A92 female div/sep/mar 310
    assert groups[("foreign_worker", "A201")] == 963
    assert groups[("foreign_worker", "A202")] == 37
    assert groups[("personal_status_sex", "A92")] == 310
    assert sum(c for (a, _), c in groups.items() if a == "age") == 1000
    # A94 (married/widowed male) has 92 rows, A202 37: the smallest group is under 50
    assert res.metrics["min_group_count"] == min(groups.values())
    strict = execute(
        cls(),
        minimal_context(
            tmp_path, german_profile(), thresholds={"groups_below_min_size": Bound(max=0)}
        ),
        {"min_group_size": 50},
    )
    assert strict.verdict == Verdict.FAIL
    assert any(c.metric == "groups_below_min_size" and not c.passed for c in strict.comparisons)


def test_dataset_profile_bad_attribute_and_missing_file(tmp_path: Path) -> None:
    cls = registry.get("data.profile")
    assert cls is not None
    csv = tmp_path / "d.csv"
    csv.write_text("a,b,sex\n1,,F\n2,3,M\n3,?,F\n")
    prof = SystemProfile.model_validate(
        {
            "id": "x",
            "name": "x",
            "provider": {"name": "p"},
            "datasets": [{"id": "d", "path": "d.csv", "sensitive_attributes": ["gender"]}],
        }
    )
    res = execute(cls(), minimal_context(tmp_path, prof), {})
    assert res.verdict == Verdict.ERROR and "gender" in res.message.en
    ok = prof.model_copy(
        update={"datasets": [prof.datasets[0].model_copy(update={"sensitive_attributes": ["sex"]})]}
    )
    res = execute(cls(), minimal_context(tmp_path, ok), {})
    assert res.metrics["rows"] == 3
    assert res.metrics["max_missing_ratio"] == pytest.approx(2 / 3, abs=1e-6)
    csv.unlink()
    assert execute(cls(), minimal_context(tmp_path, ok), {}).verdict == Verdict.ERROR


def test_attestation_verdicts(tmp_path: Path) -> None:
    (tmp_path / "policy.md").write_text("# policy\n")
    att = tmp_path / "attestations.yaml"
    att.write_text(
        "answers:\n"
        "  q-yes: {answer: 'yes', evidence: [policy.md], answered_by: DPO office}\n"
        "  q-ref: {answer: 'yes', evidence: [DOC-2026-01]}\n"
        "  q-noev: {answer: 'yes'}\n"
        "  q-missing: {answer: 'yes', evidence: [docs/gone.pdf]}\n"
        "  q-no: {answer: 'no'}\n"
        "  q-partial: {answer: partial, evidence: [policy.md]}\n"
        "  q-na: {answer: not_applicable}\n"
    )
    answers = dict(load_attestations(att).answers)
    cls = registry.get("process.attestation")
    assert cls is not None

    def verdict(qid: str) -> Verdict:
        ctx = minimal_context(tmp_path, attestations=answers, attestations_file=att)
        res = execute(
            cls(), ctx, {"question_id": qid, "question": {"zh": "问题", "en": "question"}}
        )
        return res.verdict

    assert verdict("q-yes") == Verdict.PASS
    assert verdict("q-ref") == Verdict.PASS
    assert verdict("q-noev") == Verdict.WARN
    assert verdict("q-missing") == Verdict.WARN
    assert verdict("q-no") == Verdict.FAIL
    assert verdict("q-partial") == Verdict.WARN
    assert verdict("q-na") == Verdict.NOT_APPLICABLE
    assert verdict("q-unanswered") == Verdict.SKIPPED
    ctx = minimal_context(tmp_path, attestations=answers, attestations_file=att)
    res = execute(cls(), ctx, {"question_id": "q-yes", "question": {"zh": "问", "en": "q"}})
    (file_ev,) = [e for e in res.evidence if e.kind == "file"]
    import hashlib

    assert file_ev.sha256 == hashlib.sha256(b"# policy\n").hexdigest()


def test_attestation_file_errors_are_located(tmp_path: Path) -> None:
    att = tmp_path / "a.yaml"
    att.write_text("answers:\n  q1: {answer: maybe}\n")
    with pytest.raises(InputError) as exc:
        load_attestations(att)
    (p,) = exc.value.problems
    assert p.location.line == 2 and p.location.field == "answers.q1.answer"


def test_completeness_lists_missing_fields(tmp_path: Path) -> None:
    cls = registry.get("profile.completeness")
    assert cls is not None
    prof = SystemProfile.model_validate(
        {"id": "x", "name": "x", "provider": {"name": "p"}, "data": {"personal_information": True}}
    )
    res = execute(
        cls(), minimal_context(tmp_path, prof, thresholds={"completeness": Bound(min=1.0)}), {}
    )
    assert res.verdict == Verdict.FAIL
    missing = res.evidence[0].data["missing"]
    assert "provider.uscc" in missing and "data.pi_categories" in missing
    assert res.metrics["missing_fields"] == len(missing)
