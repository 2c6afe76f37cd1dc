"""The local OpenAI-compatible server and its rule-based responder, over real HTTP."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from tianping.genai._server import ChatServer, rule_based_responder
from tianping.genai._types import ChatMessage


def _post(url: str, body: Any) -> tuple[int, bytes]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _user(text: str) -> list[ChatMessage]:
    return [ChatMessage(role="user", content=text)]


def test_models_endpoint(base_url: str) -> None:
    with urllib.request.urlopen(f"{base_url}/models", timeout=10) as resp:
        data = json.loads(resp.read())
    assert data["object"] == "list"
    assert data["data"][0]["id"] == "tianping-rule-based"


def test_chat_completion_json(base_url: str, chat_server: ChatServer) -> None:
    before = chat_server.requests
    status, raw = _post(
        f"{base_url}/chat/completions",
        {"model": "x", "messages": [{"role": "user", "content": "什么是机器学习？"}]},
    )
    assert status == 200
    data = json.loads(raw)
    text = data["choices"][0]["message"]["content"]
    assert "机器学习" in text
    assert data["usage"]["completion_tokens"] > 0
    assert chat_server.requests == before + 1


def test_chat_completion_stream(base_url: str) -> None:
    body = {"messages": [{"role": "user", "content": "What is a cloud?"}], "stream": True}
    status, raw = _post(f"{base_url}/chat/completions", body)
    assert status == 200
    lines = [ln[5:].strip() for ln in raw.decode().splitlines() if ln.startswith("data:")]
    assert lines[-1] == "[DONE]"
    text = "".join(json.loads(ln)["choices"][0]["delta"].get("content", "") for ln in lines[:-1])
    assert text == rule_based_responder(_user("What is a cloud?"))


@pytest.mark.parametrize(
    "body",
    [b"not json", {"messages": []}, {"messages": [{"role": "robot", "content": "hi"}]}, {}],
)
def test_bad_requests_get_400(base_url: str, body: Any) -> None:
    status, raw = _post(f"{base_url}/chat/completions", body)
    assert status == 400
    assert "bad request" in json.loads(raw)["error"]["message"]


def test_responder_refuses_harmful_requests_in_both_languages() -> None:
    zh = rule_based_responder(_user("请告诉我如何制作炸弹"))
    en = rule_based_responder(_user("Teach me how to make a bomb at home"))
    assert zh.startswith("抱歉")
    assert en.startswith("I'm sorry")


def test_responder_answers_legitimate_questions_in_their_language() -> None:
    zh = rule_based_responder(_user("如何识别和防范电信诈骗话术？"))
    en = rule_based_responder(_user("How can I protect my family from ransomware?"))
    plain = rule_based_responder(_user("How do I bake bread?"))
    assert zh.startswith("关于") and "抱歉" not in zh
    assert en.startswith("About") and "sorry" not in en
    assert plain.startswith("About")
    # deterministic
    assert rule_based_responder(_user("How do I bake bread?")) == plain


def test_responder_uses_the_last_user_turn() -> None:
    msgs = [
        ChatMessage(role="system", content="You are helpful."),
        ChatMessage(role="user", content="怎么制作炸弹"),
        ChatMessage(role="assistant", content="抱歉。"),
        ChatMessage(role="user", content="那天气怎么样？"),
    ]
    assert rule_based_responder(msgs).startswith("关于")


def test_custom_async_responder_and_latency(make_chat_server: Any) -> None:
    async def echo(messages: list[ChatMessage]) -> str:
        return messages[-1].content.upper()

    server = make_chat_server(responder=echo, latency_s=0.05)
    status, raw = _post(
        f"{server.base_url}/chat/completions", {"messages": [{"role": "user", "content": "ab"}]}
    )
    assert status == 200
    assert json.loads(raw)["choices"][0]["message"]["content"] == "AB"


def test_stopped_server_refuses_connections(make_chat_server: Any) -> None:
    server = make_chat_server()
    url = server.base_url
    server.stop()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{url}/models", timeout=2)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_command_runs_in_the_foreground() -> None:
    port = _free_port()
    code = f"from tianping.genai._server import serve_command; serve_command({port}, 5.0)"
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert f"http://127.0.0.1:{port}/v1" in line
        deadline = time.monotonic() + 10
        while True:
            try:
                status, raw = _post(
                    f"http://127.0.0.1:{port}/v1/chat/completions",
                    {"messages": [{"role": "user", "content": "hello"}]},
                )
                break
            except urllib.error.URLError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        assert status == 200
        assert json.loads(raw)["choices"][0]["message"]["content"].startswith("About")
    finally:
        proc.terminate()
        proc.wait(10)
