"""CEL (Common Expression Language) for applicability and tier conditions.

Uses the `common-expression-language` package (Rust `cel` crate bindings): about 50x faster
than the pure-Python `cel-python` here and spec-conformant; see docs/decisions.md. Never
Python `eval`. The static checks below (field paths, enum literals) complement it, since the
bindings expose no type checker.
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import cel
from pydantic import BaseModel

from tianping.systems._profile import SystemProfile

ROOT = "profile"
_DERIVED = {
    "jurisdictions": list[str],
    "offered_in_cn_to_public": bool,
    "xb_individuals": int,
    "xb_sensitive_individuals": int,
    "xb_important_data": bool,
    "xb_ordinary_individuals": int,
    "xb_ordinary_sensitive_individuals": int,
    "xb_ordinary_important_data": bool,
    "sensitive_pi": bool,
}


class CelError(ValueError):
    """An expression that does not parse, references an unknown field or fails to evaluate."""


@dataclass(frozen=True)
class ClauseTrace:
    """One top-level clause of a condition and the value it had."""

    expr: str
    value: bool | None
    error: str | None = None


@lru_cache(maxsize=4096)
def compile_expr(expr: str) -> Any:
    try:
        return cel.compile(expr)
    except (ValueError, RuntimeError) as exc:
        raise CelError(
            str(exc).splitlines()[0].replace("Failed to parse expression", "syntax")
            + _caret(str(exc))
        ) from None


def _caret(message: str) -> str:
    m = re.search(r"<input>:(\d+):(\d+): (.*)", message)
    return f" (column {m.group(2)}: {m.group(3)})" if m else ""


def evaluate(expr: str, context: Any) -> bool:
    program = compile_expr(expr)
    try:
        value = program.execute(context)
    except KeyError as exc:
        raise CelError(f"unknown field {exc.args[0]!r} in: {expr}") from None
    except (TypeError, RuntimeError, ValueError) as exc:
        raise CelError(f"{str(exc).splitlines()[0]} in: {expr}") from None
    if not isinstance(value, bool):
        raise CelError(f"condition must be a bool, got {type(value).__name__}: {expr}")
    return value


def split_top_level(expr: str) -> tuple[str, list[str]]:
    """Split on top-level `&&` (or else `||`) for a readable trace; ('', [expr]) if neither."""
    for op in ("&&", "||"):
        parts: list[str] = []
        depth, start, i, quote = 0, 0, 0, ""
        while i < len(expr):
            ch = expr[i]
            if quote:
                if ch == "\\":
                    i += 1
                elif ch == quote:
                    quote = ""
            elif ch in "\"'":
                quote = ch
            elif ch in "([{":
                depth += 1
            elif ch in ")]}":
                depth -= 1
            elif depth == 0 and expr.startswith(op, i):
                parts.append(expr[start:i].strip())
                start = i + 2
                i += 1
            i += 1
        if parts:
            parts.append(expr[start:].strip())
            return op, parts
    return "", [expr.strip()]


def trace(expr: str, context: Any) -> list[ClauseTrace]:
    _, clauses = split_top_level(expr)
    out: list[ClauseTrace] = []
    for clause in clauses:
        try:
            out.append(ClauseTrace(clause, evaluate(clause, context)))
        except CelError as exc:
            out.append(ClauseTrace(clause, None, str(exc)))
    return out


# --- static checks against the profile schema -------------------------------------------

FieldType = Any


def _unwrap_optional(tp: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def _field_type(owner: Any, name: str) -> FieldType | None:
    if owner is SystemProfile and name == "derived":
        return _DERIVED
    if isinstance(owner, dict):
        return owner.get(name)
    if isinstance(owner, type) and issubclass(owner, BaseModel):
        field = owner.model_fields.get(name)
        return None if field is None else _unwrap_optional(field.annotation)
    return None


def _element(tp: Any) -> Any:
    if typing.get_origin(tp) is list:
        (arg,) = typing.get_args(tp)
        return _unwrap_optional(arg)
    return None


def _literals(tp: Any) -> set[str] | None:
    if typing.get_origin(tp) is Literal:
        return {str(a) for a in typing.get_args(tp)}
    return None


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_MACRO = re.compile(
    r"\b([A-Za-z_]\w*(?:\.\w+)*)\.(?:exists|all|exists_one|map|filter)\(\s*([A-Za-z_]\w*)\s*,"
)
_PATH = re.compile(r"(?<![\w.])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)")
_EQ_LIT = re.compile(r'([A-Za-z_]\w*(?:\.\w+)*)\s*(?:==|!=)\s*"([^"]*)"')
_LIT_IN = re.compile(r'"([^"]*)"\s+in\s+([A-Za-z_]\w*(?:\.\w+)*)')
_IN_LIST = re.compile(r"([A-Za-z_]\w*(?:\.\w+)*)\s+in\s+\[([^\]]*)\]")
_METHODS = {
    "exists",
    "all",
    "exists_one",
    "map",
    "filter",
    "size",
    "contains",
    "startsWith",
    "endsWith",
    "matches",
}


def _resolve_one(parts: list[str], current: Any, path: str) -> tuple[Any, str | None]:
    for part in parts[1:]:
        if part in _METHODS:
            return current, None
        nxt = _field_type(current, part)
        if nxt is None:
            if current is Any or current is dict or typing.get_origin(current) is dict:
                return Any, None
            return None, f"unknown field '{part}' in '{path}'"
        current = nxt
    return current, None


def _resolve(path: str, bindings: dict[str, list[Any]]) -> list[tuple[Any, str | None]]:
    """Every reading of `path`: a macro variable may be bound in several scopes."""
    parts = path.split(".")
    if parts[0] == ROOT:
        roots: list[Any] = [SystemProfile]
    elif parts[0] in bindings:
        roots = bindings[parts[0]]
    else:
        return []
    return [_resolve_one(parts, root, path) for root in roots]


def _types(path: str, bindings: dict[str, list[Any]]) -> list[Any]:
    return [tp for tp, err in _resolve(path, bindings) if err is None]


def check_references(expr: str) -> list[str]:
    """Problems with the fields and enum literals an expression uses (empty if none)."""
    problems: list[str] = []
    code = _STRING.sub('""', expr)
    bindings: dict[str, list[Any]] = {}
    for m in _MACRO.finditer(code):
        for tp in _types(m.group(1), bindings):
            elem = _element(tp)
            bindings.setdefault(m.group(2), []).append(elem if elem is not None else Any)
    for m in _PATH.finditer(code):
        readings = _resolve(m.group(1), bindings)
        if readings and all(err for _, err in readings):
            err = readings[0][1]
            if err and err not in problems:
                problems.append(err)
    for m in _EQ_LIT.finditer(expr):
        _check_literal(
            m.group(1), [_literals(t) for t in _types(m.group(1), bindings)], [m.group(2)], problems
        )
    for m in _LIT_IN.finditer(expr):
        _check_literal(
            m.group(2),
            [_literals(_element(t)) for t in _types(m.group(2), bindings)],
            [m.group(1)],
            problems,
        )
    for m in _IN_LIST.finditer(expr):
        values = [v.group(0)[1:-1] for v in _STRING.finditer(m.group(2))]
        _check_literal(
            m.group(1), [_literals(t) for t in _types(m.group(1), bindings)], values, problems
        )
    return problems


def _check_literal(
    path: str, readings: list[set[str] | None], values: list[str], problems: list[str]
) -> None:
    if not readings or any(r is None for r in readings):
        return  # not an enum in at least one reading: nothing to check
    allowed: set[str] = set().union(*[r for r in readings if r is not None])
    for v in values:
        if v not in allowed:
            problems.append(
                f"'{v}' is not a value of '{path}'; expected one of {', '.join(sorted(allowed))}"
            )
