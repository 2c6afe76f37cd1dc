"""PDF de-identification on real PDFs: a contract written by fpdf2 with an embedded CJK
font (a text layer, as office suites export), and a scanned page (a picture, no text)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tianping.errors import InputError
from tianping.privacy._deid import deid_path
from tianping.privacy._policy import parse_policy

pdfium = pytest.importorskip("pypdfium2")
fpdf = pytest.importorskip("fpdf")

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
ID, MOBILE, EMAIL = "11010519491231002X", "13812345678", "li.lei@example.com"
POLICY = parse_policy("types:\n  '*': {action: redact}\n")


def _contract(path: Path) -> Path:
    if not FONT.exists():
        pytest.skip("a CJK font (fonts-wqy-microhei) is needed to write the test PDF")
    pdf = fpdf.FPDF()
    pdf.add_font("wqy", fname=str(FONT))
    pdf.set_font("wqy", size=14)
    pdf.set_author("张三")
    pdf.add_page()
    for line in ("劳动合同", f"乙方身份证号 {ID}", f"手机 {MOBILE}，邮箱 {EMAIL}"):
        pdf.cell(0, 10, line, new_x="LMARGIN", new_y="NEXT")
    pdf.add_page()
    pdf.cell(0, 10, "第二页：本合同一式两份，双方各执一份。", new_x="LMARGIN", new_y="NEXT")
    pdf.link(10, 10, 50, 10, "https://example.com/terms")
    pdf.output(str(path))
    return path


def _text(path: Path, page: int) -> str:
    doc = pdfium.PdfDocument(str(path))
    try:
        tp = doc[page].get_textpage()
        return str(tp.get_text_range(0, tp.count_chars()))
    finally:
        doc.close()


def _char_boxes(path: Path, needle: str) -> list[tuple[float, float, float, float]]:
    doc = pdfium.PdfDocument(str(path))
    try:
        tp = doc[0].get_textpage()
        text = tp.get_text_range(0, tp.count_chars())
        at = text.index(needle)
        return [tp.get_charbox(i, loose=True) for i in range(at, at + len(needle))]
    finally:
        doc.close()


def _dark(path: Path, box: tuple[float, float, float, float]) -> float:
    """The share of dark pixels in a box (PDF points) of page 1, rendered at 72 dpi x 2."""
    doc = pdfium.PdfDocument(str(path))
    try:
        page = doc[0]
        height = page.get_size()[1]
        img = page.render(scale=2).to_pil().convert("L")
    finally:
        doc.close()
    left, bottom, right, top = box
    region = img.crop((int(left * 2) + 2, int((height - top) * 2) + 2,
                       int(right * 2) - 2, int((height - bottom) * 2) - 2))  # fmt: skip
    return sum(region.histogram()[:64]) / (region.size[0] * region.size[1])


def test_pages_with_pi_are_redrawn_with_boxes(tmp_path: Path) -> None:
    src = _contract(tmp_path / "contract.pdf")
    out = tmp_path / "clean.pdf"
    f = deid_path(src, out, POLICY).files[0]
    assert f.format == "pdf" and f.records == 2
    assert f.replaced == {"cn_mobile": 1, "cn_resident_id": 1, "email": 1}
    assert f.left == {} and any(w.startswith("pages 1: redrawn") for w in f.warnings)
    # page 1 is a picture; its text layer is back, invisible, with the values replaced
    assert _text(out, 0) == (
        "劳动合同\r\n乙方身份证号 [CN_RESIDENT_ID]\r\n手机 [CN_MOBILE]，邮箱 [EMAIL]"
    )
    doc = pdfium.PdfDocument(str(out))
    texts = list(doc[0].get_objects(filter=[pdfium.raw.FPDF_PAGEOBJ_TEXT]))
    modes = {pdfium.raw.FPDFTextObj_GetTextRenderMode(t.raw) for t in texts}
    doc.close()
    assert len(texts) == 7 and modes == {pdfium.raw.FPDF_TEXTRENDERMODE_INVISIBLE}
    for word in ("劳动合同", "乙方身份证号", "邮箱"):  # selectable where it is seen
        for was, now in zip(_char_boxes(src, word), _char_boxes(out, word), strict=True):
            assert now == pytest.approx(was, abs=0.5), word
    from pypdf import PdfReader

    assert "[CN_MOBILE]" in PdfReader(str(out)).pages[0].extract_text()
    for value in (ID, MOBILE, EMAIL):
        boxes = _char_boxes(src, value)
        whole = (boxes[0][0], min(b[1] for b in boxes), boxes[-1][2], max(b[3] for b in boxes))
        assert _dark(out, whole) > 0.9, value
    title = _char_boxes(src, "劳动合同")
    label = (title[0][0], title[0][1], title[-1][2], title[0][3])
    assert _dark(out, label) < 0.6  # the title is not covered
    # page 2 holds no PI: copied with its text and its link
    assert _text(out, 1) == _text(src, 1)
    from pypdf import PdfReader

    reader = PdfReader(str(out))
    assert "/Annots" in reader.pages[1]
    assert "张三" not in str(reader.metadata or {})  # the author is not carried over
    blob = out.read_bytes()
    assert ID.encode() not in blob and MOBILE.encode() not in blob


def test_comments_that_hold_pi_are_scanned_and_removed(tmp_path: Path) -> None:
    """Sticky notes and free-text comments are not in the page's text layer: the scan reads
    them (`page2-notes`), and de-identification removes those that hold PI, keeping the
    others and the page itself (a page with no PI in its text is not redrawn)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.annotations import FreeText, Text

    from tianping.privacy._scan import scan_file

    src = _contract(tmp_path / "contract.pdf")
    writer = PdfWriter(clone_from=PdfReader(str(src)))
    writer.add_annotation(1, Text(text="核对手机 13912345678", rect=(300, 700, 320, 720)))
    writer.add_annotation(1, FreeText(text="已归档", rect=(50, 300, 300, 340)))
    noted = tmp_path / "noted.pdf"
    writer.write(str(noted))
    rep, _ = scan_file(noted)
    assert {c.column: c.types for c in rep.columns}["page2-notes"] == {"cn_mobile": 1}
    out = tmp_path / "clean.pdf"
    f = deid_path(noted, out, POLICY).files[0]
    assert f.replaced["cn_mobile"] == 2 and f.left == {}  # page 1's text, page 2's note
    assert any("pages 2: comments" in w for w in f.warnings)
    kept = [a.get_object().get("/Contents") for a in PdfReader(str(out)).pages[1]["/Annots"]]
    assert kept == [None, "已归档"]  # the page's link, and the comment without PI
    assert _text(out, 1) == _text(src, 1)  # page 2 keeps its text layer
    assert b"13912345678" not in out.read_bytes()


def _form(src: Path, out: Path, value: str) -> Path:
    """`src` with a filled text field on page 2, as a form filler writes one: the field in
    the AcroForm, its widget on the page with the value and an appearance that shows it."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )  # fmt: skip

    writer = PdfWriter(clone_from=PdfReader(str(src)))
    shown = DecodedStreamObject()
    shown.set_data(b"BT /Helv 10 Tf 2 4 Td (" + value.encode() + b") Tj ET")
    shown.update({
        NameObject("/Type"): NameObject("/XObject"),
        NameObject("/Subtype"): NameObject("/Form"),
        NameObject("/BBox"): ArrayObject([FloatObject(0), FloatObject(0), FloatObject(150),
                                          FloatObject(20)]),
    })  # fmt: skip
    widget = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"),
        NameObject("/Subtype"): NameObject("/Widget"),
        NameObject("/FT"): NameObject("/Tx"),
        NameObject("/T"): TextStringObject("phone"),
        NameObject("/V"): TextStringObject(value),
        NameObject("/Rect"): ArrayObject([FloatObject(72), FloatObject(600), FloatObject(222),
                                          FloatObject(620)]),
        NameObject("/F"): NumberObject(4),
        NameObject("/AP"): DictionaryObject({NameObject("/N"): writer._add_object(shown)}),
    })  # fmt: skip
    ref = writer._add_object(widget)
    page = writer.pages[1]
    page[NameObject("/Annots")] = ArrayObject([*page.get("/Annots", []), ref])
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
        {NameObject("/Fields"): ArrayObject([ref])}
    )
    writer.write(str(out))
    return out


def test_filled_form_fields_are_scanned_and_removed(tmp_path: Path) -> None:
    """A filled form's values are neither in the page's text layer nor in its comments:
    the scan reads them, and de-identification removes a field that holds PI."""
    from tianping.privacy._scan import scan_file

    form = _form(_contract(tmp_path / "contract.pdf"), tmp_path / "form.pdf", "13512345678")
    rep, _ = scan_file(form)
    assert {c.column: c.types for c in rep.columns}["page2-notes"] == {"cn_mobile": 1}
    out = tmp_path / "clean.pdf"
    f = deid_path(form, out, POLICY).files[0]
    assert any("pages 2: comments" in w for w in f.warnings) and f.left == {}
    from pypdf import PdfReader

    annots = [a.get_object() for a in PdfReader(str(out)).pages[1].get("/Annots", [])]
    assert annots and not [a for a in annots if a.get("/Subtype") == "/Widget"]
    assert b"13512345678" not in out.read_bytes()
    assert _text(out, 1) == _text(form, 1)  # the page itself is kept, with its link


def test_bookmarks_and_attached_files_are_scanned_and_dropped(tmp_path: Path) -> None:
    """Bookmark titles and attached files are outside the pages: the scan reads the titles
    (`bookmarks`) and each attachment as the file it is (`contract.pdf!名单.csv`); the
    de-identified PDF does not carry them over, and says so."""
    from pypdf import PdfReader, PdfWriter

    from tianping.privacy._scan import ScanOptions, scan_one

    writer = PdfWriter(clone_from=PdfReader(str(_contract(tmp_path / "c.pdf"))))
    writer.add_outline_item(title="乙方联系 13712345678", page_number=0)
    writer.add_attachment("名单.csv", "姓名,手机\n张伟,13612345678\n".encode())
    src = tmp_path / "contract.pdf"
    writer.write(str(src))
    reports = {rep.path: rep for rep, _ in scan_one(src, ScanOptions())}
    cols = {c.column: c.types for c in reports[str(src)].columns}
    assert cols["bookmarks"] == {"cn_mobile": 1}
    assert reports[f"{src}!名单.csv"].counts["cn_mobile"] == 1
    out = tmp_path / "clean.pdf"
    f = deid_path(src, out, POLICY).files[0]
    assert "bookmarks and attached files are not carried over" in f.warnings[0]
    after = PdfReader(str(out))
    assert not after.outline and not after.attachments
    assert {rep.path for rep, _ in scan_one(out, ScanOptions())} == {str(out)}


def test_a_rotated_page_is_redacted_where_its_values_are(tmp_path: Path) -> None:
    """A page with /Rotate 90 (a landscape scan saved turned): the boxes go where the
    values are on the page as shown, and the new page is turned as the old one was."""
    from pypdf import PdfReader, PdfWriter

    src = _contract(tmp_path / "contract.pdf")
    writer = PdfWriter()
    page = PdfReader(str(src)).pages[0]
    page.rotate(90)
    writer.add_page(page)
    turned = tmp_path / "turned.pdf"
    writer.write(str(turned))
    out = tmp_path / "clean.pdf"
    f = deid_path(turned, out, POLICY).files[0]
    assert f.replaced == {"cn_mobile": 1, "cn_resident_id": 1, "email": 1}
    import shutil

    if shutil.which("tesseract"):  # the result checked by OCR, as shown: nothing readable
        assert f.left == {}
    doc = pdfium.PdfDocument(str(out))
    assert doc[0].get_rotation() == 90
    assert doc[0].get_size() == pytest.approx(pdfium.PdfDocument(str(turned))[0].get_size())
    doc.close()
    doc = pdfium.PdfDocument(str(out))
    doc[0].set_rotation(0)  # upright, as the source's character boxes are
    upright = tmp_path / "upright.pdf"
    doc.save(str(upright))
    doc.close()
    for value in (ID, MOBILE):
        boxes = _char_boxes(src, value)
        whole = (boxes[0][0], min(b[1] for b in boxes), boxes[-1][2], max(b[3] for b in boxes))
        assert _dark(upright, whole) > 0.9, value


def test_a_scanned_page_is_read_by_ocr_and_redacted(tmp_path: Path) -> None:
    import shutil

    from PIL import Image, ImageDraw, ImageFont

    if shutil.which("tesseract") is None or not FONT.exists():
        pytest.skip("Tesseract OCR and a CJK font are needed (see tests/privacy/test_ocr.py)")
    img = Image.new("L", (1240, 400), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(FONT), 36)
    draw.text((60, 60), f"公民身份号码 {ID}", fill=0, font=font)
    draw.text((60, 160), f"手机 {MOBILE}", fill=0, font=font)
    src = tmp_path / "scan.pdf"
    img.save(src, resolution=150)
    f = deid_path(src, tmp_path / "clean.pdf", POLICY).files[0]
    assert f.replaced == {"cn_mobile": 1, "cn_resident_id": 1}
    assert any("read by OCR" in w for w in f.warnings) and f.left == {}
    # the scan is searchable now: what OCR read, as an invisible layer, values replaced
    layer = _text(tmp_path / "clean.pdf", 0)
    assert "[CN_RESIDENT_ID]" in layer and "[CN_MOBILE]" in layer and "手机" in layer
    assert ID not in layer and MOBILE not in layer


def test_a_picture_on_a_page_with_text_is_read_by_ocr(tmp_path: Path) -> None:
    """A contract page with a photographed ID card pasted in: the picture's values are not
    in the text layer; scans with OCR read them (`page1-pictures`) and de-identification
    covers them, reading the page's text from its text layer, not twice."""
    import io
    import shutil

    from PIL import Image, ImageDraw, ImageFont

    from tianping.privacy._scan import ScanOptions, scan_file

    if shutil.which("tesseract") is None or not FONT.exists():
        pytest.skip("Tesseract OCR and a CJK font are needed (see tests/privacy/test_ocr.py)")
    other = "440106198001010019"  # a valid ID: region 440106, MOD 11-2 check 9
    img = Image.new("L", (1000, 200), 255)
    ImageDraw.Draw(img).text(
        (40, 70), f"公民身份号码 {other}", fill=0, font=ImageFont.truetype(str(FONT), 40)
    )
    png = io.BytesIO()
    img.save(png, format="PNG")
    pdf = fpdf.FPDF()
    pdf.add_font("wqy", fname=str(FONT))
    pdf.set_font("wqy", size=14)
    pdf.add_page()
    pdf.cell(0, 10, "附件：身份证复印件（无其他信息）", new_x="LMARGIN", new_y="NEXT")
    pdf.image(png, x=10, y=40, w=150)  # 150 mm wide, 30 mm high
    src = tmp_path / "attached.pdf"
    pdf.output(str(src))
    rep, _ = scan_file(src, ScanOptions(ocr=True))
    assert {c.column: c.types for c in rep.columns}.get("page1-pictures") == {"cn_resident_id": 1}
    plain, _ = scan_file(src)
    assert "page1-pictures" not in {c.column for c in plain.columns}  # OCR is asked for
    out = tmp_path / "clean.pdf"
    f = deid_path(src, out, POLICY).files[0]
    assert f.replaced == {"cn_resident_id": 1} and f.left == {}
    assert any("pictures read (OCR, faces)" in w for w in f.warnings)
    assert _text(out, 0) == _text(src, 0)  # the text had no PI: the layer is the text
    # the ID in the picture: 0.15 mm a pixel from (10 mm, 40 mm); about pixels 330-710
    # across and 75-110 down, after the label; the label is not covered
    mm = 72 / 25.4
    height = 297 * mm

    def place(left: int, top: int, right: int, bottom: int) -> tuple[float, float, float, float]:
        return (
            (10 + left * 0.15) * mm, height - (40 + bottom * 0.15) * mm,
            (10 + right * 0.15) * mm, height - (40 + top * 0.15) * mm,
        )  # fmt: skip

    assert _dark(out, place(340, 80, 700, 105)) > 0.9
    assert _dark(out, place(40, 75, 270, 110)) < 0.6


def test_bad_pdfs_and_column_rules(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4 not really")
    with pytest.raises(InputError, match=r"bad\.pdf: not a readable PDF"):
        deid_path(bad, tmp_path / "out.pdf", POLICY)
    assert not (tmp_path / "out.pdf").exists()
    src = _contract(tmp_path / "c.pdf")
    with pytest.raises(InputError, match="no columns"):
        deid_path(src, tmp_path / "o.pdf", parse_policy("columns:\n  a: {action: redact}\n"))
