"""Load a profile from YAML; every error names file, line, column and field path."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from tianping._yaml import LocatedDocument, PathKey, load_yaml, parse_yaml_text
from tianping.errors import Problem, ProfileError
from tianping.systems._profile import SystemProfile


def _model_at(model: type[BaseModel], path: PathKey) -> type[BaseModel] | None:
    """The Pydantic model class that owns the last key of `path`, for typo suggestions."""
    current: Any = model
    for part in path[:-1]:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = current.model_fields.get(str(part))
        if field is None:
            return None
        current = _unwrap(field.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    for arg in getattr(annotation, "__args__", ()) or ():
        inner = _unwrap(arg)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return inner
    return annotation


def _expected(err: Any) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "literal_error":
        return f"expected one of {ctx.get('expected', '')}"
    if kind == "missing":
        return "required field is missing"
    return str(err["msg"]).removeprefix("Value error, ")


def validation_problems(
    exc: ValidationError, doc: LocatedDocument, model: type[BaseModel]
) -> list[Problem]:
    problems: list[Problem] = []
    for err in exc.errors():
        path: PathKey = tuple(p for p in err["loc"] if isinstance(p, str | int))
        loc = doc.locate(path)
        hint = None
        if err["type"] == "extra_forbidden" and path:
            owner = _model_at(model, path)
            if owner is not None:
                close = difflib.get_close_matches(str(path[-1]), list(owner.model_fields), n=1)
                hint = (
                    f"did you mean '{close[0]}'?"
                    if close
                    else ("valid keys: " + ", ".join(sorted(owner.model_fields)))
                )
            message = "unknown field"
        else:
            message = _expected(err)
            value = err.get("input")
            if err["type"] != "missing" and isinstance(value, str | int | float | bool):
                message += f"; got {value!r}"[:120]
        problems.append(Problem(message, loc, hint))
    return problems


def _validate(doc: LocatedDocument) -> SystemProfile:
    if not isinstance(doc.data, dict):
        raise ProfileError(
            "A system profile must be a YAML mapping / 系统档案必须是 YAML 映射",
            [Problem("expected keys such as id, name, provider", doc.locate(()))],
        )
    try:
        return SystemProfile.model_validate(doc.data)
    except ValidationError as exc:
        raise ProfileError(
            f"Invalid system profile / 系统档案无效: {doc.file}",
            validation_problems(exc, doc, SystemProfile),
        ) from None


def load_profile(path: str | Path) -> SystemProfile:
    """Load `tianping.yaml` (or a directory holding one)."""
    p = Path(path)
    if p.is_dir():
        p = p / "tianping.yaml"
    return _validate(load_yaml(p))


def load_profile_text(text: str, file: str = "<string>") -> SystemProfile:
    return _validate(parse_yaml_text(text, file))
