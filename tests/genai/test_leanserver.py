"""The lean benchmark server (bare asyncio.Protocol HTTP/1.1) over real sockets."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.genai.conftest import prompt
from tests.genai.test_server import _post, _user
from tests.genai.test_server import test_chat_completion_stream as check_stream
from tianping.genai._leanserver import LeanChatServer
from tianping.genai._runner import RunOptions, run_prompts
from tianping.genai._server import rule_based_responder
from tianping.genai._targets import OpenAIChatTarget
from tianping.genai._types import ChatMessage


@pytest.fixture(scope="module")
def lean() -> Iterator[LeanChatServer]:
    with LeanChatServer(latency_s=0.01) as server:
        yield server


def _raw(port: int, data: bytes, *, until_close: bool = False, answers: int = 1) -> bytes:
    """Send raw bytes; read `answers` complete answers (or everything until the close)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        got = b""
        while True:
            if not until_close and got.count(b"HTTP/1.1 ") >= answers:
                _, _, rest = got.rpartition(b"HTTP/1.1 ")
                meta, sep, body = rest.partition(b"\r\n\r\n")
                length = [ln for ln in meta.split(b"\r\n") if ln.startswith(b"Content-Length")]
                if sep and len(body) >= int(length[0].split(b":")[1]):
                    return got
            chunk = sock.recv(65536)
            if not chunk:
                return got
            got += chunk


def _request(body: bytes, extra: bytes = b"", version: bytes = b"HTTP/1.1") -> bytes:
    return b"POST /v1/chat/completions %s\r\nHost: x\r\nContent-Length: %d\r\n%s\r\n%s" % (
        version,
        len(body),
        extra,
        body,
    )


def test_models_and_chat_completion(lean: LeanChatServer) -> None:
    with urllib.request.urlopen(f"{lean.base_url}/models", timeout=10) as resp:
        assert json.loads(resp.read())["data"][0]["id"] == "tianping-rule-based"
    before = lean.requests
    status, raw = _post(
        f"{lean.base_url}/chat/completions",
        {"model": "x", "messages": [{"role": "user", "content": "什么是机器学习？"}]},
    )
    assert status == 200
    data = json.loads(raw)
    assert data["object"] == "chat.completion"
    assert data["choices"][0]["message"]["content"] == rule_based_responder(
        _user("什么是机器学习？")
    )
    assert data["usage"]["completion_tokens"] > 0
    assert lean.requests == before + 1


def test_stream_gives_the_same_events(lean: LeanChatServer) -> None:
    check_stream(lean.base_url)  # the same assertions as for ChatServer


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        {"messages": []},
        {"messages": [{"role": "robot", "content": "hi"}]},
        {"messages": ["hi"]},
        {},
    ],
)
def test_bad_requests_get_400(lean: LeanChatServer, body: Any) -> None:
    status, raw = _post(f"{lean.base_url}/chat/completions", body)
    assert status == 400
    assert "bad request" in json.loads(raw)["error"]["message"]


def test_unknown_paths_and_methods(lean: LeanChatServer) -> None:
    status, _ = _post(f"{lean.base_url}/completions", {"prompt": "x"})
    assert status == 404
    status, _ = _post(f"{lean.base_url}/models", {})
    assert status == 405
    answer = _raw(lean.port, b"GET /v1/chat/completions HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 405 ")
    chunked = b"POST /v1/chat/completions HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    assert _raw(lean.port, chunked, until_close=True).startswith(b"HTTP/1.1 411 ")


def test_pipelined_requests_are_answered_in_order_on_one_connection(lean: LeanChatServer) -> None:
    one = json.dumps({"messages": [{"role": "user", "content": "first question"}]}).encode()
    two = json.dumps({"messages": [{"role": "user", "content": "second question"}]}).encode()
    got = _raw(lean.port, _request(one) + _request(two), answers=2)
    assert got.count(b"HTTP/1.1 200 OK") == 2
    assert got.index(b"first question") < got.index(b"second question")


@pytest.mark.parametrize(
    ("extra", "version"), [(b"Connection: close\r\n", b"HTTP/1.1"), (b"", b"HTTP/1.0")]
)
def test_connection_close_and_http10_end_the_connection(
    lean: LeanChatServer, extra: bytes, version: bytes
) -> None:
    body = json.dumps({"messages": [{"role": "user", "content": "bye"}]}).encode()
    got = _raw(lean.port, _request(body, extra, version), until_close=True)
    assert got.startswith(b"HTTP/1.1 200 OK") and b"Connection: close" in got


def test_a_client_leaving_before_the_answer_does_not_disturb_others(lean: LeanChatServer) -> None:
    body = json.dumps({"messages": [{"role": "user", "content": "gone"}]}).encode()
    with socket.create_connection(("127.0.0.1", lean.port), timeout=10) as sock:
        sock.sendall(_request(body))  # closed before the 10 ms latency is up
    status, _ = _post(
        f"{lean.base_url}/chat/completions", {"messages": [{"role": "user", "content": "still"}]}
    )
    assert status == 200


def test_async_responder_and_the_runner_through_both_clients() -> None:
    async def echo(messages: list[ChatMessage]) -> str:
        return messages[-1].content.upper()

    with LeanChatServer(responder=echo, latency_s=0.02, uvloop=False) as server:
        prompts = [prompt(f"l-{i}", f"lean {i}") for i in range(30)]
        for client, stream in (("lean", False), ("aiohttp", False), ("aiohttp", True)):
            target = OpenAIChatTarget(
                server.base_url,
                "m",
                client=client,  # type: ignore[arg-type]
                stream=stream,
            )
            result = run_prompts(target, prompts, RunOptions(concurrency=10))
            assert [r.text for r in result.responses] == [f"LEAN {i}" for i in range(30)]
        assert server.requests == 90


def test_stopped_server_refuses_connections() -> None:
    server = LeanChatServer()
    url = server.start()
    server.stop()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{url}/models", timeout=2)


def test_server_module_main_serves_the_lean_server() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "tianping.genai._server", "--lean", "--port", str(port)]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == f"http://127.0.0.1:{port}/v1"
            status, raw = _post(
                f"http://127.0.0.1:{port}/v1/chat/completions",
                {"messages": [{"role": "user", "content": "hello"}]},
            )
            assert status == 200
            assert json.loads(raw)["choices"][0]["message"]["content"].startswith("About")
        finally:
            proc.terminate()
            proc.wait(10)


def test_a_failing_responder_gives_500() -> None:
    def broken(messages: list[ChatMessage]) -> str:
        raise RuntimeError("boom")

    async def broken_async(messages: list[ChatMessage]) -> str:
        raise RuntimeError("async boom")

    for responder, detail in ((broken, "boom"), (broken_async, "async boom")):
        with LeanChatServer(responder=responder) as server:
            status, raw = _post(
                f"{server.base_url}/chat/completions",
                {"messages": [{"role": "user", "content": "x"}]},
            )
        assert status == 500
        assert detail in json.loads(raw)["error"]["message"]


@pytest.mark.parametrize("length", [b"-5", b"lots"])
def test_a_bad_content_length_gets_400_and_a_close(lean: LeanChatServer, length: bytes) -> None:
    data = b"POST /v1/chat/completions HTTP/1.1\r\nContent-Length: %s\r\n\r\n{}" % length
    got = _raw(lean.port, data, until_close=True)
    assert got.startswith(b"HTTP/1.1 400 ") and b"Content-Length" in got
