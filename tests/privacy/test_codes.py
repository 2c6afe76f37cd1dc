"""QR codes in images (`_codes.py`): codes written by OpenCV's own encoder, decoded by its
detector, their vCard or MECARD text read with labels that give detection its context,
and covered by de-identification where they hold PI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tianping.privacy._codes import readable
from tianping.privacy._deid import deid_path
from tianping.privacy._policy import parse_policy
from tianping.privacy._scan import ScanOptions, scan_file

VCARD = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:张;伟;;;\r\nFN:张伟\r\nTEL;TYPE=CELL:13812345678\r\n"
    "EMAIL:zhang.wei@example.com\r\nADR;TYPE=HOME:;;朝阳路1号;北京市;北京市;100020;中国\r\n"
    "END:VCARD"
)
POLICY = parse_policy("types:\n  '*': {action: redact}\n")


def test_vcards_and_mecards_read_as_labelled_lines() -> None:
    assert readable(VCARD) == [
        "姓名：张伟",
        "姓名：张伟",
        "电话：13812345678",
        "邮箱：zhang.wei@example.com",
        "地址：中国北京市北京市朝阳路1号",
    ]
    assert readable("MECARD:N:Smith,John;TEL:+8613912345678;EMAIL:j@x.org;;") == [
        "姓名：Smith,John", "电话：+8613912345678", "邮箱：j@x.org",
    ]  # fmt: skip
    assert readable("BEGIN:VCARD\nN:Smith;John\nTEL:tel:+1-202-555-0100\nEND:VCARD") == [
        "姓名：John Smith", "电话：+1-202-555-0100",
    ]  # fmt: skip
    assert readable("https://example.com/app?id=42\n") == ["https://example.com/app?id=42"]


cv2 = pytest.importorskip("cv2", reason="OpenCV (tianping[images]) is not installed")
from PIL import Image  # noqa: E402

from tianping.privacy._codes import codes_in_image  # noqa: E402


def _card_with_code(path: Path, payload: str) -> tuple[Path, tuple[int, int, int, int]]:
    """A white card with a QR code of `payload` at (500, 60), 8 pixels a module."""
    code = cv2.QRCodeEncoder.create().encode(payload)
    code = cv2.resize(code, None, fx=8, fy=8, interpolation=cv2.INTER_NEAREST)
    card = Image.new("L", (1000, 600), 255)
    card.paste(Image.fromarray(code), (500, 60))
    card.save(path)
    return path, (500, 60, 500 + code.shape[1], 60 + code.shape[0])


def _dark(img: Any, box: tuple[int, int, int, int]) -> float:
    region = img.convert("L").crop(box)
    return sum(region.histogram()[:40]) / (region.size[0] * region.size[1])


def test_a_vcard_code_is_scanned_and_covered(tmp_path: Path, tesseract: str) -> None:
    card, box = _card_with_code(tmp_path / "card.png", VCARD)
    ((text, found),) = codes_in_image(Image.open(card))
    assert text == VCARD and abs(found[0] - box[0]) < 40 and abs(found[2] - box[2]) < 40
    rep, examples = scan_file(card, ScanOptions(ocr=True))
    qr = {c.column: c.types for c in rep.columns}["qr"]
    assert qr["cn_mobile"] == 1 and qr["email"] == 1 and qr["person_name_zh"] == 2
    assert "13812345678" not in rep.model_dump_json() + str([e.preview for e in examples])
    out = tmp_path / "clean.png"
    f = deid_path(card, out, POLICY).files[0]
    assert f.replaced["cn_mobile"] == 1 and f.replaced["email"] == 1 and f.left == {}
    with Image.open(out) as img:
        assert codes_in_image(img) == [] and _dark(img, box) > 0.95
    # a code that holds no PI (an app's link) stays readable
    plain, _ = _card_with_code(tmp_path / "app.png", "https://example.com/app")
    f = deid_path(plain, tmp_path / "app-clean.png", POLICY).files[0]
    assert f.replaced == {}
    assert [t for t, _ in codes_in_image(Image.open(tmp_path / "app-clean.png"))] == [
        "https://example.com/app"
    ]


def test_a_code_in_a_pdf_page_is_read_and_covered(tmp_path: Path, tesseract: str) -> None:
    fpdf = pytest.importorskip("fpdf")
    card, _ = _card_with_code(tmp_path / "card.png", VCARD)
    doc = fpdf.FPDF()
    doc.add_page()
    doc.set_font("helvetica", size=14)
    doc.cell(0, 10, "Business card", new_x="LMARGIN", new_y="NEXT")
    doc.image(str(card), x=10, y=40, w=150)
    src = tmp_path / "card.pdf"
    doc.output(str(src))
    rep, _ = scan_file(src, ScanOptions(ocr=True))
    pictures = {c.column: c.types for c in rep.columns}["page1-pictures"]
    assert pictures["cn_mobile"] == 1 and pictures["email"] == 1
    out = tmp_path / "clean.pdf"
    f = deid_path(src, out, POLICY).files[0]
    assert f.replaced["cn_mobile"] == 1 and f.left == {}
    assert "page1-pictures" not in {
        c.column for c in scan_file(out, ScanOptions(ocr=True))[0].columns if c.types
    }
