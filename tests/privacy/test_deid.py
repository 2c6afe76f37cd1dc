"""De-identification: only PI bytes change, formats are kept, inputs are never overwritten."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tianping.errors import InputError
from tianping.privacy._deid import Deidentifier, _csv_records, deid_path
from tianping.privacy._policy import DateShift, Generalise, parse_policy
from tianping.privacy._types import Match

KEY = "0123456789abcdef-test-key"


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIANPING_DEID_KEY", KEY)


def _pol(text: str) -> Deidentifier:
    return Deidentifier(parse_policy(text))


TEXT = (
    "客户档案\r\n身份证 11010519491231002X，手机13812345678。\r\n"
    "Email: li.lei@example.com; 备注：无\r\n"
)


def _spans(text: str) -> list[Match]:
    out = []
    for value, t in (
        ("11010519491231002X", "cn_resident_id"),
        ("13812345678", "cn_mobile"),
        ("li.lei@example.com", "email"),
    ):
        i = text.index(value)
        out.append(Match(t, i, i + len(value), 0.99))
    return out


def test_text_changes_only_matched_spans() -> None:
    d = _pol(
        "types:\n"
        "  cn_resident_id: {action: generalise, to: region_prefix}\n"
        "  cn_mobile: {action: mask, keep_start: 3, keep_end: 4}\n"
        "  email: {action: pseudonymise}\n"
    )
    matches = _spans(TEXT)
    new = d.text(TEXT, matches)
    assert "11010519491231002X" not in new and "13812345678" not in new
    assert "li.lei@example.com" not in new
    # Rebuild: every character outside the spans is identical and in order (CRLF kept).
    pos = 0
    rebuilt = []
    for m in matches:
        rebuilt.append(TEXT[pos : m.start])
        pos = m.end
    rebuilt.append(TEXT[pos:])
    outside = "".join(rebuilt)
    assert "110105" in new and "138****5678" in new and "EMAIL_" in new
    stripped = new.replace("110105", "", 1).replace("138****5678", "", 1)
    token = next(w for w in stripped.split() if "EMAIL_" in w).split(";")[0]
    assert stripped.replace(token, "", 1) == outside
    assert d.counts == {"cn_resident_id": 1, "cn_mobile": 1, "email": 1}


def test_low_confidence_and_overlaps() -> None:
    d = _pol("min_confidence: 0.6\ntypes:\n  '*': {action: redact}\n")
    text = "abc 12345 def"
    ms = [Match("a", 4, 9, 0.5), Match("b", 0, 3, 0.9), Match("c", 1, 3, 0.9)]
    assert d.text(text, ms) == "[B] 12345 def"


def test_stable_keyed_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    d = _pol("columns:\n  n: {action: pseudonymise, domain: person}\n")
    a, b = d.cell("张三", "n"), d.cell("张三", "n")
    assert a == b and a is not None and a.startswith("PERSON_") and len(a) == 7 + 16
    # letters only: a rescan never reads digits in a token as a phone or card number
    assert re.fullmatch(r"PERSON_[a-p]{16}", a)
    assert d.cell("李四", "n") != a
    sm3 = _pol("hmac: sm3\ncolumns:\n  n: {action: pseudonymise, domain: person}\n")
    assert sm3.cell("张三", "n") != a
    monkeypatch.setenv("TIANPING_DEID_KEY", KEY + "-other")
    assert _pol("columns:\n  n: {action: pseudonymise, domain: person}\n").cell("张三", "n") != a
    digits = _pol("columns:\n  p: {action: pseudonymise, style: digits}\n")
    out = digits.cell("+86 138-1234-5678", "p")
    assert out is not None and len(out) == len("+86 138-1234-5678")
    assert out[0] == "+" and out[3] == " " and out[7] == "-" and out != "+86 138-1234-5678"


@pytest.mark.parametrize(
    ("to", "value", "expected"),
    [
        ("year", "1990-05-12", "1990"),
        ("year", "1990年5月12日", "1990年"),
        ("year", "19900512", "1990"),
        ("year", "11010519491231002X", "1949"),
        ("band", "34", "30-39"),
        ("band", "95", "90+"),
        ("band", "n/a", "*"),
        ("region_prefix", "11010519491231002X", "110105"),
        ("city", "广东省深圳市南山区科技园路1号", "广东省深圳市"),
        ("city", "北京市朝阳区建国路88号", "北京市"),
        ("city", "12 Main St, Springfield, IL 62701", "Springfield"),
        ("city", "nowhere", "*"),
    ],
)
def test_generalisation(to: str, value: str, expected: str) -> None:
    d = _pol(f"columns:\n  c: {{action: generalise, to: {to}}}\n")
    rule = d.policy.columns["c"]
    assert isinstance(rule, Generalise)
    assert d.apply(value, rule, "c") == expected


def test_date_shift_keeps_format_and_is_per_subject() -> None:
    d = _pol("columns:\n  d: {action: shift_date, per: id, max_days: 20}\n")
    a = d.cell("2024/03/05 10:00", "d", {"id": "A"})
    b = d.cell("2024/03/09 10:00", "d", {"id": "A"})
    assert a is not None and b is not None
    assert a[4] == "/" and a[7] == "/" and a.endswith(" 10:00")
    # Same subject, same shift: the 4-day interval survives.
    import datetime as dt

    da = dt.date(*map(int, a[:10].split("/")))
    db = dt.date(*map(int, b[:10].split("/")))
    assert (db - da).days == 4
    fixed = _pol("columns:\n  d: {action: shift_date, days: 10}\n")
    assert fixed.cell("2024年1月25日", "d") == "2024年2月4日"


CSV_IN = (
    "id;name;phone;note\r\n"
    '1;"Zhang; San";13812345678;"said ""hi""\r\nsecond line"\r\n'
    "2;李四;  13987654321  ;\r\n"
    '3;"";;plain\r\n'
)


def test_csv_only_pi_fields_change(tmp_path: Path) -> None:
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_bytes(CSV_IN.encode())
    pol = parse_policy(
        "columns:\n  name: {action: redact, replacement: 'X'}\n"
        "  phone: {action: mask, keep_start: 3}\n"
    )
    rep = deid_path(src, dst, pol)
    expected = (
        "id;name;phone;note\r\n"
        '1;"X";138********;"said ""hi""\r\nsecond line"\r\n'
        "2;X;  139********  ;\r\n"
        '3;"";;plain\r\n'
    )
    assert dst.read_bytes() == expected.encode()
    assert src.read_bytes() == CSV_IN.encode()  # input untouched
    assert rep.files[0].records == 3 and rep.files[0].replaced == {"name": 2, "phone": 2}


def test_csv_keep_policy_is_byte_identical(tmp_path: Path) -> None:
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_bytes(CSV_IN.encode())
    deid_path(src, dst, parse_policy("columns:\n  name: {action: keep}\n"))
    assert dst.read_bytes() == src.read_bytes()


def test_csv_tokeniser_agrees_with_csv_module() -> None:
    recs = list(_csv_records(CSV_IN, ";", Path("x")))
    ref = list(csv.reader(io.StringIO(CSV_IN, newline=""), delimiter=";"))
    assert len(recs) == len(ref)
    for (_, fields), row in zip(recs, ref, strict=True):
        vals = [
            CSV_IN[s:e][1:-1].replace('""', '"') if k == 1 else CSV_IN[s:e] for s, e, k in fields
        ]
        assert vals == row


def test_csv_new_value_needing_quotes_is_quoted(tmp_path: Path) -> None:
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text("a,b\nx,y\n", encoding="utf-8")
    deid_path(src, dst, parse_policy("columns:\n  a: {action: redact, replacement: 'p,q'}\n"))
    assert dst.read_text(encoding="utf-8") == 'a,b\n"p,q",y\n'


def test_csv_unknown_column_and_unterminated_quote(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match=r"policy column\(s\) \['zz'\] are not in the header"):
        deid_path(src, tmp_path / "o.csv", parse_policy("columns:\n  zz: {action: redact}\n"))
    src.write_text('a,b\n"1,2\n')
    with pytest.raises(InputError, match="line 2: unterminated quoted field"):
        deid_path(src, tmp_path / "o.csv", parse_policy("columns:\n  a: {action: redact}\n"))
    assert not (tmp_path / "o.csv").exists()


def test_jsonl_changes_only_pi_tokens(tmp_path: Path) -> None:
    lines = [
        '{"name": "王五", "age": 23, "ok": true, "tags": ["a", "b"]}',
        '{"name":"x","age":null,"nested":{"name":"inner"}}',
        "",
        '{"name": "\\u5f20\\u4e09", "age": 71.5}',
    ]
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    pol = parse_policy(
        "columns:\n  name: {action: redact, replacement: R}\n"
        "  age: {action: generalise, to: band}\n"
    )
    rep = deid_path(src, dst, pol)
    got = dst.read_text(encoding="utf-8").split("\n")
    assert got[0] == '{"name": "R", "age": "20-29", "ok": true, "tags": ["a", "b"]}'
    assert got[1] == '{"name":"R","age":null,"nested":{"name":"inner"}}'
    assert got[2] == ""
    assert got[3] == '{"name": "R", "age": "70-79"}'
    assert all(json.loads(x) for x in got if x)
    assert rep.files[0].records == 3


def test_jsonl_invalid_line_is_located(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"a": "b"}\n{"a": oops}\n')
    with pytest.raises(InputError, match="line 2: not valid JSON"):
        deid_path(src, tmp_path / "o.jsonl", parse_policy("columns:\n  a: {action: redact}\n"))


def test_parquet_keeps_schema_and_other_columns(tmp_path: Path) -> None:
    import datetime as dt

    table = pa.table(
        {
            "id": pa.array([1, 2, 3], pa.int64()),
            "name": pa.array(["张三", None, "李四"], pa.string()),
            "born": pa.array([dt.date(1990, 1, 2), dt.date(1985, 6, 7), None], pa.date32()),
            "score": pa.array([0.5, 0.25, 1.0], pa.float64()),
        }
    )
    src, dst = tmp_path / "in.parquet", tmp_path / "out.parquet"
    pq.write_table(table, src, compression="zstd")
    pol = parse_policy(
        "columns:\n  name: {action: pseudonymise}\n  born: {action: shift_date, days: 1}\n"
    )
    deid_path(src, dst, pol)
    out = pq.read_table(dst)
    assert out.schema == table.schema
    assert out.column("id").equals(table.column("id"))
    assert out.column("score").equals(table.column("score"))
    names = out.column("name").to_pylist()
    assert names[1] is None and names[0].startswith("NAME_") and names[0] != names[2]
    assert out.column("born").to_pylist() == [dt.date(1990, 1, 3), dt.date(1985, 6, 8), None]
    assert pq.ParquetFile(dst).metadata.row_group(0).column(0).compression == "ZSTD"


def _nested_table(pairs: list[list[str | None]]) -> pa.Table:
    """Texts (two per row) inside every layout Parquet keeps besides plain strings:
    dictionary-encoded, a list, a struct field, a map's values, a list of structs holding
    lists."""
    first = [p[0] for p in pairs]
    entry = pa.struct([("note", pa.string()), ("more", pa.list_(pa.string()))])
    return pa.table(
        {
            "dict": pa.array(first, pa.string()).dictionary_encode(),
            "pair": pa.array(pairs, pa.list_(pa.string())),
            "rec": pa.array([{"note": t, "n": 1} for t in first],
                            pa.struct([("note", pa.string()), ("n", pa.int64())])),
            "attrs": pa.array([[("k", p[0]), ("k2", p[1])] for p in pairs],
                              pa.map_(pa.string(), pa.string())),
            "deep": pa.array([[{"note": p[0], "more": p}] for p in pairs], pa.list_(entry)),
        }
    )  # fmt: skip


@pytest.mark.parametrize("engine", ["kernel", "polars"])
def test_parquet_text_in_dictionary_and_nested_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str
) -> None:
    """PI inside dictionary-encoded, list, struct and map columns is de-identified as the
    same text in a plain column is (it once passed through untouched); the file keeps its
    schema."""
    from tianping.privacy._corpus import generate_size

    if engine == "polars":
        monkeypatch.setenv("TIANPING_PI_ENGINE", "polars")  # value by value
    texts: list[str | None] = [r.text for r in generate_size(0.05, seed=12)][:400]
    texts[::13] = [None] * len(texts[::13])
    pol = parse_policy(
        "types:\n  cn_mobile: {action: mask, keep_start: 3}\n  '*': {action: redact}\n"
    )
    # what each text becomes in a plain column
    pq.write_table(pa.table({"t": pa.array(texts, pa.string())}), tmp_path / "plain.parquet")
    plain_rep = deid_path(tmp_path / "plain.parquet", tmp_path / "plain_out.parquet", pol)
    want = dict(zip(texts, pq.read_table(tmp_path / "plain_out.parquet").column("t").to_pylist(),
                    strict=True))  # fmt: skip
    pairs = [texts[i : i + 2] for i in range(0, len(texts), 2)]
    table = _nested_table(pairs)
    src, dst = tmp_path / "in.parquet", tmp_path / "out.parquet"
    pq.write_table(table, src)
    assert pq.read_table(src).schema == table.schema  # the dictionary type is kept on disk
    rep = deid_path(src, dst, pol)
    out = pq.read_table(dst)
    assert out.schema == table.schema
    new_pairs = [[want[t] for t in p] for p in pairs]
    assert out.column("pair").to_pylist() == new_pairs
    assert out.column("dict").to_pylist() == [p[0] for p in new_pairs]
    assert [r["note"] for r in out.column("rec").to_pylist()] == [p[0] for p in new_pairs]
    assert [[v for _, v in m] for m in out.column("attrs").to_pylist()] == new_pairs
    assert out.column("deep").to_pylist() == [[{"note": p[0], "more": p}] for p in new_pairs]
    # six copies of the first text of each pair, four of the second
    assert sum(rep.files[0].replaced.values()) > 3 * sum(plain_rep.files[0].replaced.values())
    mobiles = {m for t in texts if t for m in re.findall(r"(?<!\d)1[3-9]\d{9}(?!\d)", t)}
    flat = json.dumps(out.to_pylist(), ensure_ascii=False)
    assert mobiles and not any(m in flat for m in mobiles)


def test_parquet_integers_with_pi_are_reported_not_left_silently(tmp_path: Path) -> None:
    """A phone stored as an integer: detection finds it but an integer column keeps its
    type, so the report lists it as left (by column and type) and the CLI exits 1; a
    column rule then makes the column text and rewrites it."""
    from typer.testing import CliRunner

    from tianping.cli import app

    table = pa.table(
        {
            "phone": pa.array([13812345678, 13912345678, None, 42], pa.int64()),
            "amount": pa.array([1, 2, 3, 4], pa.int32()),
            "note": pa.array(["手机13712345678", "x", None, ""]),
        }
    )
    src = tmp_path / "in.parquet"
    pq.write_table(table, src)
    pol = parse_policy("types:\n  '*': {action: redact}\n")
    rep = deid_path(src, tmp_path / "out.parquet", pol)
    f = rep.files[0]
    assert f.replaced == {"cn_mobile": 1} and f.left == {"phone": {"cn_mobile": 2}}
    out = pq.read_table(tmp_path / "out.parquet")
    assert out.schema == table.schema and out.column("phone").equals(table.column("phone"))
    # a type the policy keeps is not counted as left
    kept = parse_policy("types:\n  cn_mobile: {action: keep}\n  '*': {action: redact}\n")
    assert deid_path(src, tmp_path / "kept.parquet", kept).files[0].left == {}
    ruled = parse_policy("types:\n  '*': {action: redact}\ncolumns:\n  phone: {action: detect}\n")
    f = deid_path(src, tmp_path / "ruled.parquet", ruled).files[0]
    assert f.left == {}
    assert pq.read_table(tmp_path / "ruled.parquet").column("phone").to_pylist() == [
        "[CN_MOBILE]", "[CN_MOBILE]", None, "42"
    ]  # fmt: skip
    policy = tmp_path / "p.yaml"
    policy.write_text("types:\n  '*': {action: redact}\n", encoding="utf-8")
    res = CliRunner().invoke(
        app, ["deid", str(src), str(tmp_path / "cli.parquet"), "-p", str(policy)]
    )
    assert res.exit_code == 1, res.output
    assert "left: phone: cn_mobile 2" in res.output and "13812345678" not in res.output


def test_full_width_identifiers_are_found_and_replaced_in_place(tmp_path: Path) -> None:
    """Numbers typed in full-width mode (手机号１３８…) are found and replaced where they
    stand; a keyed pseudonym is the same for the full-width and the plain form, so joins
    still match."""
    src = tmp_path / "notes.txt"
    src.write_text(
        "手机号１３８１２３４５６７８，请回电。\n"
        "座机（０１０）１２３４５６７８\n"
        "邮箱 ｌｉ＠ｅｘａｍｐｌｅ．ｃｏｍ\n",
        encoding="utf-8",
    )
    pol = parse_policy(
        "types:\n  cn_mobile: {action: mask, keep_start: 3}\n  '*': {action: redact}\n"
    )
    rep = deid_path(src, tmp_path / "out.txt", pol)
    assert rep.files[0].replaced == {"cn_landline": 1, "cn_mobile": 1, "email": 1}
    assert (tmp_path / "out.txt").read_text(encoding="utf-8") == (
        "手机号１３８********，请回电。\n座机[CN_LANDLINE]\n邮箱 [EMAIL]\n"
    )
    token = parse_policy("columns:\n  phone: {action: pseudonymise}\n")
    deid = Deidentifier(token)
    assert deid.cell("１３８１２３４５６７８", "phone") == deid.cell("13812345678", "phone")


def test_addresses_written_with_a_hash_are_replaced(tmp_path: Path) -> None:
    src = tmp_path / "posts.jsonl"
    src.write_text('{"t": "有问题发邮件 zhangsan#163.com，C# 问题除外"}\n', encoding="utf-8")
    rep = deid_path(
        src, tmp_path / "out.jsonl", parse_policy("types:\n  email: {action: redact}\n")
    )
    assert rep.files[0].replaced == {"email": 1}
    out = json.loads((tmp_path / "out.jsonl").read_text(encoding="utf-8"))
    assert out == {"t": "有问题发邮件 [EMAIL]，C# 问题除外"}


def test_spelled_out_addresses_are_replaced_whole(tmp_path: Path) -> None:
    src = tmp_path / "page.txt"
    src.write_text(
        "联系 zhangsan [at] 163 [dot] com 或 li(at)pku.edu.cn，look at this\n"
        "Mail: wang at tsinghua dot edu dot cn.\n",
        encoding="utf-8",
    )
    rep = deid_path(src, tmp_path / "out.txt", parse_policy("types:\n  email: {action: redact}\n"))
    assert rep.files[0].replaced == {"email": 3}
    assert (tmp_path / "out.txt").read_text(encoding="utf-8") == (
        "联系 [EMAIL] 或 [EMAIL]，look at this\nMail: [EMAIL].\n"
    )
    # one keyed pseudonym whichever way the address was written
    d = _pol("types:\n  email: {action: pseudonymise}\n")
    tokens = {d.text(t) for t in ("li@163.com", "li#163.com", "li [at] 163 [dot] com")}
    assert len(tokens) == 1 and tokens.pop().startswith("EMAIL_")


def test_never_overwrites_input(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("a\n1\n")
    pol = parse_policy("columns:\n  a: {action: redact}\n")
    with pytest.raises(InputError, match="the output is the input"):
        deid_path(src, src, pol)
    with pytest.raises(InputError, match="the output is the input"):
        deid_path(src, tmp_path / "." / "in.csv", pol)
    with pytest.raises(InputError, match="must lie outside the input"):
        deid_path(tmp_path, tmp_path / "sub", pol)
    assert src.read_text() == "a\n1\n"


def test_directory_skips_bad_files_and_goes_on(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "good.csv").write_text("a,b\nx,1\n")
    (src / "binary.csv").write_bytes(b"a,b\n\x00\x01\x02")
    (src / "gbk.txt").write_bytes("手机13812345678".encode("gbk"))
    pol = parse_policy("columns:\n  a: {action: redact, replacement: R}\n")
    rep = deid_path(src, tmp_path / "out", pol)
    by = {Path(f.input).name: f for f in rep.files}
    assert by["good.csv"].status == "ok"
    assert (tmp_path / "out" / "good.csv").read_text() == "a,b\nR,1\n"
    assert by["binary.csv"].status == "skipped" and "binary" in (by["binary.csv"].reason or "")
    assert by["gbk.txt"].status == "skipped"
    assert "gb18030" in (by["gbk.txt"].reason or "")
    assert not (tmp_path / "out" / "binary.csv").exists()
    assert not any(str(src) in (f.reason or "") for f in rep.files)  # named once, by `input`


def test_other_encodings_round_trip(tmp_path: Path) -> None:
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_bytes("姓名,城市\n张三,北京\n".encode("gb18030"))
    pol = parse_policy("columns:\n  姓名: {action: redact, replacement: 某}\n")
    deid_path(src, dst, pol, encoding="gb18030")
    assert dst.read_bytes() == "姓名,城市\n某,北京\n".encode("gb18030")
    src.write_bytes("\ufeffa,b\n1,2\n".encode())
    deid_path(src, dst, parse_policy("columns:\n  a: {action: redact, replacement: R}\n"))
    assert dst.read_bytes() == "\ufeffa,b\nR,2\n".encode()


def test_missing_key_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TIANPING_DEID_KEY")
    src = tmp_path / "in.csv"
    src.write_text("a\n1\n")
    with pytest.raises(InputError, match="TIANPING_DEID_KEY"):
        deid_path(src, tmp_path / "o.csv", parse_policy("columns:\n  a: {action: pseudonymise}\n"))
    assert not (tmp_path / "o.csv").exists()


def test_free_text_with_real_detector(tmp_path: Path) -> None:
    detect = pytest.importorskip("tianping.privacy._detect")
    assert callable(detect.detect_text)
    text = (
        "客户张伟，身份证号11010519491231002X，手机13812345678，\n"
        "邮箱 zhang.wei@example.com，住址北京市朝阳区建国路88号。\n"
    )
    src, dst = tmp_path / "in.txt", tmp_path / "out.txt"
    src.write_text(text, encoding="utf-8")
    pol = parse_policy(
        "types:\n"
        "  cn_resident_id: {action: generalise, to: region_prefix}\n"
        "  cn_mobile: {action: mask, keep_start: 3, keep_end: 4}\n"
        "  address_zh: {action: generalise, to: city}\n"
        "  '*': {action: pseudonymise}\n"
    )
    rep = deid_path(src, dst, pol)
    out = dst.read_text(encoding="utf-8")
    for raw in ("11010519491231002X", "13812345678", "zhang.wei@example.com", "建国路88号"):
        assert raw not in out
    assert "110105" in out and "138****5678" in out and "北京市" in out
    assert out.startswith("客户") and out.endswith("。\n") and out.count("\n") == 2
    assert rep.files[0].replaced.get("cn_resident_id") == 1


def test_csv_and_jsonl_cells_with_real_detector(tmp_path: Path) -> None:
    pytest.importorskip("tianping.privacy._detect")
    pol = parse_policy(
        "types:\n  cn_mobile: {action: mask, keep_start: 3, keep_end: 4}\n  '*': {action: redact}\n"
        "columns:\n  id: {action: keep}\n"
    )
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text(
        'id,note\n1,"请联系 13812345678, 谢谢"\n2,无\n3,邮箱 a.b@example.com\n', encoding="utf-8"
    )
    rep = deid_path(src, dst, pol)
    assert dst.read_text(encoding="utf-8") == (
        'id,note\n1,"请联系 138****5678, 谢谢"\n2,无\n3,邮箱 [EMAIL]\n'
    )
    assert rep.files[0].replaced == {"cn_mobile": 1, "email": 1}
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text('{"id": "13812345678", "msg": {"t": "手机13812345678"}}\n', encoding="utf-8")
    deid_path(src, dst, pol)
    assert dst.read_text(encoding="utf-8") == (
        '{"id": "13812345678", "msg": {"t": "手机138****5678"}}\n'
    )


def test_headerless_csv_by_position(tmp_path: Path) -> None:
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text("张三,34\n李四,71\n", encoding="utf-8")
    pol = parse_policy("columns:\n  '1': {action: generalise, to: band}\n")
    deid_path(src, dst, pol, has_header=False)
    assert dst.read_text(encoding="utf-8") == "张三,30-39\n李四,70-79\n"
    with pytest.raises(InputError, match="no header"):
        deid_path(src, dst, parse_policy("columns:\n  age: {action: redact}\n"), has_header=False)
    named = deid_path(src, dst, parse_policy("columns:\n  age: {action: redact, replacement: R}\n"),
                      has_header=False, columns=["name", "age"])  # fmt: skip
    assert dst.read_text(encoding="utf-8") == "张三,R\n李四,R\n"
    assert named.files[0].records == 2


def test_parquet_date_shift_per_subject(tmp_path: Path) -> None:
    import datetime as dt

    table = pa.table(
        {
            "pid": ["a", "a", "b"],
            "visit": pa.array([dt.date(2024, 1, 1), dt.date(2024, 1, 11), dt.date(2024, 1, 1)]),
        }
    )
    src, dst = tmp_path / "v.parquet", tmp_path / "o.parquet"
    pq.write_table(table, src)
    pol = parse_policy("columns:\n  visit: {action: shift_date, per: pid}\n")
    deid_path(src, dst, pol)
    v = pq.read_table(dst).column("visit").to_pylist()
    assert (v[1] - v[0]).days == 10  # same subject, same shift
    d = Deidentifier(pol)
    rule = pol.columns["visit"]
    assert isinstance(rule, DateShift)
    for got, pid in ((v[0], "a"), (v[2], "b")):
        assert (got - dt.date(2024, 1, 1)).days == d._shift_days(rule, pid)


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string()])
def test_parquet_free_text_columns_go_through_the_kernel_unchanged_in_meaning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: pa.DataType
) -> None:
    """Free-text columns are de-identified column-wise by the compiled kernel (one splice
    per block, offsets moved by each replacement's length change); the result is the one
    value-by-value de-identification gives, nulls and empty strings included."""
    from tianping.privacy import _deid, _kernel
    from tianping.privacy._corpus import generate_size

    if not _kernel.available():
        pytest.skip("the compiled kernel is not built")
    texts: list[str | None] = [r.text for r in generate_size(0.3, seed=8)]
    texts[::17] = [None] * len(texts[::17])
    texts[5::23] = [""] * len(texts[5::23])
    table = pa.table({"id": pa.array(range(len(texts))), "note": pa.array(texts, kind)})
    src = tmp_path / "in.parquet"
    pq.write_table(table, src)
    pol = parse_policy(
        "types:\n"
        "  cn_resident_id: {action: generalise, to: region_prefix}\n"
        "  cn_mobile: {action: mask, keep_start: 3, keep_end: 4}\n"
        "  email: {action: pseudonymise}\n"
        "  cn_plate: {action: suppress}\n"
        "  '*': {action: redact}\n"
    )
    monkeypatch.setattr(_deid, "_BATCH", 997)  # several blocks, one ending mid-table
    calls: list[int] = []
    real = Deidentifier.text_column

    def spy(self: Deidentifier, arr: object) -> object:
        calls.append(1)
        return real(self, arr)

    monkeypatch.setattr(Deidentifier, "text_column", spy)
    fast_rep = deid_path(src, tmp_path / "fast.parquet", pol)
    assert calls  # the column path ran
    monkeypatch.setenv("TIANPING_PI_ENGINE", "polars")  # value by value
    slow_rep = deid_path(src, tmp_path / "slow.parquet", pol)
    fast, slow = pq.read_table(tmp_path / "fast.parquet"), pq.read_table(tmp_path / "slow.parquet")
    assert fast.schema == table.schema
    assert fast.column("note").to_pylist() == slow.column("note").to_pylist()
    assert fast.column("id").equals(table.column("id"))
    assert fast_rep.files[0].replaced == slow_rep.files[0].replaced
    assert fast_rep.replaced_total > 1000
    assert fast.column("note").to_pylist() != texts


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_csv_and_jsonl_bulk_path_equals_value_by_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    """With the compiled kernel the collected cells are de-identified in one column pass
    and looked up on the second pass; the bytes written and the counts are those of the
    value-by-value path."""
    from tianping.privacy import _cellfiles, _kernel
    from tianping.privacy._corpus import generate_size

    if not _kernel.available():
        pytest.skip("the compiled kernel is not built")
    texts = [r.text for r in generate_size(0.1, seed=4)]
    texts += texts[:50]  # repeated cells are counted once per occurrence
    src = tmp_path / f"in{suffix}"
    if suffix == ".csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(["id", "note", "copy"])
        for i, t in enumerate(texts):
            w.writerow([i, t, t if i % 3 else ""])
        # padded, irregular (quoted then more text: left as is) and empty quoted cells
        buf.write('x,  手机13812345678  ,"手机13912345678"tail\r\n')
        buf.write('y,"",  \r\n')
        src.write_text(buf.getvalue(), encoding="utf-8", newline="")
    else:
        src.write_text(
            "".join(
                json.dumps({"id": i, "note": t, "n": {"x": t}}) + "\n" for i, t in enumerate(texts)
            ),
            encoding="utf-8",
        )
    pol = parse_policy(
        "types:\n"
        "  cn_mobile: {action: mask, keep_start: 3, keep_end: 4}\n"
        "  email: {action: pseudonymise}\n"
        "  '*': {action: redact}\n"
    )
    ran: list[bool] = []
    real = Deidentifier._bulk

    def spy(self: Deidentifier, values: list[str]) -> bool:
        ran.append(real(self, values))
        return ran[-1]

    monkeypatch.setattr(Deidentifier, "_bulk", spy)
    monkeypatch.setattr(_cellfiles, "usable", lambda deid, kind: False)  # test_cellfiles.py
    fast_rep = deid_path(src, tmp_path / f"fast{suffix}", pol)
    assert ran == [True]
    monkeypatch.setenv("TIANPING_PI_ENGINE", "polars")
    slow_rep = deid_path(src, tmp_path / f"slow{suffix}", pol)
    assert ran == [True, False]
    fast = (tmp_path / f"fast{suffix}").read_bytes()
    assert fast == (tmp_path / f"slow{suffix}").read_bytes()
    assert fast_rep.files[0].replaced == slow_rep.files[0].replaced
    assert fast_rep.replaced_total > 300 and fast != src.read_bytes()


def test_jsonl_escaped_strings_are_decoded_before_detection(tmp_path: Path) -> None:
    """Values with escapes are decoded (quotes, backslashes, \\u escapes) before detection
    and re-encoded after; plain values are taken as they are."""
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    lines = [
        r'{"note": "手机13812345678 \"引号\" \\ 完", "id": 1}',
        r'{"note": "\u624b\u673a13812345678"}',
        '{"note": "手机13812345678"}',
    ]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    pol = parse_policy("types:\n  cn_mobile: {action: mask, keep_start: 3, keep_end: 4}\n")
    deid_path(src, dst, pol)
    got = dst.read_text(encoding="utf-8").splitlines()
    assert json.loads(got[0])["note"] == '手机138****5678 "引号" \\ 完'
    assert got[0].endswith(', "id": 1}')
    assert json.loads(got[1])["note"] == "手机138****5678" and "\\u624b" in got[1]
    assert got[2] == '{"note": "手机138****5678"}'


def test_jsonl_first_pass_collects_what_the_second_detects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With only `types` rules the first pass is one regex over the file; awkward lines
    (keys before spaced colons, colons and quotes inside values, empty strings, arrays,
    nesting, a top-level string) must give the counts and bytes of the tokenizer path."""
    from tianping.privacy import _deid

    mobile = "13812345678"
    lines = [
        f'{{"a" : "手机{mobile}", "b": ["x", "{mobile}", ""], "c": {{"d": "电话: {mobile}"}}}}',
        f'{{"k: \\"{mobile}\\"": "v {mobile}", "e": "", "n": 5}}',
        f'"{mobile} 顶层"',
        f'["{mobile}", {{"z": "{mobile}"}}]',
        "",
        f'{{"q": "\\u624b\\u673a{mobile}"}}',
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    pol = parse_policy("types:\n  cn_mobile: {action: mask, keep_start: 3, keep_end: 4}\n")
    fast = deid_path(src, tmp_path / "fast.jsonl", pol)
    monkeypatch.setattr(_deid, "_collect_json_strings", lambda text, deid: False)
    slow = deid_path(src, tmp_path / "slow.jsonl", pol)
    assert (tmp_path / "fast.jsonl").read_bytes() == (tmp_path / "slow.jsonl").read_bytes()
    assert fast.files[0].replaced == slow.files[0].replaced == {"cn_mobile": 8}  # not the key


JSON_POLICY = (
    "columns:\n"
    "  customers[].name: {action: redact, replacement: NAME}\n"
    "  account: {action: mask, keep_end: 2}\n"
    "types:\n"
    "  cn_mobile: {action: mask, keep_start: 3, keep_end: 4}\n"
    "  email: {action: redact}\n"
)


@pytest.mark.parametrize("ascii_only", [False, True])
def test_json_document_changes_values_in_place(tmp_path: Path, ascii_only: bool) -> None:
    def doc(name: str, note: str, phone: object, acct: object) -> dict[str, object]:
        return {
            "exported": "2026-11-29",
            "account": acct,
            "customers": [
                {"name": name, "note": note, "phone": phone, "tags": ["vip", 3, None, True]},
                {"name": name, "product": {"name": "张三丰牌茶叶"}},
            ],
        }

    before = doc("王小明", "手机13812345678，邮箱li.lei@example.com", 13912345678, {"no": "62"})
    # the phone written as a number is found too, and masked (a string then)
    after = doc("NAME", "手机138****5678，邮箱[EMAIL]", "139****5678", {"no": "**"})
    src, out = tmp_path / "export.json", tmp_path / "out.json"
    src.write_text(json.dumps(before, ensure_ascii=ascii_only, indent=2), encoding="utf-8")
    rep = deid_path(src, out, parse_policy(JSON_POLICY))
    assert rep.files[0].format == "json" and rep.files[0].records == 1
    # same layout, same escapes: byte-equal to the expected document written the same way
    assert out.read_text(encoding="utf-8") == json.dumps(after, ensure_ascii=ascii_only, indent=2)
    # a number under no column rule stays a number; under one it becomes a string
    num = parse_policy("columns:\n  customers[].phone: {action: mask, keep_end: 4}\n")
    deid_path(src, out, num)
    assert json.loads(out.read_text(encoding="utf-8"))["customers"][0]["phone"] == "*******5678"


def test_json_document_records_and_errors(tmp_path: Path) -> None:
    pol = parse_policy(JSON_POLICY)
    src, out = tmp_path / "rows.json", tmp_path / "out.json"
    src.write_text('[{"a": "13812345678"},\n {"a": "x"}, "13912345678", 5]\n', encoding="utf-8")
    rep = deid_path(src, out, pol)
    assert rep.files[0].records == 4
    assert json.loads(out.read_text()) == [{"a": "138****5678"}, {"a": "x"}, "139****5678", 5]
    # JSON Lines saved as .json: each top-level value is a record, rules as in a document
    src.write_text('{"account": "abc"}\n{"b": "13812345678"}\n', encoding="utf-8")
    rep = deid_path(src, out, pol)
    assert rep.files[0].records == 2
    assert out.read_text() == '{"account": "*bc"}\n{"b": "138****5678"}\n'
    out.unlink()
    for bad, where in (
        ('{"a": [1, 2}\n', "line 1: unbalanced '}'"),
        ('{\n "a": "x",\n "b": "\\q"\n}', "line 3: invalid JSON string"),
        ('{\n "a": [\n', "truncated JSON"),
        ('{"a": @}', "line 1: not valid JSON"),
    ):
        src.write_text(bad, encoding="utf-8")
        with pytest.raises(InputError, match=re.escape(where)):
            deid_path(src, out, pol)
        assert not out.exists()


def test_office_documents_are_refused_with_advice(tmp_path: Path) -> None:
    """Formats that are scanned but not rewritten (binary workbooks, Apple iWork files) are refused
    with what to do; a broken .xlsx or .ods, or a broken 97-2003 file (rewritten through
    LibreOffice where it is installed), is a clear error."""
    for name in ("book.xlsb", "old.pages"):
        src = tmp_path / name
        src.write_bytes(b"PK\x03\x04 workbook")
        with pytest.raises(InputError, match="export it as CSV"):
            deid_path(src, tmp_path / f"out-{name}", parse_policy(JSON_POLICY))
        assert not (tmp_path / f"out-{name}").exists()
    for name in ("book.xls", "old.doc", "sheet.et"):
        src = tmp_path / name
        src.write_bytes(b"PK\x03\x04 workbook")
        with pytest.raises(InputError, match=r"LibreOffice could not convert|needs LibreOffice"):
            deid_path(src, tmp_path / f"out-{name}", parse_policy(JSON_POLICY))
        assert not (tmp_path / f"out-{name}").exists()
    for kind in ("xlsx", "ods"):
        broken = tmp_path / f"book.{kind}"
        broken.write_bytes(b"PK\x03\x04 workbook")
        with pytest.raises(InputError, match=f"not a readable {kind} file"):
            deid_path(broken, tmp_path / f"out.{kind}", parse_policy(JSON_POLICY))
        assert not (tmp_path / f"out.{kind}").exists()


def test_table_rules_once_per_distinct_value_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    """A column rule that depends on the value alone is applied once per distinct value,
    with the values, nulls, empty cells and counts that value-by-value `cell` gives."""
    from tianping.privacy._deid import deid_table

    monkeypatch.setenv("TIANPING_DEID_KEY", "k" * 24)
    pol = parse_policy(
        "columns:\n  name: {action: pseudonymise, domain: person}\n"
        "  city: {action: mask, keep_start: 1}\n  kept: {action: keep}\n"
    )
    names = ["王伟", "李娜", "王伟", None, "", "王伟", "Ann", "李娜"]
    table = pa.table({"name": names, "city": names[::-1], "kept": names})
    fast = Deidentifier(pol)
    calls: list[str] = []
    real_apply = fast.apply

    def counting(value: str, *args: object, **kw: object) -> str | None:
        calls.append(value)
        return real_apply(value, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(fast, "apply", counting)
    got = deid_table(table, fast, table.schema)
    slow = Deidentifier(pol)
    for col in ("name", "city", "kept"):
        want = [None if v is None else slow.cell(v, col) for v in table.column(col).to_pylist()]
        assert got.column(col).to_pylist() == want
    assert fast.counts == slow.counts == {"name": 6, "city": 6}
    assert sorted(calls) == sorted(
        ["王伟", "李娜", "Ann"]
    )  # pseudonyms: once per value (masks: in C)
