"""RTF read to its text, for scans: documents saved as .rtf (Word, WPS, LibreOffice) and
the RTF bodies of Outlook messages (`_outlook.py`).

A small tokenizer, not a layout engine: groups that hold no text of the document (fonts,
colours, styles, pictures, objects) are left out, `\\par` and table cells end lines, `\\'hh`
bytes are read in the code page of the font in use (`\\fcharset134`: GBK) or else the
document's (`\\ansicpg`), `\\uN` as the character (its fallback skipped). Headers and
footers are text, and so read. The document's people (author, last editor, manager,
company) are read from its `\\info` group (`rtf_info`).
"""

from __future__ import annotations

import codecs
import html
import re
from pathlib import Path
from typing import NamedTuple

from tianping.errors import InputError

__all__ = [
    "RtfChar",
    "decode_codepage",
    "group_span",
    "read_rtf",
    "rtf_chars",
    "rtf_info",
    "rtf_text",
]


def decode_codepage(data: bytes, codepage: int) -> str:
    """`data` in Windows code page `codepage` (936: GB18030, its superset), undecodable
    bytes marked; cp1252 where Python does not know the code page."""
    return data.decode(_codec(codepage), errors="replace")


def _codec(codepage: int) -> str:
    """Python's codec for a Windows code page; cp1252 where Python does not know it."""
    name = {65001: "utf-8", 20127: "ascii", 936: "gb18030", 54936: "gb18030"}.get(
        codepage, f"cp{codepage}"
    )
    try:
        codecs.lookup(name)
    except LookupError:
        return "cp1252"
    return name


def read_rtf(path: Path, max_bytes: int) -> bytes:
    """The bytes of the RTF document at `path`; InputError for one past `max_bytes` or
    without the `{\\rtf` header."""
    if path.stat().st_size > max_bytes:
        raise InputError(f"{path}: an RTF file past {max_bytes:,} bytes; not read / 文件过大")
    data = path.read_bytes()
    if not data.lstrip()[:5] == b"{\\rtf":
        raise InputError(f"{path}: not an RTF document (no {{\\rtf header) / 不是 RTF 文件")
    return data


# groups whose text is not the document's (fonts, colours, styles, pictures, metadata)
_SKIP = frozenset(
    {b"fonttbl", b"colortbl", b"stylesheet", b"info", b"pict", b"object", b"listtable",
     b"listoverridetable", b"rsidtbl", b"generator", b"xmlnstbl", b"themedata",
     b"colorschememapping", b"latentstyles", b"datastore", b"filetbl", b"objdata"}
)  # fmt: skip
# optional (`\\*`) groups that hold text all the same: field codes (HYPERLINK "mailto:…"),
# comments and their authors, as the .docx reader reads them
_READ_STARRED = frozenset({b"fldinst", b"annotation", b"atnauthor"})
# the document's people in its \\info group
_PEOPLE = (b"author", b"operator", b"manager", b"company")
_TOKEN = re.compile(
    rb"\\([a-zA-Z]+)(-?\d+)? ?|\\'([0-9a-fA-F]{2})|\\(.)|([{}])|([^\\{}\r\n]+)|[\r\n]+"
)
_BREAK_WORDS = {b"par": "\n", b"line": "\n", b"tab": "\t", b"cell": "\t", b"row": "\n"}
# \fcharset values ([MS-RTF] font table) and the code pages they write text in
_CHARSETS = {128: 932, 129: 949, 130: 1361, 134: 936, 136: 950, 161: 1253, 162: 1254,
             163: 1258, 177: 1255, 178: 1256, 186: 1257, 204: 1251, 222: 874,
             238: 1250}  # fmt: skip
_FONT = re.compile(rb"\\f(\d+)[^;{}]*?\\fcharset(\d+)")
# an encapsulated HTML tag that ends a line (`{\*\htmltag84 <br>}`)
_HTML_BREAK = re.compile(rb"<\s*/?\s*(?:br|p|div|tr|li|h[1-6]|table)\b", re.I)


def _tag_text(tag: bytes) -> str:
    """What an encapsulated HTML tag adds to the text: a line end, or an entity's character
    (`&quot;` is kept as a tag, its `"` in a skipped `\\htmlrtf` stretch)."""
    if _HTML_BREAK.match(tag):
        return "\n"
    entity = tag.strip()
    if re.fullmatch(rb"&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z]+\d*);", entity):
        return html.unescape(entity.decode("ascii"))
    return ""


def _ansi(rtf: bytes) -> int:
    found = re.search(rb"\\ansicpg(\d+)", rtf[:4096])
    return int(found.group(1)) if found else 1252


def _group(rtf: bytes, opening: bytes) -> bytes:
    """The first group that starts with `opening` (`{\\fonttbl`), braces matched; b""."""
    start, end = group_span(rtf, opening)
    return rtf[start:end]


def group_span(rtf: bytes, opening: bytes) -> tuple[int, int]:
    """Where the first group that starts with `opening` begins and ends, braces matched
    (to the end of `rtf` if it is not closed); (0, 0) if there is none."""
    start = rtf.find(opening)
    if start < 0:
        return 0, 0
    depth = 0
    for m in re.finditer(rb"\\[{}\\]|[{}]", rtf[start:]):
        if len(m.group()) == 2:  # an escaped brace or backslash
            continue
        depth += 1 if m.group() == b"{" else -1
        if depth == 0:
            return start, start + m.end()
    return start, len(rtf)


def rtf_info(rtf: bytes) -> list[str]:
    """The people the document's `\\info` group names (author, last editor, manager,
    company), each read as text is."""
    info = _group(rtf, b"{\\info")
    head = b"{\\rtf1\\ansi\\ansicpg%d " % _ansi(rtf)
    out = []
    for word in _PEOPLE:
        value = _group(info, b"{\\" + word)
        text = rtf_text(head + value[len(word) + 2 : -1] + b"}") if value else ""
        if text.strip():
            out.append(text.strip())
    return out


class RtfChar(NamedTuple):
    """One character of an RTF document's text and the bytes of the source it was read
    from (`start`, `end`; a `\\uN` with its fallback, `\\'hh` bytes, a literal byte), the
    `\\uc` count in force there, and whether a control word without its delimiter ends
    right before it (`glued`: text written there must not start with a letter or digit)."""

    text: str
    start: int
    end: int
    uc: int
    glued: bool


def rtf_text(rtf: bytes) -> str:
    """The text of an RTF body: formatting groups left out, `\\par` as line ends, `\\'hh`
    in the code page of the font in use (`\\fcharset134`: GBK) or else the document's
    (`\\ansicpg`), `\\uN` as the character. RTF that encapsulates HTML (`\\fromhtml1`, as
    Outlook keeps HTML mail) gives the HTML's text: `\\htmlrtf` stretches are left out and
    tags such as `<br>` and `</p>` end lines."""
    text = "".join(c.text for c in _read(rtf, spans=False))
    # characters past the BMP come as two \\uN halves: joined; a lone half is no character
    text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    text = text.replace("\x00", "")  # a NUL some writers end the text with
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def rtf_chars(rtf: bytes) -> list[RtfChar]:
    """The text `rtf_text` reads, a character at a time with the source bytes each came
    from (before its blank lines are merged and its ends stripped): what de-identification
    edits (`_rtf_deid.py`). The halves of a character past the BMP are one character; NULs
    are left out."""
    out: list[RtfChar] = []
    for c in _read(rtf, spans=True):
        if c.text == "\x00":
            continue
        if out and "\udc00" <= c.text <= "\udfff" and "\ud800" <= out[-1].text <= "\udbff":
            high = out.pop()
            pair = (high.text + c.text).encode("utf-16-le", "surrogatepass").decode("utf-16-le")
            out.append(high._replace(text=pair, end=c.end))
            continue
        out.append(c)
    return [c._replace(text="\ufffd") if "\ud800" <= c.text <= "\udfff" else c for c in out]


def _decoded(data: list[tuple[int, int, int]], page: int, uc: int, glued: bool) -> list[RtfChar]:
    """Bytes (value, source start, source end) decoded one by one in code page `page`, so
    that each character knows the source of the bytes it was read from."""
    decoder = codecs.getincrementaldecoder(_codec(page))(errors="replace")
    out: list[RtfChar] = []
    start = data[0][1]
    for k, (value, _, b) in enumerate(data):
        chars = decoder.decode(bytes([value]))
        for j, ch in enumerate(chars):  # several from one byte: the rest take no bytes
            out.append(RtfChar(ch, start if j == 0 else b, b, uc, glued and not out))
        if chars and k + 1 < len(data):
            start = data[k + 1][1]
    for ch in decoder.decode(b"", final=True):
        out.append(RtfChar(ch, start, data[-1][2], uc, glued and not out))
    return out


def _read(rtf: bytes, spans: bool) -> list[RtfChar]:
    """The walk both readers share. With `spans`, a character at a time with its source;
    without, pieces of text as they come (their sources not kept)."""
    ansi = _ansi(rtf)
    table = _group(rtf, b"{\\fonttbl")
    fonts = {int(f): _CHARSETS.get(int(c), ansi) for f, c in _FONT.findall(table)}
    out: list[RtfChar] = []
    pending: list[tuple[int, int, int]] = []  # \'hh bytes, decoded together (GBK: two)
    # per group: skipped, \\uc count, in \\htmlrtf, font code page, inside an HTML tag
    stack: list[tuple[bool, int, bool, int, bool]] = []
    skip, uc, html_rtf, page, tag = False, 1, False, ansi, False
    drop, star = 0, False
    tag_text = bytearray()
    glued_at = -1  # where a control word without its delimiter ends
    last: RtfChar | None = None  # the \uN whose fallback is being dropped

    def put(text: str, a: int, b: int) -> None:
        out.append(RtfChar(text, a, b, uc, a == glued_at))

    def flush() -> None:
        if not pending:
            return
        if spans:
            out.extend(_decoded(pending, page, uc, pending[0][1] == glued_at))
        else:
            out.append(
                RtfChar(decode_codepage(bytes(v for v, _, _ in pending), page), 0, 0, uc, False)
            )
        pending.clear()

    for m in _TOKEN.finditer(rtf):
        word, arg, hexa, sym, brace, text = m.groups()
        if brace is not None:
            flush()
            if brace == b"{":
                stack.append((skip, uc, html_rtf, page, tag))
            else:
                if tag and not (stack and stack[-1][4]):
                    put(_tag_text(bytes(tag_text)), m.start(), m.start())
                skip, uc, html_rtf, page, tag = (
                    stack.pop() if stack else (False, 1, False, ansi, False)
                )
            star = False
            continue
        if word is not None:
            if not m.group().endswith(b" "):
                glued_at = m.end()
            if star and word == b"htmltag" and not skip:
                tag, star = True, False
                tag_text.clear()
            elif star and word in _READ_STARRED:
                star = False
                put(" ", m.start(), m.start())
            elif star or word in _SKIP:  # \*\word: a destination readers may ignore
                skip, star = True, False
            elif word == b"htmlrtf":
                html_rtf = arg != b"0"
            elif word == b"uc" and arg:
                uc = int(arg)
            elif word == b"f" and arg:
                flush()
                page = fonts.get(int(arg), ansi)
            elif skip or tag or html_rtf:
                pass
            elif word == b"u" and arg:
                flush()
                code = int(arg) + (65536 if arg.startswith(b"-") else 0)
                put(chr(code) if 0 <= code < 0x110000 else "\ufffd", m.start(), m.end())
                last, drop = out[-1], uc
            elif word in _BREAK_WORDS:
                flush()
                put(_BREAK_WORDS[word], m.start(), m.end())
            continue
        if sym == b"*":
            star = True
            continue
        if tag and not skip:
            tag_text += text or b""
            continue
        if skip or html_rtf:
            continue
        if sym is not None:
            flush()
            put({b"~": " ", b"\\": "\\", b"{": "{", b"}": "}"}.get(sym, ""), m.start(), m.end())
        elif hexa is not None:
            if drop:  # the fallback of a \uN: its bytes go with it
                drop -= 1
                if spans and last is not None and out and out[-1] is last:
                    out[-1] = last = last._replace(end=m.end())
            else:
                pending.append((int(hexa, 16), m.start(), m.end()))
        elif text is not None:
            cut = min(drop, len(text))
            drop -= cut
            if cut and spans and last is not None and out and out[-1] is last:
                out[-1] = last = last._replace(end=m.start() + cut)
            if text[cut:]:
                flush()
                if not spans:
                    out.append(RtfChar(decode_codepage(text[cut:], page), 0, 0, uc, False))
                elif text[cut:].isascii():
                    a = m.start() + cut
                    out.extend(
                        RtfChar(chr(v), a + i, a + i + 1, uc, i == 0 and a == glued_at)
                        for i, v in enumerate(text[cut:])
                    )
                else:
                    a = m.start() + cut
                    bytes_ = [(v, a + i, a + i + 1) for i, v in enumerate(text[cut:])]
                    out.extend(_decoded(bytes_, page, uc, a == glued_at))
    flush()
    return out
