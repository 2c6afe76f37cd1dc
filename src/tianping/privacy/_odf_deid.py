"""De-identification of OpenDocument text (.odt) and spreadsheet (.ods) files in place:
the PI in their paragraphs (body, tables and cells, headers and footers, comments, tracked
deletions, embedded charts and documents) is replaced and every other byte of the package
stays as it was; link targets lose their PI, authors are blanked, and a number cell whose
value detection changes becomes a string cell holding the replacement (its style kept).

Paragraphs are read as `_odf.py` reads them for scans. Each replacement is written into
the character data where the value starts, and the rest of the value is taken out of the
pieces it continued in (a `<text:s/>` wholly inside it goes too); characters and entity
references outside values are kept as written. The zip is copied member by member, each
with its compression, `mimetype` first and stored as ODF requires. The thumbnail, a
picture of the first page, is left out (and out of the manifest); an embedded object's
replacement picture is named in the warnings when the object's text changed.
"""

from __future__ import annotations

import html
import re
import zipfile
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from tianping.errors import InputError
from tianping.privacy._odf import (
    LINK,
    PEOPLE,
    TEXT_PART,
    Cell,
    Para,
    check_encrypted,
    read_member,
    scan_part,
)
from tianping.privacy._office_deid import _attr, _blank_people, _escape, apply_edits

if TYPE_CHECKING:
    from tianping.privacy._deid import Deidentifier

__all__ = ["deid_odf"]

_UNIT = re.compile(r"&[^;&<]{1,32};|.", re.S)  # a character as written: itself or a reference
_NUMBER_TYPES = frozenset({b"float", b"percentage", b"currency"})
_VALUE = re.compile(rb'\soffice:value="[^"]*"')
_TYPES = re.compile(rb'(\s(?:office|calcext):value-type=")[^"]*(")')
_STRING_VALUE = re.compile(rb'(\soffice:string-value=")([^"]*)(")')
_THUMBNAIL = "Thumbnails/thumbnail.png"
_THUMB_ENTRY = re.compile(
    rb'\s*<manifest:file-entry\s[^>]*full-path="Thumbnails/thumbnail\.png"[^>]*/>'
)
_PEOPLE_PART = re.compile(r"(?:Object [^/]+/)*(?:content|styles|meta)\.xml")
_OBJECT = re.compile(r"(?:Object [^/]+/)*Object [^/]+")  # an embedded object, by its folder
_REPLACEMENT = re.compile(r"ObjectReplacements/(.+)")
_SOURCE = re.compile(r"(?:Object [^/]+/)*Object [^/]+(?=/)")


def _units(raw: str) -> list[tuple[str, str]]:
    """(character, as written) for each character of a piece's character data."""
    if "&" not in raw:
        return [(ch, ch) for ch in raw]
    out: list[tuple[str, str]] = []
    for m in _UNIT.finditer(raw):
        written = m.group(0)
        text = _unescape(written) if len(written) > 1 else written
        out += [(ch, written if i == 0 else "") for i, ch in enumerate(text)]
    return out


def _unescape(ref: str) -> str:
    return html.unescape(ref)


def _paragraph_edits(
    xml: bytes, para: Para, text: str, deid: Deidentifier
) -> list[tuple[int, int, bytes]]:
    """The byte edits that replace the PI of one paragraph: the new text in the piece a
    value starts in, the rest of the value taken out of the pieces it continues in."""
    reps = deid.replacements(text)
    if not reps:
        return []
    segs = para.pieces
    owner: list[int] = []  # the piece of each character of the text
    for k, s in enumerate(segs):
        owner += [k] * len(s.text)
    base = [0]
    for s in segs:
        base.append(base[-1] + len(s.text))
    written: dict[int, list[str]] = {}  # an edited piece's characters as they will be written
    gone: set[int] = set()  # the characters inside values
    for start, end, new in reps:
        first = next((i for i in range(start, end) if segs[owner[i]].editable), None)
        if first is None:
            continue
        gone.update(range(start, end))
        for i in range(start, end):
            k = owner[i]
            if segs[k].editable:
                if k not in written:
                    raw = xml[segs[k].start : segs[k].end].decode("utf-8")
                    written[k] = [w for _, w in _units(raw)]
                written[k][i - base[k]] = ""
        k = owner[first]
        written[k][first - base[k]] = _escape(new).decode("utf-8")
    edits = [
        (segs[k].start, segs[k].end, "".join(units).encode("utf-8")) for k, units in written.items()
    ]
    for k, s in enumerate(segs):  # spaces, tabs and breaks wholly inside a value
        if s.fixed and s.text and all(i in gone for i in range(base[k], base[k + 1])):
            edits.append((s.start, s.end, b""))
    return edits


def _number_cell(cell: Cell, deid: Deidentifier) -> list[tuple[int, int, bytes]]:
    """A number cell (no formula) whose value detection changes, as a string cell holding
    the replacement, its style kept: the new text goes where its shown text starts, the
    rest of that text is taken out (spans, comments and the rest of the markup stay)."""
    value = _unescape((cell.attr(b"office:value") or b"").decode("utf-8"))
    reps = deid.replacements(value) if value else []
    if not reps:
        return []
    for a, b, new in reversed(reps):
        value = value[:a] + new + value[b:]
    attrs = _TYPES.sub(rb"\1string\2", _VALUE.sub(b"", cell.attrs))
    text = _escape(value)
    if cell.empty:  # `<table:table-cell office:value="…"/>`: the text goes inside
        tag = b"<%s%s><text:p>%s</text:p></%s>" % (cell.name, attrs, text, cell.name)
        return [(cell.start, cell.end, tag)]
    edits = [(cell.start, cell.end, b"<%s%s>" % (cell.name, attrs))]
    pieces = [s for p in cell.paras for s in p.pieces if s.start >= 0]
    first = next((s for s in pieces if s.editable), None)
    if first is None:  # nothing shown: a paragraph with the text, first in the cell
        at = cell.paras[0] if cell.paras else None
        if at is None:
            return [*edits, (cell.end, cell.end, b"<text:p>%s</text:p>" % text)]
        if at.end == at.inner:  # `<text:p/>`
            return [*edits, (at.start, at.end, b"<text:p>%s</text:p>" % text)]
        return [*edits, (at.inner, at.inner, text)]
    return edits + [(s.start, s.end, text if s is first else b"") for s in pieces]


def _string_value(cell: Cell, deid: Deidentifier) -> list[tuple[int, int, bytes]]:
    """A string cell's `office:string-value` (the text a reader takes instead of its
    paragraphs, where written) with its PI replaced; not counted again."""
    m = _STRING_VALUE.search(cell.attrs)
    if m is None:
        return []
    before = Counter(deid.counts)
    value = _unescape(m.group(2).decode("utf-8"))
    reps = deid.replacements(value)
    deid.counts = before  # the same text as the cell's paragraph, counted there
    if not reps:
        return []
    for a, b, new in reversed(reps):
        value = value[:a] + new + value[b:]
    at = cell.start + 1 + len(cell.name) + m.start(2)  # `<` and the name, then attributes
    return [(at, at + len(m.group(2)), _attr(value))]


def _edit_part(xml: bytes, deid: Deidentifier) -> tuple[bytes, int]:
    """A text part with the PI of each paragraph and number cell replaced, and its
    paragraph count."""
    paras, cells = scan_part(xml)
    numbers = [
        c
        for c in cells
        if (c.attr(b"office:value-type") or b"") in _NUMBER_TYPES
        and c.attr(b"table:formula") is None
    ]
    in_numbers = {id(p) for c in numbers for p in c.paras}
    # a number cell's paragraphs show its value: left to the value's rewrite
    texts = [(p, p.text) for p in paras if id(p) not in in_numbers and p.end >= 0]
    values = [(c.attr(b"office:value") or b"").decode("utf-8") for c in numbers]
    deid.prefetch([t for _, t in texts if t] + (values if deid.policy.detect_unlisted else []))
    edits: list[tuple[int, int, bytes]] = []
    for p, text in texts:
        if text:
            edits += _paragraph_edits(xml, p, text, deid)
    if deid.policy.detect_unlisted:
        for c in numbers:
            edits += _number_cell(c, deid)
    for c in cells:
        if c.attr(b"office:value-type") == b"string":
            edits += _string_value(c, deid)
    return apply_edits(xml, edits), len(paras)


def _edit_links(xml: bytes, deid: Deidentifier) -> bytes:
    """A part with the PI in its mailto:/tel:/sms: link targets replaced."""
    text = xml.decode("utf-8")

    def one(m: re.Match[str]) -> str:
        target = _unescape(m.group(2))
        reps = deid.replacements(target)
        for a, b, new in reversed(reps):
            target = target[:a] + new + target[b:]
        return m.group(1) + (_attr(target).decode() if reps else m.group(2)) + m.group(3)

    return LINK.sub(one, text).encode("utf-8")


def deid_odf(src: Path, tmp: Path, deid: Deidentifier, kind: str) -> tuple[int, list[str]]:
    """`src` (.odt or .ods) de-identified into `tmp`: the text parts edited (`content.xml`,
    `styles.xml`, an embedded object's), link targets too, authors blanked, the thumbnail
    left out, pictures with PI covered as images are (where Tesseract or OpenCV is
    installed), every other member copied as it was. The number of paragraphs read, and the
    members it could not rewrite (an embedded object that is not OpenDocument, the picture
    shown for an object whose text changed), to warn of."""
    from tianping.privacy._office import MEDIA
    from tianping.privacy._office_deid import picture_member, picture_readers

    paragraphs = 0
    kept: list[str] = []
    changed: set[str] = set()  # embedded objects whose text changed
    readers = picture_readers(deid)
    unread = 0
    try:
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(tmp, "w") as zout:
            check_encrypted(zin, src)
            infos = zin.infolist()
            # ODF: `mimetype` first and stored, so the type can be read at a fixed offset
            infos.sort(key=lambda i: i.filename != "mimetype")
            names = set(zin.namelist())
            replacements: list[str] = []
            for info in infos:
                name = info.filename
                if name == _THUMBNAIL:
                    continue
                data = read_member(zin, name, src)
                before = data
                if TEXT_PART.fullmatch(name):
                    data, n = _edit_part(data, deid)
                    paragraphs += n
                    data = _edit_links(data, deid)
                if _PEOPLE_PART.fullmatch(name):
                    data = _blank_people(data, PEOPLE, deid)
                if name == "META-INF/manifest.xml" and _THUMBNAIL in names:
                    data = _THUMB_ENTRY.sub(b"", data, count=1)
                if data != before and (obj := _SOURCE.match(name)) is not None:
                    changed.add(obj.group(0))
                if _OBJECT.fullmatch(name):  # an embedded file: OLE, not OpenDocument
                    kept.append(name)
                if MEDIA.fullmatch(name):  # a picture in the document, covered as images are
                    data, missed = picture_member(name, data, deid, readers, kept)
                    unread += missed
                if (rep := _REPLACEMENT.fullmatch(name)) is not None:
                    replacements.append(rep.group(1))
                stored = name == "mimetype"
                zout.writestr(
                    info, data, compress_type=zipfile.ZIP_STORED if stored else info.compress_type
                )
            # the picture a reader shows for an object until it is opened: as it was
            kept += [f"{r} (preview)" for r in replacements if r in changed]
    except (zipfile.BadZipFile, UnicodeDecodeError, KeyError, EOFError) as exc:
        raise InputError(f"{src}: not a readable {kind} file ({type(exc).__name__})") from None
    if unread:
        kept.append(f"{unread} pictures (unread)")
    return paragraphs, sorted(kept)
