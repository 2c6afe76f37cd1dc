"""A lean OpenAI-compatible chat server: HTTP/1.1 keep-alive on a bare asyncio.Protocol.

For benchmarks, where aiohttp.web's per-request cost (~80 µs of CPU against ~33 µs here,
on cores the client shares) would measure the server instead of the client. It answers the
same API as `ChatServer` (POST /v1/chat/completions, JSON or SSE; GET /v1/models) with the
same responder after a fixed latency (`loop.call_later`, no task per request), but injects
no faults: tests of retries and error handling use `ChatServer`.

Requests on one connection are answered in order: the next request is parsed only once the
previous answer is written (pipelined bytes wait in the buffer).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import threading
from typing import Any

from tianping.genai import _loop
from tianping.genai._server import (
    Responder,
    completion_body,
    rule_based_responder,
    usage_of,
)
from tianping.genai._serving import ThreadedServer
from tianping.genai._types import ChatMessage

try:  # optional: a faster JSON codec when installed
    import orjson

    def _dumps(obj: Any) -> bytes:
        return orjson.dumps(obj)

    _loads: Any = orjson.loads
except ImportError:  # pragma: no cover - depends on the environment

    def _dumps(obj: Any) -> bytes:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    _loads = json.loads

MAX_HEAD = 64 * 1024
MAX_BODY = 8 * 1024 * 1024
_ROLES = frozenset(("system", "user", "assistant"))
_REASONS = {
    200: b"OK",
    400: b"Bad Request",
    404: b"Not Found",
    405: b"Method Not Allowed",
    411: b"Length Required",
    413: b"Payload Too Large",
    431: b"Request Header Fields Too Large",
    500: b"Internal Server Error",
}


class _BadRequest(Exception):
    pass


def _messages(body: bytes) -> tuple[list[ChatMessage], bool]:
    """The chat messages and the stream flag of a request body; _BadRequest if invalid."""
    try:
        data = _loads(body)
    except ValueError as exc:
        raise _BadRequest(f"body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise _BadRequest("body must be a JSON object")
    raw = data.get("messages")
    if not isinstance(raw, list) or not raw:
        raise _BadRequest("'messages' must be a non-empty list")
    out: list[ChatMessage] = []
    for m in raw:
        if not isinstance(m, dict):
            raise _BadRequest("each message must be an object")
        role, content = m.get("role"), m.get("content")
        if role not in _ROLES or not isinstance(content, str):
            raise _BadRequest("each message needs a role (system/user/assistant) and a content")
        # model_construct: already validated above, pydantic's validation would double the cost
        out.append(ChatMessage.model_construct(role=role, content=content))
    return out, bool(data.get("stream"))


class _Protocol(asyncio.Protocol):
    """One client connection."""

    __slots__ = ("_buf", "_busy", "_close_after", "_closed", "_server", "_timer", "_transport")

    def __init__(self, server: LeanChatServer) -> None:
        self._server = server
        self._transport: asyncio.Transport | None = None
        self._buf = bytearray()
        self._busy = False  # an answer is pending: later requests wait in the buffer
        self._close_after = False
        self._closed = False
        self._timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]
        self._server._conns.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self._server._conns.discard(self)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def data_received(self, data: bytes) -> None:
        self._buf += data
        if not self._busy:
            self._next()

    def _next(self) -> None:
        buf = self._buf
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            if len(buf) > MAX_HEAD:
                self._error(431, "request head too large", close=True)
            return
        lines = bytes(buf[:end]).split(b"\r\n")
        try:
            method, target, version = lines[0].split(b" ", 2)
        except ValueError:
            self._error(400, "malformed request line", close=True)
            return
        length = 0
        keep_alive = version == b"HTTP/1.1"
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            key = name.strip().lower()
            if key == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    length = -1
                if length < 0:
                    self._error(400, "bad Content-Length", close=True)
                    return
            elif key == b"transfer-encoding":
                self._error(411, "chunked request bodies are not supported", close=True)
                return
            elif key == b"connection":
                token = value.strip().lower()
                if token == b"close":
                    keep_alive = False
                elif token == b"keep-alive":
                    keep_alive = True
        if length > MAX_BODY:
            self._error(413, "request body too large", close=True)
            return
        start = end + 4
        if len(buf) < start + length:
            return  # the body is still coming
        body = bytes(buf[start : start + length])
        del buf[: start + length]
        self._close_after = not keep_alive
        self._busy = True
        self._server._dispatch(self, method, target.split(b"?", 1)[0], body)

    # -- answers ------------------------------------------------------------------------------

    def send(self, status: int, payload: bytes, content_type: bytes = b"application/json") -> None:
        self._timer = None
        if self._closed or self._transport is None:
            return
        head = b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n" % (
            status,
            _REASONS.get(status, b"Unknown"),
            content_type,
            len(payload),
        )
        if self._close_after:
            self._transport.write(head + b"Connection: close\r\n\r\n" + payload)
            self._transport.close()
            self._closed = True
            return
        self._transport.write(head + b"\r\n" + payload)
        self._busy = False
        if self._buf:
            self._next()

    def send_later(self, delay: float, status: int, payload: bytes, content_type: bytes) -> None:
        if delay > 0:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(delay, self.send, status, payload, content_type)
        else:
            self.send(status, payload, content_type)

    def _error(self, status: int, message: str, *, close: bool = False) -> None:
        if close:
            self._close_after = True
            self._buf.clear()
        self._busy = True
        body = {"error": {"message": f"bad request: {message}", "type": "invalid_request_error"}}
        self.send(status, _dumps(body))


class LeanChatServer(ThreadedServer):
    """The rule-based chat endpoint on a bare asyncio.Protocol, in a background thread or
    (`serve_forever`) in the calling one. `requests` counts chat requests received."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        responder: Responder | None = None,
        latency_s: float = 0.0,
        *,
        model: str = "tianping-rule-based",
        reuse_port: bool = False,
        uvloop: bool = True,
    ) -> None:
        self.host = host
        self.port = port
        self.responder: Responder = responder or rule_based_responder
        self.latency_s = latency_s
        self.model = model
        self.reuse_port = reuse_port
        self.uvloop = uvloop
        self.requests = 0
        self._server: asyncio.Server | None = None
        self._conns: set[_Protocol] = set()
        self._models = _dumps(
            {"object": "list", "data": [{"id": model, "object": "model", "owned_by": "local"}]}
        )
        super().__init__()

    thread_name = "tianping-lean-server"

    # -- lifecycle ---------------------------------------------------------------------------

    async def _listen(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _Protocol(self),
            self.host,
            self.port,
            backlog=2048,  # 500 clients connecting at once must not wait on SYN retransmits
            reuse_port=self.reuse_port or None,
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._stopped = asyncio.Event()

    async def _serve(self, ready: threading.Event | None) -> None:
        await self._listen()
        assert self._server is not None and self._stopped is not None
        if ready is not None:
            ready.set()
        try:
            await self._stopped.wait()
        finally:
            self._server.close()
            for conn in list(self._conns):  # keep-alive connections too, not only the socket
                if conn._transport is not None:
                    conn._transport.close()

    # -- requests ----------------------------------------------------------------------------

    def _dispatch(self, conn: _Protocol, method: bytes, path: bytes, body: bytes) -> None:
        path = path.rstrip(b"/")
        if path == b"/v1/chat/completions":
            if method != b"POST":
                conn._error(405, "use POST")
                return
            self.requests += 1
            self._chat(conn, body, self.requests)
        elif path == b"/v1/models":
            if method != b"GET":
                conn._error(405, "use GET")
                return
            conn.send(200, self._models)
        else:
            conn._error(404, f"no such path: {path.decode('latin-1')}")

    def _chat(self, conn: _Protocol, body: bytes, number: int) -> None:
        try:
            messages, stream = _messages(body)
        except _BadRequest as exc:
            conn._error(400, str(exc))
            return
        try:
            out = self.responder(messages)
        except Exception as exc:
            self._failed(conn, exc)
            return
        if inspect.isawaitable(out):
            task = asyncio.ensure_future(out)
            task.add_done_callback(lambda t: self._answered(conn, messages, stream, number, t))
            return
        self._answer(conn, messages, stream, number, out)

    def _answered(
        self,
        conn: _Protocol,
        messages: list[ChatMessage],
        stream: bool,
        number: int,
        task: asyncio.Future[str],
    ) -> None:
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            self._failed(conn, exc)
            return
        self._answer(conn, messages, stream, number, task.result())

    @staticmethod
    def _failed(conn: _Protocol, exc: BaseException) -> None:
        detail = f"responder failed: {exc.__class__.__name__}: {exc}"
        conn.send(500, _dumps({"error": {"message": detail, "type": "server_error"}}))

    def _answer(
        self, conn: _Protocol, messages: list[ChatMessage], stream: bool, number: int, text: str
    ) -> None:
        usage = usage_of(messages, text)
        cid = f"chatcmpl-{number}"
        if stream:
            payload = self._sse(cid, text, usage)
            conn.send_later(self.latency_s, 200, payload, b"text/event-stream")
            return
        payload = _dumps(completion_body(cid, self.model, text, usage))
        conn.send_later(self.latency_s, 200, payload, b"application/json")

    def _sse(self, cid: str, text: str, usage: dict[str, int]) -> bytes:
        """The whole event stream at once (with Content-Length): same events as ChatServer."""
        step = max(1, len(text) // 4)
        pieces = [text[i : i + step] for i in range(0, len(text), step)] or [""]
        out = bytearray()
        for piece in pieces:
            chunk = {
                "id": cid,
                "object": "chat.completion.chunk",
                "model": self.model,
                "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
            }
            out += b"data: " + _dumps(chunk) + b"\n\n"
        final = {
            "id": cid,
            "object": "chat.completion.chunk",
            "model": self.model,
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
            "usage": usage,
        }
        out += b"data: " + _dumps(final) + b"\n\ndata: [DONE]\n\n"
        return bytes(out)

    # -- foreground ---------------------------------------------------------------------------

    def serve_forever(self, announce: bool = True) -> None:
        """Serve in this thread until interrupted (the benchmark's server processes)."""

        async def main() -> None:
            await self._listen()
            if announce:
                print(self.base_url, flush=True)
            assert self._stopped is not None
            await self._stopped.wait()

        with contextlib.suppress(KeyboardInterrupt):
            _loop.run(main(), uvloop=self.uvloop)
