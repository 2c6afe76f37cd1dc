"""The lean HTTP/1.1 client (`_http`, used by OpenAIChatTarget for plain http) against real
scripted servers on 127.0.0.1: body framings, keep-alive reuse, resets, garbage, timeouts."""

from __future__ import annotations

import asyncio
import json
import socket
import struct
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.genai.conftest import prompt
from tianping.errors import InputError
from tianping.genai import _http
from tianping.genai._runner import RunOptions, run_prompts
from tianping.genai._server import ChatServer
from tianping.genai._targets import Completion, OpenAIChatTarget, TargetError
from tianping.genai._types import ChatMessage

OK = json.dumps(
    {
        "choices": [{"message": {"role": "assistant", "content": "hello"}}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1},
    }
).encode()

# (writer, number of the request on its connection, the raw request) -> keep the connection?
Handler = Callable[[asyncio.StreamWriter, int, bytes], Awaitable[bool]]


@dataclass
class Scripted:
    """A real TCP server that answers each request with whatever the test's handler writes."""

    handler: Handler
    connections: int = 0
    requests: list[bytes] = field(default_factory=list)
    open_now: int = 0
    peak_open: int = 0
    server: asyncio.Server | None = None
    port: int = 0

    async def _conn(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.open_now += 1
        self.peak_open = max(self.peak_open, self.open_now)
        n = 0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                request = head + await reader.readexactly(length)
                self.requests.append(request)
                n += 1
                if not await self.handler(writer, n, request):
                    break
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass  # the client went away, or the test's loop is closing
        finally:
            self.open_now -= 1
            writer.close()

    async def __aenter__(self) -> Scripted:
        self.server = await asyncio.start_server(self._conn, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"


def _ok(extra: bytes = b"", body: bytes = OK) -> bytes:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n%sContent-Length: %d\r\n\r\n"
    return head % (extra, len(body)) + body


def _user(text: str = "hi") -> list[ChatMessage]:
    return [ChatMessage(role="user", content=text)]


def _run(handler: Handler, calls: int = 1, **target_kwargs: Any) -> tuple[list[Any], Scripted]:
    """`calls` requests one after another on one target; each outcome: Completion or error."""

    async def go() -> tuple[list[Any], Scripted]:
        async with Scripted(handler) as server:
            target = OpenAIChatTarget(server.url, "m", **target_kwargs)
            out: list[Any] = []
            try:
                for _ in range(calls):
                    try:
                        out.append(await target.complete(_user(), {}))
                    except TargetError as exc:
                        out.append(exc)
            finally:
                await target.aclose()
            return out, server

    return asyncio.run(go())


def _answer(data: bytes, keep: bool = True) -> Handler:
    async def handler(writer: asyncio.StreamWriter, n: int, request: bytes) -> bool:
        writer.write(data)
        return keep

    return handler


def test_plain_http_uses_the_lean_client_and_https_or_streams_use_aiohttp() -> None:
    assert OpenAIChatTarget("http://127.0.0.1:1/v1", "m")._lean is not None
    assert OpenAIChatTarget("https://api.example.com/v1", "m")._lean is None
    assert OpenAIChatTarget("http://u:p@127.0.0.1:1/v1", "m")._lean is None
    assert OpenAIChatTarget("http://127.0.0.1:1/v1", "m", client="aiohttp")._lean is None
    assert OpenAIChatTarget("http://127.0.0.1:1/v1", "m", headers={"Host": "x"})._lean is None
    with pytest.raises(InputError, match="plain http"):
        OpenAIChatTarget("https://api.example.com/v1", "m", client="lean")
    with pytest.raises(InputError, match="client must be"):
        OpenAIChatTarget("http://127.0.0.1:1/v1", "m", client="curl")  # type: ignore[arg-type]


def test_request_bytes_and_keep_alive_reuse() -> None:
    out, server = _run(_answer(_ok()), calls=3, api_key="sk-1")
    assert all(isinstance(o, Completion) and o.text == "hello" for o in out)
    assert out[0].prompt_tokens == 3 and out[0].completion_tokens == 1
    assert server.connections == 1 and len(server.requests) == 3
    head, _, body = server.requests[0].partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /v1/chat/completions HTTP/1.1"
    assert f"Host: 127.0.0.1:{server.port}".encode() in lines
    assert b"Authorization: Bearer sk-1" in lines
    assert f"Content-Length: {len(body)}".encode() in lines
    sent = json.loads(body)
    assert sent == {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": False}


def test_chunked_body_in_small_pieces_with_extensions_and_trailer() -> None:
    async def handler(writer: asyncio.StreamWriter, n: int, request: bytes) -> bool:
        pieces = [OK[:10], OK[10:11], OK[11:]]
        data = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        for piece in pieces:
            data += b"%x;ext=1\r\n%s\r\n" % (len(piece), piece)
        data += b"0\r\nX-Trailer: yes\r\n\r\n"
        for i in range(0, len(data), 7):  # the parser must cope with any split
            writer.write(data[i : i + 7])
            await writer.drain()
            await asyncio.sleep(0)
        return True

    out, server = _run(handler, calls=2)
    assert [o.text for o in out] == ["hello", "hello"]
    assert server.connections == 1


def test_body_until_close_and_http10_answers_are_not_reused() -> None:
    until_close = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + OK
    out, server = _run(_answer(until_close, keep=False), calls=2)
    assert [o.text for o in out] == ["hello", "hello"]
    assert server.connections == 2
    http10 = b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(OK), OK)
    out, server = _run(_answer(http10, keep=False), calls=2)
    assert [o.text for o in out] == ["hello", "hello"]
    assert server.connections == 2


def test_an_interim_100_continue_is_skipped() -> None:
    out, _ = _run(_answer(b"HTTP/1.1 100 Continue\r\n\r\n" + _ok()))
    assert out[0].text == "hello"


def test_error_status_carries_detail_and_retry_after() -> None:
    body = b'{"error": {"message": "slow down"}}'
    data = b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 2\r\nContent-Length: %d\r\n\r\n%s" % (
        len(body),
        body,
    )
    out, server = _run(_answer(data), calls=2)
    err = out[0]
    assert isinstance(err, TargetError)
    assert err.status == 429 and err.retry_after == 2.0 and err.retryable
    assert "slow down" in err.message
    assert server.connections == 1  # an error answer with a length keeps the connection


def test_truncated_body_is_a_retryable_error_and_the_connection_is_dropped() -> None:
    async def handler(writer: asyncio.StreamWriter, n: int, request: bytes) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(OK), OK[:20]))
        return False  # close mid-body

    out, server = _run(handler, calls=2)
    for err in out:
        assert isinstance(err, TargetError) and "truncated" in err.message and err.retryable
    assert server.connections == 2


def test_truncated_chunked_body_is_an_error() -> None:
    data = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n" + OK[:8]
    out, _ = _run(_answer(data, keep=False))
    assert isinstance(out[0], TargetError) and "truncated" in out[0].message


@pytest.mark.parametrize(
    "garbage",
    [
        b"SSH-2.0-OpenSSH_9.6\r\n\r\n",
        b"HTTP/1.1 abc OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: many\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n{" % (_http.MAX_BODY + 1),
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n" % (_http.MAX_BODY + 1),
    ],
)
def test_malformed_http_is_a_retryable_connection_error(garbage: bytes) -> None:
    out, _ = _run(_answer(garbage))
    err = out[0]
    assert isinstance(err, TargetError) and err.retryable and err.status is None
    assert "connection failed" in err.message and "ProtocolError" in err.message


def test_malformed_json_in_a_valid_answer() -> None:
    out, server = _run(_answer(_ok(body=b'{"choices": [oops')), calls=2)
    assert all(isinstance(e, TargetError) and "malformed JSON" in e.message for e in out)
    assert server.connections == 1  # the HTTP framing was fine: the connection is kept


def test_connection_reset_before_any_answer() -> None:
    async def handler(writer: asyncio.StreamWriter, n: int, request: bytes) -> bool:
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST
        writer.transport.abort()
        return False

    out, _ = _run(handler)
    err = out[0]
    assert isinstance(err, TargetError) and err.retryable
    assert "connection failed" in err.message


def test_a_kept_alive_connection_closed_by_the_server_is_retried_once() -> None:
    async def handler(writer: asyncio.StreamWriter, n: int, request: bytes) -> bool:
        if n == 2:  # the second request on a connection: close without answering
            return False
        writer.write(_ok())
        return True

    out, server = _run(handler, calls=2)
    assert [o.text for o in out] == ["hello", "hello"]
    # request 2 went out on the kept-alive connection, found it closed, and went again
    assert server.connections == 2 and len(server.requests) == 3


def test_extra_bytes_after_an_answer_drop_the_connection() -> None:
    out, server = _run(_answer(_ok() + b"HTTP/1.1 200 OK\r\n"), calls=2)
    assert [o.text for o in out] == ["hello", "hello"]
    assert server.connections == 2


def test_timeout_drops_the_connection() -> None:
    async def handler(writer: asyncio.StreamWriter, n: int, request: bytes) -> bool:
        if b'"hang"' in request:
            await asyncio.sleep(5)
        writer.write(_ok())
        return True

    async def go() -> tuple[Any, Any, int]:
        async with Scripted(handler) as server:
            target = OpenAIChatTarget(server.url, "m", timeout_s=0.2)
            try:
                with pytest.raises(TargetError) as info:
                    await target.complete(_user("hang"), {})
                ok = await target.complete(_user("fine"), {})
            finally:
                await target.aclose()
            return info.value, ok, server.connections

    err, ok, connections = asyncio.run(go())
    assert err.message == "timed out after 0.2 s" and err.retryable
    assert ok.text == "hello"
    assert connections == 2  # the timed-out connection was not reused


def test_connection_refused() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: connections are refused

        async def go() -> TargetError:
            target = OpenAIChatTarget(f"http://127.0.0.1:{port}/v1", "m", timeout_s=2)
            try:
                with pytest.raises(TargetError) as info:
                    await target.complete(_user(), {})
            finally:
                await target.aclose()
            return info.value

        err = asyncio.run(go())
    assert "connection failed" in err.message and err.retryable and err.status is None


def test_pool_limit_caps_open_connections() -> None:
    async def handler(writer: asyncio.StreamWriter, n: int, request: bytes) -> bool:
        await asyncio.sleep(0.02)
        writer.write(_ok())
        return True

    async def go() -> tuple[list[Completion], Scripted]:
        async with Scripted(handler) as server:
            target = OpenAIChatTarget(server.url, "m", max_connections=2)
            try:
                out = await asyncio.gather(*(target.complete(_user(), {}) for _ in range(8)))
            finally:
                await target.aclose()
            return out, server

    out, server = asyncio.run(go())
    assert [o.text for o in out] == ["hello"] * 8
    assert server.peak_open <= 2 and len(server.requests) == 8


def test_unrequested_bytes_on_an_idle_connection_retire_it() -> None:
    async def handler(writer: asyncio.StreamWriter, n: int, request: bytes) -> bool:
        writer.write(_ok())
        if n == 1:
            await writer.drain()
            await asyncio.sleep(0.05)
            writer.write(b"surprise")  # while the connection sits idle in the pool
        return True

    async def go() -> tuple[list[str], Scripted]:
        async with Scripted(handler) as server:
            target = OpenAIChatTarget(server.url, "m")
            try:
                first = await target.complete(_user(), {})
                await asyncio.sleep(0.15)
                second = await target.complete(_user(), {})
            finally:
                await target.aclose()
            return [first.text, second.text], server

    texts, server = asyncio.run(go())
    assert texts == ["hello", "hello"]
    assert server.connections == 2


def test_pool_directly_reports_disconnect_on_a_fresh_connection() -> None:
    async def go() -> None:
        async with Scripted(_answer(b"", keep=False)) as server:
            pool = _http.Pool("127.0.0.1", server.port, limit=1)
            try:
                with pytest.raises(_http.DisconnectedError):
                    await pool.request(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 2.0)
                assert pool.open_connections == 0
            finally:
                pool.close()

    asyncio.run(go())


@pytest.mark.parametrize("client", ["lean", "aiohttp"])
def test_both_clients_give_the_same_records_through_the_runner(client: str) -> None:
    with ChatServer() as server:
        prompts = [prompt(f"c-{i}", f"client parity {i}") for i in range(40)]
        target = OpenAIChatTarget(server.base_url, "m", client=client)  # type: ignore[arg-type]
        result = run_prompts(target, prompts, RunOptions(concurrency=8))
    assert result.stats.failed == 0 and result.stats.sent == 40
    assert all(r.text and r.text.startswith("About") for r in result.responses)
    assert all(r.prompt_tokens and r.completion_tokens for r in result.responses)


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_compressed_answers_are_decoded(encoding: str) -> None:
    import gzip
    import zlib

    packed = gzip.compress(OK) if encoding == "gzip" else zlib.compress(OK)
    out, _ = _run(_answer(_ok(b"Content-Encoding: %s\r\n" % encoding.encode(), packed)))
    assert isinstance(out[0], Completion) and out[0].text == "hello"
    out, _ = _run(_answer(_ok(b"Content-Encoding: br\r\n")))
    assert isinstance(out[0], TargetError) and "Content-Encoding" in out[0].message


def test_accept_encoding_from_the_caller_goes_through_aiohttp() -> None:
    target = OpenAIChatTarget("http://127.0.0.1:1/v1", "m", headers={"Accept-Encoding": "br"})
    assert target._lean is None


def test_an_endless_body_until_close_is_cut_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """A server streaming without a length past MAX_BODY gets an error, not all our memory."""
    monkeypatch.setattr(_http, "MAX_BODY", 256 * 1024)

    async def handler(writer: asyncio.StreamWriter, n: int, request: bytes) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n")
        for _ in range(64):  # 64 x 16 KiB = 1 MiB, four times the cap
            writer.write(b"x" * 16384)
            await writer.drain()
        return False

    out, _ = _run(handler)
    err = out[0]
    assert isinstance(err, TargetError) and "ProtocolError" in err.message
    assert "MiB" in err.message


@pytest.mark.parametrize("stream", [False, True])
def test_aiohttp_path_refuses_oversized_answers_too(
    monkeypatch: pytest.MonkeyPatch, stream: bool
) -> None:
    monkeypatch.setattr(_http, "MAX_BODY", 256 * 1024)

    async def handler(writer: asyncio.StreamWriter, n: int, request: bytes) -> bool:
        kind = b"text/event-stream" if stream else b"application/json"
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: " + kind + b"\r\n\r\n")
        for _ in range(64):  # 1 MiB without a length
            piece = json.dumps({"choices": [{"delta": {"content": "x" * 16000}}]}).encode()
            writer.write(b"data: " + piece + b"\n" if stream else b"x" * 16384)
            await writer.drain()
        return False

    out, _ = _run(handler, client="aiohttp", stream=stream)
    err = out[0]
    assert isinstance(err, TargetError) and "MiB" in err.message
