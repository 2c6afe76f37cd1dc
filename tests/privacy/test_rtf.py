"""RTF documents: written by LibreOffice from a Word document (Chinese as \\uN, a table, a
header, a comment, a mailto link, the author), read to the same findings as the Word
document, and de-identified through LibreOffice; the GBK form older Chinese Word and WPS
write (\\ansicpg936, \\'hh bytes in a \\fcharset134 font) read as text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.privacy.conftest import convert_with_soffice
from tianping.errors import InputError
from tianping.privacy._deid import deid_path
from tianping.privacy._office import paragraphs
from tianping.privacy._policy import parse_policy
from tianping.privacy._rtf import rtf_info, rtf_text
from tianping.privacy._scan import scan_file

ID, MOBILE, EMAIL = "11010519491231002X", "13812345678", "li.lei@example.com"


def _letter(folder: Path) -> Path:
    import docx

    doc = docx.Document()
    doc.core_properties.author = "张三"
    doc.sections[0].header.paragraphs[0].text = f"联系人邮箱 {EMAIL}"
    doc.add_paragraph(f"客户韩梅梅，手机号 {MOBILE}，地址北京市海淀区中关村大街27号。")
    table = doc.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "身份证"
    table.cell(0, 1).text = ID
    doc.add_paragraph("Call Li Lei at +1 415-555-0100 — naïve café")
    path = folder / "letter.docx"
    doc.save(path)
    return path


def test_rtf_from_libreoffice_reads_as_its_source(tmp_path: Path, soffice: str) -> None:
    src = _letter(tmp_path)
    rtf = convert_with_soffice(soffice, src, "rtf")
    data = rtf.read_bytes()
    assert b"\\u" in data and b"\\fonttbl" in data  # Chinese as \uN, fonts declared
    text = rtf_text(data)
    assert f"客户韩梅梅，手机号 {MOBILE}，地址北京市海淀区中关村大街27号。" in text
    assert re.search(rf"身份证\s+{ID}", text) and f"联系人邮箱 {EMAIL}" in text  # header
    assert "Call Li Lei at +1 415-555-0100 — naïve café" in text
    assert "Liberation" not in text and "Times New Roman" not in text  # the font table
    assert rtf_info(data) == ["张三"]
    parts = dict(paragraphs(rtf, "rtf"))
    assert parts["properties"] == ["张三"]
    rep, found = scan_file(rtf)
    assert rep.status == "ok" and rep.format == "rtf"
    assert rep.counts == scan_file(src)[0].counts  # header, table and body alike
    assert MOBILE not in "".join(f.model_dump_json() for f in found)


def test_rtf_is_deidentified_through_libreoffice(tmp_path: Path, soffice: str) -> None:
    rtf = convert_with_soffice(soffice, _letter(tmp_path), "rtf")
    out = tmp_path / "clean.rtf"
    f = deid_path(rtf, out, parse_policy("types:\n  '*': {action: redact}\n")).files[0]
    assert f.format == "rtf" and f.left == {}
    assert any("LibreOffice" in w for w in f.warnings)
    assert f.replaced["cn_mobile"] == 1 and f.replaced["email"] == 1
    assert out.read_bytes().startswith(b"{\\rtf")
    text = rtf_text(out.read_bytes())
    assert "[CN_MOBILE]" in text and MOBILE not in text and EMAIL not in text
    assert scan_file(out)[0].counts == {}


def test_gbk_rtf_as_older_word_and_wps_write_it(tmp_path: Path) -> None:
    gbk = "李雷的手机是".encode("gbk")
    escaped = "".join(f"\\'{b:02x}" for b in gbk).encode()
    data = (
        b"{\\rtf1\\ansi\\ansicpg936\\deff0{\\fonttbl{\\f0\\fnil\\fcharset134 \\'cb\\'ce"
        b"\\'cc\\'e5;}{\\f1\\fswiss\\fcharset0 Arial;}}{\\info{\\author \\'d5\\'c5\\'c8\\'fd}"
        b"{\\operator Li Lei}}\\pard\\f0 " + escaped + b"\\f1 " + MOBILE.encode() + b"\\par"
        b'{\\*\\bkmkstart x}{\\field{\\*\\fldinst HYPERLINK "mailto:' + EMAIL.encode() + b'"}'
        b"{\\fldrslt mail me}}\\par}"
    )
    text = rtf_text(data)
    assert text.splitlines()[0] == f"李雷的手机是{MOBILE}"
    assert f"mailto:{EMAIL}" in text and "mail me" in text  # the field's target is text
    assert rtf_info(data) == ["张三", "Li Lei"]
    path = tmp_path / "old.rtf"
    path.write_bytes(data)
    assert scan_file(path)[0].counts == {"cn_mobile": 1, "email": 1}


def test_characters_past_the_bmp_and_broken_escapes() -> None:
    """Word writes 𠮷 (U+20BB7) as two signed \\uN halves; a lone half, a code past
    U+10FFFF and a stray brace give no error and no unencodable text."""
    data = b"{\\rtf1\\ansi\\uc1 \\u-10174?\\u-8265?\\u21916?\\par \\u55362?x \\u9999999999?y}}"
    text = rtf_text(data)
    assert text.splitlines() == ["\U00020bb7\u559c", "\ufffdx \ufffdy"]
    text.encode("utf-8")


def test_not_rtf_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "fake.rtf"
    path.write_text(f"plain text {MOBILE}", encoding="utf-8")
    rep, found = scan_file(path)
    assert rep.status == "error" and "not an RTF document" in (rep.message or "")
    assert not found and MOBILE not in (rep.message or "")
    with pytest.raises(InputError, match="not an RTF"):
        list(paragraphs(path, "rtf"))
