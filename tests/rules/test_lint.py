from __future__ import annotations

from pathlib import Path

from tianping.rules._lint import lint, write_lock

from ._minirulebook import LAW, write_rulebook


def problems_for(tmp_path: Path, law: str) -> list[str]:
    rb_dir = write_rulebook(tmp_path / "rb", law=law)
    _, problems = lint([rb_dir])
    return [str(p) for p in problems]


def test_minimal_rulebook_is_clean(tmp_path: Path) -> None:
    assert problems_for(tmp_path, LAW) == []


def test_schema_error_is_located(tmp_path: Path) -> None:
    out = problems_for(tmp_path, LAW.replace("    citation: {article: Art. 3}\n", ""))
    assert len(out) == 1
    assert "law.yaml:" in out[0] and "obligations[1]" in out[0] and "citation" in out[0]


def test_duplicate_obligation_id(tmp_path: Path) -> None:
    out = problems_for(tmp_path, LAW.replace("test.law.art3-high-only", "test.law.art2-public"))
    assert any("duplicate obligation id 'test.law.art2-public'" in p for p in out)


def test_cel_unknown_field_and_enum_typo_and_syntax(tmp_path: Path) -> None:
    law = (
        LAW.replace("applies_when: profile.public_facing", "applies_when: profile.public_facng")
        + "  - id: test.law.art9\n    title: {zh: 甲, en: a}\n    summary: {zh: 甲, en: a}\n"
        + "    citation: {article: Art. 9}\n"
        + "    applies_when: 'profile.sectors.exists(s, s == \"finanse\")'\n"
        + "  - id: test.law.art10\n    title: {zh: 甲, en: a}\n    summary: {zh: 甲, en: a}\n"
        + "    citation: {article: Art. 10}\n    applies_when: 'profile.public_facing &&'\n"
    )
    out = problems_for(tmp_path, law)
    joined = "\n".join(out)
    assert "unknown field 'public_facng'" in joined
    assert "'finanse' is not a value" in joined
    assert "CEL syntax error" in joined
    line = next(i for i, ln in enumerate(law.splitlines(), 1) if "public_facng" in ln)
    assert f"law.yaml:{line}:" in joined


def test_cel_type_error(tmp_path: Path) -> None:
    out = problems_for(
        tmp_path,
        LAW.replace(
            "applies_when: profile.public_facing", 'applies_when: profile.users.registered > "many"'
        ),
    )
    assert any("CEL type error" in p for p in out)


def test_unknown_check_id_and_bad_params(tmp_path: Path) -> None:
    out = problems_for(
        tmp_path, LAW.replace("- id: profile.completeness", "- id: profile.completenes")
    )
    assert any("unknown check id 'profile.completenes'" in p for p in out)
    out = problems_for(
        tmp_path,
        LAW.replace(
            "        - id: profile.completeness\n",
            "        - id: profile.completeness\n          params: {fields: 3}\n",
        ),
    )
    assert any("bad parameters for 'profile.completeness'" in p for p in out)


def test_tier_rule_citing_unknown_instrument(tmp_path: Path) -> None:
    rb_dir = write_rulebook(tmp_path / "rb")
    tiers = rb_dir / "tiers.yaml"
    tiers.write_text(tiers.read_text().replace("instrument: test.law", "instrument: test.nope"))
    _, problems = lint([rb_dir])
    assert any("unknown instrument 'test.nope'" in str(p) for p in problems)


def test_published_ids_may_not_disappear(tmp_path: Path) -> None:
    rb_dir = write_rulebook(tmp_path / "rb")
    rb, problems = lint([rb_dir])
    assert rb is not None and problems == []
    write_lock(rb, rb_dir / "ids.lock")
    law = rb_dir / "instruments" / "law.yaml"
    law.write_text(LAW.replace("test.law.art4-later", "test.law.art4-renamed"))
    _, problems = lint([rb_dir])
    assert any("'test.law.art4-later' was published" in str(p) for p in problems)


def test_shipped_rulebook_is_clean() -> None:
    rb, problems = lint()
    assert rb is not None
    assert [str(p) for p in problems] == []
