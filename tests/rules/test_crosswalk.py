"""Crosswalk catalogs, validation with located problems, the matrix, and CN+EU plans."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from tests.rules._profiles import chatbot, credit, face_id, shipped
from tianping.rules import check_references, load_rulebook, make_plan, shipped_rulebook_dir
from tianping.rules._crosswalk import (
    TARGETS,
    ancestors,
    crosswalk_matrix,
    load_catalogs,
    validate_crosswalk,
)

AFTER_HIGH_RISK = dt.date(2026, 9, 1)  # Annex III and Art. 50 apply from 2026-08-02


def test_catalogs_hold_the_research_counts() -> None:
    cats = load_catalogs()
    assert set(cats) == set(TARGETS)
    iso = cats["iso_42001"].entries
    controls = [
        i
        for i in iso
        if re.fullmatch(r"A\.(\d+\.\d+|6\.[12]\.\d+)", i) and i not in ("A.6.1", "A.6.2")
    ]
    assert len(controls) == 38
    nist = cats["nist_ai_rmf"].entries
    assert len([i for i in nist if re.fullmatch(r"(GOVERN|MAP|MEASURE|MANAGE) \d+\.\d+", i)]) == 72
    assert len([i for i in nist if i.startswith("GAI-")]) == 12
    eu = cats["eu_ai_act"].entries
    assert len([i for i in eu if i.startswith("Art. 5(1)(")]) == 8
    assert len([i for i in eu if re.fullmatch(r"Annex III \d", i)]) == 8
    aiv = cats["ai_verify"].entries
    assert len([i for i in aiv if not i.startswith("MGF-GenAI")]) == 11
    for cat in cats.values():
        for entry in cat.entries.values():
            assert entry.title.zh and entry.title.en


@pytest.mark.parametrize(
    ("target", "raw", "canonical"),
    [
        ("eu_ai_act", "Art. 50(2)", "Art. 50(2)"),
        ("eu_ai_act", "Art.  50(2) ", "Art. 50(2)"),  # whitespace normalised
        ("eu_ai_act", "Art. 50", "Art. 50"),
        ("eu_ai_act", "Art. 53(1)", "Art. 53(1)"),  # parent of listed points, itself unlisted
        ("eu_ai_act", "Annex III", "Annex III"),
        ("eu_ai_act", "Annex III 5(b)", "Annex III 5(b)"),
        ("eu_ai_act", "Art. 10(2)(f)", "Art. 10(2)(f)"),  # open entry: unlisted sub-point
        ("nist_ai_rmf", "MEASURE 2", "MEASURE 2"),
        ("nist_ai_rmf", "GAI: Confabulation", "GAI-2"),  # alias
        ("iso_42001", "A.6", "A.6"),
        ("ai_verify", "Human Agency & Oversight", "Human Agency & Oversight"),
    ],
)
def test_valid_ids(target: str, raw: str, canonical: str) -> None:
    assert load_catalogs()[target].canonical(raw) == canonical  # type: ignore[index]


@pytest.mark.parametrize(
    ("target", "raw"),
    [
        ("eu_ai_act", "Art. 50(9)"),  # Art. 50 is not open
        ("eu_ai_act", "Art 50(2)"),  # wrong spelling
        ("eu_ai_act", "Art."),
        ("eu_ai_act", "Annex III 9"),
        ("nist_ai_rmf", "MEASURE 2.14"),
        ("nist_ai_rmf", "GAI-13"),
        ("iso_42001", "A.6.2.9"),
        ("iso_42001", "A"),
        ("ai_verify", "Human"),  # a word of a name is not a parent
        ("ai_verify", "fairness"),  # case matters
    ],
)
def test_invalid_ids(target: str, raw: str) -> None:
    assert load_catalogs()[target].canonical(raw) is None  # type: ignore[index]


def test_ancestors() -> None:
    assert ancestors("Art. 10(2)(f)") == ["Art. 10(2)", "Art. 10"]
    assert ancestors("Annex III 5(b)") == ["Annex III 5", "Annex III"]
    assert ancestors("MEASURE 2.11") == ["MEASURE 2", "MEASURE"]
    assert ancestors("A.6.2.4") == ["A.6.2", "A.6"]
    assert ancestors("Art. 5") == []


def test_shipped_rulebook_crosswalk_is_valid() -> None:
    assert [str(p) for p in validate_crosswalk(shipped())] == []


def _book_with(tmp_path: Path, instrument_yaml: str) -> Path:
    book = tmp_path / "book"
    shutil.copytree(shipped_rulebook_dir(), book)
    (book / "instruments" / "test").mkdir()
    (book / "instruments" / "test" / "x.yaml").write_text(instrument_yaml, encoding="utf-8")
    return book


BAD = """\
instrument:
  id: test.x
  title: {zh: 测试, en: Test}
  issuer: {zh: 测试, en: Test}
  kind: framework
obligations:
  - id: test.x.one
    title: {zh: 一, en: One}
    summary: {zh: 一, en: One}
    citation: {article: Art. 1}
    crosswalk:
      eu_ai_act:
        - Art. 50(2)
        - Art. 50(9)
      nist_ai_rmf: [MEASURE 2.11, "GAI: Confabulation", MEASURE 2.11]
      iso_42001:
        - A.7.4
        - A.7.44
"""


def _line_of(text: str) -> int:
    return next(n for n, line in enumerate(BAD.splitlines(), 1) if text in line)


def test_unknown_ids_are_reported_with_file_and_line(tmp_path: Path) -> None:
    rb = load_rulebook([_book_with(tmp_path, BAD)])
    problems = validate_crosswalk(rb)
    assert len(problems) == 3, [str(p) for p in problems]
    by_msg = {p.message.split(" in ")[0]: p for p in problems}
    eu = by_msg["unknown eu_ai_act id 'Art. 50(9)'"]
    assert eu.location.file is not None and eu.location.file.endswith("test/x.yaml")
    assert eu.location.line == _line_of("- Art. 50(9)") == 14
    iso = by_msg["unknown iso_42001 id 'A.7.44'"]
    assert iso.location.line == _line_of("- A.7.44")
    assert iso.hint is not None and "A.7.4" in iso.hint
    dup = by_msg["duplicate nist_ai_rmf id 'MEASURE 2.11'"]
    assert dup.location.line == _line_of("nist_ai_rmf:")


def test_lint_reports_crosswalk_problems(tmp_path: Path) -> None:
    from tianping.rules._lint import lint

    _, problems = lint([_book_with(tmp_path, BAD)])
    where = f"x.yaml:{_line_of('- Art. 50(9)')}"
    assert any("Art. 50(9)" in str(p) and where in str(p) for p in problems)


def test_eu_conditions_reference_real_fields() -> None:
    rb = shipped()
    eu = [lo for lo in rb.obligations if lo.instrument.id == "eu.ai-act"]
    assert len(eu) >= 20
    for lo in eu:
        assert check_references(lo.obligation.applies_when) == [], lo.obligation.id
        assert 'profile.derived.jurisdictions.exists(j, j == "EU")' in lo.obligation.applies_when


def test_cn_and_eu_profile_gets_both_and_shares_attestation() -> None:
    rb = shipped()
    plan = make_plan(credit(["CN", "EU"]), rb, AFTER_HIGH_RISK)
    ids = plan.applicable_ids()
    assert "cn.pipl.art24-adm-fairness" in ids
    assert "eu.ai-act.annex3-5-essential-services" in ids
    assert "eu.ai-act.art5-1c-social-scoring" in ids
    shared = [t for t in plan.tasks if t.params.get("question_id") == "pipl-adm-fairness-review"]
    assert len(shared) == 1
    assert {"cn.pipl.art24-adm-fairness", "eu.ai-act.annex3-5-essential-services"} <= set(
        shared[0].obligation_ids
    )
    data_checks = [t for t in plan.tasks if t.check_id == "data.profile"]
    assert len(data_checks) == 1
    assert "eu.ai-act.annex3-5-essential-services" in data_checks[0].obligation_ids


def test_generative_developer_shares_training_data_provenance() -> None:
    plan = make_plan(chatbot(["CN", "EU"]), shipped(), AFTER_HIGH_RISK)
    tasks = [t for t in plan.tasks if t.params.get("question_id") == "gai-training-data-provenance"]
    assert len(tasks) == 1
    assert {
        "cn.gai.art7-training-data",
        "eu.ai-act.art53-1c-copyright-policy",
        "eu.ai-act.art53-1d-training-summary",
    } <= set(tasks[0].obligation_ids)


def test_eu_obligations_need_an_eu_deployment_and_their_dates() -> None:
    rb = shipped()
    cn_only = make_plan(credit(["CN"]), rb, AFTER_HIGH_RISK)
    assert not [i for i in cn_only.applicable_ids() if i.startswith("eu.")]
    early = make_plan(credit(["EU"]), rb, dt.date(2025, 6, 1))
    status = {a.obligation_id: a.status for a in early.applicability}
    assert status["eu.ai-act.art5-1c-social-scoring"] == "applies"  # from 2025-02-02
    assert status["eu.ai-act.annex3-5-essential-services"] == "not_in_force"  # 2026-08-02
    before = make_plan(credit(["EU"]), rb, dt.date(2025, 1, 31))
    assert "eu.ai-act.art5-1c-social-scoring" not in before.applicable_ids()
    face = make_plan(face_id(), rb, AFTER_HIGH_RISK).applicable_ids()
    assert {
        "eu.ai-act.annex3-1-biometrics",
        "eu.ai-act.art50-3-emotion-biometric-notice",
        "eu.ai-act.art5-1h-realtime-rbi",
    } <= set(face)


def test_matrix_links_and_inverse() -> None:
    rb = shipped()
    plan = make_plan(credit(["CN", "EU"]), rb, AFTER_HIGH_RISK)
    matrix = crosswalk_matrix(plan, rb)
    rows = {r.obligation_id: r for r in matrix.obligations}
    assert set(rows) == set(plan.applicable_ids())
    fair = rows["cn.pipl.art24-adm-fairness"]
    eu_links = {link.id: link for link in fair.links["eu_ai_act"]}
    assert eu_links["Art. 10(2)(f)"].known
    assert eu_links["Art. 10(2)(f)"].title is not None  # from its open parent Art. 10
    measure = {c.id: c for c in matrix.inverse["nist_ai_rmf"]}["MEASURE 2.11"]
    assert {"cn.pipl.art24-adm-fairness", "eu.ai-act.annex3-5-essential-services"} <= set(
        measure.obligation_ids
    )
    assert {"CN", "EU"} <= set(measure.jurisdictions)
    # The inverse is in catalog order: GOVERN before MAP before MEASURE.
    order = [c.id.split()[0] for c in matrix.inverse["nist_ai_rmf"] if " " in c.id]
    ranks = [["GOVERN", "MAP", "MEASURE", "MANAGE"].index(o) for o in order]
    assert ranks == sorted(ranks)
    summary = {s.target: s for s in matrix.summary}
    assert summary["iso_42001"].leaf_ids_in_catalog == 38
    assert 0 < summary["iso_42001"].leaf_ids_covered <= 38
    # A system to which no obligation applies gets an empty matrix, not an error.
    assert crosswalk_matrix(plan.model_copy(update={"applicability": []}), rb).obligations == []
