"""Event-loop choice: uvloop when installed, asyncio's loop when switched off or missing."""

from __future__ import annotations

import asyncio
import importlib.util
import sys

import pytest

from tests.genai.conftest import prompt
from tianping.genai import _loop
from tianping.genai._runner import RunOptions, run_prompts
from tianping.genai._targets import CallableTarget, Completion
from tianping.genai._types import ChatMessage

HAS_UVLOOP = importlib.util.find_spec("uvloop") is not None


def _loop_of_run(options: RunOptions) -> str:
    async def which(messages: list[ChatMessage]) -> Completion:
        return Completion(_loop.loop_name(asyncio.get_running_loop()))

    result = run_prompts(CallableTarget(which), [prompt("l-1", "which loop")], options)
    text = result.responses[0].text
    assert text is not None
    return text


@pytest.mark.skipif(not HAS_UVLOOP, reason="uvloop is not installed")
def test_run_prompts_uses_uvloop_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIANPING_UVLOOP", raising=False)
    assert _loop_of_run(RunOptions()) == "uvloop"
    assert _loop.loop_name() == "uvloop"


def test_uvloop_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIANPING_UVLOOP", raising=False)
    assert _loop_of_run(RunOptions(uvloop=False)) == "asyncio"
    monkeypatch.setenv("TIANPING_UVLOOP", "0")
    assert _loop_of_run(RunOptions()) == "asyncio"
    assert _loop.loop_factory() is None


def test_missing_uvloop_falls_back_to_asyncio(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIANPING_UVLOOP", raising=False)
    monkeypatch.setitem(sys.modules, "uvloop", None)  # `import uvloop` raises ImportError
    assert _loop.loop_factory() is None
    assert _loop_of_run(RunOptions()) == "asyncio"


def test_run_prompts_inside_a_running_loop_still_works() -> None:
    async def main() -> str:
        return _loop_of_run(RunOptions())  # a thread with a loop of its own

    assert asyncio.run(main()) in ("uvloop", "asyncio")
