"""Conformance kit for plugin authors: call these from your own test suite.

from tianping.checks.testing import assert_conforms, minimal_context

def test_my_check(tmp_path):
    assert_conforms(MyCheck, minimal_context(tmp_path), {"threshold": 0.1})
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from tianping.checks._contract import Check, CheckContext, CheckResult, Verdict, execute
from tianping.checks._registry import registry
from tianping.i18n import I18nText
from tianping.systems import SystemProfile

_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
_CJK = re.compile(r"[\u4e00-\u9fff]")


class ConformanceError(AssertionError):
    pass


def minimal_context(
    base_dir: Path, profile: SystemProfile | None = None, **overrides: Any
) -> CheckContext:
    """A context around a small valid profile; override any CheckContext field."""
    prof = profile or SystemProfile.model_validate(
        {"id": "conformance", "name": "conformance", "provider": {"name": "Example"}}
    )
    return CheckContext(profile=prof, base_dir=base_dir, **overrides)


def _fail(cls: type[Check], msg: str) -> ConformanceError:
    return ConformanceError(f"{cls.__module__}.{cls.__qualname__}: {msg}")


def assert_declaration(cls: type[Check]) -> None:
    """Static contract: id, bilingual title, family, parameters model, registration."""
    if not isinstance(getattr(cls, "id", None), str) or not _ID.match(cls.id):
        raise _fail(cls, "id must be dotted lowercase, e.g. 'audit.fairness'")
    title = getattr(cls, "title", None)
    if not isinstance(title, I18nText) or not title.en.strip() or not _CJK.search(title.zh):
        raise _fail(cls, "title must be I18nText with English and Chinese text")
    if not isinstance(getattr(cls, "family", None), str) or not cls.family:
        raise _fail(cls, "family must be a non-empty string")
    if not (isinstance(cls.Params, type) and issubclass(cls.Params, BaseModel)):
        raise _fail(cls, "Params must be a Pydantic model")
    if cls.Params.model_config.get("extra") != "forbid":
        raise _fail(cls, "Params must forbid unknown keys (model_config extra='forbid')")
    if registry.get(cls.id) is not cls:
        raise _fail(cls, f"not registered under '{cls.id}' (use @register and an entry point)")


def assert_conforms(cls: type[Check], ctx: CheckContext, params: dict[str, Any]) -> CheckResult:
    """Run the check twice and once with bad parameters; return the first result."""
    assert_declaration(cls)
    first = execute(cls(), ctx, params)
    if first.check_id != cls.id:
        raise _fail(cls, f"result check_id {first.check_id!r} != {cls.id!r}")
    if first.verdict == Verdict.ERROR:
        raise _fail(cls, f"errored on valid input: {first.message.en}")
    if not first.message.en or not first.message.zh:
        raise _fail(cls, "result message must have zh and en text")
    try:
        json.loads(first.model_dump_json())
    except (TypeError, ValueError) as exc:
        raise _fail(cls, f"result is not JSON-serialisable: {exc}") from None
    if any(not c.passed for c in first.comparisons) and first.verdict == Verdict.PASS:
        raise _fail(cls, "verdict PASS although a threshold comparison failed")
    second = execute(cls(), ctx, params)
    if (second.verdict, second.metrics) != (first.verdict, first.metrics):
        raise _fail(cls, "two runs on the same input gave different verdicts or metrics")
    bad = execute(cls(), ctx, {**params, "__not_a_parameter__": 1})
    if bad.verdict != Verdict.ERROR:
        raise _fail(cls, "an unknown parameter must give an ERROR result")
    return first
