"""The text of Word (.docx), PowerPoint (.pptx), OpenDocument (.odt, .odp), RTF and PDF
files, for scans: contracts, HR files, customer letters and slide decks hold PI as often as
tables do (97-2003 files: `_legacy.py`; RTF: `_rtf.py`). PDF text comes from pypdf
(installed with `tianping[privacy]`), page by page, a line a row; a scanned PDF has no text
layer to read, and the report says so.

These are zip archives of XML. Each part that holds text (the body, headers, footers,
footnotes, comments; each slide and its notes) gives its paragraphs in order, a paragraph's
text being its runs joined (Word splits "13812345678" into runs wherever formatting or
spell-checking changed), tabs as tabs and breaks as spaces. Only the standard library is
used; expat's limits guard against entity expansion.
"""

from __future__ import annotations

import html
import re
import zipfile
from collections.abc import Callable, Generator, Iterator
from pathlib import Path, PurePosixPath
from typing import IO
from xml.etree import ElementTree

from tianping.errors import InputError
from tianping.privacy._formats import PACKAGES

__all__ = [
    "EMBEDDED",
    "EMBEDDED_PACKAGES",
    "LINK",
    "MEDIA",
    "embedded_kind",
    "paragraphs",
    "pdf_attachments",
    "pdf_notes",
    "pdf_pages",
    "person_fields",
]

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
_CX = "{http://schemas.microsoft.com/office/drawing/2014/chartex}"
# Excel names comments xl/comments1.xml, openpyxl xl/comments/comment1.xml
_XLSX_COMMENTS = re.compile(r"xl/comments(?:/comment)?(\d*)\.xml")

# Word parts with text, in reading order; numbered ones (header1.xml …) sorted by number
_WORD_PARTS = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes|comments)\.xml")
_SLIDE_PARTS = re.compile(r"ppt/(slides/slide|notesSlides/notesSlide)(\d+)\.xml")
# SmartArt, charts and shapes hold DrawingML text (a diagram's boxes, a chart's titles and
# labels, a sheet's text boxes); a chart also keeps a copy of the values it plots
_DRAWING_PARTS = re.compile(
    r"(?:word|ppt|xl)/(diagrams/data|charts/chartEx|charts/chart|drawings/drawing)(\d+)\.xml"
)
# packages embedded in a package (a chart's workbook, an inserted document): read and
# rewritten as the files they are; anything else embedded (OLE .bin objects) is not
EMBEDDED = re.compile(r"(?:word|ppt|xl)/embeddings/[^/]+")
# pictures (OOXML media, OpenDocument Pictures/): read by OCR on request
MEDIA = re.compile(r"(?:(?:word|ppt|xl)/media|Pictures)/[^/]+")
EMBEDDED_PACKAGES = {s: k for s, k in PACKAGES.items() if k in ("docx", "pptx", "xlsx")}
MAX_PART_BYTES = 256 << 20  # an uncompressed part past this is refused (a zip bomb)


def paragraphs(path: Path, kind: str) -> Iterator[tuple[str, list[str]]]:
    """(part, its paragraphs' text) for each part of a .docx, .pptx or .odt file that holds
    text: `document`, `header1`, `comments`; `slide3`, `notes3`; `content`; then `links`
    (mailto: and tel: targets of its hyperlinks) and `properties` (authors, company,
    comment authors) where there are any. InputError for a file that is not such an
    archive."""
    if kind in ("odt", "ods", "odp"):  # OpenDocument: read as its rewrite reads it (`_odf.py`)
        from tianping.privacy._odf import odf_paragraphs

        return (yield from odf_paragraphs(path, kind))
    if kind in ("doc", "ppt"):  # 97-2003 binary files (`_legacy.py`)
        from tianping.privacy._legacy import legacy_parts

        return (yield from legacy_parts(path, kind))
    if kind == "rtf":
        return (yield from _rtf_parts(path))
    try:
        with zipfile.ZipFile(path) as zf:
            for name, label, para, texts in _parts(zf, kind):
                with zf.open(_checked(zf, name, path)) as fh:
                    yield label, _paragraphs(fh, para, texts)
            extra: dict[str, list[str]] = {"links": [], "properties": []}
            for name in zf.namelist():
                people = person_fields(name)
                if name.endswith(".rels") or people is not None:
                    what = "links" if people is None else "properties"
                    raw = zf.read(_checked(zf, name, path)).decode("utf-8", errors="replace")
                    pattern = people or LINK
                    extra[what] += [html.unescape(m.group(2)) for m in pattern.finditer(raw)]
            for label, values in extra.items():
                if values:
                    yield label, values
    except (zipfile.BadZipFile, ElementTree.ParseError, KeyError, EOFError) as exc:
        raise InputError(f"{path}: not a readable {kind} file ({type(exc).__name__})") from None


def _rtf_parts(path: Path) -> Iterator[tuple[str, list[str]]]:
    """An RTF document's text, a line a paragraph (`document`: body, headers, footers,
    notes, comments, field codes), and the people its `\\info` names (`properties`)."""
    from tianping.privacy._rtf import read_rtf, rtf_info, rtf_text

    data = read_rtf(path, MAX_PART_BYTES)
    yield "document", rtf_text(data).split("\n")
    people = rtf_info(data)
    if people:
        yield "properties", people


def _checked(zf: zipfile.ZipFile, name: str, path: Path) -> zipfile.ZipInfo:
    info = zf.getinfo(name)
    if info.file_size > MAX_PART_BYTES:
        raise InputError(
            f"{path}: part {name} unpacks to {info.file_size:,} bytes; not read / 文档部件过大"
        )
    return info


# a hyperlink's target that names a person's address: `Target="mailto:…"` in a .rels part
LINK = re.compile(r'(\bTarget=")((?:mailto|tel|sms):[^"]*)(")', re.I)
# who wrote and changed a document, and who commented: element text or attribute values
_ELEMENT = r"(<(?:dc:creator|cp:lastModifiedBy|Company|Manager)(?:\s[^>]*)?>)([^<]*)(<)"
_AUTHOR = r'(\s(?:w:author|w:initials|w15:author|w15:userId)=")([^"]*)(")'
_PERSON_FIELDS = [
    (r"docProps/(?:core|app)\.xml", _ELEMENT),
    (r"word/(?:comments|document|people)\.xml", _AUTHOR),  # tracked changes name authors
    (r"ppt/commentAuthors\.xml", r'(\s(?:name|initials)=")([^"]*)(")'),
    (r"xl/comments(?:\d*|/comment\d+)\.xml", r"(<author>)([^<]*)(<)"),
    (r"xl/persons/person\.xml", r'(\sdisplayName=")([^"]*)(")'),
]


def person_fields(name: str) -> re.Pattern[str] | None:
    """The pattern of the names of people (authors, commenters) in member `name`."""
    for member, pattern in _PERSON_FIELDS:
        if re.fullmatch(member, name):
            return re.compile(pattern)
    return None


def _parts(zf: zipfile.ZipFile, kind: str) -> list[tuple[str, str, str, dict[str, str]]]:
    """(member, label, paragraph tag, {text tag: what it adds}) of the parts to read."""
    names = zf.namelist()
    if kind == "docx":
        # deleted text of tracked changes and field codes (HYPERLINK "mailto:…") are text
        # the file keeps: read with the rest
        texts = {
            f"{_W}t": "", f"{_W}delText": "", f"{_W}instrText": "",
            f"{_W}tab": "\t", f"{_W}br": " ", f"{_W}cr": " ",
        }  # fmt: skip
        found = [(m.group(1), n) for n in names if (m := _WORD_PARTS.fullmatch(n))]
        order = ["document", "header", "footer", "footnotes", "endnotes", "comments"]
        found.sort(key=lambda p: (order.index(p[0].rstrip("0123456789")), _number(p[0])))
        return [(n, label, f"{_W}p", texts) for label, n in found] + _drawings(names)
    if kind == "pptx":
        shown = _slide_numbers(zf)
        slides = [
            (shown.get(n, int(m.group(2))), m.group(1), n)
            for n in names
            if (m := _SLIDE_PARTS.fullmatch(n))
        ]
        slides.sort(key=lambda s: (s[0], s[1].startswith("notes")))
        return [
            (n, f"{'notes' if what.startswith('notes') else 'slide'}{k}", f"{_A}p", _A_TEXTS)
            for k, what, n in slides
        ] + _drawings(names)
    if kind == "xlsx":  # cell comments and drawings (calamine reads the cells themselves)
        found = [(int(m.group(1) or 0), n) for n in names if (m := _XLSX_COMMENTS.fullmatch(n))]
        return [
            (n, f"comments{k or ''}", f"{_S}text", {f"{_S}t": ""}) for k, n in sorted(found)
        ] + _drawings(names)
    return [("content.xml", "content", f"{_TEXT}p|{_TEXT}h", {})] if "content.xml" in names else []


_A_TEXTS = {f"{_A}t": "", f"{_A}br": " "}
_P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _targets(zf: zipfile.ZipFile, member: str) -> dict[str, tuple[str, str]]:
    """{relationship id: (type, member it points to)} of a part's relationships."""
    folder, _, base = member.rpartition("/")
    try:
        data = zf.read(f"{folder}/_rels/{base}.rels")
    except KeyError:  # a part without relationships
        return {}
    out = {}
    for rel in ElementTree.fromstring(data).iter(f"{_REL}Relationship"):
        target = PurePosixPath(folder, rel.get("Target", ""))
        parts: list[str] = []
        for piece in target.parts:  # "../notesSlides/notesSlide2.xml" from ppt/slides
            if piece == "..":
                parts = parts[:-1]
            elif piece != ".":
                parts.append(piece)
        out[rel.get("Id", "")] = (rel.get("Type", ""), "/".join(parts))
    return out


def _slide_numbers(zf: zipfile.ZipFile) -> dict[str, int]:
    """{slide or notes member: the number of its slide in the show}: the order of
    presentation.xml's slide list, not of the file names (`slide7.xml` may be shown
    second), a notes page numbered as the slide it belongs to. Empty where unreadable."""
    try:
        show = ElementTree.fromstring(zf.read("ppt/presentation.xml"))
        rels = _targets(zf, "ppt/presentation.xml")
    except (KeyError, ElementTree.ParseError):
        return {}
    out: dict[str, int] = {}
    for k, sld in enumerate(show.iter(f"{_P}sldId"), start=1):
        slide = rels.get(sld.get(f"{_R}id", ""), ("", ""))[1]
        if not slide:
            continue
        out[slide] = k
        for kind, target in _targets(zf, slide).values():
            if kind.endswith("/notesSlide"):
                out[target] = k
    return out


_DRAWING_LABELS = {
    "diagrams/data": "diagram",
    "charts/chart": "chart",
    "charts/chartEx": "chartEx",
    "drawings/drawing": "drawing",
}


def _drawings(names: list[str]) -> list[tuple[str, str, str, dict[str, str]]]:
    """SmartArt data, charts and shapes by number (`diagram1`, `chart2`, `drawing1`), and
    the values a chart keeps cached, a point a row (`chart2-data`)."""
    found = [(m.group(1), int(m.group(2)), n) for n in names if (m := _DRAWING_PARTS.fullmatch(n))]
    found.sort(key=lambda d: (d[0], d[1]))
    out = []
    for what, k, n in found:
        label = f"{_DRAWING_LABELS[what]}{k}"
        out.append((n, label, f"{_A}p", _A_TEXTS))
        if what == "charts/chart":  # <c:pt><c:v>value</c:v></c:pt>
            out.append((n, f"{label}-data", f"{_C}pt", {f"{_C}v": ""}))
        elif what == "charts/chartEx":  # <cx:pt idx="0">value</cx:pt>
            out.append((n, f"{label}-data", f"{_CX}pt", {}))
    return out


def embedded_kind(name: str) -> str | None:
    """The package kind of an embedded member (`word/embeddings/Sheet1.xlsx`), or None."""
    if not EMBEDDED.fullmatch(name):
        return None
    return EMBEDDED_PACKAGES.get(PurePosixPath(name).suffix.lower())


def _number(label: str) -> int:
    digits = label.lstrip("abcdefghijklmnopqrstuvwxyz")
    return int(digits) if digits else 0


def _paragraphs(fh: IO[bytes], para: str, texts: dict[str, str]) -> list[str]:
    """The text of each outermost paragraph element (`para`: its tag, or tags joined by
    "|"), in document order (a text
    box's paragraphs inside one count as its text). `texts`: for OOXML, the elements whose
    text is the paragraph's (`""`) or that stand for a tab or a break; ODF keeps text as
    element text and tails, so a paragraph there is all its text in order."""
    out: list[str] = []
    parts: list[str] = []
    depth = props = 0
    odf = para.startswith((_TEXT, _CX))  # text as the element's own: ODF, chartEx points
    tags = set(para.split("|"))  # ODF: paragraphs and headings
    # paragraph properties (their tabs are tab stops), a workbook's phonetic guides
    p_props = para.split("}")[0] + ("}rPh" if para.startswith(_S) else "}pPr")
    for event, el in ElementTree.iterparse(fh, events=("start", "end")):
        if el.tag == p_props:
            props += 1 if event == "start" else -1
            continue
        if el.tag in tags:
            if event == "start":
                if depth == 0:
                    parts = []
                depth += 1
                continue
            depth -= 1
            if depth == 0:
                out.append("".join(el.itertext()) if odf else "".join(parts))
                el.clear()
            continue
        if odf or event != "end" or depth == 0 or props:
            continue
        add = texts.get(el.tag)
        if add is not None:
            parts.append((el.text or "") if add == "" else add)
    return out


def _outline_titles(outline: object) -> list[str]:
    """The titles of a PDF's bookmarks, nested ones included, in order."""
    out: list[str] = []
    for item in outline if isinstance(outline, list) else []:
        if isinstance(item, list):
            out += _outline_titles(item)
        elif isinstance(title := getattr(item, "title", None), str) and title.strip():
            out.append(title)
    return out


def pdf_notes(page: object) -> list[str]:
    """The text of each of a pypdf page's annotations, in their order: comments, sticky
    notes, free text (contents, subject and author, a line each), which the page's text
    layer does not hold."""
    out: list[str] = []
    annots = getattr(page, "get", lambda _k: None)("/Annots") or []
    for ref in annots:
        note = ref.get_object() if hasattr(ref, "get_object") else ref
        if not hasattr(note, "get"):
            out.append("")
            continue
        values = [note.get(key) for key in ("/Contents", "/T", "/Subj", "/V")]
        parent = note.get("/Parent")  # a widget of a field: the value is the field's
        if parent is not None and hasattr(parent, "get_object"):
            values.append(parent.get_object().get("/V"))
        out.append("\n".join(v for v in values if isinstance(v, str) and v.strip()))
    return out


def pdf_attachments(path: Path) -> Iterator[tuple[str, Path]]:
    """(name, extracted path) of each file attached to a PDF, one at a time in a private
    temporary folder (removed once the caller moves on; names are not trusted)."""
    import shutil
    import tempfile

    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError:
        return
    try:
        files = [(n, d) for n, datas in PdfReader(str(path)).attachments.items() for d in datas]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError):
        return  # the scan of the PDF itself says what is wrong with it
    with tempfile.TemporaryDirectory(prefix="tianping-pdf-") as tmp:
        for k, (name, data) in enumerate(files):
            base = PurePosixPath(name.replace("\\", "/")).name or f"attachment{k + 1}"
            target = Path(tmp) / str(k) / base
            target.parent.mkdir()
            target.write_bytes(data)
            try:
                yield base, target
            finally:
                shutil.rmtree(target.parent, ignore_errors=True)


def pdf_pages(
    path: Path,
    ocr: bool = False,
    on_faces: Callable[[int, list[tuple[int, int, int, int]]], None] | None = None,
) -> Iterator[tuple[str, list[str]]]:
    """(`page3`, its text lines) for each page of a PDF with a text layer, then
    (`page3-notes`, its comments and form values) where it has any, and (`bookmarks`,
    their titles); with `ocr`, a page without text gives the lines OCR reads in its images,
    and a page with text gives them as `page3-pictures` (a photographed ID card in a
    contract; a page de-identification redrew, checked as it is seen). `on_faces(page,
    boxes)`: with `ocr` and OpenCV, the faces in each page's pictures.
    InputError for a PDF pypdf cannot open, one encrypted with a password, or no pypdf."""
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError:
        raise InputError(
            "PDF: needs pypdf (pip install 'tianping[privacy]') / 读取 PDF 需安装 pypdf"
        ) from None
    read: Generator[tuple[int, list[str], list[tuple[int, int, int, int]]]] | None = None
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError(f"{path}: an encrypted PDF; give a decrypted copy / 加密的 PDF")
        if ocr:
            from tianping.privacy._ocr import ocr_pdf_pages

            pages = enumerate(reader.pages, start=1)
            read = ocr_pdf_pages(pages, str(path), faces=on_faces is not None)
        for k, page in enumerate(reader.pages, start=1):
            lines = (page.extract_text() or "").splitlines()
            seen: list[str] = []
            if read is not None:
                _, seen, faces = next(read)
                if on_faces is not None:
                    on_faces(k, faces)
                if not any(line.strip() for line in lines):
                    lines, seen = seen, []
            yield f"page{k}", lines
            if seen:
                yield f"page{k}-pictures", seen
            notes = [line for note in pdf_notes(page) for line in note.splitlines()]
            if notes:
                yield f"page{k}-notes", notes
        titles = _outline_titles(reader.outline)
        if titles:  # bookmarks name sections, and sometimes people
            yield "bookmarks", titles
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise InputError(f"{path}: not a readable PDF ({type(exc).__name__})") from None
    finally:
        if read is not None:  # its pages in flight, its temporary folder
            read.close()
