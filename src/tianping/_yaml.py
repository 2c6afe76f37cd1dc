"""YAML loading that remembers where every key and item sits, for located errors.

PyYAML's C parser (libyaml) composes a node tree whose marks give line and column; the
data is constructed from that same tree, so positions cost no second parse. Booleans follow
YAML 1.2 (only true/false), so `answer: yes` stays the string "yes".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from tianping.errors import InputError, Location, Problem, display_path

PathKey = tuple[str | int, ...]

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc]
    pass


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in _Base.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(
        r"^(?:true|True|TRUE|false|"
        r"False|FALSE)$"
    ),
    list("tTfF"),
)


class LocatedDocument:
    """A parsed YAML document plus a map from field path to (line, column), 1-based."""

    def __init__(self, data: Any, positions: dict[PathKey, tuple[int, int]], file: str) -> None:
        self.data = data
        self.positions = positions
        self.file = file

    def locate(self, path: PathKey) -> Location:
        """The closest known position for a field path (walks up to the parent)."""
        probe = tuple(path)
        while probe:
            if probe in self.positions:
                line, col = self.positions[probe]
                return Location(self.file, line, col, _dotted(path))
            probe = probe[:-1]
        return Location(self.file, 1, 1, _dotted(path) or None)


def _dotted(path: PathKey) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _walk(node: yaml.Node, prefix: PathKey, file: str) -> Iterator[tuple[PathKey, tuple[int, int]]]:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                mark = key_node.start_mark
                raise InputError(
                    "The YAML file could not be parsed / YAML 文件无法解析",
                    [
                        Problem(
                            f"duplicate key '{key}'",
                            Location(file, mark.line + 1, mark.column + 1, _dotted(prefix)),
                        )
                    ],
                )
            seen.add(key)
            path = (*prefix, key)
            yield path, (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            yield from _walk(value_node, path, file)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            path = (*prefix, i)
            yield path, (item.start_mark.line + 1, item.start_mark.column + 1)
            yield from _walk(item, path, file)


def parse_yaml_text(text: str, file: str) -> LocatedDocument:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(file, mark.line + 1 if mark else None, mark.column + 1 if mark else None)
        problem = exc.problem or exc.context or "malformed YAML"
        raise InputError(
            "The YAML file could not be parsed / YAML 文件无法解析",
            [Problem(str(problem).strip(), loc, "check indentation, colons and quotes")],
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(
            "The YAML file could not be parsed / YAML 文件无法解析",
            [Problem(str(exc).splitlines()[0], Location(file))],
        ) from None
    finally:
        loader.dispose()
    positions = dict(_walk(node, (), file)) if node is not None else {}
    return LocatedDocument(data, positions, file)


def load_yaml(path: Path) -> LocatedDocument:
    """Read and parse a YAML file; missing or unreadable files give a located error."""
    shown = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"File not found / 文件不存在: {shown}") from None
    except IsADirectoryError:
        raise InputError(
            f"Expected a file, found a directory / 应为文件而非目录: {shown}"
        ) from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"File is not UTF-8 text / 文件不是 UTF-8 文本: {shown} (byte {exc.start})"
        ) from None
    except OSError as exc:
        raise InputError(f"Cannot read / 无法读取 {shown}: {exc.strerror}") from None
    return parse_yaml_text(text, shown)
