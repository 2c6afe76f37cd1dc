"""Markdown implicit labels: an AIGC key in the YAML front matter; the body stays identical.

Independent reader: PyYAML on the front matter.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tianping.errors import InputError
from tianping.labels._formats._markdown import MarkdownHandler
from tianping.labels._handler import handler_for

from .conftest import label_record

BODY = "# 标题 Title\n\nGenerated text --- with a rule below.\n\n---\n\nEnd.\n"


def record(label: str = "1", pid: str = "md-0001") -> str:
    return label_record(label, pid)


def front(path: Path) -> dict[str, Any]:
    text = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
    assert text.startswith("---\n")
    loaded: dict[str, Any] = yaml.safe_load(
        re.split(r"\n(?:---|\.\.\.)\n", text, maxsplit=1)[0][4:]
    )
    return loaded


VARIANTS = {
    "plain": BODY.encode(),
    "front": ('---\ntitle: "Notes"\ntags:\n  - ai\n---\n' + BODY).encode(),
    "crlf": ("---\r\ntitle: Notes\r\n---\r\n" + BODY.replace("\n", "\r\n")).encode(),
    "bom": b"\xef\xbb\xbf" + ("---\ntitle: Notes\n...\n" + BODY).encode(),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_embed_read_payload_and_replace(variant: str, tmp_path: Path) -> None:
    h = MarkdownHandler()
    src = tmp_path / "doc.md"
    src.write_bytes(VARIANTS[variant])
    assert h.read(src) == []
    out = tmp_path / "out.md"
    h.write(src, record("1"), out)
    assert src.read_bytes() == VARIANTS[variant]
    assert [(f.raw, f.form) for f in h.read(out)] == [(record("1"), "markdown:front-matter:AIGC")]
    assert h.payload(out) == h.payload(src)
    new = out.read_bytes()
    body = BODY.replace("\n", "\r\n") if variant == "crlf" else BODY
    assert new.endswith(body.encode())  # body byte-identical
    assert front(out)["AIGC"] == record("1")  # PyYAML reads the JSON text back
    if variant != "plain":
        assert front(out)["title"] == "Notes"
        assert new.startswith(b"\xef\xbb\xbf---") == (variant == "bom")
    if variant == "crlf":
        assert b"\n" not in new.replace(b"\r\n", b"")  # line endings kept
    again = tmp_path / "again.md"
    h.write(out, record("2", "md-0002"), again)
    assert [f.raw for f in h.read(again)] == [record("2", "md-0002")]
    assert h.payload(again) == h.payload(src)
    # only the AIGC line differs between the two labelled files
    diff = set(out.read_bytes().splitlines()) ^ set(again.read_bytes().splitlines())
    assert all(line.startswith(b"AIGC: ") for line in diff) and len(diff) == 2


def test_awkward_values_round_trip(tmp_path: Path) -> None:
    h = MarkdownHandler()
    src = tmp_path / "a.md"
    src.write_text(BODY)
    for raw in ['{"Label":"1","x":"it\'s # not a comment"}', '{"Label":"1",\n"x":"two lines"}']:
        h.write(src, raw, src)
        assert [f.raw for f in h.read(src)] == [raw]
        assert front(src)["AIGC"] == raw


def test_other_forms_and_conflicts_are_reported(tmp_path: Path) -> None:
    h = MarkdownHandler()
    src = tmp_path / "two.md"
    src.write_text(
        "---\n"
        f"AIGC: '{record('1')}'\n"
        "title: x\n"
        "aigc_label:\n  Label: '3'\n  ContentProducer: abc\n"
        f"AIGC: '{record('2')}'\n"
        "---\n" + BODY
    )
    found = h.read(src)
    assert [(f.raw, f.form) for f in found] == [
        (record("1"), "markdown:front-matter:AIGC"),
        ('{"Label":"3","ContentProducer":"abc"}', "markdown:front-matter:aigc_label(yaml-mapping)"),
        (record("2"), "markdown:front-matter:AIGC"),
    ]
    out = tmp_path / "one.md"
    h.write(src, record("4"), out)
    assert [f.raw for f in h.read(out)] == [record("4")]
    assert front(out) == {"AIGC": record("4"), "title": "x"}
    assert out.read_text().endswith(BODY)


def test_registry(tmp_path: Path) -> None:
    assert isinstance(handler_for(tmp_path / "x.md"), MarkdownHandler)
    assert isinstance(handler_for(tmp_path / "x.markdown"), MarkdownHandler)


def test_bad_inputs_give_input_error(tmp_path: Path) -> None:
    h = MarkdownHandler()
    unclosed = tmp_path / "unclosed.md"
    unclosed.write_text("---\ntitle: x\n# no closing fence\n")
    with pytest.raises(InputError, match=r"unclosed\.md.*never closed"):
        h.read(unclosed)
    bad_yaml = tmp_path / "badyaml.md"
    bad_yaml.write_text("---\ntitle: [unterminated\n---\nbody\n")
    with pytest.raises(InputError, match=r"badyaml\.md.*malformed YAML"):
        h.write(bad_yaml, record(), tmp_path / "o.md")
    not_map = tmp_path / "list.md"
    not_map.write_text("---\n- a\n- b\n---\nbody\n")
    with pytest.raises(InputError, match="not a mapping"):
        h.read(not_map)
    binary = tmp_path / "bin.md"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(InputError, match=r"bin\.md"):
        h.read(binary)
    assert not (tmp_path / "o.md").exists()
