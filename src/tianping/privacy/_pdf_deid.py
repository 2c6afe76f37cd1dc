"""De-identification of PDF files: contracts, statements and scanned forms.

Text cannot be taken out of a PDF page reliably (glyphs are drawn from font subsets, in
any order, often one by one), and a black box drawn over it leaves the text under it, to
be copied out. So a page that holds PI is redrawn: PDFium renders it, a filled box covers
each value a rule acts on, and the page is replaced by that picture at the page's size;
pages without PI are copied as they were (text, fonts, links and annotations kept).
Values are found in the page's text layer, each character with its box (PDFium), or, on
a page with no text (a scan), by OCR of the rendered page (`_ocr.py`). The document's
metadata (author, creator), bookmarks and attachments are not carried over.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from tianping.errors import InputError

if TYPE_CHECKING:
    from tianping.privacy._deid import Deidentifier

__all__ = ["DPI", "deid_pdf"]

DPI = 200  # the picture of a redacted page: readable print, about 1 MB an A4 page
_MARGIN = 1.0  # points around each box


def deid_pdf(src: Path, tmp: Path, deid: Deidentifier) -> tuple[int, list[str]]:
    """`src` with each page that holds PI redrawn with boxes over it, into `tmp`; the
    pages read, and notes for the report (pages redrawn, pages read by OCR)."""
    try:
        import pypdfium2 as pdfium
    except ImportError:
        raise InputError(
            f"{src}: de-identifying PDF needs pypdfium2 (pip install 'tianping[privacy]') / "
            "PDF 去标识化需安装 pypdfium2"
        ) from None
    try:
        doc = pdfium.PdfDocument(str(src))
    except pdfium.PdfiumError as exc:
        raise InputError(f"{src}: not a readable PDF ({exc}) / 无法读取 PDF") from None
    out = pdfium.PdfDocument.new()
    redrawn: list[int] = []
    by_ocr: list[int] = []
    noted: list[int] = []  # pages whose comments held PI: redrawn without them
    pages = len(doc)
    notes = _notes(src)
    try:
        for i in range(pages):
            page = doc[i]
            # work upright: character boxes are in the page's own coordinates, and renders
            # would turn by /Rotate; the new page is turned back the same way
            rotation = page.get_rotation()
            page.set_rotation(0)
            boxes, ocr = _boxes(page, deid, f"{src} page {i + 1}")
            page.set_rotation(rotation)
            if ocr:
                by_ocr.append(i + 1)
            if _drop_notes(page, notes[i] if i < len(notes) else [], deid):
                noted.append(i + 1)
            if not boxes:
                out.import_pages(doc, [i])  # its notes that held PI are gone already
                continue
            redrawn.append(i + 1)
            page.set_rotation(0)
            _redrawn_page(out, page, boxes).set_rotation(rotation)
        out.save(str(tmp))
    finally:
        out.close()
        doc.close()
    said = [
        "the document's metadata, bookmarks and attached files are not carried over (scans "
        "read the bookmarks and attachments) / 文档元数据、书签和附件未保留"
    ]
    if redrawn:
        said.append(
            f"pages {_ranges(redrawn)}: redrawn as pictures with the PI covered (their text "
            "can no longer be selected) / 含个人信息的页面已转为图片并遮盖"
        )
    if noted:
        said.append(
            f"pages {_ranges(noted)}: comments or notes that held PI were removed (the "
            "others kept) / 含个人信息的批注已删除"
        )
    if by_ocr:
        said.append(f"pages {_ranges(by_ocr)}: no text layer, read by OCR / 无文字层，经 OCR 识别")
    return pages, said


def _drop_notes(page: Any, notes: list[str], deid: Deidentifier) -> bool:
    """Remove the annotations of `page` (in memory) whose text holds PI a rule acts on,
    counting the values; whether any went. Where PDFium and pypdf count the annotations
    differently, every annotation of a page with such a note goes."""
    import pypdfium2.raw as raw

    hits = [k for k, note in enumerate(notes) if deid.replacements(note)]
    if not hits:
        return False
    count = raw.FPDFPage_GetAnnotCount(page)
    for k in reversed(hits if count == len(notes) else range(count)):
        raw.FPDFPage_RemoveAnnot(page, k)
    return True


def _notes(src: Path) -> list[list[str]]:
    """Each page's annotation texts (comments, notes, free text), read by pypdf."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    from tianping.privacy._office import pdf_notes

    try:
        return [pdf_notes(page) for page in PdfReader(str(src)).pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError):
        return []  # PDFium read it: no notes are known, the pages are still checked


def _ranges(pages: list[int]) -> str:
    return ", ".join(str(p) for p in pages[:20]) + (" …" if len(pages) > 20 else "")


Box = tuple[float, float, float, float]  # left, bottom, right, top in PDF points


def _boxes(page: Any, deid: Deidentifier, where: str) -> tuple[list[Box], bool]:
    """The boxes to fill on one page, and whether OCR found them (no text layer)."""
    textpage = page.get_textpage()
    try:
        n = textpage.count_chars()
        text = textpage.get_text_range(0, n) if n else ""
        if text.strip():
            return _text_boxes(textpage, text, deid), False
    finally:
        textpage.close()
    return _ocr_boxes(page, deid, where), True


def _text_boxes(textpage: Any, text: str, deid: Deidentifier) -> list[Box]:
    """Boxes over the values in a page's text layer: per line, the union of the boxes of
    the characters a value spans."""
    lines = []
    start = 0
    for k, ch in enumerate(text + "\n"):
        if ch in "\r\n":
            if k > start:
                lines.append((start, text[start:k]))
            start = k + 1
    deid.prefetch(t for _, t in lines)
    boxes: list[Box] = []
    for offset, line in lines:
        for a, b, _ in deid.replacements(line):
            chars = [textpage.get_charbox(offset + i, loose=True) for i in range(a, b)]
            chars = [c for c in chars if c[2] > c[0]]  # generated spaces have no box
            if chars:
                boxes.append(
                    (
                        min(c[0] for c in chars) - _MARGIN,
                        min(c[1] for c in chars) - _MARGIN,
                        max(c[2] for c in chars) + _MARGIN,
                        max(c[3] for c in chars) + _MARGIN,
                    )
                )
    return boxes


def _ocr_boxes(page: Any, deid: Deidentifier, where: str) -> list[Box]:
    """Boxes over the values OCR reads on a rendered page without text, in points."""
    import tempfile

    from tianping.privacy._image_deid import _boxes as pixel_boxes
    from tianping.privacy._ocr import line_text, ocr_lines, tesseract

    if tesseract() is None:
        raise InputError(
            f"{where}: no text layer (a scan); reading it needs Tesseract OCR "
            "(apt-get install tesseract-ocr tesseract-ocr-chi-sim) / 扫描页需 OCR"
        )
    scale = DPI / 72
    image = page.render(scale=scale).to_pil()
    with tempfile.TemporaryDirectory(prefix="tianping-pdf-") as tmp:
        png = Path(tmp) / "page.png"
        image.save(png)
        lines = ocr_lines(png)
    texts = [line_text(words) for words in lines]
    deid.prefetch(t for t, _ in texts)
    _, height = page.get_size()
    boxes: list[Box] = []
    for words, (text, owner) in zip(lines, texts, strict=True):
        for a, b, _ in deid.replacements(text):
            for left, top, right, bottom in pixel_boxes(words, owner, a, b):
                boxes.append(
                    (left / scale, height - bottom / scale, right / scale, height - top / scale)
                )
    return boxes


def _redrawn_page(out: Any, page: Any, boxes: list[Box]) -> Any:
    """A new last page of `out`: `page` rendered, the boxes filled, at the page's size."""
    import pypdfium2 as pdfium
    from PIL import ImageDraw

    width, height = page.get_size()
    scale = DPI / 72
    image = page.render(scale=scale, may_draw_forms=True).to_pil().convert("RGB")
    draw = ImageDraw.Draw(image)
    for left, bottom, right, top in boxes:
        draw.rectangle(
            (left * scale, (height - top) * scale, right * scale, (height - bottom) * scale),
            fill=(0, 0, 0),
        )
    new = out.new_page(width, height)
    picture = pdfium.PdfImage.new(out)
    bitmap = pdfium.PdfBitmap.from_pil(image)
    picture.set_bitmap(bitmap)
    picture.set_matrix(pdfium.PdfMatrix().scale(width, height))
    new.insert_obj(picture)
    new.gen_content()
    bitmap.close()
    return new
