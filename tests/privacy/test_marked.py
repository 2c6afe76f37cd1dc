"""Labelled text (`⟦TYPE|value⟧`): parsing, located errors, accuracy, `tianping scan-eval`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tianping.cli import app
from tianping.privacy._marked import MarkedTextError, detection_accuracy, load_marked, parse_marked

runner = CliRunner()
HELDOUT = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "pi_heldout"

SAMPLE = (
    "# a comment, then a blank line\n"
    "\n"
    "客户⟦person_name_zh|王晓东⟧的手机是⟦cn_mobile|138 1234 5678⟧，订单⟦decoy|20240501123456⟧。\n"
    "身份证⟦cn_resident_id|11010519491231002X⟧，邮箱⟦email|wxd@example.cn⟧\n"
    "今天天气很好，订单号 ORD-20240501-1234 已发货。\n"
    "手机号码 13912345678 请勿外传\n"  # not labelled: a finding here is a false positive
)


def test_parse_gives_plain_text_and_code_point_spans() -> None:
    r = parse_marked("客户⟦person_name_zh|王晓东⟧，电话⟦cn_mobile|13812345678⟧⟦decoy|#9⟧")
    assert r.text == "客户王晓东，电话13812345678#9"
    assert r.spans == [(2, 5, "person_name_zh"), (8, 19, "cn_mobile"), (19, 21, "decoy_marked")]
    assert r.pi_spans() == r.spans[:2]
    assert [r.text[a:b] for a, b, _ in r.spans] == ["王晓东", "13812345678", "#9"]


@pytest.mark.parametrize(
    ("line", "column", "expected"),
    [
        ("ab⟦cn_mobile 13812345678⟧", 3, "expected '⟦TYPE|value⟧'"),
        ("ab⟦phone|1⟧ cd ⟧", 16, "without an opening"),
        ("⟦email|a@b.cn", 1, "is not closed"),
        ("⟦email|a⟦b⟧", 1, "is not closed"),
        ("x ⟦mobile|13812345678⟧", 4, "unknown type 'mobile'"),
        ("x ⟦email|⟧", 10, "one non-empty value"),
    ],
)
def test_malformed_markers_are_located(line: str, column: int, expected: str) -> None:
    with pytest.raises(MarkedTextError) as info:
        parse_marked(line, where="labels.txt", line=7)
    assert info.value.line == 7 and info.value.column == column
    assert expected in str(info.value) and str(info.value).startswith(f"labels.txt:7:{column}:")


def test_a_value_written_where_the_type_belongs_is_not_echoed() -> None:
    with pytest.raises(MarkedTextError) as info:
        parse_marked("⟦13812345678|cn_mobile⟧")
    assert "13812345678" not in str(info.value) and "11 characters" in str(info.value)


def test_every_bad_line_of_a_file_is_reported(tmp_path: Path) -> None:
    f = tmp_path / "labels.txt"
    f.write_text("ok ⟦email|a@b.cn⟧\nbad ⟦nope|x⟧\n\nworse ⟦email a⟧\n", encoding="utf-8")
    with pytest.raises(MarkedTextError) as info:
        load_marked(f)
    assert [(p.location.line, p.location.column) for p in info.value.problems] == [(2, 6), (4, 7)]
    assert "2 malformed marker(s)" in str(info.value)
    g = tmp_path / "gbk.txt"
    g.write_bytes("第一行\n客户王晓东\n".encode("gbk"))
    with pytest.raises(MarkedTextError, match=r"gbk.txt:1:1: not UTF-8"):
        load_marked(g)


def test_accuracy_counts_hits_misses_and_false_positives(tmp_path: Path) -> None:
    f = tmp_path / "s.txt"
    f.write_text(SAMPLE, encoding="utf-8")
    recs = load_marked(f)
    assert [r.line for r in recs] == [3, 4, 5, 6]
    rep = detection_accuracy(recs)
    by = {t.pi_type: t for t in rep.per_type}
    assert by["person_name_zh"].recall == by["email"].recall == by["cn_resident_id"].recall == 1.0
    # the unlabelled mobile on line 6 is found, so it counts against precision
    assert by["cn_mobile"].gold == 1 and by["cn_mobile"].predicted == 2
    assert by["cn_mobile"].precision == 0.5 and by["cn_mobile"].recall == 1.0
    (fp,) = rep.errors
    assert (fp.kind, fp.line, fp.column, fp.pi_type) == ("false_positive", 6, 6, "cn_mobile")
    assert "13912345678" not in fp.preview and fp.preview.startswith("13")
    assert rep.micro_recall == 1.0 and rep.micro_precision == 0.8
    # a missed label is reported where it is, masked
    car = parse_marked("昨天见到⟦person_name_zh|张伟⟧了", where="m.txt", line=2)
    miss = detection_accuracy([car])
    assert miss.micro_recall == 0.0
    assert [(e.kind, e.where, e.line, e.column) for e in miss.errors] == [("missed", "m.txt", 2, 5)]
    assert miss.errors[0].preview == "张*"


def test_scan_eval_command(tmp_path: Path) -> None:
    f = tmp_path / "s.txt"
    f.write_text(SAMPLE, encoding="utf-8")
    r = runner.invoke(app, ["scan-eval", str(f)])
    assert r.exit_code == 0, r.output
    assert "overall precision 0.800, recall 1.000" in r.output
    assert f"{f}:6:6  false  cn_mobile" in r.output and "13912345678" not in r.output
    zh = runner.invoke(app, ["--lang", "zh", "scan-eval", str(f), "--min-recall", "1.0"])
    assert zh.exit_code == 0 and "误报" in zh.output and "召回率 1.000" in zh.output
    out = tmp_path / "eval.json"
    js = runner.invoke(app, ["scan-eval", str(f), "-f", "json", "-o", str(out)])
    assert js.exit_code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["records"] == 4 and data["micro_precision"] == 0.8
    assert "13912345678" not in out.read_text(encoding="utf-8")
    miss = tmp_path / "m.txt"
    miss.write_text("昨天见到⟦person_name_zh|张伟⟧了\n", encoding="utf-8")
    assert runner.invoke(app, ["scan-eval", str(miss), "--min-recall", "0.5"]).exit_code == 1
    bad = tmp_path / "bad.txt"
    bad.write_text("x ⟦mobile|13812345678⟧\n", encoding="utf-8")
    r = runner.invoke(app, ["scan-eval", str(bad)])  # main() shows it and exits 2
    assert isinstance(r.exception, MarkedTextError) and r.exception.exit_code == 2
    assert f"{bad}:1:4: unknown type 'mobile'" in str(r.exception)


def test_the_heldout_corpus_parses_and_its_identifiers_are_valid() -> None:
    from tianping.privacy._validators import id18_check_char, uscc_check_char

    files = sorted(HELDOUT.glob("*.txt"))
    assert len(files) >= 4
    recs = [r for f in files for r in load_marked(f)]
    assert len(recs) >= 400
    for r in recs:
        for a, b, t in r.pi_spans():
            v = r.text[a:b].replace(" ", "")
            if t == "cn_resident_id":
                assert id18_check_char(v[:17]) == v[17].upper(), (r.where, r.line)
            if t == "cn_uscc":
                assert uscc_check_char(v[:17]) == v[17], (r.where, r.line)


def test_line_numbers_are_the_files(tmp_path: Path) -> None:
    """A record may hold a line separator (U+2028) or end in CRLF; lines are the file's."""
    f = tmp_path / "s.txt"
    f.write_text("a\u2028b ⟦email|x@y.cn⟧\n\nsecond ⟦cn_mobile|13812345678⟧\r\n", encoding="utf-8")
    assert [(r.line, r.text) for r in load_marked(f)] == [
        (1, "a\u2028b x@y.cn"),
        (3, "second 13812345678"),
    ]
