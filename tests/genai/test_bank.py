"""Question banks: schema, located errors, lint (duplicates, coverage, quotas), licences."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tianping.errors import InputError
from tianping.genai._bank import check_licences, lint_banks, load_bank, seed_bank_path
from tianping.genai._taxonomy import load_taxonomy


def _item(i: int | str, **kw: Any) -> dict[str, Any]:
    base = {
        "id": f"q{i}",
        "language": "zh",
        "kind": "generated_content",
        "risk": "A.1.a",
        "prompt": f"问题 {i}",
        "source": "test",
        "licence": "commercial",
    }
    base.update(kw)
    return base


def _write(path: Path, rows: list[dict[str, Any] | str]) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_seed_bank_covers_every_risk_kind_and_aspect() -> None:
    bank = load_bank("tianping-seed")
    tax = load_taxonomy()
    assert bank.licence == "commercial"
    kinds = {i.kind for i in bank.items}
    assert kinds == {"generated_content", "should_refuse", "should_not_refuse"}
    gen_risks = {i.risk for i in bank.items if i.kind == "generated_content"}
    assert gen_risks == set(tax.risks)
    refuse_risks = {i.risk for i in bank.items if i.kind == "should_refuse"}
    assert refuse_risks == {r.code for r in tax.refusal_risks()}
    aspects = {i.aspect for i in bank.items if i.kind == "should_not_refuse"}
    assert aspects == {a.code for a in tax.non_refusal_aspects}
    assert {i.language for i in bank.items} == {"zh", "en"}
    assert any(i.history for i in bank.items)  # the multi-turn path is exercised
    assert (
        (seed_bank_path().parent / "README.md")
        .read_text(encoding="utf-8")
        .count("not a filing-grade")
    )


def test_seed_bank_lints_clean_but_is_not_filing_grade() -> None:
    rep = lint_banks(["tianping-seed"])
    assert rep.errors == 0 and rep.warnings == 0
    assert rep.risks_covered == 31 and rep.refusal_risks_covered == 17
    assert not rep.filing_grade
    total = {s.kind: s for s in rep.shortfalls if s.scope == "total"}
    assert total["generated_content"].need == 2000
    assert total["generated_content"].have == rep.counts["generated_content"]
    a1a = next(s for s in rep.shortfalls if s.scope == "A.1.a" and s.kind == "generated_content")
    assert (a1a.have, a1a.need) == (2, 50)


def test_malformed_line_is_located(tmp_path: Path) -> None:
    p = _write(tmp_path / "b.jsonl", [_item(1), '{"id": "q2", "language": "zh",', _item(3)])
    with pytest.raises(InputError) as ei:
        load_bank(p)
    text = str(ei.value)
    assert f"{p}:2:" in text and "not valid JSON" in text


def test_field_errors_name_line_and_field(tmp_path: Path) -> None:
    p = _write(
        tmp_path / "b.jsonl",
        [
            _item(1, risk="A.1.z"),
            _item(2, kind="should_refuse", risk="A.3.a"),
            _item(3, kind="should_refuse", risk=None),
            _item(4, licence="free"),
        ],
    )
    with pytest.raises(InputError) as ei:
        load_bank(p)
    text = str(ei.value)
    assert f"{p}:1, field 'risk'" in text and "did you mean" in text
    assert f"{p}:2, field 'risk'" in text and "17 A.1/A.2" in text
    assert f"{p}:3" in text and "needs 'risk'" in text
    assert f"{p}:4, field 'licence'" in text


def test_lint_finds_duplicate_ids_and_near_duplicates(tmp_path: Path) -> None:
    p = _write(
        tmp_path / "b.jsonl",
        [
            _item(1, prompt="请写一篇文章。"),
            _item(2, prompt="请写一篇文章"),  # punctuation only
            _item(3, prompt="ＰＬＥＡＳＥ write it", language="en"),
            _item(4, prompt="please  write it!", language="en"),  # width, case, spaces
            _item(1, prompt="完全不同的问题"),
            _item(5, kind="should_not_refuse", risk=None, prompt="介绍春节"),
        ],
    )
    rep = lint_banks([p])
    codes = [i.code for i in rep.issues]
    assert codes.count("duplicate-id") == 1
    assert codes.count("near-duplicate") == 2
    assert codes.count("no-aspect") == 1
    dup = next(i for i in rep.issues if i.code == "duplicate-id")
    assert dup.location == f"{p}:5" and f"{p}:1" in dup.message
    assert rep.errors == 1 and not rep.ok


def test_a_bank_meeting_every_quota_has_no_shortfall(tmp_path: Path) -> None:
    tax = load_taxonomy()
    rows: list[dict[str, Any] | str] = []
    n = 0
    for code, risk in tax.risks.items():
        per = 65 if risk.refusal_bank else 20
        for _ in range(per):
            n += 1
            rows.append(_item(n, risk=code, prompt=f"{code} 生成内容题 {n}"))
        if risk.refusal_bank:
            for _ in range(30):
                n += 1
                rows.append(_item(n, kind="should_refuse", risk=code, prompt=f"{code} 应拒答 {n}"))
    for a in tax.non_refusal_aspects:
        for _ in range(56):
            n += 1
            rows.append(
                _item(n, kind="should_not_refuse", risk=None, aspect=a.code, prompt=f"非拒答 {n}")
            )
    rep = lint_banks([_write(tmp_path / "full.jsonl", rows)])
    assert rep.counts == {
        "generated_content": 17 * 65 + 14 * 20,
        "should_refuse": 17 * 30,
        "should_not_refuse": 9 * 56,
    }
    assert rep.counts["generated_content"] < 2000  # quotas met, total not yet
    assert [s.scope for s in rep.shortfalls] == ["total"]
    rows += [_item(f"x{i}", risk="A.5.a", prompt=f"补充 {i}") for i in range(2000)]
    rep = lint_banks([_write(tmp_path / "full.jsonl", rows)])
    assert rep.shortfalls == [] and rep.filing_grade
    assert rep.metrics()["filing_grade"] is True


def test_non_commercial_bank_refused_in_commercial_run(tmp_path: Path) -> None:
    p = _write(tmp_path / "nc.jsonl", [_item(1), _item(2, licence="non-commercial")])
    bank = load_bank(p)
    assert bank.licence == "non-commercial"
    with pytest.raises(InputError, match="non-commercial"):
        check_licences([load_bank("tianping-seed"), bank], commercial=True)
    check_licences([bank], commercial=False)


def test_missing_bank_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_bank(tmp_path / "nope.jsonl")
