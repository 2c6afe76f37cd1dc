from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict

from tianping.checks import Check, CheckContext, CheckRegistry, CheckResult, Verdict, registry
from tianping.checks.testing import ConformanceError, assert_conforms, minimal_context
from tianping.i18n import I18nText


def test_builtin_checks_come_from_the_entry_point() -> None:
    from importlib.metadata import entry_points

    (ep,) = [e for e in entry_points(group="tianping.checks") if e.name == "builtin"]
    assert ep.value == "tianping.checks._builtin"
    assert {"profile.completeness", "process.attestation", "data.profile"} <= set(registry.ids())


def test_duplicate_id_from_another_class_is_refused() -> None:
    reg = CheckRegistry()

    class A(Check):
        id = "x.one"
        title = I18nText(zh="甲", en="A")
        family = "t"

        def run(self, ctx: CheckContext, params: Any) -> CheckResult:
            raise NotImplementedError

    class B(A):
        pass

    reg.register(A)
    with pytest.raises(ValueError, match="already registered"):
        reg.register(B)


def test_plugin_module_from_environment(tmp_path: Path) -> None:
    (tmp_path / "tp_plugin_demo.py").write_text(
        textwrap.dedent("""
        from typing import Any
        from tianping.checks import Check, CheckContext, CheckResult, register
        from tianping.i18n import I18nText

        @register
        class Demo(Check):
            id = "demo.plugin"
            title = I18nText(zh="示例插件", en="Demo plugin")
            family = "demo"

            def run(self, ctx: CheckContext, params: Any) -> CheckResult:
                return self.result(ctx, {"x": 1}, I18nText(zh="好", en="ok"))
    """)
    )
    code = "from tianping.checks import registry; print(registry.ids())"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={
            "PYTHONPATH": str(tmp_path),
            "TIANPING_PLUGINS": "tp_plugin_demo",
            "PATH": "/usr/bin:/bin",
        },
        check=True,
    )
    assert "demo.plugin" in out.stdout


@pytest.mark.parametrize("check_id", ["profile.completeness"])
def test_builtin_checks_pass_the_conformance_kit(check_id: str, tmp_path: Path) -> None:
    cls = registry.get(check_id)
    assert cls is not None
    assert_conforms(cls, minimal_context(tmp_path), {})


def test_conformance_kit_catches_a_broken_check(tmp_path: Path) -> None:
    @registry.register
    class Flaky(Check):
        id = "test.flaky"
        title = I18nText(zh="不稳定", en="Flaky")
        family = "test"
        calls = 0

        class Params(BaseModel):
            model_config = ConfigDict(extra="forbid")

        def run(self, ctx: CheckContext, params: Any) -> CheckResult:
            type(self).calls += 1
            return self.result(
                ctx, {"n": type(self).calls}, I18nText(zh="好", en="ok"), verdict=Verdict.PASS
            )

    with pytest.raises(ConformanceError, match="different verdicts or metrics"):
        assert_conforms(Flaky, minimal_context(tmp_path), {})

    class NotRegistered(Flaky):
        id = "test.unregistered"

    with pytest.raises(ConformanceError, match="not registered"):
        assert_conforms(NotRegistered, minimal_context(tmp_path), {})
