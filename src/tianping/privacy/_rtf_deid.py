"""De-identification of RTF documents in place: only the bytes the PI was read from change.

`_rtf.rtf_chars` reads the text a character at a time with the source bytes it came from
(a literal byte, `\\'hh` bytes of a GBK character, a `\\uN` with its fallback). Each value a
rule acts on is replaced where its first character was written, and the source bytes of
its other characters are removed; control words, groups and braces between them stay, so
the document keeps its formatting, and a document without PI comes out byte for byte.
The replacement is written as RTF writes text: ASCII as it is (`\\`, `{` and `}` escaped),
anything else as `\\uN` with as many `?` fallbacks as the `\\uc` in force there. The people
the `\\info` group names (author, last editor, manager, company) are blanked and counted as
`document_author`, as in Word files. RTF that wraps HTML (`\\fromhtml`, Outlook's form of
HTML mail) is not edited here: its text sits in tags as well (`_deid` sends it through
LibreOffice, as before).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from tianping.privacy._office import MAX_PART_BYTES
from tianping.privacy._rtf import RtfChar, group_span, read_rtf, rtf_chars

if TYPE_CHECKING:
    from tianping.privacy._deid import Deidentifier

__all__ = ["deid_rtf", "edits_in_place"]

_PEOPLE = re.compile(rb"(\{\\(?:author|operator|manager|company)\b ?)((?:[^{}\\]|\\.)*)(\})")


def edits_in_place(rtf: bytes) -> bool:
    """Whether `rtf` is edited here (not RTF that wraps HTML)."""
    return b"\\fromhtml" not in rtf[:4096]


def deid_rtf(src: Path, tmp: Path, deid: Deidentifier) -> tuple[int, list[str]]:
    """`src` de-identified into `tmp`; the lines read (its records) and nothing left
    unread (the list `deid_ooxml` returns, for the same report)."""
    rtf = read_rtf(src, MAX_PART_BYTES)  # as scans read it
    chars = rtf_chars(rtf)
    text = "".join(c.text for c in chars)
    edits: list[tuple[int, int, bytes]] = []
    records, at = 0, 0
    lines = text.split("\n")
    deid.prefetch(line for line in lines if line.strip())
    for line in lines:
        if line.strip():
            records += 1
            for a, b, new in deid.replacements(line):
                edits += _value_edits(chars[at + a : at + b], new)
        at += len(line) + 1
    edits += _people_edits(rtf, deid)
    out = bytearray(rtf)
    for start, end, written in sorted(edits, reverse=True):
        out[start:end] = written
    tmp.write_bytes(bytes(out))
    return records, []


def _value_edits(value: list[RtfChar], new: str) -> list[tuple[int, int, bytes]]:
    """The value written where its first character was, its other characters' bytes
    removed (what lies between them kept)."""
    first = value[0]
    edits = [(first.start, first.end, _escaped(new, first.uc, first.glued))]
    edits += [(c.start, c.end, b"") for c in value[1:] if c.end > c.start]
    return edits


def _escaped(text: str, uc: int, glued: bool) -> bytes:
    """`text` as RTF text: printable ASCII as it is, `\\`, `{`, `}` escaped, line ends and
    tabs as control words, the rest as `\\uN` (UTF-16 units, signed) with `uc` fallbacks;
    a space first where a control word without its delimiter ends just before and the
    text would run on into it."""
    out: list[str] = []
    for ch in text:
        o = ord(ch)
        if ch in "\\{}":
            out.append("\\" + ch)
        elif 0x20 <= o < 0x7F:
            out.append(ch)
        elif ch == "\n":
            out.append("\\line ")
        elif ch == "\t":
            out.append("\\tab ")
        else:
            units = ch.encode("utf-16-le")
            for k in range(0, len(units), 2):
                unit = int.from_bytes(units[k : k + 2], "little")
                out.append(f"\\u{unit - 65536 if unit > 32767 else unit}" + ("?" * uc or " "))
    written = "".join(out)
    if glued and written[:1] and (written[0].isalnum() or written[0] == "-"):
        written = " " + written  # the control word's delimiter
    return written.encode("ascii")


def _people_edits(rtf: bytes, deid: Deidentifier) -> list[tuple[int, int, bytes]]:
    """The author, last editor, manager and company of the `\\info` group, blanked."""
    start, end = group_span(rtf, b"{\\info")  # where `rtf_info` reads them
    edits = []
    for m in _PEOPLE.finditer(rtf, start, end):
        if m.group(2).strip():
            deid.counts["document_author"] += 1
            edits.append((m.start(2), m.end(2), b""))
    return edits
