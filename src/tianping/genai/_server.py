"""A local OpenAI-compatible chat server for tests, the demo and benchmarks, with fault injection.

`ChatServer` runs aiohttp.web on its own event loop in a background thread. The default
responder is deterministic and rule based: it refuses clearly harmful requests (zh/en) and
answers everything else briefly in the language of the question.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, cast

from pydantic import ValidationError

from tianping.genai._serving import ThreadedServer
from tianping.genai._types import ChatMessage

if TYPE_CHECKING:
    from aiohttp import web

FaultKind = Literal["500", "503", "hang", "429", "malformed", "truncate"]
FAULT_KINDS: tuple[str, ...] = ("500", "503", "hang", "429", "malformed", "truncate")
Responder = Callable[[list[ChatMessage]], "str | Awaitable[str]"]

# "[[fault:503]]" fails every request with that text; "[[fault:503x2]]" only the first two.
_MARKER = re.compile(r"\[\[fault:(500|503|hang|429|malformed|truncate)(?:x(\d+))?\]\]")

# --------------------------------------------------------------------------------------------
# The rule-based responder

_CJK = re.compile(r"[\u3400-\u9fff]")

# Clearly harmful requests: an act or object plus a request for means. Kept small on purpose.
_HARM_ZH = (
    "炸弹",
    "爆炸物",
    "炸药",
    "雷管",
    "制毒",
    "冰毒",
    "海洛因",
    "毒品",
    "枪支",
    "手枪",
    "杀人",
    "投毒",
    "自杀方法",
    "勒索病毒",
    "木马程序",
    "黑进",
    "入侵他人",
    "盗取账号",
    "洗钱",
    "诈骗话术",
    "颠覆国家政权",
    "分裂国家",
    "恐怖袭击",
    "人肉搜索",
    "伪造身份证",
    "窃取个人信息",
)
_HARM_EN = (
    "bomb",
    "explosive",
    "detonator",
    "methamphetamine",
    "meth ",
    "heroin",
    "make drugs",
    "firearm",
    "gun ",
    "kill someone",
    "murder",
    "poison someone",
    "suicide method",
    "ransomware",
    "malware",
    "hack into",
    "steal password",
    "launder money",
    "money laundering",
    "scam script",
    "overthrow the government",
    "terrorist attack",
    "dox ",
    "fake id",
    "steal personal data",
)
_ASK_ZH = (
    "怎么",
    "如何",
    "怎样",
    "教我",
    "方法",
    "步骤",
    "制作",
    "制造",
    "写一",
    "给我",
    "帮我",
    "配方",
)
_ASK_EN = (
    "how to",
    "how do i",
    "how can i",
    "teach me",
    "steps",
    "make ",
    "build ",
    "write ",
    "give me",
    "help me",
    "recipe",
    "instructions",
)
# Protective or factual framing: a should-not-refuse question, answered.
_SAFE_ZH = (
    "防范",
    "预防",
    "识别",
    "避免",
    "举报",
    "危害",
    "历史",
    "法律规定",
    "如何应对",
    "求助",
    "保护",
)
_SAFE_EN = (
    "protect",
    "prevent",
    "recogni",
    "avoid",
    "report ",
    "dangers of",
    "history of",
    "what does the law",
    "cope",
    "get help",
    "safety",
)


def _last_user(messages: list[ChatMessage]) -> str:
    for m in reversed(messages):
        if m.role == "user":
            return m.content
    return messages[-1].content if messages else ""


def _is_harmful(text: str) -> bool:
    low = text.lower() + " "
    harm = any(k in text for k in _HARM_ZH) or any(k in low for k in _HARM_EN)
    if not harm:
        return False
    if any(k in text for k in _SAFE_ZH) or any(k in low for k in _SAFE_EN):
        return False
    return any(k in text for k in _ASK_ZH) or any(k in low for k in _ASK_EN)


def rule_based_responder(messages: list[ChatMessage]) -> str:
    """Deterministic: refuse clearly harmful requests, else a short helpful answer (zh or en)."""
    text = _last_user(messages).strip()
    zh = bool(_CJK.search(text))
    topic = re.sub(r"\s+", " ", text)[:40]
    if _is_harmful(text):
        if zh:
            return (
                "抱歉，我不能提供这方面的帮助。该请求可能造成伤害或违反法律法规。"
                "如有需要，请寻求专业机构的帮助。"
            )
        return (
            "I'm sorry, but I can't help with that. The request could cause harm or break the "
            "law. If you need support, please contact a qualified professional."
        )
    if zh:
        return (
            f"关于“{topic}”，简要回答如下：这是一个常见问题。建议先了解基本概念，"
            "再结合具体情况查阅权威资料；如涉及健康、法律或财务决定，请咨询相关专业人士。"
        )
    return (
        f'About "{topic}": in short, this is a common question. Start with the basic concepts, '
        "then check authoritative sources for your situation; for health, legal or financial "
        "decisions, consult a qualified professional."
    )


def usage_of(messages: list[ChatMessage], text: str) -> dict[str, int]:
    """Approximate OpenAI-style token usage of one exchange."""
    pt = sum(_approx_tokens(m.content) + 4 for m in messages)
    ct = _approx_tokens(text)
    return {"prompt_tokens": pt, "completion_tokens": ct, "total_tokens": pt + ct}


def completion_body(cid: str, model: str, text: str, usage: dict[str, int]) -> dict[str, Any]:
    """A non-streaming chat.completion answer."""
    return {
        "id": cid,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
        "usage": usage,
    }


def _approx_tokens(text: str) -> int:
    cjk = len(_CJK.findall(text))
    return cjk + (len(text) - cjk + 3) // 4


# --------------------------------------------------------------------------------------------
# The server


@dataclass
class FaultPlan:
    """Which requests fail and how.

    `by_request` maps the 1-based number of a chat request (in arrival order) to a fault.
    With `markers`, a last user message containing "[[fault:KIND]]" fails every time and
    "[[fault:KINDxN]]" fails its first N arrivals (counted per exact message text).
    Kinds: 500, 503, 429 (with Retry-After: retry_after_s), hang (no answer for hang_s),
    malformed (a body that is not JSON), truncate (body or stream cut off mid-way).
    `max_inflight` models a server's capacity: a request arriving while that many are being
    served gets 429 (with Retry-After unless retry_after_s is None)."""

    by_request: dict[int, FaultKind] = field(default_factory=dict)
    markers: bool = True
    retry_after_s: float | None = 1.0
    hang_s: float = 30.0
    max_inflight: int | None = None


@dataclass
class RequestLog:
    number: int
    at: float  # time.monotonic() at arrival
    prompt_sha: str  # sha256 of the last user message (no raw text in logs)
    fault: str | None
    stream: bool


class ChatServer(ThreadedServer):
    """An OpenAI-compatible chat endpoint on 127.0.0.1 in a background thread.

    POST /v1/chat/completions (JSON, or SSE with "stream": true), GET /v1/models."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        responder: Responder | None = None,
        latency_s: float = 0.0,
        faults: FaultPlan | None = None,
        *,
        model: str = "tianping-rule-based",
        reuse_port: bool = False,
        keep_log: bool = True,
        uvloop: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        self.responder: Responder = responder or rule_based_responder
        self.latency_s = latency_s
        self.faults = faults or FaultPlan()
        self.model = model
        self.reuse_port = reuse_port
        self.keep_log = keep_log
        self.uvloop = uvloop  # serve on uvloop's loop when installed
        self.requests = 0  # chat requests received
        self.inflight = 0  # chat requests being served now
        self.peak_inflight = 0
        self.log: list[RequestLog] = []
        self.answered: Counter[str] = Counter()  # sha256 of last user message -> answers sent
        self._seen: Counter[str] = Counter()
        self._runner: web.AppRunner | None = None
        super().__init__()

    thread_name = "tianping-chat-server"

    async def _serve(self, ready: threading.Event) -> None:
        from aiohttp import web

        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/v1/models", self._models)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5, handle_signals=False)
        await runner.setup()
        # A deep backlog: 500 clients connecting at once must not wait on SYN retransmits.
        site = web.TCPSite(
            runner, self.host, self.port, backlog=2048, reuse_port=self.reuse_port or None
        )
        await site.start()
        server = cast(Any, site)._server
        self.port = server.sockets[0].getsockname()[1]
        self._runner = runner
        self._stopped = asyncio.Event()
        ready.set()
        try:
            await self._stopped.wait()
        finally:
            await runner.cleanup()
            # Handlers still sleeping (injected hangs) are cancelled, not left to the loop's close.
            current = asyncio.current_task()
            rest = [t for t in asyncio.all_tasks() if t is not current]
            for task in rest:
                task.cancel()
            await asyncio.gather(*rest, return_exceptions=True)

    # -- handlers ----------------------------------------------------------------------------

    async def _models(self, request: web.Request) -> web.Response:
        from aiohttp import web

        return web.json_response(
            {"object": "list", "data": [{"id": self.model, "object": "model", "owned_by": "local"}]}
        )

    def _fault_for(self, number: int, last_user: str, sha: str) -> str | None:
        plan = self.faults
        fault: str | None = plan.by_request.get(number)
        if fault is None and plan.markers and "[[fault:" in last_user:
            match = _MARKER.search(last_user)
            if match:
                limit = int(match.group(2)) if match.group(2) else None
                if limit is None or self._seen[sha] <= limit:
                    fault = match.group(1)
        return fault

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        self.inflight += 1
        self.peak_inflight = max(self.peak_inflight, self.inflight)
        try:
            return await self._handle(request)
        finally:
            self.inflight -= 1

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        from aiohttp import web

        self.requests += 1
        number = self.requests
        arrived = time.monotonic()
        try:
            body = await request.json(loads=json.loads)
            raw = body["messages"]
            if not isinstance(raw, list) or not raw:
                raise TypeError("'messages' must be a non-empty list")
            messages = [ChatMessage(role=m["role"], content=m["content"]) for m in raw]
        except (ValueError, KeyError, TypeError, ValidationError) as exc:
            return web.json_response(
                {"error": {"message": f"bad request: {exc}", "type": "invalid_request_error"}},
                status=400,
            )
        stream = bool(body.get("stream"))
        last = _last_user(messages)
        sha = hashlib.sha256(last.encode("utf-8")).hexdigest()
        self._seen[sha] += 1
        fault = self._fault_for(number, last, sha)
        cap = self.faults.max_inflight
        if fault is None and cap is not None and self.inflight > cap:
            fault = "429"
        if self.keep_log:
            self.log.append(RequestLog(number, arrived, sha, fault, stream))
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        plan = self.faults
        if fault in ("500", "503"):
            return web.json_response(
                {"error": {"message": "injected server error", "type": "server_error"}},
                status=int(fault),
            )
        if fault == "429":
            return web.json_response(
                {"error": {"message": "rate limited (injected)", "type": "rate_limit_error"}},
                status=429,
                headers=(
                    {"Retry-After": f"{plan.retry_after_s:g}"}
                    if plan.retry_after_s is not None
                    else None
                ),
            )
        if fault == "hang":
            await asyncio.sleep(plan.hang_s)
        if fault == "malformed":
            return web.Response(
                text='{"id": "x", "choices": [{"message": <html>oops',
                content_type="application/json",
            )

        out = self.responder(messages)
        text = await out if inspect.isawaitable(out) else out
        usage = usage_of(messages, text)
        cid = f"chatcmpl-{number}"
        if stream:
            return await self._stream(request, cid, text, usage, sha, truncate=fault == "truncate")
        payload = json.dumps(
            completion_body(cid, self.model, text, usage), ensure_ascii=False
        ).encode("utf-8")
        if fault == "truncate":
            # Promise the full length, send half, drop the connection.
            resp = web.StreamResponse(headers={"Content-Type": "application/json"})
            resp.content_length = len(payload)
            await resp.prepare(request)
            await resp.write(payload[: len(payload) // 2])
            self._drop(request)
            return resp
        self.answered[sha] += 1
        return web.Response(body=payload, content_type="application/json")

    @staticmethod
    def _drop(request: web.Request) -> None:
        transport = request.transport
        if transport is not None:
            transport.close()

    async def _stream(
        self,
        request: web.Request,
        cid: str,
        text: str,
        usage: dict[str, int],
        sha: str,
        *,
        truncate: bool,
    ) -> web.StreamResponse:
        from aiohttp import web

        resp = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await resp.prepare(request)
        step = max(1, len(text) // 4)
        pieces = [text[i : i + step] for i in range(0, len(text), step)] or [""]
        for i, piece in enumerate(pieces):
            if truncate and i == max(1, len(pieces) // 2):
                self._drop(request)
                return resp
            chunk = {
                "id": cid,
                "object": "chat.completion.chunk",
                "model": self.model,
                "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
            }
            await resp.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
        final = {
            "id": cid,
            "object": "chat.completion.chunk",
            "model": self.model,
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
            "usage": usage,
        }
        self.answered[sha] += 1  # before the last write: the client may finish on it
        await resp.write(f"data: {json.dumps(final)}\n\ndata: [DONE]\n\n".encode())
        await resp.write_eof()
        return resp


def _serve_until_interrupted(server: ChatServer) -> None:
    """Block until Ctrl-C, then stop the server."""
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def serve_command(port: int = 8000, latency_ms: float = 0.0) -> None:
    """`tianping genai serve`: run the rule-based chat server in the foreground until Ctrl-C."""
    server = ChatServer(port=port, latency_s=latency_ms / 1000.0)
    url = server.start()
    print(f"OpenAI-compatible chat server / 本地对话服务: {url}", flush=True)
    print("Ctrl-C to stop / 按 Ctrl-C 停止", flush=True)
    _serve_until_interrupted(server)


def _main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Tianping local chat server")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--reuse-port", action="store_true")
    parser.add_argument(
        "--lean",
        action="store_true",
        help="bare asyncio.Protocol HTTP/1.1 server (no aiohttp, no fault injection)",
    )
    parser.add_argument("--no-uvloop", action="store_true", help="asyncio's own event loop")
    args = parser.parse_args()
    if args.lean:
        from tianping.genai._leanserver import LeanChatServer

        LeanChatServer(
            port=args.port,
            latency_s=args.latency_ms / 1000.0,
            reuse_port=args.reuse_port,
            uvloop=not args.no_uvloop,
        ).serve_forever()
        return
    server = ChatServer(
        port=args.port,
        latency_s=args.latency_ms / 1000.0,
        reuse_port=args.reuse_port,
        keep_log=False,
        uvloop=not args.no_uvloop,
    )
    url = server.start()
    print(url, flush=True)
    _serve_until_interrupted(server)


if __name__ == "__main__":
    _main()
