"""YAML loading that remembers where every key and item sits, for located errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from tianping.errors import InputError, Location, Problem, display_path

PathKey = tuple[str | int, ...]


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


def _walk(node: Any, prefix: PathKey) -> Iterator[tuple[PathKey, tuple[int, int]]]:
    if isinstance(node, CommentedMap):
        for key in node:
            try:
                line, col = node.lc.key(key)
            except (KeyError, TypeError):
                continue
            path = (*prefix, str(key))
            yield path, (line + 1, col + 1)
            yield from _walk(node[key], path)
    elif isinstance(node, CommentedSeq):
        for i, item in enumerate(node):
            try:
                line, col = node.lc.item(i)
            except (KeyError, TypeError, IndexError):
                continue
            path = (*prefix, i)
            yield path, (line + 1, col + 1)
            yield from _walk(item, path)


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def parse_yaml_text(text: str, file: str) -> LocatedDocument:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        raw = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(file, mark.line + 1 if mark else None, mark.column + 1 if mark else None)
        problem = exc.problem or exc.context or "malformed YAML"
        raise InputError(
            "The YAML file could not be parsed / YAML 文件无法解析",
            [Problem(str(problem).strip(), loc, "check indentation, colons and quotes")],
        ) from None
    except Exception as exc:  # ruamel raises several unrelated classes for bad input
        raise InputError(
            "The YAML file could not be parsed / YAML 文件无法解析",
            [Problem(type(exc).__name__ + ": " + str(exc).splitlines()[0], Location(file))],
        ) from None
    positions = dict(_walk(raw, ()))
    return LocatedDocument(_plain(raw), positions, file)


def load_yaml(path: Path) -> LocatedDocument:
    """Read and parse a YAML file; missing or unreadable files give a located error."""
    shown = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"File not found / 文件不存在: {shown}") from None
    except IsADirectoryError:
        raise InputError(f"Expected a file, found a directory / 应为文件而非目录: {shown}") from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"File is not UTF-8 text / 文件不是 UTF-8 文本: {shown} (byte {exc.start})"
        ) from None
    except OSError as exc:
        raise InputError(f"Cannot read / 无法读取 {shown}: {exc.strerror}") from None
    return parse_yaml_text(text, shown)
