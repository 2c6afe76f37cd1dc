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


def test_rtf_is_deidentified_in_place(tmp_path: Path, soffice: str) -> None:
    """LibreOffice's RTF (Chinese as \\uN with fallbacks, a table, a header, a mailto
    field): each value is written where its first character was and the bytes of the rest
    removed, so the document keeps its formatting; the author is blanked; LibreOffice reads
    the result; a policy that finds nothing to act on leaves every byte as it was."""
    rtf = convert_with_soffice(soffice, _letter(tmp_path), "rtf")
    out = tmp_path / "clean.rtf"
    f = deid_path(rtf, out, parse_policy("types:\n  '*': {action: redact}\n")).files[0]
    assert f.format == "rtf" and f.left == {} and f.status == "ok"
    assert not any("LibreOffice" in w for w in f.warnings)
    assert f.replaced["cn_mobile"] == 1 and f.replaced["email"] >= 1
    assert f.replaced["cn_resident_id"] == 1 and f.replaced["document_author"] == 1
    data = out.read_bytes()
    assert data.startswith(b"{\\rtf") and data.count(b"{") == data.count(b"}")
    text = rtf_text(data)
    assert "客户[PERSON_NAME_ZH]，手机号 [CN_MOBILE]，地址[ADDRESS_ZH]" in text
    assert MOBILE not in text and EMAIL not in text and ID not in text
    assert "联系人邮箱 [EMAIL]" in text and "naïve café" in text
    assert rtf_info(data) == [] and scan_file(out)[0].counts == {}
    # what LibreOffice reads from it
    txt = convert_with_soffice(soffice, out, "txt:Text (encoded):UTF8")
    read = txt.read_text(encoding="utf-8-sig")
    assert "[CN_MOBILE]" in read and "韩梅梅" not in read and "naïve café" in read
    # nothing the policy acts on: the same bytes, but the author's name
    same = tmp_path / "same.rtf"
    deid_path(rtf, same, parse_policy("types:\n  cn_passport: {action: redact}\n"))
    blanked = re.sub(rb"(\{\\author )[^{}]*\}", rb"\1}", rtf.read_bytes())
    assert blanked != rtf.read_bytes() and same.read_bytes() == blanked


def test_rtf_replacements_are_written_as_rtf_text(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """GBK \\'hh bytes, a value right after a control word without its delimiter (a
    pseudonym starting with a letter gets one), a value split by formatting (its braces
    kept) and a character past the BMP in a mask."""
    monkeypatch.setenv("TIANPING_DEID_KEY", "rtf-test-key-0123456789")
    gbk = "".join(f"\\'{b:02x}" for b in "客户韩梅梅的手机".encode("gbk")).encode()
    data = (
        b"{\\rtf1\\ansi\\ansicpg936{\\fonttbl{\\f0\\fcharset134 x;}}{\\info{\\author "
        b"\\'d5\\'c5\\'c8\\'fd}}\\pard\\f0 " + gbk + b"\\b+86 13812345678\\b0\\par "
        b"tel 139{\\i 1234}5678\\par}"
    )
    src = tmp_path / "a.rtf"
    src.write_bytes(data)
    out = tmp_path / "b.rtf"
    policy = parse_policy(
        "types:\n  cn_mobile: {action: pseudonymise}\n  person_name_zh: {action: redact}\n"
    )
    f = deid_path(src, out, policy).files[0]
    assert f.replaced == {"cn_mobile": 2, "document_author": 1, "person_name_zh": 1}
    written = out.read_bytes()
    lines = rtf_text(written).splitlines()
    assert lines[0].startswith("客户[PERSON_NAME_ZH]的手机") and "13812345678" not in lines[0]
    token = lines[0].rsplit("的手机", 1)[1]
    assert token.startswith("CN_MOBILE_") or token[:1].isalpha(), token
    assert b"\\b " + token.encode() in written  # the delimiter added, \\b still applies
    assert lines[1].startswith("tel ") and "1234" not in lines[1]
    assert b"{\\i }" in written  # the group that held part of the value stays
    assert b"\\'d5\\'c5" not in written  # the author


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
    # the operator Li Lei is a name, read from the pinyin surname
    assert scan_file(path)[0].counts == {"cn_mobile": 1, "email": 1, "person_name_en": 1}


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


def test_rtf_that_wraps_html_goes_through_libreoffice(tmp_path: Path, soffice: str) -> None:
    """Outlook's form of HTML mail (\\fromhtml): its text is partly in tags, so it is not
    edited in place; LibreOffice rewrites it, and says so."""
    src = tmp_path / "html.rtf"
    src.write_bytes(
        b"{\\rtf1\\ansi\\ansicpg1252\\fromhtml1 {\\fonttbl{\\f0 Arial;}}"
        b"{\\*\\htmltag64 <p>}\\htmlrtf {\\htmlrtf0 Mobile " + MOBILE.encode() + b"\\par}"
        b"{\\*\\htmltag72 </p>}}"
    )
    out = tmp_path / "clean.rtf"
    f = deid_path(src, out, parse_policy("types:\n  '*': {action: redact}\n")).files[0]
    assert f.status == "ok" and any("LibreOffice" in w for w in f.warnings)
    assert MOBILE.encode() not in out.read_bytes()


def test_damaged_rtf_is_rewritten_or_refused(tmp_path: Path) -> None:
    """Mutated copies of an RTF with GBK bytes, \\\\uN pairs, \\\\uc0 and split values: each
    is de-identified or reported, none crashes, and what is written reads again."""
    import random

    gbk = "".join(f"\\'{b:02x}" for b in "客户韩梅梅的手机".encode("gbk")).encode()
    base = (
        b"{\\rtf1\\ansi\\ansicpg936{\\fonttbl{\\f0\\fcharset134 x;}}{\\info{\\author \\'d5\\'c5}}"
        b"\\pard\\f0 " + gbk + b"\\b+86 13812345678\\b0\\par tel 139{\\i 1234}5678 \\u-10174?"
        b"\\u-8265? li@163.com\\uc0\\u23458\\u25143 \\par}"
    )
    policy = parse_policy("types:\n  '*': {action: redact}\n")
    f = deid_path(_write(tmp_path / "base.rtf", base), tmp_path / "base-out.rtf", policy).files[0]
    assert f.replaced["cn_mobile"] == 2 and f.replaced["email"] == 1
    assert "13812345678" not in rtf_text((tmp_path / "base-out.rtf").read_bytes())
    rng = random.Random(5)
    written = 0
    for i in range(150):
        x = bytearray(base)
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(x))
            if rng.random() < 0.5:
                x[at] = rng.choice(b"{}\\'?0123456789abcuf \x80\xff")
            else:
                del x[at : at + rng.randint(1, 5)]
        out = tmp_path / f"o{i}.rtf"
        try:
            rep = deid_path(_write(tmp_path / f"f{i}.rtf", bytes(x)), out, policy).files[0]
        except InputError:  # refused with the reason (no RTF header)
            assert not out.exists()
            continue
        if rep.status == "ok":
            written += 1
            rtf_text(out.read_bytes())
    assert written > 100


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
