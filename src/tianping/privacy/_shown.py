"""File paths as reports show them: masked where a file or folder name holds PI.

Chinese KYC folders name files after the person (`张三_身份证_110105194912310021.jpg`), and
a report that lists files would print the ID number it found inside them. Each part of a
path (folders, the name, an archive member after `!`) is checked once: a part made only
of letters, digits and punctuation without a long run of digits is left alone; any other
goes through detection, and what it finds is masked as findings are. Reports keep the raw
path inside (it names the file to open); only what they show or write is masked.
"""

from __future__ import annotations

import functools
import re

__all__ = ["masked", "shown_path", "shown_text"]

# a part that holds no PI detection could find: ASCII words, short numbers
_PLAIN = re.compile(r"[A-Za-z_.\- ]*(?:\d{1,5}[A-Za-z_.\- ]+)*\d{0,5}")
_SPLIT = re.compile(r"([/\\\\!])")


def shown_path(path: str) -> str:
    """`path` with the PI in its parts masked."""
    if _PLAIN.fullmatch(path.replace("/", "").replace("!", "")):
        return path
    return "".join(_part(p) for p in _SPLIT.split(path))


@functools.lru_cache(maxsize=65536)
def _part(part: str) -> str:
    if not part or _PLAIN.fullmatch(part):
        return part
    # "_" joins words in file names (张三_身份证): read it as a space, one for one
    return masked(part, part.replace("_", " "))


def masked(text: str, read_as: str | None = None) -> str:
    """`text` with the PI detection finds in it (or in `read_as`, the same length) masked
    as findings are; for names shown in messages and reports (a column, a file)."""
    from tianping.privacy._detect import detect_text, mask_preview

    for m in reversed(detect_text(text if read_as is None else read_as)):
        text = text[: m.start] + mask_preview(text[m.start : m.end], m.pi_type) + text[m.end :]
    return text


def shown_text(text: str, *paths: str) -> str:
    """A message with each of `paths` in it shown masked."""
    for p in paths:
        if p and p in text:
            shown = shown_path(p)
            if shown != p:
                text = text.replace(p, shown)
    return text
