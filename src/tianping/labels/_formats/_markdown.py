"""Implicit labels in Markdown (YAML front matter); registers on import.

Location per the TC260 text/document practice guide as quoted by implementers (research
FMT-11, confidence L): a top-level ``AIGC`` key in the YAML front matter. The research does
not say how the value is written, so the most interoperable choice is a YAML string holding
the JSON text (``AIGC: '{"Label":"1",...}'``, single-quoted; double-quoted JSON escaping if
the text has a line break), which any YAML parser returns unchanged. The reader also accepts
any top-level key containing ``AIGC`` and a YAML mapping as the value (reported as compact
JSON, form ``...(yaml-mapping)``); duplicate keys are each reported.

Front matter is ``---`` on the first line (after an optional BOM) up to a line ``---`` or
``...``. Writing edits only the AIGC lines: the other front-matter lines, the line endings and
the body stay byte-identical; without front matter one is prepended. The anti-tamper payload
is the body after the front matter.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, ClassVar

from tianping.labels._formats._common import KEY, bad, is_aigc
from tianping.labels._handler import FormatHandler, FoundLabel, register_handler

_BOM = b"\xef\xbb\xbf"
_TOP_KEY = re.compile(r"""^(?P<q>["']?)(?P<k>[^\s:#'"][^:]*?)(?P=q)\s*:(?:\s|$)""")


class _Doc:
    """A Markdown file split into BOM, front-matter lines (None if absent) and body."""

    def __init__(self, path: Path) -> None:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise bad(path, f"cannot read file ({exc.strerror})") from exc
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise bad(path, f"not UTF-8 text (invalid byte at offset {exc.start})") from exc
        if b"\x00" in data:
            raise bad(path, "not a text file (contains NUL bytes)")
        self.bom = _BOM if data.startswith(_BOM) else b""
        text = data[len(self.bom) :].decode("utf-8")
        lines = text.splitlines(keepends=True)
        self.newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
        self.front: list[str] | None = None
        self.open = self.close = ""
        self.body = text
        if lines and lines[0].rstrip("\r\n").rstrip() == "---":
            for i, line in enumerate(lines[1:], start=1):
                if line.rstrip("\r\n").rstrip() in ("---", "..."):
                    self.open, self.close = lines[0], line
                    self.front = lines[1:i]
                    self.body = "".join(lines[i + 1 :])
                    break
            else:
                raise bad(path, "front matter opened with '---' on line 1 is never closed")
            self._check(path)

    def _check(self, path: Path) -> None:
        import yaml

        try:
            doc = _safe_load("".join(self.front or []))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at front-matter line {mark.line + 2}" if mark is not None else ""
            raise bad(path, f"malformed YAML front matter{where}") from exc
        if doc is not None and not isinstance(doc, dict):
            raise bad(path, "YAML front matter is not a mapping of keys to values")

    def blocks(self) -> list[tuple[int, int, str]]:
        """(first line, end line, key) of each top-level key whose name contains AIGC."""
        out: list[tuple[int, int, str]] = []
        lines = self.front or []
        i = 0
        while i < len(lines):
            m = _TOP_KEY.match(lines[i])
            if m and is_aigc(m.group("k")):
                j = i + 1
                while j < len(lines) and (lines[j][:1] in (" ", "\t") or not lines[j].strip()):
                    j += 1
                out.append((i, j, m.group("k")))
                i = j
            else:
                i += 1
        return out


def _safe_load(text: str) -> Any:
    """YAML with libyaml's C parser where present (the pure-Python one dominated verify)."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _yaml_value(raw_json: str) -> str:
    if raw_json.isprintable():
        return "'" + raw_json.replace("'", "''") + "'"
    return json.dumps(raw_json, ensure_ascii=False)


class MarkdownHandler(FormatHandler):
    """Markdown: ``AIGC`` key in the YAML front matter."""

    name: ClassVar[str] = "markdown"
    extensions: ClassVar[tuple[str, ...]] = (".md", ".markdown", ".mdown", ".mkd")
    media_types: ClassVar[tuple[str, ...]] = ("text/markdown",)

    def read(self, path: Path) -> list[FoundLabel]:
        import yaml

        doc = _Doc(path)
        found: list[FoundLabel] = []
        for start, end, key in doc.blocks():
            block = "".join((doc.front or [])[start:end])
            try:
                value: Any = next(iter(_safe_load(block).values()))
            except (yaml.YAMLError, AttributeError, StopIteration) as exc:
                raise bad(path, f"malformed front-matter key '{key}'") from exc
            form = f"markdown:front-matter:{key}"
            if isinstance(value, str):
                found.append(FoundLabel(value, form))
            else:
                text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
                found.append(FoundLabel(text, form + "(yaml-mapping)"))
        return found

    def write(self, path: Path, raw_json: str, out: Path) -> None:
        doc = _Doc(path)
        nl = doc.newline
        line = f"{KEY}: {_yaml_value(raw_json)}{nl}"
        if doc.front is None:
            text = f"---{nl}{line}---{nl}" + doc.body
        else:
            front = list(doc.front)
            blocks = doc.blocks()
            for start, end, _ in reversed(blocks):
                del front[start:end]
            at = blocks[0][0] if blocks else len(front)
            if at == len(front) and front and not front[-1].endswith(("\n", "\r")):
                front[-1] += nl
            front.insert(at, line)
            text = doc.open + "".join(front) + doc.close + doc.body
        Path(out).write_bytes(doc.bom + text.encode("utf-8"))

    def payload(self, path: Path) -> bytes | None:
        return _Doc(path).body.encode("utf-8")


register_handler(MarkdownHandler())
