"""A lean HTTP/1.1 client for plain http: pooled keep-alive connections on asyncio.Protocol.

The runner's hot path against a local or in-cluster endpoint (vLLM, Ollama ...). aiohttp
spends about 100 µs of CPU per request on machinery this path does not need (tracing,
cookies, redirects, multipart, streaming readers); here a request is one write and one
parse. Supported: Content-Length, chunked and read-until-close bodies; keep-alive reuse
(LIFO); one retry when a reused connection turns out closed before any byte of the answer.
Not supported (the target uses aiohttp for them): TLS, proxies, streaming, redirects.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass

MAX_HEAD = 64 * 1024
# A chat answer is kilobytes; a body past this is a broken or hostile endpoint, not an
# answer, and must not take the process's memory with it.
MAX_BODY = 64 * 1024 * 1024


class HTTPError(Exception):
    """A request that got no complete answer (the connection is not reused)."""


class ConnectError(HTTPError):
    """The connection could not be opened."""


class DisconnectedError(HTTPError):
    """The connection ended before any byte of the answer."""


class TruncatedError(HTTPError):
    """The connection ended in the middle of the answer."""


class ProtocolError(HTTPError):
    """The answer is not valid HTTP/1.x."""


@dataclass(slots=True)
class Response:
    status: int
    reason: str
    headers: dict[str, str]  # lower-case names; a repeated header keeps its last value
    body: bytes


_HEAD, _LENGTH, _CHUNK_SIZE, _CHUNK_DATA, _TRAILER, _UNTIL_CLOSE = range(6)


class _Conn(asyncio.Protocol):
    """One keep-alive connection; parses one answer per request."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[Response] | None = None
        self.closed = False
        self.received = 0  # bytes of the current answer seen so far
        self.reusable = False
        self._buf = bytearray()
        self._state = _HEAD
        self._need = 0
        self._status = 0
        self._reason = ""
        self._headers: dict[str, str] = {}
        self._body = bytearray()

    # -- asyncio.Protocol ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.pool._forget(self)
        waiter = self.waiter
        if waiter is None or waiter.done():
            return
        if self._state == _UNTIL_CLOSE:
            self._finish(reusable=False)
        elif self.received == 0:
            reason = f" ({exc.__class__.__name__})" if exc is not None else ""
            waiter.set_exception(DisconnectedError(f"server closed the connection{reason}"))
        else:
            what = "body" if self._state != _HEAD else "head"
            waiter.set_exception(TruncatedError(f"connection closed mid-{what}"))

    def data_received(self, data: bytes) -> None:
        if self.waiter is None or self.waiter.done():
            # Bytes nobody asked for (or after a timeout): the connection cannot be trusted.
            self.abort()
            return
        self.received += len(data)
        self._buf += data
        try:
            self._parse()
        except ProtocolError as exc:
            if not self.waiter.done():
                self.waiter.set_exception(exc)
            self.abort()

    # -- requests -----------------------------------------------------------------------------

    def send(self, data: bytes, waiter: asyncio.Future[Response]) -> None:
        self.waiter = waiter
        self.received = 0
        self.reusable = False
        self._state = _HEAD
        self._buf.clear()
        assert self.transport is not None
        self.transport.write(data)

    def abort(self) -> None:
        self.closed = True
        self.pool._forget(self)
        if self.transport is not None:
            self.transport.abort()

    def close(self) -> None:
        """Close gracefully (FIN, not RST): the answer was complete."""
        self.closed = True
        self.pool._forget(self)
        if self.transport is not None:
            self.transport.close()

    # -- parsing ------------------------------------------------------------------------------

    def _parse(self) -> None:
        buf = self._buf
        while True:
            state = self._state
            if state == _HEAD:
                end = buf.find(b"\r\n\r\n")
                if end < 0:
                    if len(buf) > MAX_HEAD:
                        raise ProtocolError("response head too large")
                    return
                head = bytes(buf[:end])
                del buf[: end + 4]
                if self._head(head):
                    return
            elif state == _LENGTH:
                if len(buf) < self._need:
                    return
                self._body += buf[: self._need]
                del buf[: self._need]
                self._finish(reusable=self.reusable)
                return
            elif state == _CHUNK_SIZE:
                end = buf.find(b"\r\n")
                if end < 0:
                    if len(buf) > 1024:
                        raise ProtocolError("chunk size line too long")
                    return
                line = bytes(buf[:end]).split(b";", 1)[0].strip()
                del buf[: end + 2]
                try:
                    size = int(line, 16)
                except ValueError:
                    raise ProtocolError(f"bad chunk size {line[:20]!r}") from None
                if size < 0:
                    raise ProtocolError("negative chunk size")
                if size == 0:
                    self._state = _TRAILER
                elif len(self._body) + size > MAX_BODY:
                    raise ProtocolError(f"response body over {MAX_BODY >> 20} MiB")
                else:
                    self._need = size
                    self._state = _CHUNK_DATA
            elif state == _CHUNK_DATA:
                if len(buf) < self._need + 2:
                    return
                if buf[self._need : self._need + 2] != b"\r\n":
                    raise ProtocolError("chunk not followed by CRLF")
                self._body += buf[: self._need]
                del buf[: self._need + 2]
                self._state = _CHUNK_SIZE
            elif state == _TRAILER:
                end = buf.find(b"\r\n")
                if end < 0:
                    if len(buf) > MAX_HEAD:
                        raise ProtocolError("trailer too large")
                    return
                del buf[: end + 2]
                if end == 0:  # the empty line ends the trailer
                    self._finish(reusable=self.reusable)
                    return
            else:  # _UNTIL_CLOSE
                if len(self._body) + len(buf) > MAX_BODY:
                    raise ProtocolError(f"response body over {MAX_BODY >> 20} MiB")
                self._body += buf
                buf.clear()
                return

    def _head(self, head: bytes) -> bool:
        """Parse a status line and headers; True when the answer is complete (no body)."""
        lines = head.split(b"\r\n")
        parts = lines[0].split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
            raise ProtocolError(f"not an HTTP/1.x status line: {lines[0][:40]!r}")
        try:
            status = int(parts[1])
        except ValueError:
            raise ProtocolError(f"bad status code {parts[1][:10]!r}") from None
        if not 100 <= status <= 999:
            raise ProtocolError(f"bad status code {status}")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(b":")
            if not sep or not name or name != name.strip():
                raise ProtocolError(f"malformed header line {line[:40]!r}")
            headers[name.decode("latin-1").lower()] = value.strip().decode("latin-1")
        if 100 <= status < 200:
            return False  # an interim answer (100 Continue): the real one follows
        self._status = status
        self._reason = parts[2].decode("latin-1") if len(parts) > 2 else ""
        self._headers = headers
        self._body = bytearray()
        connection = headers.get("connection", "").lower()
        if parts[0] == b"HTTP/1.0":
            self.reusable = connection == "keep-alive"
        else:
            self.reusable = connection != "close"
        if status in (204, 304):
            self._finish(reusable=self.reusable)
            return True
        if "chunked" in headers.get("transfer-encoding", "").lower():
            self._state = _CHUNK_SIZE
        elif "content-length" in headers:
            try:
                self._need = int(headers["content-length"])
            except ValueError:
                raise ProtocolError("bad Content-Length") from None
            if self._need < 0:
                raise ProtocolError("negative Content-Length")
            if self._need > MAX_BODY:
                raise ProtocolError(f"response body over {MAX_BODY >> 20} MiB")
            self._state = _LENGTH
        else:
            self.reusable = False
            self._state = _UNTIL_CLOSE
        return False

    def _finish(self, *, reusable: bool) -> None:
        waiter = self.waiter
        self.reusable = reusable and not self._buf  # extra bytes: out of step, do not reuse
        self._state = _HEAD
        if waiter is not None and not waiter.done():
            waiter.set_result(
                Response(self._status, self._reason, self._headers, bytes(self._body))
            )


class Pool:
    """Keep-alive connections to one host:port, at most `limit` open at a time."""

    def __init__(self, host: str, port: int, *, limit: int = 100) -> None:
        self.host = host
        self.port = port
        self.limit = max(1, limit)
        self._idle: list[_Conn] = []
        self._all: set[_Conn] = set()
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._loop = asyncio.get_running_loop()
        self._closed = False

    @property
    def open_connections(self) -> int:
        return len(self._all)

    def _forget(self, conn: _Conn) -> None:
        if conn in self._all:
            self._all.discard(conn)
            if conn in self._idle:
                self._idle.remove(conn)
            self._wake()

    def _wake(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    async def _acquire(self, deadline: float) -> tuple[_Conn, bool]:
        """An idle connection (reused: True) or a new one, waiting while `limit` are busy."""
        while True:
            if self._closed:
                raise ConnectError("the connection pool is closed")
            idle = self._idle
            while idle:
                conn = idle.pop()
                if not conn.closed:
                    return conn, True
            if len(self._all) < self.limit:
                break
            waiter = self._loop.create_future()
            self._waiters.append(waiter)
            try:
                async with asyncio.timeout_at(deadline):
                    await waiter
            except BaseException:
                if waiter.done() and not waiter.cancelled():
                    self._wake()  # woken, then cancelled: pass the free slot on
                raise
        conn = _Conn(self)
        self._all.add(conn)
        try:
            async with asyncio.timeout_at(deadline):
                await self._loop.create_connection(lambda: conn, self.host, self.port)
        except TimeoutError:
            self._forget(conn)
            raise
        except OSError as exc:
            self._forget(conn)
            raise ConnectError(
                f"cannot connect to {self.host}:{self.port}: {exc.strerror or exc}"
            ) from None
        except BaseException:
            self._forget(conn)
            conn.abort()
            raise
        return conn, False

    def _release(self, conn: _Conn) -> None:
        if conn.reusable and not conn.closed and not self._closed:
            conn.waiter = None
            self._idle.append(conn)
            self._wake()
        else:
            conn.close()

    async def request(self, data: bytes, timeout_s: float) -> Response:
        """Send `data` (a whole request: head and body) and read one answer.

        TimeoutError past `timeout_s`; HTTPError subclasses when no complete answer came."""
        loop = self._loop
        deadline = loop.time() + timeout_s
        for attempt in (0, 1):
            conn, reused = await self._acquire(deadline)
            waiter: asyncio.Future[Response] = loop.create_future()
            timer = loop.call_at(deadline, _expire, waiter)
            done = False
            try:
                try:
                    conn.send(data, waiter)
                except (RuntimeError, OSError) as exc:  # the transport closed under us
                    raise DisconnectedError(f"cannot send: {exc}") from None
                response = await waiter
                done = True
                return response
            except DisconnectedError:
                # A kept-alive connection the server had closed: try once on a new one.
                if attempt == 0 and reused:
                    continue
                raise
            finally:
                timer.cancel()
                if done:
                    self._release(conn)
                else:
                    conn.abort()
        raise AssertionError("unreachable")

    def close(self) -> None:
        self._closed = True
        for conn in list(self._all):
            conn.abort()
        self._all.clear()
        self._idle.clear()
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)


def _expire(waiter: asyncio.Future[Response]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())
