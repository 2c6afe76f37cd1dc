"""De-identification of Word (.docx), PowerPoint (.pptx) and Excel (.xlsx, .xlsm) files in
place: the PI in their text is replaced and every other byte of the package stays as it
was (a workbook's text is its shared strings, inline strings and comments; a number cell
whose value detection changes becomes a text cell holding the replacement). The result is
scanned again: what is still found (a name only the sheet's header marks) is reported as
left.

A paragraph's text is its runs' text joined (as the scan reads it), so a number that Word
split over three runs is found whole. Each replacement is written into the text element
where the value starts, and the rest of the value is taken out of the runs it continued
in; formatting, other runs and every other part and member are copied unchanged (the XML
is edited as bytes, never parsed and written again, which would rename its namespaces).
"""

from __future__ import annotations

import html
import posixpath
import re
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from tianping.errors import InputError
from tianping.privacy._office import (
    _A,
    _C,
    _CX,
    _S,
    _W,
    EMBEDDED,
    LINK,
    MAX_PART_BYTES,
    MEDIA,
    _parts,
    embedded_kind,
    person_fields,
)
from tianping.privacy._pivot import PIVOT_PARTS, cache_values, rewrite_pivot_caches

if TYPE_CHECKING:
    from tianping.privacy._deid import Deidentifier

__all__ = ["deid_ooxml"]


@dataclass
class _Grammar:
    """The element names of one format: paragraph, text, and what stands for a tab or a
    break; `props`: the paragraph properties, whose tab stops are not text."""

    para: re.Pattern[bytes]
    token: re.Pattern[bytes]
    props: re.Pattern[bytes]


def _grammar(para: bytes, texts: bytes, props: bytes, p: bytes = b"") -> _Grammar:
    """The patterns of a format: paragraph elements `para`, text elements `texts`, and
    elements `props` whose contents are not text (alternatives, names as written); `p`:
    the prefix of its tab and break elements, if it has them."""
    fixed = rb"|<%s:(tab|br|cr)(?=[\s/>])[^>]*?/>" % p if p else rb"|(?!)()"
    token = rb"<(?:%s)(?=[\s/>])([^>]*?)(/?)>|</(?:%s)>" % (texts, texts) + fixed
    return _Grammar(
        para=re.compile(rb"<(/?)(?:%s)(?=[\s/>])[^>]*?(/?)>" % para),
        token=re.compile(token),
        props=re.compile(rb"<(%s)(?=[\s>/])[^>]*?(?:/>|>.*?</\1>)" % props, re.S),
    )


GRAMMARS = {
    # Word: text, deleted text of tracked changes, and field codes (HYPERLINK "mailto:…")
    "docx": _grammar(b"w:p", b"w:t|w:delText|w:instrText", b"w:pPr", b"w"),
    "pptx": _grammar(b"a:p", b"a:t", b"a:pPr", b"a"),
    # a workbook's shared strings, inline strings and comments (phonetic guides left out)
    "xlsx": _grammar(b"si|is|text", b"t", b"rPh"),
    # the values a chart keeps cached (<c:pt><c:v>…</c:v></c:pt>), and chartEx points,
    # whose text is the point's own (the point is its own text element)
    "chart": _grammar(rb"(?:\w+:)?pt", rb"(?:\w+:)?v", rb"(?!)"),
    "chartEx": _grammar(rb"(?:\w+:)?pt", rb"(?:\w+:)?pt", rb"(?!)"),
}
# the grammar of each paragraph element a scan reads (`_office._parts`)
_BY_PARA = {
    f"{_W}p": "docx",
    f"{_A}p": "pptx",
    f"{_S}text": "xlsx",
    f"{_C}pt": "chart",
    f"{_CX}pt": "chartEx",
}
_FIXED = {b"tab": "\t", b"br": " ", b"cr": " "}


@dataclass
class _Seg:
    """A piece of a paragraph's text: a text element's content (`start`:`end` in the part's
    bytes, `open_at`:`open_end` its start tag), or a tab or break (fixed)."""

    text: str
    start: int = -1
    end: int = -1
    open_at: int = -1
    open_end: int = -1

    @property
    def editable(self) -> bool:
        return self.start >= 0


def _segments(xml: bytes, a: int, b: int, g: _Grammar) -> list[_Seg]:
    """The text pieces of the paragraph at xml[a:b], in order (paragraph properties left
    out: their tab elements are tab stops, not text)."""
    skip = [(m.start(), m.end()) for m in g.props.finditer(xml, a, b)]
    segs: list[_Seg] = []
    open_tag: re.Match[bytes] | None = None
    for m in g.token.finditer(xml, a, b):
        if any(s <= m.start() < e for s, e in skip):
            continue
        if m.group(3) is not None:  # a tab or a break
            segs.append(_Seg(_FIXED[m.group(3)]))
        elif m.group(0).startswith(b"</"):
            if open_tag is not None:
                raw = xml[open_tag.end() : m.start()].decode("utf-8")
                segs.append(
                    _Seg(html.unescape(raw), open_tag.end(), m.start(), open_tag.start(),
                         open_tag.end())
                )  # fmt: skip
                open_tag = None
        elif m.group(2) == b"":  # <w:t ...> (an empty <w:t/> holds nothing)
            open_tag = m
    return segs


def _paragraph_spans(xml: bytes, g: _Grammar) -> list[tuple[int, int]]:
    """The outermost paragraphs' byte spans (a text box's paragraphs are inside one)."""
    spans, depth, start = [], 0, 0
    for m in g.para.finditer(xml):
        closing, empty = m.group(1) == b"/", m.group(2) == b"/"
        if empty:
            continue
        if not closing:
            if depth == 0:
                start = m.start()
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                spans.append((start, m.end()))
    return spans


def _escape(text: str) -> bytes:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode("utf-8")


def _edit_part(xml: bytes, g: _Grammar, deid: Deidentifier) -> tuple[bytes, int]:
    """The part with the PI of each paragraph replaced, and its paragraph count."""
    paras = [(a, b, _segments(xml, a, b, g)) for a, b in _paragraph_spans(xml, g)]
    texts = ["".join(s.text for s in segs) for _, _, segs in paras]
    deid.prefetch(t for t in texts if t)  # one batched detection for the part
    edits: list[tuple[int, int, bytes]] = []  # byte spans of the part and their new bytes
    for (_, _, segs), text in zip(paras, texts, strict=True):
        if not text:
            continue
        reps = deid.replacements(text)
        if not reps:
            continue
        owner: list[int] = []  # the segment of each character of the text
        for k, s in enumerate(segs):
            owner += [k] * len(s.text)
        new_texts = [list(s.text) for s in segs]
        base = [sum(len(s.text) for s in segs[:k]) for k in range(len(segs))]
        for start, end, new in reps:
            first = next((i for i in range(start, end) if segs[owner[i]].editable), None)
            if first is None:
                continue
            for i in range(start, end):
                k = owner[i]
                if segs[k].editable:
                    new_texts[k][i - base[k]] = ""
            k = owner[first]
            new_texts[k][first - base[k]] = new
        for k, s in enumerate(segs):
            joined = "".join(new_texts[k])
            if not s.editable or joined == s.text:
                continue
            edits.append((s.start, s.end, _escape(joined)))
            tag = xml[s.open_at : s.open_end]
            if joined != joined.strip() and b"xml:space" not in tag:  # keep edge spaces
                edits.append((s.open_end - 1, s.open_end - 1, b' xml:space="preserve"'))
    return apply_edits(xml, edits), len(paras)


def apply_edits(xml: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """`xml` with each byte span (start, end) replaced by its new bytes (spans disjoint)."""
    out, pos = [], 0
    for a, b, new_bytes in sorted(edits):
        out += [xml[pos:a], new_bytes]
        pos = b
    out.append(xml[pos:])
    return b"".join(out)


def _attr(text: str) -> bytes:
    return _escape(text).replace(b'"', b"&quot;")


def _edit_links(xml: bytes, deid: Deidentifier) -> bytes:
    """A .rels part with the PI in its mailto:/tel: targets replaced."""
    text = xml.decode("utf-8")

    def one(m: re.Match[str]) -> str:
        target = html.unescape(m.group(2))
        reps = deid.replacements(target)
        for a, b, new in reversed(reps):
            target = target[:a] + new + target[b:]
        return m.group(1) + (_attr(target).decode() if reps else m.group(2)) + m.group(3)

    return LINK.sub(one, text).encode("utf-8")


def _blank_people(xml: bytes, pattern: re.Pattern[str], deid: Deidentifier) -> bytes:
    """Authors, editors, company and commenters named in a part, blanked: who wrote a
    document is personal information the text does not show (counted as
    `document_author`)."""
    text = xml.decode("utf-8")

    def one(m: re.Match[str]) -> str:
        if m.group(2).strip():
            deid.counts["document_author"] += 1
        return m.group(1) + m.group(3)

    return pattern.sub(one, text).encode("utf-8")


# Excel names comments xl/comments1.xml, openpyxl xl/comments/comment1.xml
_NUMBER_CELL = re.compile(rb"<c\b([^>]*)><v>([^<]*)</v></c>")
_CELL_TYPE = re.compile(rb'\st="[^"]*"')


def _number_cells(xml: bytes, deid: Deidentifier) -> bytes:
    """A sheet's number cells (no formula) whose value detection changes, as text cells
    holding the replacement: a phone kept as a number becomes `[CN_MOBILE]`, the cell's
    style kept (JSON numbers are treated the same way)."""

    def one(m: re.Match[bytes]) -> bytes:
        kind = _CELL_TYPE.search(m.group(1))
        if kind is not None and kind.group(0) != b' t="n"':
            return m.group(0)  # a shared string, boolean, error or formula string
        value = m.group(2).decode("utf-8")
        reps = deid.replacements(value)
        if not reps:
            return m.group(0)
        for a, b, new in reversed(reps):
            value = value[:a] + new + value[b:]
        attrs = _CELL_TYPE.sub(b"", m.group(1))
        return b'<c%s t="inlineStr"><is><t>%s</t></is></c>' % (attrs, _escape(value))

    return _NUMBER_CELL.sub(one, xml)


# a workbook's strings: shared, and inline in its sheets (its comments: `_parts`)
_XLSX_STRINGS = re.compile(r"xl/(?:sharedStrings|worksheets/sheet\d+)\.xml")
_SHEET = re.compile(r"xl/worksheets/sheet\d+\.xml")
# a chart's cached numbers: a point there cannot hold text
# (chartEx: a numeric dimension's points hold their number themselves)
_NUM_CACHE = re.compile(rb"<((?:\w+:)?)(num(?:Cache|Lit|Dim))\b[^>]*>.*?</\1\2>", re.S)
_NUM_POINT = re.compile(rb"<((?:\w+:)?)pt\b[^>]*>(?:\s*<\1v>([^<]*)</\1v>\s*|([^<]*))</\1pt>")


def _number_points(xml: bytes, deid: Deidentifier) -> bytes:
    """A chart part with each cached number that holds PI taken out: the point is left
    empty (a gap in the series) until the chart is refreshed from its de-identified data."""

    def value(m: re.Match[bytes]) -> str:
        return html.unescape((m.group(2) if m.group(2) is not None else m.group(3)).decode())

    caches = [c.group(0) for c in _NUM_CACHE.finditer(xml)]
    deid.prefetch(value(m) for c in caches for m in _NUM_POINT.finditer(c))  # one batch

    def point(m: re.Match[bytes]) -> bytes:
        return b"" if deid.replacements(value(m)) else m.group(0)

    return _NUM_CACHE.sub(lambda c: _NUM_POINT.sub(point, c.group(0)), xml)


def _pivot_value(deid: Deidentifier) -> Callable[[str], str | None]:
    def replace(value: str) -> str | None:
        reps = deid.replacements(value)
        for a, b, new in reversed(reps):
            value = value[:a] + new + value[b:]
        return value if reps else None

    return replace


def _rels_targets(zin: zipfile.ZipFile, rels: str) -> list[str]:
    """The members a .rels part points to, as member names."""
    base = posixpath.dirname(posixpath.dirname(rels))
    text = zin.read(rels).decode("utf-8", errors="replace")
    return [
        posixpath.normpath(posixpath.join(base, html.unescape(t)))
        for t in re.findall(r'\bTarget="([^"]+)"', text)
        if "://" not in t and not t.startswith("mailto:")
    ]


def _shown_count(deid: Deidentifier) -> int:
    """Values replaced so far that a page shows (an author blanked is not on it)."""
    return sum(n for t, n in deid.counts.items() if t != "document_author")


def _embedded(
    name: str, data: bytes, deid: Deidentifier, kind: str
) -> tuple[bytes, int, list[str]]:
    """An embedded package de-identified as the file it is; one that cannot be read is
    copied as it was and named in what was kept (`name (unreadable)`)."""
    with tempfile.TemporaryDirectory(prefix="tianping-embed-") as tmp:
        inner, out = Path(tmp) / f"in.{kind}", Path(tmp) / f"out.{kind}"
        inner.write_bytes(data)
        try:
            n, kept = deid_ooxml(inner, out, deid, kind)
        except InputError:
            return data, 0, [f"{name} (unreadable)"]
        return out.read_bytes(), n, [f"{name}!{k}" for k in kept]


_PICTURES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp"})


def _picture(name: str, data: bytes, deid: Deidentifier, read_text: bool) -> bytes | None:
    """A picture of the document with boxes over the PI OCR reads in it and over faces
    (`_image_deid.py`), or None where nothing was covered (its bytes stay as they were)."""
    from tianping.privacy._image_deid import deid_image

    suffix = PurePosixPath(name).suffix.lower()
    with tempfile.TemporaryDirectory(prefix="tianping-picture-") as tmp:
        src, out = Path(tmp) / f"in{suffix}", Path(tmp) / f"out{suffix}"
        src.write_bytes(data)
        before = sum(deid.counts.values())
        try:
            deid_image(src, out, deid, read_text=read_text)
        except InputError:
            return None  # a picture Pillow cannot read or write (a multi-frame GIF)
        return out.read_bytes() if sum(deid.counts.values()) > before else None


def picture_member(
    name: str, data: bytes, deid: Deidentifier, readers: tuple[bool, bool], kept: list[str]
) -> tuple[bytes, bool]:
    """A package's picture member covered where it holds PI (named in `kept` as
    `name (picture)`), and whether it went unread (no Tesseract, no OpenCV)."""
    if PurePosixPath(name).suffix.lower() not in _PICTURES:
        return data, False
    ocr, faces = readers
    if not (ocr or faces):
        return data, True
    covered = _picture(name, data, deid, read_text=ocr)
    if covered is None:
        return data, False
    kept.append(f"{name} (picture)")
    return covered, False


def picture_readers(deid: Deidentifier) -> tuple[bool, bool]:
    """Whether pictures can be read for text (Tesseract) and for faces (OpenCV, where a
    rule acts on them)."""
    from tianping.privacy._faces import available
    from tianping.privacy._ocr import tesseract

    return tesseract() is not None, available() and deid.acts_on("face_image")


def deid_ooxml(src: Path, tmp: Path, deid: Deidentifier, kind: str) -> tuple[int, list[str]]:
    """`src` (.docx, .pptx or .xlsx) de-identified into `tmp`: the parts with text edited (the
    body, notes, SmartArt, shapes, chart titles and the values charts keep cached), a
    workbook's pivot caches, embedded workbooks and documents (as files of their own), the
    targets of mailto:/tel: links too, authors blanked, every other member copied as it
    was. The number of paragraphs read, and what it could not rewrite, to warn of: embedded
    objects of other formats, and embedded packages whose preview picture the document
    still shows (`name (preview)`). Pictures (`word/media/…`) are covered where they hold
    PI as images are (`name (picture)`), where Tesseract or OpenCV is installed
    (`N pictures (unread)` where neither is)."""
    paragraphs = 0
    kept: list[str] = []
    readers = picture_readers(deid)
    unread = 0
    try:
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(tmp, "w") as zout:
            # the parts a scan reads, each in its grammar (a chart twice: titles and cached
            # values), and a workbook's strings
            parts: dict[str, list[_Grammar]] = {}
            for name, _, para, _ in _parts(zin, kind):
                parts.setdefault(name, []).append(GRAMMARS[_BY_PARA[para]])
            if kind == "xlsx":
                for member in zin.namelist():
                    if _XLSX_STRINGS.fullmatch(member):
                        parts.setdefault(member, []).append(GRAMMARS["xlsx"])
            infos = zin.infolist()
            for info in infos:
                if info.file_size > MAX_PART_BYTES:
                    raise InputError(f"{src}: member {info.filename} is too large / 文档部件过大")
            pivots = {i.filename: zin.read(i) for i in infos if PIVOT_PARTS.fullmatch(i.filename)}
            if pivots:  # a cache holds a row per record: detected in batches, not one by one
                deid.prefetch(cache_values(pivots))
                pivots = rewrite_pivot_caches(pivots, _pivot_value(deid))
            charted = {  # a chart's workbook: no preview picture of it in the document
                t
                for rels in zin.namelist()
                if re.fullmatch(r"(?:word|ppt|xl)/charts/_rels/[^/]+\.rels", rels)
                for t in _rels_targets(zin, rels)
            }
            for info in infos:
                name = info.filename
                data = pivots.get(name) or zin.read(info)
                if EMBEDDED.fullmatch(name):
                    inner = embedded_kind(name)
                    if inner is None:
                        kept.append(name)
                    else:
                        before = _shown_count(deid)
                        data, n, inner_kept = _embedded(name, data, deid, inner)
                        paragraphs += n
                        kept += inner_kept
                        # a picture of it stands in the document, showing what was replaced
                        changed = _shown_count(deid) > before
                        if changed and name not in charted:
                            kept.append(f"{name} (preview)")
                if MEDIA.fullmatch(name):
                    data, missed = picture_member(name, data, deid, readers, kept)
                    unread += missed
                if name in parts and re.fullmatch(
                    r"(?:word|ppt|xl)/charts/chart(?:Ex)?\d+\.xml", name
                ):
                    data = _number_points(data, deid)
                for grammar in parts.get(name, []):
                    data, n = _edit_part(data, grammar, deid)
                    paragraphs += n
                if kind == "xlsx" and _SHEET.fullmatch(name) and deid.policy.detect_unlisted:
                    data = _number_cells(data, deid)
                if name.endswith(".rels"):
                    data = _edit_links(data, deid)
                people = person_fields(name)
                if people is not None:
                    data = _blank_people(data, people, deid)
                zout.writestr(info, data, compress_type=info.compress_type)
    except (zipfile.BadZipFile, UnicodeDecodeError, EOFError) as exc:
        raise InputError(f"{src}: not a readable {kind} file ({type(exc).__name__})") from None
    if unread:
        kept.append(f"{unread} pictures (unread)")
    return paragraphs, kept
