"""The bundled example AI systems: they load, tier as documented, and their files are sound."""

from __future__ import annotations

from pathlib import Path

import pytest

from tianping.checks._attestations import load_attestations
from tianping.rules import load_rulebook, make_plan
from tianping.systems import load_profile, uscc_is_valid

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

EXPECTED_TIERS = {
    "credit-scoring": "high",
    "hospital-diagnosis-aid": "high",
    "news-feed-recommendation": "high",
    "public-chatbot": "medium",
    "research-prototype": "low",
}


@pytest.fixture(scope="module")
def rulebook():  # type: ignore[no-untyped-def]
    return load_rulebook()


def _field_counts(path: Path, sep: str | None) -> list[int]:
    """Number of fields on each non-blank line (sep None: split on whitespace)."""
    with path.open(encoding="ascii") as fh:
        return [len(line.split(sep)) for line in fh if line.strip()]


def test_every_example_directory_is_listed() -> None:
    found = {d.name for d in EXAMPLES.iterdir() if (d / "tianping.yaml").is_file()}
    assert found == set(EXPECTED_TIERS)


@pytest.mark.parametrize("slug", sorted(EXPECTED_TIERS))
def test_example_loads_and_tiers(slug: str, rulebook) -> None:  # type: ignore[no-untyped-def]
    profile = load_profile(EXAMPLES / slug)
    assert profile.id == slug
    assert profile.name and profile.name_en and profile.description
    plan = make_plan(profile, rulebook)
    assert plan.tier.level == EXPECTED_TIERS[slug], [r.rule_id for r in plan.tier.reasons]
    assert not [a.obligation_id for a in plan.applicability if a.status == "error"]


@pytest.mark.parametrize("slug", sorted(EXPECTED_TIERS))
def test_uscc_passes_gb32100(slug: str) -> None:
    profile = load_profile(EXAMPLES / slug)
    assert profile.provider.uscc is not None
    assert uscc_is_valid(profile.provider.uscc)


@pytest.mark.parametrize("slug", sorted(EXPECTED_TIERS))
def test_attestations_validate_and_evidence_exists(slug: str) -> None:
    profile = load_profile(EXAMPLES / slug)
    assert profile.attestations.file
    path = EXAMPLES / slug / profile.attestations.file
    answers = load_attestations(path).answers
    for qid, answer in answers.items():
        assert answer.answered_by, f"{qid}: answered_by is required in the examples"
        for ref in answer.evidence:
            if ref.endswith(".md") or "/" in ref:
                assert (path.parent / ref).is_file(), f"{slug}/{qid}: missing {ref}"


@pytest.mark.parametrize("slug", sorted(EXPECTED_TIERS))
def test_attestations_answer_only_planned_questions(slug: str, rulebook) -> None:  # type: ignore[no-untyped-def]
    profile = load_profile(EXAMPLES / slug)
    plan = make_plan(profile, rulebook)
    planned = {t.params["question_id"] for t in plan.tasks if t.check_id == "process.attestation"}
    answered = set(load_attestations(EXAMPLES / slug / "attestations.yaml").answers)
    assert answered <= planned, sorted(answered - planned)


def test_dataset_paths_exist() -> None:
    for slug in EXPECTED_TIERS:
        profile = load_profile(EXAMPLES / slug)
        for ds in profile.datasets:
            assert (EXAMPLES / slug / ds.path).is_file(), f"{slug}: {ds.path}"
            if ds.columns:
                assert ds.target in ds.columns
                assert set(ds.sensitive_attributes) <= set(ds.columns)
                assert set(ds.bins) <= set(ds.columns)


def test_german_credit_shape() -> None:
    widths = _field_counts(EXAMPLES / "data" / "german-credit" / "german.data", None)
    assert len(widths) == 1000
    assert set(widths) == {21}
    profile = load_profile(EXAMPLES / "credit-scoring")
    paths = {d.id: EXAMPLES / "credit-scoring" / d.path for d in profile.datasets}
    rows = {k: p.read_text(encoding="utf-8").splitlines() for k, p in paths.items()}
    assert {k: len(v) - 1 for k, v in rows.items()} == {
        "german-credit-test": 300,
        "german-credit-train": 700,
    }
    assert all(len(v[0].split(",")) == 21 for v in rows.values())


def test_shipped_credit_split_is_the_scripted_split() -> None:
    """data/train.csv and test.csv are exactly what train_models.split_german writes."""
    import io

    from ..audit.conftest import train_module

    tm = train_module()
    train, test = tm.split_german(tm.load_german())
    for frame, name in ((train, "train.csv"), (test, "test.csv")):
        buf = io.StringIO()
        frame.to_csv(buf, index=False)
        shipped = (EXAMPLES / "credit-scoring" / "data" / name).read_text(encoding="utf-8")
        assert buf.getvalue() == shipped, name


def test_adult_shape() -> None:
    widths = _field_counts(EXAMPLES / "data" / "adult" / "adult.data", ",")
    assert len(widths) == 32561
    assert set(widths) == {15}
    profile = load_profile(EXAMPLES / "research-prototype")
    assert profile.datasets[0].columns is not None
    assert len(profile.datasets[0].columns) == 15


@pytest.mark.parametrize("name", ["german-credit", "adult"])
def test_dataset_licence_is_recorded(name: str) -> None:
    readme = (EXAMPLES / "data" / name / "README.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in readme
    assert "doi.org/10.24432" in readme
