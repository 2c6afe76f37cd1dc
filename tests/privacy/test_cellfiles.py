"""CSV and JSONL de-identification through the compiled tokenizer: the same bytes and
counts as the Python tokenizers, on awkward files and on fuzzed ones."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path
from typing import Any

import pytest

from tianping.errors import InputError
from tianping.privacy import _cellfiles, _kernel
from tianping.privacy._deid import DeidReport, deid_path
from tianping.privacy._policy import Policy, parse_policy

pytestmark = pytest.mark.skipif(
    _cellfiles._celltok is None or not _kernel.available(),
    reason="the compiled tokenizer or kernel is not built",
)

POLICY = (
    "types:\n"
    "  cn_resident_id: {action: generalise, to: region_prefix}\n"
    "  cn_mobile: {action: mask, keep_start: 3, keep_end: 4}\n"
    "  email: {action: pseudonymise}\n"
    "  '*': {action: redact}\n"
)
# replacements with a comma, a quote and non-ASCII: CSV must quote, JSON must escape
AWKWARD = POLICY.replace("'*': {action: redact}", "'*': {action: redact, replacement: 'x,\"删\"'}")
MOBILE, ID = "13812345678", "11010519491231002X"
# column rules of every kind the compiled path computes itself or hands to Python
COLUMNS = (
    POLICY + "columns:\n"
    "  name: {action: pseudonymise}\n"
    "  phone: {action: mask, keep_start: 3, keep_end: 4}\n"
    "  id: {action: generalise, to: region_prefix}\n"
)


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIANPING_DEID_KEY", "cellfiles-test-key-0123")


def _both(
    src: Path, pol: Policy, monkeypatch: pytest.MonkeyPatch, **kw: Any
) -> tuple[bytes, DeidReport, bytes, DeidReport, list[bool]]:
    """De-identify `src` through the compiled path and through the Python tokenizers."""
    ran: list[bool] = []

    def spy(real: Any) -> Any:
        def run(*a: Any) -> Any:
            res = real(*a)
            ran.append(res is not None)
            return res

        return run

    with monkeypatch.context() as m:
        for name in ("deid_csv", "deid_jsonl", "deid_lines"):
            m.setattr(_cellfiles, name, spy(getattr(_cellfiles, name)))
        fast_rep = deid_path(src, src.with_name("fast" + src.suffix), pol, **kw)
    with monkeypatch.context() as m:
        m.setattr(_cellfiles, "usable", lambda deid, kind: False)
        m.setattr(_cellfiles, "deid_lines", lambda data, deid: None)
        slow_rep = deid_path(src, src.with_name("slow" + src.suffix), pol, **kw)
    fast = src.with_name("fast" + src.suffix).read_bytes()
    slow = src.with_name("slow" + src.suffix).read_bytes()
    return fast, fast_rep, slow, slow_rep, ran


def _same(src: Path, pol: Policy, monkeypatch: pytest.MonkeyPatch, **kw: Any) -> list[bool]:
    fast, fast_rep, slow, slow_rep, ran = _both(src, pol, monkeypatch, **kw)
    assert fast == slow
    assert fast_rep.files[0].replaced == slow_rep.files[0].replaced
    assert fast_rep.files[0].records == slow_rep.files[0].records
    return ran


def test_csv_awkward_cells_match_the_python_tokenizer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(
        (
            "id,note,more\r\n"
            f'1,  手机{MOBILE}  ,"身份证{ID}"tail\r\n'  # padded; irregular: left alone
            f'2,"",  \r\n'  # empty quoted and blank cells
            f'3,"他说""手机{MOBILE}""，好","多行\n邮箱 a.b@example.com\n结束"\r\n'
            f"4,电话{MOBILE},Customer 王小明先生 call {MOBILE}\r"  # a lone CR ends a record
            f'5,"{MOBILE}",""""\n'
            f"6,no pi here,{ID}"  # no line end at the end of the file
        ).encode()
    )
    for text in (POLICY, AWKWARD):
        assert _same(src, parse_policy(text), monkeypatch) == [True]
    fast = (tmp_path / "fast.csv").read_bytes().decode()
    assert f'"身份证{ID}"tail\r\n' in fast and "138****5678" in fast
    assert MOBILE not in fast and "a.b@example.com" not in fast
    assert ',"Customer x,""删""先生 call 138****5678"\r' in fast  # now it needs quotes


def test_csv_without_header_tsv_bom_and_other_encodings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pol = parse_policy(POLICY)
    rows = [[str(i), f"手机{MOBILE}", f"身份证 {ID}"] for i in range(30)]
    tsv = tmp_path / "in.tsv"
    tsv.write_text("\n".join("\t".join(r) for r in rows) + "\n", encoding="utf-8")
    assert _same(tsv, pol, monkeypatch, has_header=False) == [True]
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + b"a,b\n" + f"1,{MOBILE}\n".encode())
    assert _same(bom, pol, monkeypatch) == [True]
    assert (tmp_path / "fast.csv").read_bytes().startswith(b"\xef\xbb\xbfa,b\n1,138****5678")
    gb = tmp_path / "gb.csv"
    gb.write_bytes("名字,电话\n王小明,手机".encode("gb18030") + MOBILE.encode() + b"\n")
    assert _same(gb, pol, monkeypatch, encoding="gb18030") == [True]
    assert b"138****5678" in (tmp_path / "fast.csv").read_bytes()
    for name, data in (("empty.csv", b""), ("header.csv", b"a,b\r\n"), ("clean.csv", b"a\nb\n")):
        f = tmp_path / name
        f.write_bytes(data)
        # an empty file ends before the cells are tokenized (no header)
        assert _same(f, pol, monkeypatch) == ([] if name == "empty.csv" else [True])
        assert (tmp_path / "fast.csv").read_bytes() == data


def test_csv_unterminated_quote_is_reported_by_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "in.csv"
    src.write_text(f'a,b\n1,{MOBILE}\n2,"open\n3,x\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"line 3: unterminated quoted field"):
        deid_path(src, tmp_path / "out.csv", parse_policy(POLICY))
    assert not (tmp_path / "out.csv").exists()
    # a quote pair before the end of the data: the regex backtracks to it (irregular)
    src.write_text(f'a,b\n1,"x""{MOBILE}\n', encoding="utf-8")
    assert _same(src, parse_policy(POLICY), monkeypatch) == [True]


def test_csv_fuzz_matches_the_python_tokenizer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(7)
    parts = [MOBILE, ID, "手机", " ", ",", '"', '""', "\n", "\r\n", "a.b@example.com", "x", "。"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=rng.choice(["\n", "\r\n"]))
    w.writerow(["k", "v", "w"])
    for _i in range(400):
        cells = ["".join(rng.choice(parts) for _ in range(rng.randint(0, 6))) for _ in range(3)]
        if rng.random() < 0.3:
            w.writerow(cells)
        else:  # hand-written: padding, bare quotes inside plain cells, short rows
            buf.write(
                ",".join(
                    c.replace("\n", " ").replace("\r", " ") for c in cells[: rng.randint(1, 3)]
                )
            )
            buf.write("\n")
    src = tmp_path / "in.csv"
    src.write_text(buf.getvalue(), encoding="utf-8", newline="")
    assert _same(src, parse_policy(AWKWARD), monkeypatch) == [True]
    assert (tmp_path / "fast.csv").read_bytes() != src.read_bytes()


def test_jsonl_awkward_values_match_the_python_tokenizer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [
        f'{{"a" : "手机{MOBILE}", "b": ["x", "{MOBILE}", ""], "c": {{"d": "电话: {MOBILE}"}}}}',
        f'{{"k: \\"{MOBILE}\\"": "v {MOBILE}", "e": "", "n": -1.5e3, "t": true, "z": null}}',
        f'"{MOBILE} 顶层"',
        f'["{MOBILE}", {{"z": "{MOBILE}"}}]',
        "   ",
        f'{{"q": "\\u624b\\u673a{MOBILE}", "r": "\\ud83d\\ude00 {MOBILE} \\n\\t\\/"}}',
        f'{{"s": "引号 \\"{MOBILE}\\" 反斜杠 \\\\ 身份证{ID}"}}\r',
        f'{{"id": {MOBILE}, "note": "Customer 王小明先生"}}',
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for text in (POLICY, AWKWARD):
        assert _same(src, parse_policy(text), monkeypatch) == [True]
    got = (tmp_path / "fast.jsonl").read_text(encoding="utf-8").splitlines()
    assert f'"k: \\"{MOBILE}\\""' in got[1]  # keys are not values
    assert json.loads(got[5])["q"] == "手机138****5678"
    assert "\\u" in got[5]  # a value written with \u escapes is re-escaped so
    # a number is a value too: detection rewrites the mobile, as a string
    assert '"id": "138****5678"' in got[7] and '"n": -1.5e3' in got[1]


def test_jsonl_the_python_path_takes_what_c_declines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pol = parse_policy(POLICY)
    src = tmp_path / "in.jsonl"
    # a non-ASCII space between tokens, a raw control character inside a string
    src.write_text(f'{{"a":\u3000"{MOBILE}"}}\n', encoding="utf-8")
    fast, _fast_rep, slow, _slow_rep, ran = _both(src, pol, monkeypatch)
    assert ran == [False] and fast == slow and b"138****5678" in fast
    src.write_text(f'{{"a": "ok"}}\n{{"a": "{MOBILE}\x07"}}\n', encoding="utf-8")
    with pytest.raises(
        InputError, match=r"line 2: invalid JSON string at character 13 of its token"
    ):
        deid_path(src, tmp_path / "out.jsonl", pol)
    src.write_text(f'{{"a": "{MOBILE}"}}\n{{"a": "x",}}\n{{"b": 1\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"line 3: truncated JSON"):
        deid_path(src, tmp_path / "out.jsonl", pol)
    assert not (tmp_path / "out.jsonl").exists()


def test_jsonl_fuzz_matches_the_python_tokenizer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(11)
    parts = [MOBILE, ID, "手机", " ", '"', "\\", "\n", "é", "😀", "\u0007", "a.b@example.com", "/"]

    def value(depth: int) -> Any:
        r = rng.random()
        if depth > 2 or r < 0.5:
            return "".join(rng.choice(parts) for _ in range(rng.randint(0, 5)))
        if r < 0.6:
            return rng.choice([1, -2.5, True, None, 10**20])
        if r < 0.8:
            return [value(depth + 1) for _ in range(rng.randint(0, 3))]
        return {value(3): value(depth + 1) for _ in range(rng.randint(0, 3))}

    src = tmp_path / "in.jsonl"
    src.write_text(
        "".join(
            json.dumps({"k": value(0), "m": value(0)}, ensure_ascii=rng.random() < 0.3) + "\n"
            for _ in range(400)
        ),
        encoding="utf-8",
    )
    assert _same(src, parse_policy(AWKWARD), monkeypatch) == [True]
    assert (tmp_path / "fast.jsonl").read_bytes() != src.read_bytes()
    columns = "columns:\n  k: {action: mask, keep_end: 2}\n  m: {action: suppress}\n"
    assert _same(src, parse_policy(AWKWARD + columns), monkeypatch) == [True]


def test_csv_column_rules_match_the_python_tokenizer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "in.csv"
    rows = [["name", "phone", "id", "born", "note", "kept", "city"]]
    for i in range(60):
        rows.append(
            [
                ["王小明", "李雷", " 韩梅梅 "][i % 3],
                f"1381234{i:04d}",
                [ID, "", "１１０１０５１９４９", "\x1c" + ID, "\t" + ID, "ID"][i % 6],
                f"19{50 + i % 40}-0{1 + i % 9}-1{i % 10}",
                f"手机{MOBILE}，邮箱 a{i}@example.com" if i % 4 else "无",
                f"{MOBILE}",
                ["北京市海淀区", "上海市浦东新区", '"引号"'][i % 3],
            ]
        )
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    buf.write(f"x,{MOBILE},,,,,,extra {MOBILE}\r\n")  # a field past the header: by position
    src.write_text(buf.getvalue(), encoding="utf-8", newline="")
    pol = parse_policy(
        COLUMNS + "  born: {action: shift_date, days: 30}\n"
        "  note: {action: detect}\n"
        "  kept: {action: keep}\n"
        "  city: {action: suppress}\n"
    )
    assert _same(src, pol, monkeypatch) == [True]
    fast = (tmp_path / "fast.csv").read_bytes().decode()
    assert f",{MOBILE}," in fast and "a1@example.com" not in fast  # kept; detected
    assert "北京" not in fast and ',""\r\n' in fast  # suppressed, quotes stay quotes
    assert f"extra {MOBILE}" not in fast  # field 7: no rule, detection
    per_row = parse_policy(POLICY + "columns:\n  born: {action: shift_date, per: name}\n")
    assert _same(src, per_row, monkeypatch) == []  # keyed by another cell: Python path


@pytest.mark.parametrize(
    ("name", "body", "compiled"),
    [
        ("crlf.txt", f"身份证 {ID}\r\n手机{MOBILE}\r\n\r\nno pi\r\n", True),
        ("open.txt", f"Customer 王小明先生\n电话 {MOBILE}", True),  # no line end at the end
        ("empty.txt", "", True),
        ("clean.txt", "nothing here\n", True),
        ("u2028.txt", f"手机{MOBILE}\u2028身份证{ID}\n", False),  # splitlines cuts here
        ("cr.txt", f"手机{MOBILE}\r身份证{ID}\n", False),
    ],
)
def test_text_lines_over_file_bytes_match_the_python_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, body: str, compiled: bool
) -> None:
    src = tmp_path / name
    src.write_bytes(body.encode())
    assert _same(src, parse_policy(POLICY), monkeypatch) == [compiled]
    fast = (tmp_path / "fast.txt").read_bytes()
    assert MOBILE.encode() not in fast and (b"\r\n" in fast) == ("\r\n" in body)


def test_text_lines_in_blocks_and_other_encodings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tianping.privacy import _deid

    monkeypatch.setattr(_deid, "_BATCH", 7)  # many blocks, a partial one at the end
    lines = [f"{i} 手机{MOBILE} 身份证{ID}" if i % 3 else f"{i} 无" for i in range(50)]
    for enc, name in (("utf-8-sig", "bom.txt"), ("gb18030", "gb.txt"), ("utf-16", "u16.txt")):
        src = tmp_path / name
        src.write_bytes("\n".join(lines).encode(enc))
        assert _same(src, parse_policy(POLICY), monkeypatch, encoding=enc) == [True]
        fast = (tmp_path / "fast.txt").read_bytes()
        assert fast.decode(enc).count("138****5678") == 33


def _big_files(tmp_path: Path) -> dict[str, bytes]:
    """Files of every kind whose records and cells cross any block boundary."""
    rng = random.Random(5)
    notes = [
        f"手机{MOBILE}",
        f"身份证 {ID}，邮箱 a.b@example.com",
        f'他说""手机{MOBILE}""',
        "多行\n备注 Customer 王小明先生",
        "无",
        "x" * 3000,  # longer than the smallest block
    ]
    csv_buf = io.StringIO()
    w = csv.writer(csv_buf, lineterminator="\r\n")
    w.writerow(["id", "note", "phone"])
    for i in range(300):
        w.writerow([i, rng.choice(notes), f"1381234{i:04d}"])
    csv_buf.write(f"lone,cr {MOBILE}\rnext,{MOBILE}\n")
    jsonl = "".join(
        json.dumps({"i": i, "note": rng.choice(notes)}, ensure_ascii=i % 2 == 0) + "\n"
        for i in range(300)
    )
    text = "".join(
        rng.choice(notes).replace("\n", " ") + rng.choice(["\n", "\r\n"]) for _ in range(400)
    )
    return {
        "big.csv": csv_buf.getvalue().encode(),
        "big.jsonl": jsonl.encode(),
        "big.txt": b"\xef\xbb\xbf" + text.encode(),
    }


@pytest.mark.parametrize("block", [700, 1024, 4099])
def test_big_files_in_blocks_match_the_whole_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:

    pol = parse_policy(POLICY + "columns:\n  phone: {action: mask, keep_end: 4}\n")
    ran: list[int | None] = []
    real = _cellfiles.deid_blocks

    def spy(*a: Any) -> Any:
        ran.append(real(*a))
        return ran[-1]

    monkeypatch.setattr(_cellfiles, "deid_blocks", spy)
    for name, data in _big_files(tmp_path).items():
        src = tmp_path / name
        src.write_bytes(data)
        policy = pol if name.endswith(".csv") else parse_policy(POLICY)
        monkeypatch.setattr(_cellfiles, "BLOCK_BYTES", block)
        blocks = deid_path(src, tmp_path / f"blocks-{name}", policy)
        assert ran and ran[-1] is not None, name  # the block path took it
        monkeypatch.setattr(_cellfiles, "BLOCK_BYTES", 1 << 40)
        whole = deid_path(src, tmp_path / f"whole-{name}", policy)
        got = (tmp_path / f"blocks-{name}").read_bytes()
        assert got == (tmp_path / f"whole-{name}").read_bytes(), name
        assert blocks.files[0].replaced == whole.files[0].replaced, name
        assert blocks.files[0].records == whole.files[0].records, name
        assert MOBILE.encode() not in got, name
    assert not list(tmp_path.glob(".*.tmp"))


def test_big_file_errors_leave_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_cellfiles, "BLOCK_BYTES", 1000)
    pol = parse_policy(POLICY)
    good = "".join(f"{i},手机{MOBILE}\n" for i in range(200)).encode()
    src = tmp_path / "bad.csv"
    src.write_bytes(b"id,note\n" + good + b"999,\xff\xfe broken\n" + good)
    with pytest.raises(InputError, match=rf"not valid utf-8 at byte {8 + len(good) + 4}"):
        deid_path(src, tmp_path / "out.csv", pol)
    src.write_bytes(b"id,note\n" + good + b'7,"never closed\n' + good)
    with pytest.raises(InputError, match=r"line 202: unterminated quoted field"):
        deid_path(src, tmp_path / "out.csv", pol)
    src.write_bytes(b'{"a": "x"}\n' * 200 + b'{"a": \n')
    with pytest.raises(InputError, match=r"line 201: truncated JSON"):
        deid_path(src, tmp_path / "out.jsonl", pol, fmt="jsonl")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


def test_csv_blocks_cut_anywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every block size from 16 to 400 bytes: cuts fall inside quoted fields, between the
    two quotes of an escaped quote, between CR and LF, and after a lone CR."""
    src = tmp_path / "in.csv"
    src.write_bytes(
        (
            "k,v\r\n"
            + "".join(
                f'{i},"a""b{MOBILE}""\r\nc"\r\n{i},{MOBILE}\r{i}, 手机{MOBILE} \n' for i in range(6)
            )
        ).encode()
    )
    pol = parse_policy(POLICY)
    monkeypatch.setattr(_cellfiles, "BLOCK_BYTES", 1 << 40)
    whole = deid_path(src, tmp_path / "whole.csv", pol)
    expected = (tmp_path / "whole.csv").read_bytes()
    for block in range(16, 400, 3):
        monkeypatch.setattr(_cellfiles, "BLOCK_BYTES", block)
        got = deid_path(src, tmp_path / "blocks.csv", pol)
        assert (tmp_path / "blocks.csv").read_bytes() == expected, block
        assert got.files[0].records == whole.files[0].records == 18, block
        assert got.files[0].replaced == whole.files[0].replaced, block


def test_parquet_row_groups_and_column_rules_match_value_by_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Row group by row group, string columns under masks, redactions, suppressions and
    region prefixes in C: the same table (and counts) as the value-by-value path, with the
    input's row groups, compression and schema."""
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    from tianping.privacy._deid import Deidentifier

    n = 500
    table = pa.table(
        {
            "name": pa.array([None if i % 7 == 0 else f"王{i % 13}" for i in range(n)]),
            "phone": pa.array(["" if i % 11 == 0 else f"1381234{i:04d}" for i in range(n)]),
            "id": pa.array([[ID, "１１０１０５", "\x1c" + ID, "x"][i % 4] for i in range(n)]),
            "city": pa.array(
                ["北京市", None, ""] * (n // 3) + ["上海"] * (n % 3), pa.large_string()
            ),
            "note": pa.array([f"手机{MOBILE} 第{i}条" for i in range(n)]),
            "code": pa.array(list(range(n)), pa.int64()),
            "born": pa.array([dt.date(1990, 1, 1 + i % 28) for i in range(n)]),
        }
    )
    src = tmp_path / "in.parquet"
    pq.write_table(table, src, row_group_size=120, compression="zstd")
    pol = parse_policy(
        COLUMNS + "  city: {action: suppress}\n"
        "  code: {action: redact}\n"
        "  born: {action: shift_date, days: 3}\n"
    )
    calls: list[bool] = []
    real = _cellfiles.parquet_column

    def spy(*a: Any) -> Any:
        res = real(*a)
        calls.append(res is not None)
        return res

    with monkeypatch.context() as m:
        m.setattr(_cellfiles, "parquet_column", spy)
        fast_rep = deid_path(src, tmp_path / "fast.parquet", pol)
    with monkeypatch.context() as m:
        m.setattr(_cellfiles, "parquet_column", lambda *a: None)
        m.setattr(Deidentifier, "text_column", lambda self, arr: None)
        slow_rep = deid_path(src, tmp_path / "slow.parquet", pol)
    assert calls.count(True) == 3 * 5  # phone, id, city in each of the 5 row groups
    fast, slow = pq.read_table(tmp_path / "fast.parquet"), pq.read_table(tmp_path / "slow.parquet")
    assert fast.equals(slow)
    assert fast_rep.files[0].replaced == slow_rep.files[0].replaced
    assert fast_rep.files[0].records == n
    meta = pq.ParquetFile(tmp_path / "fast.parquet").metadata
    assert meta.num_row_groups == 5 and meta.row_group(0).column(0).compression == "ZSTD"
    assert fast.schema.field("code").type == pa.string()  # redacted numbers become text
    assert fast.schema.field("city").type == pa.large_string()
    assert fast.column("city").null_count == sum(1 for v in table["city"].to_pylist() if v != "")
    # a full-width ID reads as its ASCII digits: the prefix is written so
    assert fast.column("id").to_pylist()[:4] == ["110105", "110105", "110105", "*"]


def test_jsonl_column_rules_match_the_python_tokenizer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A top-level key's rule reaches its nested values and its numbers; keys are matched
    decoded; suppression writes null; a number a rule changes becomes a string."""
    lines = [
        f'{{"name": "王小明", "phone": "{MOBILE}", "id": "{ID}", "n": 1, "note": "手机{MOBILE}"}}',
        f'{{"ph\\u006fne": {MOBILE}, "name": ["李雷", {{"x": "韩梅梅"}}], "city": "北京市"}}',
        f'{{"born": "1990-01-02", "kept": "{MOBILE}", "note": {{"deep": "身份证 {ID}"}}}}',
        f'{{"code": 42, "code2": -1.5e3, "city": null, "phone": "", "other": {MOBILE}}}',
        f'["{MOBILE}", {{"phone": "{MOBILE}"}}]',
        f'"{MOBILE} 顶层"',
        f'{{"phone": "\\u0031{MOBILE[1:]}", "id": "１１０１０５", "name": true}}',
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines * 3) + "\n", encoding="utf-8")
    pol = parse_policy(
        COLUMNS + "  city: {action: suppress}\n"
        "  code: {action: redact}\n"
        "  code2: {action: detect}\n"
        "  born: {action: shift_date, days: 3, per: name}\n"
        "  kept: {action: keep}\n"
    )
    assert _same(src, pol, monkeypatch) == [True]
    got = (tmp_path / "fast.jsonl").read_text(encoding="utf-8").splitlines()
    assert '"city": null' in got[1] and f'"kept": "{MOBILE}"' in got[2]
    assert '"ph\\u006fne": "138****5678"' in got[1]  # a number under a mask: now a string
    # a number with no rule goes to detection like a string: the mobile is masked
    assert '"code": "[CODE]"' in got[3] and '"other": "138****5678"' in got[3]
    assert '"code2": -1.5e3' in got[3]  # detection finds nothing in it: the token stays
    assert json.loads(got[1])["name"][1]["x"].startswith("NAME_")  # nested under "name"


@pytest.mark.parametrize("suffix", [".txt", ".jsonl"])
def test_line_blocks_cut_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    """Text and JSON Lines with CR LF line ends, every block size from 16 to 300 bytes: a
    block never ends between a CR and its LF, so the block path always takes the file."""
    src = tmp_path / f"in{suffix}"
    rows = [f"手机{MOBILE} 第{i}行" for i in range(8)]
    body = rows if suffix == ".txt" else [json.dumps({"n": r}, ensure_ascii=False) for r in rows]
    src.write_bytes(("\r\n".join(body) + "\r\n").encode())
    pol = parse_policy(POLICY)
    monkeypatch.setattr(_cellfiles, "BLOCK_BYTES", 1 << 40)
    deid_path(src, tmp_path / f"whole{suffix}", pol)
    expected = (tmp_path / f"whole{suffix}").read_bytes()
    ran: list[int | None] = []
    real = _cellfiles.deid_blocks
    monkeypatch.setattr(_cellfiles, "deid_blocks", lambda *a: ran.append(real(*a)) or ran[-1])
    for block in range(16, 300, 5):
        monkeypatch.setattr(_cellfiles, "BLOCK_BYTES", block)
        deid_path(src, tmp_path / f"blocks{suffix}", pol)
        assert ran[-1] == 8, block
        assert (tmp_path / f"blocks{suffix}").read_bytes() == expected, block


def test_progress_adds_up_block_by_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_cellfiles, "BLOCK_BYTES", 1000)
    pol = parse_policy(POLICY)
    rows = "".join(f"{i},手机{MOBILE}\n" for i in range(300)).encode()
    src = tmp_path / "in"
    src.mkdir()
    (src / "big.csv").write_bytes(b"\xef\xbb\xbfid,note\n" + rows)  # with a BOM
    (src / "big.txt").write_bytes(rows)
    (src / "small.jsonl").write_bytes(b'{"a": "x"}\n')
    (src / "bad.bin").write_bytes(b"\x00\x01" * 600)  # skipped, still counted
    for name in ("big.csv", "big.txt", "small.jsonl"):
        one, calls = src / name, []
        deid_path(one, tmp_path / name, pol, on_bytes=calls.append)
        assert sum(calls) == one.stat().st_size and min(calls) > 0, name
        # big files report block by block as they go, small ones once at the end
        assert (len(calls) > 5) == name.startswith("big"), (name, len(calls))
    calls: list[int] = []
    rep = deid_path(src, tmp_path / "out", pol, on_bytes=calls.append)
    assert [f.status for f in rep.files].count("skipped") == 1
    assert sum(calls) == sum(p.stat().st_size for p in src.iterdir())
