"""Word and PowerPoint 97-2003 files (.doc, .ppt), and WPS documents and slides saved in
Word's and PowerPoint's binary formats (.wps, .dps): file shares in China hold many, and
each is an OLE compound file, not XML.

Word ([MS-DOC]): the text of every story sits in the `WordDocument` stream as pieces that
the piece table (the CLX in the `0Table` or `1Table` stream, found through the FIB)
places in order, each either 8-bit (cp1252) or UTF-16 (where Chinese text is). The stories
follow one another in a fixed order (main text, footnotes, headers and footers, comments,
endnotes, text boxes) with their lengths in the FIB, so each is read as a part of its own,
split into paragraphs at paragraph marks and table-cell ends; field instructions (a
`HYPERLINK "mailto:…"`) are kept as text, as they are for .docx.

PowerPoint ([MS-PPT]): the `PowerPoint Document` stream is a tree of records; text is in
TextCharsAtom (UTF-16), TextBytesAtom (8-bit) and CString records (comments, hyperlink
targets). Text is given per slide (`slide3`: the third slide of the slide list, the
presentation's order, found through the persist directory that maps each slide's persist
id to where its container sits; a slide container the list no longer names, an earlier
version kept by a fast save, is `unlisted-slides`), per notes page (`notes3`: the notes
of the third slide of the slide list, as its NotesAtom names it), for the masters (the
notes master too), and as `strings` for the rest.

Both: the author and last editor from the SummaryInformation stream (`properties`).
olefile (BSD) reads the compound file. Encrypted files and Word 6/95 files are reported.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tianping.errors import InputError

__all__ = ["legacy_parts", "open_ole"]

_MAX_STREAM = 256 << 20  # bytes: a stream past this is refused, not read into memory
# stories of a Word file in the order the piece table holds them, with their FIB counts
_STORIES = ("document", "footnotes", "headers", "macros", "comments", "endnotes", "textboxes",
            "header-textboxes")  # fmt: skip
# Word's control characters: paragraph and cell ends split; the rest read as spaces
_BREAKS = str.maketrans({"\r": "\n", "\x07": "\n", "\x0c": "\n", "\x0e": "\n"})
_SPACES = {c: " " for c in range(32) if chr(c) not in "\n\t"}
# PowerPoint records
_TEXT_CHARS, _TEXT_BYTES, _CSTRING = 0x0FA0, 0x0FA8, 0x0FBA
_SLIDE, _NOTES, _MAIN_MASTER, _SLIDE_LIST, _SLIDE_PERSIST = 0x03EE, 0x03F0, 0x03F8, 0x0FF0, 0x03F3
_NOTES_ATOM = 0x03F1
_PERSIST_DIRECTORY = 0x1772


def open_ole(path: Path, what: str, zh: str) -> Any:
    """`path` opened by olefile (an `OleFileIO`, to be closed); InputError naming `what`
    the file should be (`zh` in Chinese) where olefile is not installed or the file is no
    OLE compound file."""
    try:
        import olefile
    except ImportError:
        raise InputError(
            f"{path}: reading {what} files needs olefile (pip install 'tianping[privacy]') / "
            f"读取{zh}需安装 olefile"
        ) from None
    if not olefile.isOleFile(str(path)):
        raise InputError(f"{path}: not an OLE compound file ({what}) / 不是{zh}")
    return olefile.OleFileIO(str(path))


def legacy_parts(path: Path, kind: str) -> Iterator[tuple[str, list[str]]]:
    """(part, its paragraphs' text) of a .doc/.wps (`kind` "doc") or .ppt ("ppt") file,
    then `properties`; InputError for a file that is not one, or cannot be read."""
    try:
        with open_ole(path, "a 97-2003 Office file", "旧版 Office 文件") as ole:
            if kind == "doc":
                yield from _word(ole, path)
            else:
                yield from _powerpoint(ole, path)
            people = _people(ole)
            if people:
                yield "properties", people
    except (OSError, struct.error, IndexError, ValueError) as exc:  # olefile raises OSError
        raise InputError(f"{path}: not a readable {kind} file ({type(exc).__name__})") from None


def _stream(ole: Any, name: str, path: Path) -> bytes:
    if not ole.exists(name):
        raise InputError(f"{path}: no {name} stream / 缺少 {name} 数据流")
    if ole.get_size(name) > _MAX_STREAM:
        raise InputError(f"{path}: its {name} stream is too large / 数据流过大")
    data: bytes = ole.openstream(name).read()
    return data


def _word(ole: Any, path: Path) -> Iterator[tuple[str, list[str]]]:
    if not ole.exists("WordDocument"):
        raise InputError(
            f"{path}: not in Word's binary format (a WPS or other file); save it as .docx "
            "and scan that / 非 Word 二进制格式，请另存为 .docx"
        )
    wd = _stream(ole, "WordDocument", path)
    ident, nfib = struct.unpack_from("<HH", wd, 0)
    flags = struct.unpack_from("<H", wd, 0x0A)[0]
    if ident != 0xA5EC:
        raise InputError(f"{path}: not a Word document (its FIB is not Word's) / 不是 Word 文档")
    if nfib < 101:
        raise InputError(f"{path}: a Word 6/95 file; save it as .docx / Word 6/95 文件请另存")
    if flags & 0x0100:
        raise InputError(
            f"{path}: an encrypted Word file; give a decrypted copy / 加密的 Word 文件"
        )
    table = _stream(ole, "1Table" if flags & 0x0200 else "0Table", path)
    counts = struct.unpack_from("<8i", wd, 76)  # ccpText … ccpHdrTxbx (FibRgLw97)
    fc_clx, lcb_clx = struct.unpack_from("<II", wd, 0x1A2)
    text = _pieces(wd, table[fc_clx : fc_clx + lcb_clx])
    at = 0
    for story, n in zip(_STORIES, counts, strict=True):
        if n <= 0 or story == "macros":
            at += max(n, 0)
            continue
        paras = _paragraphs(text[at : at + n])
        at += n
        if paras:
            yield story, paras


def _pieces(wd: bytes, clx: bytes) -> str:
    """The document's characters, piece by piece, as the CLX's piece table orders them."""
    i = 0
    while i < len(clx) and clx[i] == 0x01:  # Prc: formatting, skipped
        i += 3 + struct.unpack_from("<h", clx, i + 1)[0]
    if i >= len(clx) or clx[i] != 0x02:
        raise ValueError("no piece table")
    lcb = struct.unpack_from("<I", clx, i + 1)[0]
    plc = clx[i + 5 : i + 5 + lcb]
    n = (lcb - 4) // 12
    cps = struct.unpack_from(f"<{n + 1}I", plc, 0)
    out = []
    for k in range(n):
        fc = struct.unpack_from("<I", plc, 4 * (n + 1) + 8 * k + 2)[0]
        length = cps[k + 1] - cps[k]
        if fc & 0x40000000:  # 8-bit text at half the offset
            start = (fc & 0x3FFFFFFF) // 2
            out.append(wd[start : start + length].decode("cp1252", errors="replace"))
        else:
            start = fc & 0x3FFFFFFF
            out.append(wd[start : start + 2 * length].decode("utf-16-le", errors="replace"))
    return "".join(out)


def _paragraphs(text: str) -> list[str]:
    lines = text.translate(_BREAKS).translate(_SPACES).split("\n")
    return [line.strip() for line in lines if line.strip()]


def _powerpoint(ole: Any, path: Path) -> Iterator[tuple[str, list[str]]]:
    if not ole.exists("PowerPoint Document"):
        raise InputError(
            f"{path}: not in PowerPoint's binary format (a WPS or other file); save it as "
            ".pptx and scan that / 非 PowerPoint 二进制格式，请另存为 .pptx"
        )
    if ole.exists("EncryptedSummary"):
        raise InputError(f"{path}: an encrypted PowerPoint file; give a decrypted copy / 加密文件")
    data = _stream(ole, "PowerPoint Document", path)
    # a notes page's text is keyed by the id of the slide it belongs to until the slide
    # list is read: notes are not counted (the notes master is a NotesContainer too)
    parts: dict[str | int, list[str]] = {}
    stack: list[tuple[int, int]] = []  # (record type, end) of the containers we are in
    slide_ids: list[int] = []  # slide ids in the slide list's order: slide k is k-1
    slide_refs: list[int] = []  # and their persist ids
    persist: dict[int, int] = {}  # persist id -> stream offset (later saves override)
    slide_at: list[int] = []  # stream offset of each slide container, in stream order
    slides = note_of = listed = list_kind = 0
    label: str | int = "strings"
    pos = 0
    while pos + 8 <= len(data):
        ver_inst, kind, length = struct.unpack_from("<HHI", data, pos)
        while stack and pos >= stack[-1][1]:
            stack.pop()
        inside = {k for k, _ in stack}
        if ver_inst & 0x000F == 0x000F:  # a container: its records follow
            if kind == _SLIDE:
                slides += 1
                slide_at.append(pos)
            elif kind == _NOTES:
                note_of = 0
            elif kind == _SLIDE_LIST:  # instance 0: slides, 1: masters, 2: notes
                listed, list_kind = 0, ver_inst >> 4
                if list_kind == 0:  # a later one (an incremental save) replaces it
                    slide_ids, slide_refs = [], []
            stack.append((kind, pos + 8 + length))
            pos += 8
            continue
        body = data[pos + 8 : pos + 8 + length]
        pos += 8 + length
        if kind == _SLIDE_PERSIST and _SLIDE_LIST in inside:
            listed += 1  # the placeholders' text of this slide follows
            if list_kind == 0 and len(body) >= 16:
                ref, slide_id = struct.unpack_from("<I8xI", body, 0)
                slide_refs.append(ref)  # persistIdRef
                slide_ids.append(slide_id)
        elif kind == _PERSIST_DIRECTORY and not stack:
            persist.update(_persist_entries(body))
        elif kind == _NOTES_ATOM and stack and stack[-1][0] == _NOTES and len(body) >= 4:
            note_of = struct.unpack_from("<I", body, 0)[0]  # slideIdRef: the slide's id
        if kind not in (_TEXT_CHARS, _TEXT_BYTES, _CSTRING):
            continue
        text = body.decode("latin-1" if kind == _TEXT_BYTES else "utf-16-le", errors="replace")
        if kind == _CSTRING:
            label = "strings"
        elif _SLIDE in inside:
            label = -slides  # numbered once the slide list and persist directory are read
        elif _NOTES in inside:
            label = note_of
        elif _MAIN_MASTER in inside:
            label = "masters"
        elif _SLIDE_LIST in inside and listed:
            label = ("slide", "masters", "notes")[min(list_kind, 2)]
            label += str(listed) if list_kind != 1 else ""
        else:
            label = "strings"
        parts.setdefault(label, []).extend(_paragraphs(text.replace("\x0b", "\n")))
    number = _slide_numbers(slide_at, slide_refs, persist)
    named: dict[str, list[str]] = {}
    for key, paras in parts.items():
        if isinstance(key, int) and key < 0:  # a slide, by its place in the slide list
            key = number(-key)
        elif isinstance(key, int):  # a notes page: numbered as its slide is in the list
            if key in slide_ids:
                key = f"notes{slide_ids.index(key) + 1}"
            else:  # the notes master's (0 or a master's id), or a slide no longer listed
                key = "masters" if key == 0 or key & 0x80000000 else "notes"
        named.setdefault(key, []).extend(paras)
    for label, paras in named.items():
        if paras:
            yield label, paras


def _persist_entries(body: bytes) -> Iterator[tuple[int, int]]:
    """(persist id, stream offset) pairs of a PersistDirectoryAtom: runs of consecutive ids,
    each a 32-bit header (20 bits first id, 12 bits count) and its offsets."""
    i = 0
    while i + 4 <= len(body):
        (head,) = struct.unpack_from("<I", body, i)
        first, count = head & 0xFFFFF, head >> 20
        if i + 4 + 4 * count > len(body):
            return
        for k, offset in enumerate(struct.unpack_from(f"<{count}I", body, i + 4)):
            yield first + k, offset
        i += 4 + 4 * count


def _slide_numbers(
    slide_at: list[int], slide_refs: list[int], persist: dict[int, int]
) -> Callable[[int], str]:
    """The label of the k-th slide container in stream order (k from 1): `slide{n}`, n its
    place in the slide list, through the persist directory; `unlisted-slides` for one the
    list does not name (an earlier version kept by a fast save); stream order where the
    file has no usable directory."""
    place = {persist[ref]: n for n, ref in enumerate(slide_refs, 1) if ref in persist}
    usable = bool(place) and all(persist.get(ref) in slide_at for ref in slide_refs)

    def number(k: int) -> str:
        if not usable:
            return f"slide{k}"
        n = place.get(slide_at[k - 1])
        return f"slide{n}" if n else "unlisted-slides"

    return number


def _people(ole: Any) -> list[str]:
    """Author and last editor (SummaryInformation), company and manager (its document
    part), decoded by the codepage the stream names."""
    out: list[str] = []
    try:
        meta = ole.get_metadata()
    except (OSError, struct.error, IndexError, ValueError):
        return out
    codepage = getattr(meta, "codepage", None) or 1252
    encoding = "utf-8" if codepage == 65001 else f"cp{codepage}"
    for field in ("author", "last_saved_by", "company", "manager"):
        raw = getattr(meta, field, None)
        value = raw if isinstance(raw, str) else ""
        if isinstance(raw, bytes):
            try:
                value = raw.decode(encoding, errors="replace")
            except LookupError:
                value = raw.decode("utf-8", errors="replace")
        if value.strip("\x00 "):
            out.append(value.strip("\x00 "))
    return out
