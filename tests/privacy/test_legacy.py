"""Word and PowerPoint 97-2003 files (.doc, .ppt; .wps in Word's format) read from their
OLE streams (`_legacy.py`), on files LibreOffice writes from .docx/.pptx files made with
python-docx and python-pptx: the legacy file must give the findings its source gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.privacy.conftest import convert_with_soffice
from tianping.errors import InputError
from tianping.privacy._deid import deid_path
from tianping.privacy._legacy import legacy_parts
from tianping.privacy._policy import parse_policy
from tianping.privacy._scan import scan_file, scan_paths

docx = pytest.importorskip("docx")
pptx = pytest.importorskip("pptx")
pytest.importorskip("olefile")

ID, MOBILE, EMAIL = "11010519491231002X", "13812345678", "li.lei@example.com"


def _word(folder: Path) -> Path:
    doc = docx.Document()
    doc.core_properties.author = "张三"
    doc.add_paragraph(f"劳动合同 乙方身份证号 {ID}")
    para = doc.add_paragraph(f"手机 {MOBILE}，邮箱 {EMAIL}")
    doc.add_comment(para.runs, text="核对 13912345678", author="审核人")
    table = doc.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "电话", "13700001111"
    table.cell(1, 0).text, table.cell(1, 1).text = "Email", "hmm@example.org"
    doc.sections[0].header.paragraphs[0].text = "页眉 联系 13600002222"
    path = folder / "contract.docx"
    doc.save(str(path))
    return path


def _slides(folder: Path) -> Path:
    deck = pptx.Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = f"客户 {MOBILE}"
    slide.placeholders[1].text = f"身份证 {ID}"
    slide.notes_slide.notes_text_frame.text = f"备注 {EMAIL}"
    box = slide.shapes.add_textbox(0, 0, 100, 100)
    box.text_frame.text = "文本框 13600001111"
    second = deck.slides.add_slide(deck.slide_layouts[1])
    second.shapes.title.text = "第二页 13500003333"
    path = folder / "deck.pptx"
    deck.save(str(path))
    return path


def test_a_word_97_file_gives_the_findings_of_its_source(tmp_path: Path, soffice: str) -> None:
    src = _word(tmp_path)
    doc = convert_with_soffice(soffice, src, "doc")
    new, found = scan_file(doc)
    old, _ = scan_file(src)
    assert new.status == "ok" and new.format == "doc"
    assert new.counts == old.counts == {"cn_mobile": 4, "cn_resident_id": 1, "email": 2}
    parts = {c.column: c.types for c in new.columns}
    assert parts["headers"] == {"cn_mobile": 1} and parts["comments"] == {"cn_mobile": 1}
    assert parts["document"] == {"cn_resident_id": 1, "cn_mobile": 2, "email": 2}
    assert "properties" in parts  # the author, read (a bare name is not a finding)
    assert all(ID not in f.preview and MOBILE not in f.preview for f in found)
    # a WPS document saved in Word's format reads the same
    wps = shutil.copy(doc, tmp_path / "合同.wps")
    assert scan_file(Path(wps))[0].counts == new.counts


def test_a_powerpoint_97_file_gives_the_findings_of_its_source(
    tmp_path: Path, soffice: str
) -> None:
    src = _slides(tmp_path)
    ppt = convert_with_soffice(soffice, src, "ppt")
    new, _ = scan_file(ppt)
    old, _ = scan_file(src)
    assert new.status == "ok" and new.format == "ppt"
    # (the properties name the author of python-pptx's template, read from its given name)
    assert new.counts == old.counts == {
        "cn_mobile": 3, "cn_resident_id": 1, "email": 1, "person_name_en": 1,
    }  # fmt: skip
    parts = {c.column: c.types for c in new.columns if c.types}
    assert parts["slide1"] == {"cn_mobile": 2, "cn_resident_id": 1}
    assert parts["slide2"] == {"cn_mobile": 1}
    assert [t for c, t in parts.items() if c.startswith("notes")] == [{"email": 1}]
    # a WPS presentation saved in PowerPoint's format reads the same
    dps = shutil.copy(ppt, tmp_path / "汇报.dps")
    assert scan_file(Path(dps))[0].counts == new.counts


def test_powerpoint_97_notes_are_labelled_by_the_slide_they_belong_to(
    tmp_path: Path, soffice: str
) -> None:
    """Notes on slides 1 and 3 only: `notes1` and `notes3`, whatever the notes master (a
    notes page in the file, written first) and the notes-less slide 2 do to a count."""
    deck = pptx.Presentation()
    slides = [deck.slides.add_slide(deck.slide_layouts[1]) for _ in range(3)]
    for k, slide in enumerate(slides, 1):
        slide.shapes.title.text = f"第{k}页"
    slides[0].notes_slide.notes_text_frame.text = f"备注 {EMAIL}"
    slides[2].notes_slide.notes_text_frame.text = f"备注 手机 {MOBILE}"
    src = tmp_path / "notes.pptx"
    deck.save(str(src))
    ppt = convert_with_soffice(soffice, src, "ppt")
    new, _ = scan_file(ppt)
    parts = {c.column: c.types for c in new.columns if c.types}
    parts.pop("properties", None)  # the template's author
    assert parts == {"notes1": {"email": 1}, "notes3": {"cn_mobile": 1}}
    labels = [label for label, _ in legacy_parts(ppt, "ppt")]
    assert {"slide1", "slide2", "slide3", "notes1", "notes3", "masters"} <= set(labels)
    assert not {"notes2", "notes4"} & set(labels)  # the master is no notes page


def _slides_reordered(ppt: Path, out: Path, order: list[int]) -> Path:
    """`ppt` with its slide list's entries (each SlidePersistAtom and the records after it)
    put in `order` (0-based), bytes rewritten in place: the presentation's order changes,
    where the slide containers sit in the stream does not."""
    import struct

    import olefile

    shutil.copy(ppt, out)
    ole = olefile.OleFileIO(str(out), write_mode=True)
    data = bytearray(ole.openstream("PowerPoint Document").read())

    def records(lo: int, hi: int) -> list[tuple[int, int, int, int]]:
        out, pos = [], lo
        while pos + 8 <= hi:
            ver_inst, kind, length = struct.unpack_from("<HHI", data, pos)
            out.append((pos, ver_inst, kind, length))
            pos += 8 + length
        return out

    (doc_len,) = struct.unpack_from("<I", data, 4)  # the DocumentContainer comes first
    for pos, ver_inst, kind, length in records(8, 8 + doc_len):
        if kind == 0x0FF0 and ver_inst >> 4 == 0:  # the slide list
            groups: list[list[int]] = []
            for p, _, k, n in records(pos + 8, pos + 8 + length):
                if k == 0x03F3:
                    groups.append([p, p])
                groups[-1][1] = p + 8 + n
            chunks = [bytes(data[a:b]) for a, b in groups]
            data[groups[0][0] : groups[-1][1]] = b"".join(chunks[i] for i in order)
    ole.write_stream("PowerPoint Document", bytes(data))
    ole.close()
    return out


def test_powerpoint_97_slides_are_numbered_in_the_presentations_order(
    tmp_path: Path, soffice: str
) -> None:
    """Slides are numbered as the slide list orders them (what PowerPoint shows), not as
    the file stores them: a file whose list puts the third stored slide first (LibreOffice
    reads it so too) labels that slide `slide1`."""
    deck = pptx.Presentation()
    for k in range(1, 4):
        deck.slides.add_slide(deck.slide_layouts[1]).shapes.title.text = f"第{k}页 1380000000{k}"
    src = tmp_path / "order.pptx"
    deck.save(str(src))
    ppt = convert_with_soffice(soffice, src, "ppt")
    stored = dict(legacy_parts(ppt, "ppt"))
    assert [stored[f"slide{k}"] for k in (1, 2, 3)] == [
        [f"第{k}页 1380000000{k}"] for k in (1, 2, 3)
    ]
    moved = _slides_reordered(ppt, tmp_path / "moved.ppt", [2, 0, 1])
    back = convert_with_soffice(soffice, moved, "pptx")
    shown = [slide.shapes.title.text for slide in pptx.Presentation(str(back)).slides]
    assert shown == ["第3页 13800000003", "第1页 13800000001", "第2页 13800000002"]
    parts = dict(legacy_parts(moved, "ppt"))
    assert [parts[f"slide{k}"] for k in (1, 2, 3)] == [[text] for text in shown]
    found, _ = scan_file(moved)
    slides = {c.column for c in found.columns if c.types} - {"properties"}  # template's author
    assert slides == {"slide1", "slide2", "slide3"}


def test_slide_numbers_follow_the_persist_directory() -> None:
    """Containers the slide list names are numbered by it; one it does not name (an earlier
    version a fast save left in the stream) is `unlisted-slides`; without a usable persist
    directory, stream order."""
    from tianping.privacy._legacy import _persist_entries, _slide_numbers

    def run(first: int, offsets: list[int]) -> bytes:  # a run of consecutive persist ids
        head = first | len(offsets) << 20
        return b"".join(v.to_bytes(4, "little") for v in [head, *offsets])

    # persist ids 1-4 at offsets 0, 100, 200, 300; a later save moves id 3 to 400
    directory = [
        dict(_persist_entries(run(1, [0, 100, 200, 300]))),
        dict(_persist_entries(run(3, [400]))),
    ]
    assert directory[0] == {1: 0, 2: 100, 3: 200, 4: 300}
    persist = {**directory[0], **directory[1]}
    number = _slide_numbers([100, 200, 300, 400], [4, 3, 2], persist)
    assert [number(k) for k in (1, 2, 3, 4)] == ["slide3", "unlisted-slides", "slide1", "slide2"]
    stream_order = _slide_numbers([100, 200], [7, 8], persist)  # ids the directory lacks
    assert [stream_order(k) for k in (1, 2)] == ["slide1", "slide2"]
    assert list(_persist_entries(run(1, [0, 100])[:8])) == []  # cut short: no entries


def test_bad_legacy_files_are_reported_and_the_run_goes_on(tmp_path: Path, soffice: str) -> None:
    ppt = convert_with_soffice(soffice, _slides(tmp_path), "ppt")
    (tmp_path / "deck.pptx").unlink()
    shutil.copy(ppt, tmp_path / "not-word.wps")  # an OLE file without a Word stream
    (tmp_path / "text.doc").write_text("只是文本 13812345678", encoding="utf-8")
    doc = convert_with_soffice(soffice, _word(tmp_path), "doc")
    (tmp_path / "contract.docx").unlink()
    cut = tmp_path / "cut.doc"
    cut.write_bytes(doc.read_bytes()[:1536])  # the header and part of the first sectors
    shutil.copy(doc, tmp_path / "not-slides.dps")  # an OLE file without a PowerPoint stream
    report = scan_paths([tmp_path])
    by_name = {Path(f.path).name: f for f in report.files}
    assert by_name["not-word.wps"].status == "error"
    assert "not in Word's binary format" in (by_name["not-word.wps"].message or "")
    assert "not in PowerPoint's binary format" in (by_name["not-slides.dps"].message or "")
    assert "not an OLE compound file" in (by_name["text.doc"].message or "")
    assert by_name["cut.doc"].status == "error" and "cut.doc" in (by_name["cut.doc"].message or "")
    assert by_name["contract.doc"].counts["cn_resident_id"] == 1  # the others still scanned
    assert "13812345678" not in report.model_dump_json()
    with pytest.raises(InputError, match="LibreOffice could not convert"):
        deid_path(cut, tmp_path / "out.doc", POLICY)
    assert not (tmp_path / "out.doc").exists()  # nothing partial


POLICY = parse_policy("types:\n  '*': {action: redact}\n")


@pytest.mark.parametrize("kind", ["doc", "ppt", "xls", "wps", "et", "dps"])
def test_97_2003_files_are_deidentified_through_libreoffice(
    tmp_path: Path, soffice: str, kind: str
) -> None:
    """Converted to OOXML, de-identified in place there, converted back: the same counts
    as de-identifying the OOXML source, the format kept, nothing left, and said so. WPS
    files (.wps, .et, .dps) in Word's, Excel's and PowerPoint's 97 formats, too."""
    wps = {"wps": "doc", "et": "xls", "dps": "ppt"}.get(kind)
    if wps:  # saved by LibreOffice in the 97 format, named as WPS names it
        kind, name = wps, kind
    if kind == "xls":
        openpyxl = pytest.importorskip("openpyxl")
        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        for row in (["姓名", "身份证号", "手机"], ["韩梅梅", ID, MOBILE], ["李雷", "x", EMAIL]):
            sheet.append(row)
        src = tmp_path / "book.xlsx"
        book.save(src)
    else:
        src = (_word if kind == "doc" else _slides)(tmp_path)
    legacy = convert_with_soffice(soffice, src, kind)
    if wps:
        legacy, kind = legacy.rename(legacy.with_suffix(f".{name}")), name
    direct = deid_path(src, tmp_path / f"clean.{src.suffix[1:]}", POLICY).files[0]
    out = tmp_path / f"clean.{kind}"
    f = deid_path(legacy, out, POLICY).files[0]
    # left: what the OOXML rewrite leaves too (names only a sheet's header marks)
    assert f.format == kind and f.left == direct.left
    assert any("LibreOffice" in w for w in f.warnings)
    # the same PI replaced (an author LibreOffice writes back counts as in the source)
    pi = {t: n for t, n in f.replaced.items() if t != "document_author"}
    assert pi == {t: n for t, n in direct.replaced.items() if t != "document_author"}
    assert pi and out.read_bytes()[:8] == bytes.fromhex("d0cf11e0a1b11ae1")  # an OLE file
    rep, _ = scan_file(out)
    assert rep.status == "ok" and rep.rows > 0  # its text is still there, values replaced
    assert rep.counts == {t: n for left in direct.left.values() for t, n in left.items()}
