"""The text of OpenDocument files (.odt text, .ods sheets), read as bytes: for scans, and
for de-identification in place (`_odf_deid.py`), which must see the same text.

A paragraph (`text:p`, `text:h`) holds its text as character data and as the tails of the
elements inside it (`text:span`, `text:a`, bookmarks, fields), so a number may be split
over spans: `<text:span>138</text:span>12345678`. Spaces beyond one are `<text:s
text:c="3"/>`, a tab `<text:tab/>`, a line break `<text:line-break/>` (a space, for
detection). What a paragraph holds that is not its text is left out: a comment
(`office:annotation`, whose own paragraphs are read as paragraphs), a footnote, a frame
with a text box; a footnote or a frame stands as a space, so that values do not run
together across it. The XML is tokenised with patterns, never parsed into a tree: the
rewrite changes the bytes of the values and nothing else, and no entity is expanded
beyond the five XML ones and character references.

Parts read: `content.xml` (the body; tracked deletions, comments and a sheet's drawings
with it), `styles.xml` (headers and footers of the page styles), and the same parts of
embedded objects (`Object 1/content.xml`: a chart's titles and data table, an embedded
document); then the mailto:/tel:/sms: targets of links (`links`) and who wrote, printed
or commented on the document (`properties`), as the OOXML reader gives them. A sheet's
cells are read by calamine, not here; their comments and drawings are.

The usual prefixes (`text:`, `table:`, `office:`) are assumed, as every writer uses them.
"""

from __future__ import annotations

import html
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tianping.errors import InputError

__all__ = [
    "LINK",
    "PEOPLE",
    "TEXT_PART",
    "Cell",
    "Para",
    "Piece",
    "check_encrypted",
    "odf_paragraphs",
    "read_member",
    "scan_part",
    "text_parts",
]

# a tag (names with prefixes; attribute values may hold '>'), or what is not markup
_TOKEN = re.compile(
    rb"<!--.*?-->|<\?.*?\?>|<!\[CDATA\[.*?\]\]>|<!DOCTYPE[^>]*>"
    rb"|<(/?)([\w.:-]+)((?:[^>\"']|\"[^\"]*\"|'[^']*')*?)(/?)>",
    re.S,
)
_PARA = frozenset({b"text:p", b"text:h"})
_CELL = frozenset({b"table:table-cell", b"table:covered-table-cell"})
_FIXED = {b"text:tab": "\t", b"text:line-break": " ", b"text:s": " "}
# inside a paragraph: elements that are part of its text (spans, links, fields, ruby),
# unlike these, which hold their own paragraphs or no text of the paragraph's
_OUTSIDE = frozenset(
    {b"text:note", b"text:note-citation", b"text:note-body", b"text:tracked-changes"}
)
_COUNT = re.compile(rb'\stext:c="(\d+)"')
# what de-identification rewrites: the text parts, at the top or of an embedded object
TEXT_PART = re.compile(r"(?:Object [^/]+/)*(content|styles)\.xml")
# a link's target that names a person's address: `xlink:href="mailto:…"`
LINK = re.compile(r'(\sxlink:href=")((?:mailto|tel|sms):[^"]*)(")', re.I)
# who wrote, printed and commented on a document, and who made a tracked change; and the
# fields that show an author's name on the page (a footer's "author: …")
PEOPLE = re.compile(
    r"(<(?:dc:creator|meta:initial-creator|meta:printed-by|meta:creator-initials"
    r"|text:(?:initial-creator|creator|author-name|author-initials))(?:\s[^>]*)?>)([^<]*)(<)"
)
_PEOPLE_PART = re.compile(r"(?:Object [^/]+/)*(content|styles|meta)\.xml")
_MAX_PART_BYTES = 256 << 20  # as `_office.MAX_PART_BYTES`: past this, a zip bomb


@dataclass
class Piece:
    """A piece of a paragraph's text: character data at `start`:`end` of the part's bytes
    (editable), or a tab, spaces or a break element at `start`:`end` (`fixed`), or a
    stand-in for something inside the paragraph that is not its text (no span)."""

    text: str
    start: int = -1
    end: int = -1
    fixed: bool = False

    @property
    def editable(self) -> bool:
        return self.start >= 0 and not self.fixed


@dataclass
class Cell:
    """A table cell: its start tag at `start`:`end` (`empty`: `<table:table-cell …/>`),
    its element name and attributes, and the paragraphs directly inside it."""

    start: int
    end: int
    name: bytes
    attrs: bytes
    empty: bool
    paras: list[Para] = field(default_factory=list)
    close: int = -1  # where `</table:table-cell>` starts

    def attr(self, name: bytes) -> bytes | None:
        pattern = _ATTRS.get(name)
        if pattern is None:
            pattern = _ATTRS[name] = re.compile(rb"\s%s=\"([^\"]*)\"" % re.escape(name))
        m = pattern.search(self.attrs)
        return None if m is None else m.group(1)


_ATTRS: dict[bytes, re.Pattern[bytes]] = {}


@dataclass
class Para:
    """A paragraph: the element at `start`:`end`, its content at `inner`:`close`; `cell`:
    the table cell it is directly inside."""

    start: int
    inner: int
    end: int = -1
    close: int = -1
    pieces: list[Piece] = field(default_factory=list)
    cell: Cell | None = None
    slide: int = 0  # in a presentation: the slide (draw:page) it is on, counted from 1
    notes: bool = False  # on that slide's notes page

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.pieces)


@dataclass
class _Frame:
    name: bytes
    para: Para | None  # the paragraph whose text character data here is
    cell: Cell | None = None
    own: Para | None = None  # the paragraph this element is


def scan_part(xml: bytes) -> tuple[list[Para], list[Cell]]:
    """The paragraphs of a part in the order they open (a comment's after the paragraph it
    is anchored in), and its table cells."""
    paras: list[Para] = []
    cells: list[Cell] = []
    stack: list[_Frame] = []
    pos = 0
    slide = 0
    for m in _TOKEN.finditer(xml):
        cur = stack[-1].para if stack else None
        if cur is not None and m.start() > pos:
            raw = xml[pos : m.start()].decode("utf-8")
            cur.pieces.append(Piece(html.unescape(raw), pos, m.start()))
        pos = m.end()
        name = m.group(2)
        if name is None:  # a comment or a processing instruction
            continue
        closing, empty = m.group(1) == b"/", m.group(4) == b"/"
        if closing:
            for i in range(len(stack) - 1, -1, -1):  # tolerant: pop to the matching element
                if stack[i].name == name:
                    for f in stack[i:]:
                        if f.own is not None:
                            f.own.close, f.own.end = m.start(), m.end()
                        if f.cell is not None and f.cell.close < 0:
                            f.cell.close = m.start()
                    del stack[i:]
                    break
            continue
        if name in _FIXED:
            if cur is not None:
                n = _COUNT.search(m.group(3)) if name == b"text:s" else None
                text = _FIXED[name] * (int(n.group(1)) if n else 1)
                cur.pieces.append(Piece(text, m.start(), m.end(), fixed=True))
            continue
        if name in _CELL:
            cell = Cell(m.start(), m.end(), name, m.group(3), empty)
            cells.append(cell)
            if not empty:
                stack.append(_Frame(name, None, cell=cell))
            continue
        if name in _PARA:
            parent = stack[-1].cell if stack and stack[-1].cell is not None else None
            para = Para(m.start(), m.end(), cell=parent, slide=slide)
            para.notes = slide > 0 and any(f.name == b"presentation:notes" for f in stack)
            if empty:
                para.end = para.close = m.end()
            paras.append(para)
            if parent is not None:
                parent.paras.append(para)
            if cur is not None:
                cur.pieces.append(Piece(" "))  # a frame's or a note's paragraph in this one
            if not empty:
                stack.append(_Frame(name, para, own=para))
            continue
        if empty:
            continue
        slide += name == b"draw:page"
        inside = cur is not None and name.startswith(b"text:") and name not in _OUTSIDE
        if cur is not None and not inside and name != b"office:annotation":
            cur.pieces.append(Piece(" "))  # a footnote, a frame: not part of the text
        stack.append(_Frame(name, cur if inside else None))
    return paras, cells


def _number(name: str) -> str:
    """`object1` for `Object 1/content.xml`."""
    digits = "".join(ch for ch in name.split("/")[-2] if ch.isdigit())
    return f"object{digits}"


def text_parts(zf: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(member, label) of the parts with text: `content`, `styles`, `object1` (an embedded
    object's content and styles), in that order."""
    found = [n for n in zf.namelist() if TEXT_PART.fullmatch(n)]
    order = {"content.xml": 0, "styles.xml": 1}
    found.sort(key=lambda n: (order.get(n, 2), n.count("/"), n))
    return [(n, n[:-4] if "/" not in n else _number(n)) for n in found]


def read_member(zf: zipfile.ZipFile, name: str, path: Path) -> bytes:
    """A member's bytes, refused past the size a document's part can have."""
    info = zf.getinfo(name)
    if info.file_size > _MAX_PART_BYTES:
        raise InputError(
            f"{path}: part {name} unpacks to {info.file_size:,} bytes; not read / 文档部件过大"
        )
    return zf.read(info)


def check_encrypted(zf: zipfile.ZipFile, path: Path) -> None:
    """InputError for a password-protected file: its parts are ciphertext."""
    manifest = "META-INF/manifest.xml"
    if manifest in zf.namelist() and b"encryption-data" in read_member(zf, manifest, path):
        raise InputError(
            f"{path}: an encrypted OpenDocument file; give a decrypted copy / "
            "加密的文档，请提供解密副本"
        )


def odf_paragraphs(path: Path, kind: str) -> Iterator[tuple[str, list[str]]]:
    """(part, its paragraphs' text) for an .odt or .ods file: `content`, `styles`,
    `object1`, then `links` and `properties` where there are any. For a sheet, the
    paragraphs of its cells are left out (calamine reads the cells). InputError for a
    file that is not such an archive."""
    try:
        with zipfile.ZipFile(path) as zf:
            check_encrypted(zf, path)
            texts: dict[str, list[str]] = {}
            extra: dict[str, list[str]] = {"links": [], "properties": []}
            for name, label in text_parts(zf):
                data = read_member(zf, name, path)
                sheet_cells = kind == "ods" and name == "content.xml"
                if sheet_cells and b"<office:annotation" not in data and b"<draw:" not in data:
                    continue  # only cells, which calamine reads
                paras, _ = scan_part(data)
                for p in paras:
                    if not (sheet_cells and p.cell is not None):
                        shown = (
                            label if not p.slide else f"{'notes' if p.notes else 'slide'}{p.slide}"
                        )
                        texts.setdefault(shown, []).append(p.text)
            for name in zf.namelist():
                if not _PEOPLE_PART.fullmatch(name):
                    continue
                raw = read_member(zf, name, path).decode("utf-8")
                extra["links"] += [html.unescape(m.group(2)) for m in LINK.finditer(raw)]
                extra["properties"] += [
                    v for m in PEOPLE.finditer(raw) if (v := html.unescape(m.group(2)).strip())
                ]
    except (zipfile.BadZipFile, UnicodeDecodeError, KeyError, EOFError) as exc:
        raise InputError(f"{path}: not a readable {kind} file ({type(exc).__name__})") from None
    for label, values in [*texts.items(), *extra.items()]:
        if values:
            yield label, values
