"""De-identification of PDF files: contracts, statements and scanned forms.

Text cannot be taken out of a PDF page reliably (glyphs are drawn from font subsets, in
any order, often one by one), and a black box drawn over it leaves the text under it, to
be copied out. So a page that holds PI is redrawn: PDFium renders it, a filled box covers
each value a rule acts on, and the page is replaced by that picture at the page's size;
pages without PI are copied as they were (text, fonts, links and annotations kept).
Values are found in the page's text layer, each character with its box (PDFium), or, on
a page with no text (a scan), by OCR of the rendered page (`_ocr.py`); where Tesseract or
OpenCV is installed, the pictures on a page with text (a photographed ID card in a
contract) are read too (text, faces, QR codes), from a render with the text hidden. A
redrawn page gets its text back as an invisible layer with each value replaced
(`_pdf_layer.py`), so it can still be searched and copied. The document's metadata
(author, creator), bookmarks and attachments are not carried over.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from tianping.errors import InputError
from tianping.privacy._pdf_layer import Box, Run, TextLayer, line_runs

Line = tuple[int, str, list[tuple[int, int, str]]]  # offset, text, values replaced in it

if TYPE_CHECKING:
    from tianping.privacy._deid import Deidentifier

__all__ = ["DPI", "deid_pdf"]

DPI = 200  # the picture of a redacted page: readable print, about 1 MB an A4 page
_MARGIN = 1.0  # points around each box
_MIN_PICTURE = 36.0  # points: a picture narrower or lower than half an inch is not read


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
    layer = TextLayer(out.raw)
    redrawn: list[int] = []
    pictures: list[int] = []  # pages with text whose pictures OCR read
    by_ocr: list[int] = []
    noted: list[int] = []  # pages whose comments held PI: redrawn without them
    pages = len(doc)
    notes = _notes(src)
    ahead = _ScansAhead(doc)
    try:
        for i in range(pages):
            page = doc[i]
            # work upright: character boxes are in the page's own coordinates, and renders
            # would turn by /Rotate; the new page is turned back the same way
            rotation = page.get_rotation()
            page.set_rotation(0)
            boxes, runs, how = _boxes(page, deid, f"{src} page {i + 1}", ahead.take(i))
            page.set_rotation(rotation)
            if how == "ocr":
                by_ocr.append(i + 1)
            elif how == "pictures":
                pictures.append(i + 1)
            if _drop_notes(page, notes[i] if i < len(notes) else [], deid):
                noted.append(i + 1)
            if not boxes:
                out.import_pages(doc, [i])  # its notes that held PI are gone already
                continue
            redrawn.append(i + 1)
            page.set_rotation(0)
            _redrawn_page(out, page, boxes, runs, layer).set_rotation(rotation)
        out.save(str(tmp))
    finally:
        ahead.close()
        out.close()
        doc.close()
    said = [
        "the document's metadata, bookmarks and attached files are not carried over (scans "
        "read the bookmarks and attachments) / 文档元数据、书签和附件未保留"
    ]
    if redrawn:
        said.append(
            f"pages {_ranges(redrawn)}: redrawn as pictures with the PI covered; their text "
            "is kept as an invisible layer, each value replaced, for search and copy / "
            "含个人信息的页面已转为图片并遮盖，文字以替换后的隐藏文字层保留"
        )
    if noted:
        said.append(
            f"pages {_ranges(noted)}: comments or notes that held PI were removed (the "
            "others kept) / 含个人信息的批注已删除"
        )
    if by_ocr:
        said.append(f"pages {_ranges(by_ocr)}: no text layer, read by OCR / 无文字层，经 OCR 识别")
    if pictures:
        said.append(
            f"pages {_ranges(pictures)}: pictures read (OCR, faces) as well as the text / "
            "页面中的图片经识别（文字、人脸）"
        )
    if deid.acts_on("face_image"):
        from tianping.privacy._faces import FACES_ADVICE, available

        if not available():
            said.append(FACES_ADVICE)
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


class _ScansAhead:
    """OCR of the pages without text, a few pages ahead of the one being worked on:
    PDFium renders them here (it is not thread-safe), Tesseract reads them on threads."""

    def __init__(self, doc: Any) -> None:
        import os
        import tempfile
        from concurrent.futures import ThreadPoolExecutor

        from tianping.privacy._ocr import tesseract

        self.doc = doc
        self.n = min(4, os.cpu_count() or 1) if tesseract() is not None else 0
        self.pool = ThreadPoolExecutor(max(1, self.n))
        self.folder = tempfile.TemporaryDirectory(prefix="tianping-pdf-")
        self.jobs: dict[int, Any] = {}  # page index: (picture, future of its OCR lines)
        self.next = 0

    def take(self, i: int) -> tuple[Any, list[Any]] | None:
        """Page i's picture and OCR lines if it has no text (None otherwise, or without
        Tesseract); pages up to i + n are started."""
        while self.n and self.next <= min(i + self.n, len(self.doc) - 1):
            self._start(self.next)
            self.next += 1
        job = self.jobs.pop(i, None)
        return None if job is None else (job[0], job[1].result())

    def _start(self, j: int) -> None:
        from tianping.privacy._ocr import ocr_lines

        page = self.doc[j]
        textpage = page.get_textpage()
        try:
            n = textpage.count_chars()
            has_text = bool(n and textpage.get_text_range(0, n).strip())
        finally:
            textpage.close()
        if has_text:
            return
        rotation = page.get_rotation()
        page.set_rotation(0)
        image = page.render(scale=DPI / 72).to_pil()
        page.set_rotation(rotation)
        png = Path(self.folder.name) / f"page{j}.png"
        image.save(png)
        self.jobs[j] = (image, self.pool.submit(ocr_lines, png))

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.folder.cleanup()


def _boxes(
    page: Any, deid: Deidentifier, where: str, scanned: tuple[Any, list[Any]] | None = None
) -> tuple[list[Box], list[Run], str]:
    """The boxes to fill on one page, the runs of its text layer if it is redrawn, and how
    the values were read: "text", "pictures" (the text, and the pictures by OCR) or "ocr"
    (a page without text; `scanned`: its picture and OCR lines, read ahead)."""
    textpage = page.get_textpage()
    try:
        n = textpage.count_chars()
        text = textpage.get_text_range(0, n) if n else ""
        if not text.strip():
            return *_ocr_boxes(page, deid, where, scanned=scanned), "ocr"
        found = _text_values(text, deid)
        pictures = _picture_boxes(page, deid, where)
        boxes, runs = _text_boxes(textpage, found, redrawn=bool(pictures))
    finally:
        textpage.close()
    return boxes + (pictures or []), runs, "text" if pictures is None else "pictures"


def _text_values(
    text: str, deid: Deidentifier
) -> list[tuple[int, str, list[tuple[int, int, str]]]]:
    """Each line of a page's text: its offset, its text and the values a rule replaces."""
    lines = []
    start = 0
    for k, ch in enumerate(text + "\n"):
        if ch in "\r\n":
            if k > start:
                lines.append((start, text[start:k]))
            start = k + 1
    deid.prefetch(t for _, t in lines)
    return [(offset, line, deid.replacements(line)) for offset, line in lines]


def _text_boxes(textpage: Any, found: list[Line], redrawn: bool) -> tuple[list[Box], list[Run]]:
    """Boxes over the values of a page's text layer (per line, the union of the boxes of
    the characters a value spans) and, if the page is redrawn (a value in its text, or
    `redrawn`), its text as runs with the values replaced."""
    if not redrawn and not any(reps for _, _, reps in found):
        return [], []
    boxes: list[Box] = []
    runs: list[Run] = []
    for offset, line, reps in found:
        chars: list[Box | None] = []
        for i in range(len(line)):
            c = textpage.get_charbox(offset + i, loose=True)
            chars.append(c if c[2] > c[0] else None)  # generated spaces have no box
        for a, b, _ in reps:
            span = [c for c in chars[a:b] if c is not None]
            if span:
                boxes.append(
                    (
                        min(c[0] for c in span) - _MARGIN,
                        min(c[1] for c in span) - _MARGIN,
                        max(c[2] for c in span) + _MARGIN,
                        max(c[3] for c in span) + _MARGIN,
                    )
                )
        runs += line_runs(line, chars, reps)
    return boxes, runs


def _ocr_boxes(
    page: Any,
    deid: Deidentifier,
    where: str,
    read_text: bool = True,
    scanned: tuple[Any, list[Any]] | None = None,
) -> tuple[list[Box], list[Run]]:
    """Boxes over the values OCR reads on the rendered page (with `read_text`) and over the
    faces on it (with OpenCV, where a rule acts on them), in points, and the text read as
    runs with the values replaced; `scanned`: the page's picture and OCR lines, read
    ahead (`_ScansAhead`)."""
    import tempfile

    from tianping.privacy._image_deid import _boxes as pixel_boxes
    from tianping.privacy._image_deid import _code_boxes, _face_boxes
    from tianping.privacy._ocr import line_text, ocr_lines, tesseract

    if read_text and tesseract() is None:
        raise InputError(
            f"{where}: no text layer (a scan); reading it needs Tesseract OCR "
            "(apt-get install tesseract-ocr tesseract-ocr-chi-sim) / 扫描页需 OCR"
        )
    scale = DPI / 72
    if scanned is not None:
        image, lines = scanned
    else:
        image, lines = page.render(scale=scale).to_pil(), []
    if read_text and scanned is None:
        with tempfile.TemporaryDirectory(prefix="tianping-pdf-") as tmp:
            png = Path(tmp) / "page.png"
            image.save(png)
            lines = ocr_lines(png)
    texts = [line_text(words) for words in lines]
    deid.prefetch(t for t, _ in texts)
    _, height = page.get_size()

    def points(left: float, top: float, right: float, bottom: float) -> Box:
        return (left / scale, height - bottom / scale, right / scale, height - top / scale)

    boxes: list[Box] = [points(*b) for b in _face_boxes(image, deid) + _code_boxes(image, deid)]
    runs: list[Run] = []
    for words, (text, owner) in zip(lines, texts, strict=True):
        reps = deid.replacements(text)
        for a, b, _ in reps:
            boxes += [points(*box) for box in pixel_boxes(words, owner, a, b)]
        chars: list[Box | None] = []
        for i, k in enumerate(owner):
            if k < 0:
                chars.append(None)
                continue
            word = words[k]
            step = (word.box[2] - word.box[0]) / len(word.text)  # OCR boxes words only
            at = i - owner.index(k)
            left = word.box[0] + step * at
            chars.append(points(left, word.box[1], left + step, word.box[3]))
        runs += line_runs(text, chars, reps)
    return boxes, runs


def _has_pictures(page: Any) -> bool:
    import pypdfium2.raw as raw

    for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE]):
        left, bottom, right, top = obj.get_bounds()
        if right - left >= _MIN_PICTURE and top - bottom >= _MIN_PICTURE:
            return True
    return False


def _picture_boxes(page: Any, deid: Deidentifier, where: str) -> list[Box] | None:
    """Boxes over the values OCR reads and the faces in the pictures of a page that has
    text (rendered with its text hidden, so values are not found twice); None where they
    are not read: without Tesseract or OpenCV, or without a picture half an inch each way."""
    import pypdfium2.raw as raw

    from tianping.privacy._faces import available
    from tianping.privacy._ocr import tesseract

    ocr = tesseract() is not None
    faces = available() and deid.acts_on("face_image")
    if not (ocr or faces) or not _has_pictures(page):
        return None
    texts = list(page.get_objects(filter=[raw.FPDF_PAGEOBJ_TEXT]))
    modes = [raw.FPDFTextObj_GetTextRenderMode(t.raw) for t in texts]
    for t in texts:
        raw.FPDFTextObj_SetTextRenderMode(t.raw, raw.FPDF_TEXTRENDERMODE_INVISIBLE)
    try:
        boxes, _ = _ocr_boxes(page, deid, where, read_text=ocr)
    finally:
        for t, mode in zip(texts, modes, strict=True):
            raw.FPDFTextObj_SetTextRenderMode(t.raw, mode)
    return boxes


def _redrawn_page(out: Any, page: Any, boxes: list[Box], runs: list[Run], layer: TextLayer) -> Any:
    """A new last page of `out`: `page` rendered, the boxes filled, at the page's size,
    with `runs` as its invisible text."""
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
    layer.write(new.raw, runs)
    new.gen_content()
    bitmap.close()
    return new
