"""The invisible text layer of PDF pages that de-identification redraws as pictures.

A redrawn page (`_pdf_deid.py`) is a picture, so without a layer its text could no longer
be searched, selected or copied. The layer puts the page's text back where it stood, each
value replaced as the policy says, in text render mode 3 (drawn invisibly), as OCR tools
make scans searchable. Its font has no outlines (`fonts/glyphless.ttf`, made by
`scripts/make_glyphless_font.py`): a character's code is its Unicode code point (Identity-H
with a ToUnicode map of identity ranges) and every code draws one empty glyph, so Chinese
and Latin text need no real font, and readers extract exactly the characters written.
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from importlib import resources
from typing import Any

__all__ = ["Box", "Run", "TextLayer", "line_runs"]

Box = tuple[float, float, float, float]  # left, bottom, right, top in PDF points
Run = tuple[str, Box]  # text drawn over one box: a word, or a stretch of Chinese text

_GAP = 0.6  # a gap wider than this share of the text's height starts a new run
_SURROGATES = range(0xD8, 0xE0)  # high bytes that are not characters in UTF-16


def line_runs(
    text: str, boxes: Sequence[Box | None], replaced: Sequence[tuple[int, int, str]]
) -> list[Run]:
    """The runs of one line: its characters (`boxes[i]` is character i's box, None for
    one with no place, such as a space the reader generated) grouped into words, with the
    characters start..end of each `replaced` entry drawn as its new text over their box."""
    runs: list[Run] = []
    at = 0
    for start, end, new in sorted(replaced):
        runs += _words(text[at:start], boxes[at:start])
        span = [b for b in boxes[start:end] if b is not None]
        if new.strip() and span:
            runs.append((new, _union(span)))
        at = max(at, end)
    runs += _words(text[at:], boxes[at:])
    return runs


def _words(text: str, boxes: Sequence[Box | None]) -> list[Run]:
    runs: list[Run] = []
    chars: list[str] = []
    placed: list[Box] = []
    for ch, box in zip(text, boxes, strict=True):
        if box is not None and not ch.isspace() and placed:
            last = placed[-1]
            height = max(last[3] - last[1], box[3] - box[1], 1e-3)
            if (
                box[0] - last[2] > _GAP * height  # a gap: a new word
                or box[0] < last[0] - 0.1 * height  # back to the left: another column
                or abs(box[1] - last[1]) > 0.5 * height  # another baseline
            ):
                runs.append(("".join(chars), _union(placed)))
                chars, placed = [], []
        if box is None or ch.isspace():
            if placed:
                runs.append(("".join(chars), _union(placed)))
            chars, placed = [], []
            continue
        chars.append(ch)
        placed.append(box)
    if placed:
        runs.append(("".join(chars), _union(placed)))
    return runs


def _union(boxes: Sequence[Box]) -> Box:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _to_unicode() -> bytes:
    """A ToUnicode CMap mapping each two-byte code of the BMP to the same code point."""
    ranges = "\n".join(
        f"<{h:02X}00> <{h:02X}FF> <{h:02X}00>" for h in range(256) if h not in _SURROGATES
    )
    count = 256 - len(_SURROGATES)
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        f"{count} beginbfrange\n{ranges}\nendbfrange\n"
        "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    ).encode("ascii")


class TextLayer:
    """Writes runs of invisible text onto the pages of one output document; the font is
    embedded once, on first use."""

    def __init__(self, doc: Any) -> None:
        self._doc = doc
        self._font: Any = None
        self._keep: list[Any] = []  # buffers PDFium was handed, alive until the save

    def _load_font(self) -> Any:
        import pypdfium2.raw as raw

        data = resources.files("tianping.privacy").joinpath("fonts/glyphless.ttf").read_bytes()
        gid = b"\x00\x01" * 65536  # every character code draws glyph 1
        font_buf = ctypes.create_string_buffer(data, len(data))
        gid_buf = ctypes.create_string_buffer(gid, len(gid))
        self._keep += [font_buf, gid_buf]
        u8 = ctypes.POINTER(ctypes.c_uint8)
        font = raw.FPDFText_LoadCidType2Font(
            self._doc,
            ctypes.cast(font_buf, u8),
            len(data),
            _to_unicode(),
            ctypes.cast(gid_buf, u8),
            len(gid),
        )
        if not font:
            raise RuntimeError("PDFium could not load the text layer's font")
        return font

    def write(self, page: Any, runs: Sequence[Run]) -> int:
        """Put `runs` on `page` (before its content is generated); the runs written."""
        import pypdfium2.raw as raw

        if self._font is None:
            self._font = self._load_font()
        written = 0
        for text, (left, bottom, right, top) in runs:
            shown = "".join(ch for ch in text if ord(ch) < 0x10000 and not ch.isspace())
            height = top - bottom
            if not shown or height <= 0 or right <= left:
                continue
            obj = raw.FPDFPageObj_CreateTextObj(self._doc, self._font, ctypes.c_float(height))
            encoded = (shown + "\0").encode("utf-16-le")
            buf = ctypes.create_string_buffer(encoded, len(encoded))
            if not raw.FPDFText_SetText(obj, ctypes.cast(buf, ctypes.POINTER(raw.FPDF_WCHAR))):
                raw.FPDFPageObj_Destroy(obj)
                continue
            raw.FPDFTextObj_SetTextRenderMode(obj, raw.FPDF_TEXTRENDERMODE_INVISIBLE)
            # every glyph is half an em wide: stretched to the width the text had
            natural = 0.5 * height * len(shown)
            raw.FPDFPageObj_Transform(obj, (right - left) / natural, 0, 0, 1, left, bottom)
            raw.FPDFPage_InsertObject(page, obj)
            written += 1
        return written
