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

import html
import re

__all__ = ["decode_codepage", "rtf_info", "rtf_text"]


def decode_codepage(data: bytes, codepage: int) -> str:
    """`data` in Windows code page `codepage` (936: GB18030, its superset), undecodable
    bytes marked; cp1252 where Python does not know the code page."""
    name = {65001: "utf-8", 20127: "ascii", 936: "gb18030", 54936: "gb18030"}.get(
        codepage, f"cp{codepage}"
    )
    try:
        return data.decode(name, errors="replace")
    except LookupError:  # a code page Python does not know
        return data.decode("cp1252", errors="replace")


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
    start = rtf.find(opening)
    if start < 0:
        return b""
    depth = 0
    for m in re.finditer(rb"\\[{}\\]|[{}]", rtf[start:]):
        if len(m.group()) == 2:  # an escaped brace or backslash
            continue
        depth += 1 if m.group() == b"{" else -1
        if depth == 0:
            return rtf[start : start + m.end()]
    return rtf[start:]


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


def rtf_text(rtf: bytes) -> str:
    """The text of an RTF body: formatting groups left out, `\\par` as line ends, `\\'hh`
    in the code page of the font in use (`\\fcharset134`: GBK) or else the document's
    (`\\ansicpg`), `\\uN` as the character. RTF that encapsulates HTML (`\\fromhtml1`, as
    Outlook keeps HTML mail) gives the HTML's text: `\\htmlrtf` stretches are left out and
    tags such as `<br>` and `</p>` end lines."""
    ansi = _ansi(rtf)
    table = _group(rtf, b"{\\fonttbl")
    fonts = {int(f): _CHARSETS.get(int(c), ansi) for f, c in _FONT.findall(table)}
    out: list[str] = []
    pending = bytearray()  # \'hh bytes, decoded together (a GBK character is two)
    # per group: skipped, \\uc count, in \\htmlrtf, font code page, inside an HTML tag
    stack: list[tuple[bool, int, bool, int, bool]] = []
    skip, uc, html_rtf, page, tag = False, 1, False, ansi, False
    drop, star = 0, False
    tag_text = bytearray()

    def flush() -> None:
        if pending:
            out.append(decode_codepage(bytes(pending), page))
            pending.clear()

    for m in _TOKEN.finditer(rtf):
        word, arg, hexa, sym, brace, text = m.groups()
        if brace is not None:
            flush()
            if brace == b"{":
                stack.append((skip, uc, html_rtf, page, tag))
            else:
                if tag and not (stack and stack[-1][4]):
                    out.append(_tag_text(bytes(tag_text)))
                skip, uc, html_rtf, page, tag = (
                    stack.pop() if stack else (False, 1, False, ansi, False)
                )
            star = False
            continue
        if word is not None:
            if star and word == b"htmltag" and not skip:
                tag, star = True, False
                tag_text.clear()
            elif star and word in _READ_STARRED:
                star = False
                out.append(" ")
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
                out.append(chr(code) if 0 <= code < 0x110000 else "\ufffd")
                drop = uc
            elif word in _BREAK_WORDS:
                flush()
                out.append(_BREAK_WORDS[word])
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
            out.append({b"~": " ", b"\\": "\\", b"{": "{", b"}": "}"}.get(sym, ""))
        elif hexa is not None:
            if drop:
                drop -= 1
            else:
                pending.append(int(hexa, 16))
        elif text is not None:
            cut = min(drop, len(text))
            drop -= cut
            if text[cut:]:
                flush()
                out.append(decode_codepage(text[cut:], page))
    flush()
    text = "".join(out)
    # characters past the BMP come as two \\uN halves: joined; a lone half is no character
    text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    text = text.replace("\x00", "")  # a NUL some writers end the text with
    return re.sub(r"\n{3,}", "\n\n", text).strip()
