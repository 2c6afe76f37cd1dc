"""An image's XMP packet: its creator, rights holder and contact fields (IPTC's creator
contact info holds e-mail, phone and address) are personal information, and the same
packet carries the AI-content label (`TC260:AIGC`, GB 45438), which must survive.

The packet is walked as text, tag by tag, keeping a stack of element names, so every
value (element text or attribute value) is known with the elements around it: values
inside an `AIGC` property are never read or changed; values under a creator, author or
owner element are read after a name label (a bare name has no other context); the rest as
they are. De-identification replaces values in place, so every other byte of the packet,
the label's included, stays as it was.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["xmp_lines", "xmp_of", "xmp_rewrite"]

_TOKEN = re.compile(r"<(/?)([\w:.-]+)((?:\s+[\w:.-]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>")
_ATTR = re.compile(r"([\w:.-]+)\s*=\s*(\"([^\"]*)\"|'([^']*)')")
# element or attribute names (local part) whose values name a person
_PERSON = re.compile(r"(?i)creator$|author|owner|byline|rightsholder|^rights$")
_SKIP_ATTRS = re.compile(r"(?i)^(xmlns(:.*)?|rdf:about|rdf:parseType|xml:lang|x:xmptk)$")


def xmp_of(img: Any) -> str | None:
    """A Pillow image's XMP packet as text (JPEG/WebP `xmp`, PNG's iTXt), or None."""
    raw = img.info.get("xmp") or img.info.get("XML:com.adobe.xmp")
    if isinstance(raw, bytes):
        return raw.decode("utf-8", errors="replace")
    return raw if isinstance(raw, str) else None


def _values(xmp: str) -> Iterator[tuple[int, int, bool]]:
    """(start, end, personal) of each value outside an AIGC property."""
    stack: list[str] = []
    at = 0
    for m in _TOKEN.finditer(xmp):
        inside_label = any(name.split(":")[-1] == "AIGC" for name in stack)
        personal = any(_PERSON.search(name.split(":")[-1]) for name in stack)
        text_start, text_end = at, m.start()
        text = xmp[text_start:text_end]
        if not inside_label and text.strip() and "<" not in text:  # not <?xpacket?>, <!--
            yield text_start, text_end, personal
        at = m.end()
        closing, name, attrs, empty = m.group(1), m.group(2), m.group(3), m.group(4)
        if closing:
            while stack and stack.pop() != name:
                pass
            continue
        local = name.split(":")[-1]
        if local != "AIGC" and not inside_label:
            for a in _ATTR.finditer(attrs):
                if _SKIP_ATTRS.match(a.group(1)) or a.group(1).split(":")[-1] == "AIGC":
                    continue
                group = 3 if a.group(3) is not None else 4
                start = m.start(3) + a.start(group)
                who = personal or bool(_PERSON.search(a.group(1).split(":")[-1]))
                if a.group(group).strip():
                    yield start, start + len(a.group(group)), who
        if not empty and not name.startswith("?"):
            stack.append(name)


def xmp_lines(xmp: str) -> list[str]:
    """The packet's values as lines for detection, person values after a name label."""
    from tianping.privacy._mail import name_context

    lines = []
    for start, end, personal in _values(xmp):
        value = _unescape(xmp[start:end]).strip()
        if value:
            lines.append(name_context(value) + value if personal else value)
    return lines


def xmp_rewrite(xmp: str, replace: Callable[[str, bool], str]) -> str:
    """The packet with each value passed through `replace(value, personal)` (values are
    unescaped for it and escaped again); the AI-content label and all else as it was."""
    out = []
    at = 0
    for start, end, personal in _values(xmp):
        old = _unescape(xmp[start:end])
        new = replace(old, personal)
        if new != old:
            out += [xmp[at:start], _escape(new)]
            at = end
    return "".join(out) + xmp[at:]


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
        .replace("&apos;", "'").replace("&amp;", "&")
    )  # fmt: skip


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace('"', "&quot;")
    )  # fmt: skip
