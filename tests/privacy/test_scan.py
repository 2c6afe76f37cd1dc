"""Streaming scans of real files: formats, encodings, bad inputs, columns, workers."""

from __future__ import annotations

from pathlib import Path

import pytest

from tianping.errors import InputError
from tianping.privacy._scan import ScanOptions, scan_file, scan_paths, sniff_encoding


def _by_name(report):  # type: ignore[no-untyped-def]
    return {Path(f.path).name: f for f in report.files}


def test_scan_folder_formats_encodings_and_bad_inputs(corpus) -> None:  # type: ignore[no-untyped-def]
    rep = scan_paths([corpus.root / "data"])
    files = _by_name(rep)
    assert files["records.jsonl"].status == "ok" and files["records.jsonl"].rows == 1000
    assert files["notes.txt"].rows == 1000
    assert files["legacy_gbk.txt"].encoding == "gb18030"
    assert files["export_utf16.txt"].encoding == "utf-16"
    # same text in three encodings: GBK/UTF-16 files find PI like UTF-8 does
    assert files["legacy_gbk.txt"].counts.get("cn_resident_id", 0) > 20
    assert files["export_utf16.txt"].counts.get("cn_mobile", 0) > 20
    assert files["empty.csv"].status == "skipped"
    assert files["image.bin"].status == "skipped"
    assert files["broken.parquet"].status == "error" and files["broken.parquet"].message
    ragged = files["ragged.csv"]
    assert ragged.status == "ok" and ragged.malformed_rows == 1 and ragged.counts["cn_mobile"] == 2
    # skipped records are located (data row, JSON line) without quoting them
    assert [(p.row, p.message.split(" / ")[0]) for p in ragged.problems] == [
        (2, "expected 2 columns, got 4")
    ]
    mixed = files["mixed.jsonl"]
    assert mixed.malformed_rows == 1 and mixed.counts == {"cn_mobile": 1}
    assert [(p.row, p.message.split(" / ")[0]) for p in mixed.problems] == [
        (2, "not valid JSON: Expecting property name enclosed in double quotes (column 2)")
    ]
    assert mixed.columns[0].column == "user.phone"
    huge = files["huge_line.txt"]
    assert huge.long_lines == 1 and huge.counts == {"cn_mobile": 1}
    (ex,) = [f for f in rep.findings if f.file.endswith("huge_line.txt")]
    assert ex.row == 1 and ex.start == 2_500_003
    assert rep.files_failed == 3 and rep.files_scanned == len(rep.files) - 3
    assert rep.sensitive_findings > 0 and rep.minor_findings > 0


def test_table_columns_are_classified(corpus) -> None:  # type: ignore[no-untyped-def]
    for name in ("customers.csv", "customers.parquet"):
        rep, _ = scan_file(corpus.root / "data" / name)
        labels = {c.column: c.label for c in rep.columns}
        assert labels["id_number"] == "cn_resident_id"
        assert labels["phone"] == "cn_mobile"
        assert labels["email"] == "email"
        assert labels["card"] == "bank_card"
        assert labels["name"] == "person_name_zh"  # header gives the context
        assert labels["order_no"] is None and labels["amount"] is None
        assert rep.rows == 400


def test_columns_only_samples_then_confirms(corpus) -> None:  # type: ignore[no-untyped-def]
    path = corpus.root / "data" / "customers.csv"
    rep, _ = scan_file(path, ScanOptions(columns_only=True, sample_rows=50))
    cols = {c.column: c for c in rep.columns}
    assert cols["id_number"].confirmed and cols["id_number"].values_scanned == 400
    assert not cols["amount"].confirmed and cols["amount"].values_scanned == 50
    full, _ = scan_file(path)
    assert rep.counts["cn_resident_id"] == full.counts["cn_resident_id"]


def test_max_rows_scans_only_the_first_rows_of_each_file(corpus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A survey: each format stops after the first N records (in small batches too, so the
    cut falls inside one), says so, and what it counts is what those rows hold."""
    import polars as pl

    from tianping.privacy import detect_batch

    data = corpus.root / "data"
    notes = (data / "notes.txt").read_text(encoding="utf-8").split("\n")
    small = ScanOptions(max_rows=130, batch_rows=50, batch_chars=5_000)
    for name in ("customers.csv", "customers.parquet", "notes.txt", "records.jsonl"):
        calls: list[int] = []
        rep, examples = scan_file(data / name, small, on_bytes=calls.append)
        assert rep.status == "ok" and rep.partial and rep.rows == 130, name
        assert sum(calls) == (data / name).stat().st_size  # the rest is reported as done
        assert all(e.row <= 130 for e in examples), name
    rep, _ = scan_file(data / "customers.csv", small)
    assert {c.column: c.values_scanned for c in rep.columns}["phone"] == 130
    rep, _ = scan_file(data / "notes.txt", small)
    want = detect_batch(pl.Series(notes[:130]), previews=False)["pi_type"].value_counts()
    assert rep.counts == dict(zip(want["pi_type"], want["count"], strict=True))
    # a limit the file does not reach: a whole scan, not partial
    whole, _ = scan_file(data / "customers.csv", ScanOptions(max_rows=10_000))
    assert not whole.partial and whole.rows == 400
    # the CLI says which files were cut
    from typer.testing import CliRunner

    from tianping.cli import app

    res = CliRunner().invoke(app, ["scan", str(data / "notes.txt"), "--max-rows", "20"])
    assert res.exit_code in (0, 1), res.output
    assert "only the first rows scanned" in res.output and "notes.txt: 20 rows" in res.output


def test_locations_point_at_the_value(corpus) -> None:  # type: ignore[no-untyped-def]
    rep = scan_paths([corpus.root / "data" / "notes.txt", corpus.root / "data" / "customers.csv"])
    lines = (corpus.root / "data" / "notes.txt").read_text(encoding="utf-8").split("\n")
    table = corpus.table
    checked = 0
    for f in rep.findings:
        if f.file.endswith("notes.txt"):
            value = lines[f.row - 1][f.start : f.end]
        else:
            value = table[f.row - 1][f.column][f.start : f.end]
        assert value and f.preview != value and value not in f.preview
        checked += 1
    assert checked > 20


def test_workers_give_the_same_counts(corpus) -> None:  # type: ignore[no-untyped-def]
    paths = [corpus.root / "data"]
    one = scan_paths(paths)
    two = scan_paths(paths, ScanOptions(workers=2))
    assert one.counts == two.counts
    assert [f.path for f in one.files] == [f.path for f in two.files]


def test_progress_counts_every_byte_batch_by_batch(corpus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import polars as pl

    data = corpus.root / "data"
    big_csv = tmp_path / "big.csv"
    big_csv.write_bytes((data / "customers.csv").read_bytes() * 20)
    big_pq = tmp_path / "big.parquet"
    pl.read_csv(big_csv, infer_schema=False).write_parquet(big_pq, row_group_size=500)
    gbk = tmp_path / "big_gbk.txt"
    gbk.write_bytes((data / "legacy_gbk.txt").read_bytes() * 5)
    files = [data / "records.jsonl", data / "notes.txt", gbk, big_csv, big_pq]
    # small batches: every format reports progress several times within one file
    opts = ScanOptions(batch_chars=20_000, batch_rows=1_000, max_line_chars=500)
    for f in files:
        calls: list[int] = []
        rep, _ = scan_file(f, opts, on_bytes=calls.append)
        assert rep.status == "ok", rep.message
        assert sum(calls) == f.stat().st_size and len(calls) >= 3 and min(calls) > 0, f.name
    # whole runs, sequential and on threads, bad files included, add up to the total
    total = sum(p.stat().st_size for p in data.rglob("*") if p.is_file())
    for workers in (1, 2):
        calls = []
        scan_paths([data], ScanOptions(workers=workers), on_bytes=calls.append)
        assert sum(calls) == total, workers


def test_office_files_are_skipped_with_advice(tmp_path: Path) -> None:
    """Formats not read are skipped with what to export them as; a broken document of a
    format that is read (a truncated .doc too) is an error, never shows its content."""
    import zipfile

    with zipfile.ZipFile(tmp_path / "合同.docx", "w") as z:
        z.writestr("word/document.xml", "<w:t>13812345678</w:t>")  # no namespace: not Word
    (tmp_path / "旧合同.doc").write_bytes(b"\xd0\xcf\x11\xe0 13812345678")
    (tmp_path / "汇报.numbers").write_bytes(b"PK\x03\x04 13812345678")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4 13812345678 plain looking")
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a workbook 13812345678")
    (tmp_path / "ok.txt").write_text("手机13812345678", encoding="utf-8")
    rep = scan_paths([tmp_path])
    files = _by_name(rep)
    assert files["汇报.numbers"].status == "skipped"
    assert "export it as CSV" in str(files["汇报.numbers"].message)
    for name in ("合同.docx", "notes.pdf", "broken.xlsx", "旧合同.doc"):
        assert files[name].status == "error" and "138" not in str(files[name].message), name
    assert rep.counts == {"cn_mobile": 1}  # only the text file was read


def _workbook(path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "客户"
    ws.append(["姓名", "手机", "金额"])
    ws.append(["王伟", 13812345678, 12.5])  # a number cell, read as Excel shows it
    ws.append(["李娜", "13912345678", None])
    wb.create_sheet("空表")
    notes = wb.create_sheet("备注")
    notes.append(["note"])
    for i in range(30):
        notes.append([f"第{i}条：客户张敏手机1361234{i:04d}" if i % 3 == 0 else "无"])
    wb.save(path)


def test_excel_workbooks_are_scanned_sheet_by_sheet(tmp_path: Path) -> None:
    path = tmp_path / "客户名单.xlsx"
    _workbook(path)
    calls: list[int] = []
    rep, found = scan_file(path, ScanOptions(batch_rows=4, max_examples=50), on_bytes=calls.append)
    assert rep.status == "ok" and rep.format == "excel" and rep.rows == 32
    labels = {c.column: c.label for c in rep.columns}
    assert labels["客户!姓名"] == "person_name_zh"  # the header is the context
    assert labels["客户!手机"] == "cn_mobile" and labels["客户!金额"] is None
    assert rep.counts["cn_mobile"] == 2 + 10
    # rows are data rows of their own sheet; the empty sheet adds nothing
    rows = sorted(f.row for f in found if f.column == "备注!note" and f.pi_type == "cn_mobile")
    assert rows == list(range(1, 31, 3))
    assert not rep.problems and not any(c.column.startswith("空表") for c in rep.columns)
    assert sum(calls) == path.stat().st_size


def test_excel_sheet_that_cannot_be_read_is_noted(tmp_path: Path) -> None:
    import zipfile

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "ok"
    ws.append(["phone"])
    ws.append(["13812345678"])
    bad = wb.create_sheet("broken")
    bad.append(["phone"])
    bad.append(["13912345678"])
    whole = tmp_path / "whole.xlsx"
    wb.save(whole)
    path = tmp_path / "book.xlsx"  # the second sheet's XML cut in half
    with zipfile.ZipFile(whole) as zin, zipfile.ZipFile(path, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet2.xml":
                data = data[: len(data) // 2]
            zout.writestr(item, data)
    rep, _ = scan_file(path)
    assert rep.status == "ok" and rep.counts == {"cn_mobile": 1} and rep.rows == 1
    assert [p.message.split(" / ")[0] for p in rep.problems] == [
        "sheet 'broken': no header row or unreadable"
    ]


def test_excel_without_fastexcel_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tianping.privacy import _scan

    path = tmp_path / "book.xlsx"
    _workbook(path)
    monkeypatch.setattr(_scan, "_has_fastexcel", lambda: False)
    rep, _ = scan_file(path)
    assert rep.status == "skipped" and "fastexcel" in str(rep.message)


def test_missing_path_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        scan_paths([tmp_path / "nope"])


def test_sniff_encoding() -> None:
    assert sniff_encoding("手机".encode()) == "utf-8"
    assert sniff_encoding("手机号码是多少".encode("gbk")) == "gb18030"
    assert sniff_encoding("abc".encode("utf-16-le")) == "utf-16-le"
    assert sniff_encoding(b"\x00\x01\x02\x03\xff\x00\x10") is None


def test_json_document_rows(tmp_path: Path) -> None:
    doc = tmp_path / "export.json"
    doc.write_text(
        '[\n {"user": {"phone": "13812345678"}},\n {"user": {"email": "li.na@example.com"}}\n]\n',
        encoding="utf-8",
    )
    rep, ex = scan_file(doc)
    assert rep.rows == 2 and rep.malformed_rows == 0
    assert rep.counts == {"cn_mobile": 1, "email": 1}
    assert {e.row for e in ex} == {1, 2}
    # past the size parsed whole: one clear error, not a malformed row per line
    rep, _ = scan_file(doc, ScanOptions(max_json_bytes=20))
    assert rep.status == "error" and "convert it to JSON Lines" in str(rep.message)
    assert rep.malformed_rows == 0
    # a .json file of one record per line is still read as JSON Lines at any size
    doc.write_text('{"phone": "13812345678"}\n{"phone": "x"}\n', encoding="utf-8")
    rep, _ = scan_file(doc, ScanOptions(max_json_bytes=20))
    assert rep.status == "ok" and rep.rows == 2 and rep.counts == {"cn_mobile": 1}
    # a minified document on one line: its elements are still the rows
    doc.write_text('[{"phone": "13812345678"}, {"phone": "x"}, {"phone": "x"}]', encoding="utf-8")
    rep, _ = scan_file(doc)
    assert rep.rows == 3 and [c.column for c in rep.columns] == ["phone"]


def test_json_arrays_are_scanned_element_by_element(tmp_path: Path) -> None:
    """An array's elements are cells of their own under `path[]`, all on their record's
    line: a record with a long array does not shift the lines of the records after it
    (it once did, and a three-element array made the scan fail)."""
    path = tmp_path / "events.jsonl"
    path.write_text(
        '{"id": 1, "tags": ["a", "b", "c"]}\n'
        '{"id": 2, "tags": ["电话 13812345678"], "to": [{"mail": "li.na@example.com"}]}\n'
        '{"id": 3, "tags": [], "to": [{"mail": "x"}, {"mail": "wang@example.cn"}]}\n',
        encoding="utf-8",
    )
    rep, ex = scan_file(path)
    assert rep.status == "ok" and rep.rows == 3
    assert rep.counts == {"cn_mobile": 1, "email": 2}
    got = sorted((e.row, e.column, e.start, e.end) for e in ex)
    assert got == [(2, "tags[]", 3, 14), (2, "to[].mail", 0, 17), (3, "to[].mail", 0, 15)]
    tags = next(c for c in rep.columns if c.column == "tags[]")
    assert (tags.values_scanned, tags.values_with_pi) == (4, 1)


def test_parquet_dictionary_and_nested_columns_are_scanned(tmp_path: Path) -> None:
    """Text in dictionary-encoded, list, struct and map columns is scanned (it was left
    out): a column per path (`tags[]`, `contact.phone`, `attrs{}`), each value a cell on
    the row it belongs to, across batches."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    mobile, n = "13812345678", 30
    table = pa.table(
        {
            "id": pa.array(range(n)),
            "city": pa.array(["上海" if i % 3 else f"手机{mobile}" for i in range(n)])
            .dictionary_encode(),
            "tags": pa.array([["vip", f"tel {mobile}"] if i % 5 == 0 else [] for i in range(n)],
                             pa.list_(pa.string())),
            "contact": pa.array([None if i == 4 else {"phone": mobile if i % 2 else "-", "n": i}
                                 for i in range(n)],
                                pa.struct([("phone", pa.string()), ("n", pa.int64())])),
            "attrs": pa.array([[("mail", f"u{i}@example.com")] for i in range(n)],
                              pa.map_(pa.string(), pa.string())),
            # text written as bytes (Parquet without the UTF8 annotation), and real bytes
            "memo": pa.array([f"备注 {mobile}".encode() if i % 10 == 0 else b"-"
                              for i in range(n)], pa.binary()),
            "blob": pa.array([b"\xff\x00" + mobile.encode()] * n, pa.binary()),
        }
    )  # fmt: skip
    path = tmp_path / "nested.parquet"
    pq.write_table(table, path)
    rep, ex = scan_file(path, ScanOptions(batch_rows=7, max_examples=100))
    assert rep.status == "ok" and rep.rows == n
    cols = {c.column: c for c in rep.columns}
    assert cols["city"].types == {"cn_mobile": 10} and cols["city"].values_scanned == n
    assert cols["tags[]"].types == {"cn_mobile": 6} and cols["tags[]"].values_scanned == 12
    assert cols["contact.phone"].types == {"cn_mobile": 15}
    assert cols["contact.phone"].values_scanned == n - 1  # a null struct has no phone
    assert cols["attrs{}"].types == {"email": n}
    rows = {(e.column, e.row, e.start) for e in ex}
    assert {r for c, r, _ in rows if c == "tags[]"} == {1, 6, 11, 16, 21, 26}  # 1-based rows
    assert ("tags[]", 6, 4) in rows and ("contact.phone", 2, 0) in rows
    assert cols["memo"].types == {"cn_mobile": 3} and "blob" not in cols
    assert rep.counts == {"cn_mobile": 34, "email": n}


def test_text_lines_across_blocks_line_ends_and_long_lines(tmp_path: Path) -> None:
    """Block reading keeps line numbers and in-line offsets exact on every path."""
    mobile = "13812345678"
    long_line = "说明" * 700 + "手机" + mobile  # one line far past max_line_chars
    lines = [f"第{i}行 手机{mobile}" if i % 7 == 0 else f"普通的一行 {i}" for i in range(400)]
    lines[200] = long_line
    cases = {
        "lf.txt": "\n".join(lines) + "\n",
        "crlf.txt": "\r\n".join(lines) + "\r\n",
        "cr.txt": "\r".join(lines) + "\r",  # old Mac line ends: the per-line path
        "no_final_newline.txt": "\n".join(lines),
    }
    want_rows = [i + 1 for i in range(400) if i % 7 == 0 and i != 200] + [201]
    # UTF-8 is read as bytes (its own reader), the others as text; block sizes that put
    # block ends at many places inside the long line and between CR and LF
    for enc in ("utf-8", "utf-8-sig", "gb18030", "utf-16"):
        for batch in (1000, 777, 2048):
            for name, text in cases.items():
                path = tmp_path / name
                path.write_text(text, encoding=enc, newline="")
                opts = ScanOptions(batch_chars=batch, max_line_chars=500, max_examples=10_000)
                rep, found = scan_file(path, opts)
                where = (enc, batch, name)
                assert rep.status == "ok" and rep.rows == 400, where
                assert rep.long_lines == 1, where
                mobiles = [f for f in found if f.pi_type == "cn_mobile"]
                assert sorted(f.row for f in mobiles) == sorted(want_rows), where
                for f in mobiles:
                    assert text.splitlines()[f.row - 1][f.start : f.end] == mobile, where


def test_utf8_reader_bad_bytes_and_cut_characters(tmp_path: Path) -> None:
    """Bytes that are not UTF-8 become U+FFFD as with a text-mode read, on both paths;
    offsets after them stay exact, and a character cut by a block end is whole again."""
    mobile = "13812345678"
    lines = [f"行{i} 电话{mobile}" for i in range(4000)]
    raw = ("\n".join(lines) + "\n").encode()
    # past the sniffed head: a stray byte in one line, a truncated character in another
    raw = raw.replace("行3000 ".encode(), b"\xff\xfe3000 ", 1)
    raw = raw.replace("行3500 ".encode(), "行".encode()[:2] + b"3500 ", 1)
    # a long line (per-line path) with CJK characters across every block end
    long_line = ("说明文字" * 400 + f"手机{mobile}").encode()
    raw += long_line + b"\n" + "末行".encode()[:-1]  # file ends inside a character
    path = tmp_path / "bad.txt"
    path.write_bytes(raw)
    want = raw.decode("utf-8", errors="replace").split("\n")
    for batch in (500, 1001, 1 << 20):
        opts = ScanOptions(batch_chars=batch, max_line_chars=400, max_examples=10_000)
        rep, found = scan_file(path, opts)
        assert rep.status == "ok" and rep.encoding == "utf-8" and rep.rows == 4002, batch
        mobiles = sorted((f.row, f.start) for f in found if f.pi_type == "cn_mobile")
        assert [r for r, _ in mobiles] == list(range(1, 4002)), batch
        for row, start in mobiles:
            assert want[row - 1][start : start + 11] == mobile, (batch, row)


def test_jsonl_block_reader_matches_the_line_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Flat UTF-8 JSONL blocks go through pyarrow's JSON reader; whatever a block holds,
    the report is the one the line-by-line reader gives."""
    import json

    from tianping.privacy import _scan

    mobile = "13812345678"
    flat = [json.dumps({"id": i, "name": f"用户{i}", "phone": f"手机{mobile}"}) for i in range(300)]
    odd = [
        json.dumps({"user": {"phone": mobile}, "tags": ["a", mobile]}),  # nested
        json.dumps({"id": 1, "amount": 12.5, "ok": True, "phone": mobile}),  # float, bool
        '{"phone": "1", "phone": "' + mobile + '"}',  # a key given twice: the last wins
        json.dumps({"phone": 7}),
        json.dumps({"phone": mobile}),  # a field that changes type
        "{bad json " + mobile,
        "",
        "   ",
        json.dumps({"note": None}),
        json.dumps({}),
        json.dumps("just a string " + mobile),
        json.dumps({"k": "x" * 3000 + mobile}),  # a line past 4 * max_line_chars bytes
    ]
    lines = flat[:100] + odd[:6] + flat[100:200] + odd[6:] + flat[200:]
    cases = {
        "lf.jsonl": ("\n".join(lines) + "\n").encode(),
        "crlf.jsonl": ("\r\n".join(lines) + "\r\n").encode(),
        "bom.jsonl": b"\xef\xbb\xbf" + "\n".join(flat).encode(),  # no final newline
        "cr.jsonl": ("\r".join(flat[:50]) + "\r").encode(),
    }

    def summary(path: Path, batch: int) -> tuple[object, ...]:
        rep, found = scan_file(path, ScanOptions(batch_chars=batch, max_line_chars=500))
        cols = sorted((c.column, c.values_scanned, c.values_with_pi, c.types) for c in rep.columns)
        spans = sorted((f.row, f.column or "", f.start, f.end, f.pi_type) for f in found)
        return rep.status, rep.rows, rep.malformed_rows, rep.counts, cols, spans

    fast_blocks = []
    real_flat = _scan._flat_jsonl

    def counting(*args):  # type: ignore[no-untyped-def]
        out = real_flat(*args)
        fast_blocks.append(out is not None)
        return out

    monkeypatch.setattr(_scan, "_flat_jsonl", counting)
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        for batch in (700, 4096, 1 << 20):
            monkeypatch.setattr(_scan, "_FAST_JSONL", False)
            slow = summary(path, batch)
            monkeypatch.setattr(_scan, "_FAST_JSONL", True)
            fast = summary(path, batch)
            assert fast == slow, (name, batch)
            assert slow[0] == "ok" and slow[3].get("cn_mobile", 0) >= 50, (name, batch)
    assert sum(fast_blocks) > 20 and not all(fast_blocks)  # both paths were taken
    # the line reader itself: rows, the malformed record, the last of a repeated key
    rep, found = scan_file(tmp_path / "lf.jsonl", ScanOptions(max_examples=10_000))
    assert rep.rows == len([x for x in lines if x.strip()]) - 1 and rep.malformed_rows == 1
    dup_row = lines.index(odd[2]) + 1
    assert [f.start for f in found if f.row == dup_row] == [0]


def test_line_views_split_as_the_general_path_does() -> None:
    """`_line_views` (C split, views over the block) gives the lines the polars split gives,
    and declines exactly where that path declines: bytes that are not UTF-8, a '\\r' that
    does not end a line, a line over max_line_chars characters."""
    import random

    from tianping.privacy._scan import _line_views

    rng = random.Random(11)
    parts = ["a", "bc", " ", "手机", "13812345678", "é", "\U0001f600", "\r\n", "\n", "\n", "\r",
             "0123456789ab", "0123456789abc"]  # fmt: skip
    checked = 0
    for _ in range(3000):
        text = "".join(rng.choice(parts) for _ in range(rng.randint(0, 30))) + "\n"
        block = text.encode()
        if rng.random() < 0.05:
            block = block.replace("手".encode(), "手".encode()[:2], 1)  # a cut character
        max_chars = rng.choice([3, 12, 13, 40, 10_000])
        got = _line_views(block, max_chars)
        try:
            body = block.decode()
        except UnicodeDecodeError:
            assert got is None
            continue
        lines = [x.removesuffix("\r") for x in body[:-1].split("\n")]
        if any("\r" in x for x in lines) or max(len(x) for x in lines) > max_chars:
            assert got is None, text
            continue
        assert got is not None and got.to_list() == lines, text
        checked += 1
    assert checked > 500


def test_text_reports_equal_on_both_line_splits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scan through the C line split reports exactly what the polars split and the
    per-line reader report, with and without a line end after the last line."""
    from tianping.privacy import _scan
    from tianping.privacy._corpus import generate

    recs = list(generate(3000, seed=5))
    text = "\r\n".join(r.text for r in recs[:1500]) + "\r\n"
    text += "\n".join(r.text for r in recs[1500:]) + "\n\n\n"
    path = tmp_path / "mixed.txt"
    path.write_text(text, encoding="utf-8", newline="")
    # the same without a line end after the last line (the file's end ends it)
    bare = tmp_path / "bare.txt"
    bare.write_text(text.rstrip("\n"), encoding="utf-8", newline="")
    opts = ScanOptions(batch_chars=20_000, batch_rows=700, max_examples=50)
    fast = [scan_file(p, opts) for p in (path, bare)]
    monkeypatch.setattr(_scan, "_line_views", lambda block, max_chars: None)
    slow = [scan_file(p, opts) for p in (path, bare)]
    monkeypatch.setattr(_scan, "_split_utf8", lambda block, state, opts: None)
    per_line = [scan_file(p, opts) for p in (path, bare)]  # the Python line reader
    for (frep, fex), (srep, sex) in zip(fast + fast, slow + per_line, strict=True):
        assert frep.model_dump() == srep.model_dump()
        assert [f.model_dump() for f in fex] == [f.model_dump() for f in sex]
    assert fast[0][0].rows == 3002 and sum(fast[0][0].counts.values()) > 3000
    assert fast[1][0].rows == 3000 and fast[1][0].counts == fast[0][0].counts


def test_type_counts_by_kernel_codes_match_the_group_by() -> None:
    """Counting by the kernel's type codes gives the counts, and the first-seen order that
    breaks label ties, of a group_by on the type names."""
    import polars as pl

    from tianping.privacy import _kernel
    from tianping.privacy._corpus import generate
    from tianping.privacy._scan import _detect_column, _type_counts

    if not _kernel.available():
        pytest.skip("the compiled kernel is not built: only the group_by path exists")
    texts = [r.text for r in generate(2000, seed=9)]
    for part in (texts, texts[::-1], texts[:7]):
        df = _detect_column(None, pl.Series("t", part), ScanOptions())
        assert "type_code" in df.columns
        by_names = _type_counts(df.drop("type_code"))
        assert _type_counts(df) == by_names and len(by_names) > (1 if len(part) < 10 else 10)


def test_a_first_row_that_holds_pi_is_a_record(tmp_path: Path) -> None:
    """A CSV export or a sheet without a header: the first row holds a phone and an e-mail.
    Read as a header, its values would be neither scanned nor de-identified, and would be
    shown raw as column names; read as a record, they are found, rewritten and never shown."""
    import openpyxl

    from tianping.privacy._deid import deid_path
    from tianping.privacy._policy import parse_policy

    rows = [["张三", "13812345678", "li@example.com"], ["李四", "13912345678", "w@example.com"]]
    src = tmp_path / "export.csv"
    src.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "客户13612345678"  # a sheet named after a customer: masked where it is shown
    for r in rows:
        ws.append(r)
    book = tmp_path / "export.xlsx"
    wb.save(book)
    for path in (src, book):
        rep, found = scan_file(path)
        assert rep.counts == {"cn_mobile": 2, "email": 2}, path
        cols = [c.column.split("!")[-1] for c in rep.columns if "!" in c.column or path == src]
        assert cols[:3] == ["column1", "column2", "column3"]
        assert "first row holds personal information" in rep.problems[0].message
        shown = rep.model_dump_json() + "".join(f.model_dump_json() for f in found)
        assert "13812345678" not in shown and "13612345678" not in shown
    out = tmp_path / "clean.csv"
    f = deid_path(src, out, parse_policy("types:\n  '*': {action: redact}\n")).files[0]
    assert out.read_text(encoding="utf-8").splitlines()[0] == "张三,[CN_MOBILE],[EMAIL]"
    assert f.replaced == {"cn_mobile": 2, "email": 2} and "first line" in f.warnings[0]
    # a policy naming columns cannot name these; the message masks what it lists
    with pytest.raises(InputError) as err:
        deid_path(src, out, parse_policy("columns:\n  phone: {action: redact}\n"))
    assert "13812345678" not in str(err.value)
    # a real header stays a header
    src.write_text("姓名,手机\n张三,13812345678\n", encoding="utf-8")
    rep, _ = scan_file(src)
    assert [c.column for c in rep.columns] == ["姓名", "手机"] and not rep.problems


def test_json_keys_that_hold_pi(tmp_path: Path) -> None:
    """An object keyed by phone or e-mail (a cache dump, a per-user export): the keys are
    scanned as values and never shown in column names (`users.<key>`, `users.*.name`);
    de-identification, which does not rewrite keys, reports them as left."""
    from tianping.privacy._deid import deid_path
    from tianping.privacy._policy import parse_policy

    doc = '{"users": {"li@example.com": {"name": "x"}, "13812345678": {"name": "y"}}}\n'
    for name in ("k.jsonl", "k.json"):
        path = tmp_path / name
        path.write_text(doc * 3, encoding="utf-8")
        rep, found = scan_file(path)
        assert rep.counts == {"cn_mobile": 3, "email": 3}, name
        assert {c.column for c in rep.columns} == {"users.<key>", "users.*.name"}
        assert "13812345678" not in rep.model_dump_json() + "".join(f.preview for f in found)
        f = deid_path(
            path, tmp_path / f"out-{name}", parse_policy("types:\n  '*': {action: redact}\n")
        ).files[0]
        assert f.left == {"<keys>": {"cn_mobile": 3, "email": 3}} and "keys" in f.warnings[0]
    (tmp_path / "plain.jsonl").write_text('{"手机": "13812345678", "a1": 2}\n', encoding="utf-8")
    rep, _ = scan_file(tmp_path / "plain.jsonl")
    assert {c.column for c in rep.columns} == {"手机", "a1"}  # keys that name fields stay


def test_column_names_that_hold_pi_are_masked(tmp_path: Path) -> None:
    """A Parquet file written from a CSV whose first row was data has PI as column names:
    reports mask them as they mask values."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"13812345678": ["13912345678"], "手机": ["13712345678"]}), path)
    rep, found = scan_file(path)
    assert [c.column for c in rep.columns] == ["13*******78", "手机"]
    assert {f.column for f in found} == {"13*******78", "手机"}
    assert "13812345678" not in rep.model_dump_json() + "".join(f.model_dump_json() for f in found)


def test_file_names_that_hold_pi_are_masked_in_reports(tmp_path: Path) -> None:
    """KYC folders name files after the person (`…_11010519491231002X.csv`): reports,
    their text form and de-identification's report show those names masked, and keep the
    path itself to open the file by."""
    from typer.testing import CliRunner

    from tianping.cli import app
    from tianping.privacy._shown import shown_path

    folder = tmp_path / "13812345678"
    folder.mkdir()
    src = folder / "韩梅梅_11010519491231002X.csv"
    src.write_text("备注\n电话 13912345678\n", encoding="utf-8")
    (tmp_path / "plain.csv").write_text("a\nb\n", encoding="utf-8")
    report = scan_paths([tmp_path])
    assert str(src) in {f.path for f in report.files}  # raw inside: the file to open
    shown = report.model_dump_json()
    assert "11010519491231002X" not in shown and "13812345678" not in shown
    assert shown_path(str(src)) in shown and "plain.csv" in shown
    res = CliRunner().invoke(app, ["scan", str(tmp_path)])
    assert res.exit_code == 0 and "11010519491231002X" not in res.output
    assert "13*******78" in res.output
    policy = tmp_path / "p.yaml"
    policy.write_text("types:\n  '*': {action: redact}\n", encoding="utf-8")
    for fmt in ("text", "json"):
        out = tmp_path.parent / f"out-{fmt}"
        res = CliRunner().invoke(
            app, ["deid", str(tmp_path), str(out), "-p", str(policy), "--format", fmt]
        )
        assert res.exit_code == 0, res.output
        assert "11010519491231002X" not in res.output and "13812345678" not in res.output
