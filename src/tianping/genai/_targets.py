"""Targets: what the runner sends prompts to (OpenAI-compatible endpoint, GGUF file, callable)."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import inspect
import json
import os
import re
import sys
import threading
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from tianping.errors import InputError
from tianping.genai import _http
from tianping.genai._types import ChatMessage

try:  # optional: orjson (when installed) encodes and decodes the bodies several times faster
    import orjson as _orjson
except ImportError:  # pragma: no cover - depends on the environment
    _orjson = None  # type: ignore[assignment]

if TYPE_CHECKING:
    import aiohttp

    from tianping.systems._profile import ModelArtefact


@dataclass
class Completion:
    """One answer of a target."""

    text: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


class TargetError(Exception):
    """A failed call. `status` is the HTTP status (None: no HTTP answer, e.g. a timeout);
    `retry_after` the server's Retry-After in seconds; `retryable` whether trying again can help."""

    def __init__(
        self,
        message: str,
        status: int | None = None,
        retry_after: float | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after
        if retryable is None:
            retryable = status is None or status == 429 or status == 408 or status >= 500
        self.retryable = retryable

    @property
    def throttled(self) -> bool:
        """The endpoint signalled overload (429 or 5xx): adaptive concurrency backs off."""
        return self.status is not None and (self.status == 429 or self.status >= 500)

    def __str__(self) -> str:
        return f"HTTP {self.status}: {self.message}" if self.status else self.message


@dataclass(frozen=True)
class TargetSpec:
    """A picklable recipe that rebuilds a target in another process (`RunOptions.processes`)."""

    factory: Callable[..., Target]
    kwargs: dict[str, Any]

    def build(self) -> Target:
        return self.factory(**self.kwargs)


class Target(ABC):
    """Something that answers chat messages. `id` is stable and goes into cache keys."""

    id: str
    # Why `spec()` is None: shown when a run asks for several processes.
    single_process_reason: str = "a custom target cannot be rebuilt in another process"

    @abstractmethod
    async def complete(self, messages: list[ChatMessage], params: dict[str, Any]) -> Completion:
        """Answer once; raise TargetError on failure."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release connections and other resources."""

    def prepare(self, concurrency: int) -> None:  # noqa: B027 - optional hook
        """Told the runner's concurrency before the first call (sizes connection pools)."""

    def spec(self) -> TargetSpec | None:
        """How to rebuild this target in a child process; None: it runs in one process."""
        return None


def _parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    # HTTP-date form
    import email.utils
    import time

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _without_userinfo(url: str) -> str:
    """The URL without "user:password@" (ids end up in caches and reports)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def _dumps(obj: Any) -> bytes:
    """JSON bytes of a request body (orjson when installed; json for what orjson refuses)."""
    if _orjson is not None:
        try:
            return _orjson.dumps(obj)
        except TypeError:  # e.g. non-string keys or integers past 64 bits: json copes
            pass
    return json.dumps(obj).encode("utf-8")


def _loads(raw: bytes) -> Any:
    """Parse a response body; ValueError if it is not JSON."""
    if _orjson is not None:
        try:
            return _orjson.loads(raw)
        except ValueError:  # e.g. NaN or integers past 64 bits, which json accepts
            pass
    return json.loads(raw)


HTTPClient = Literal["auto", "aiohttp", "lean"]
# Headers the lean client writes itself, or whose answers it does not decode (br, zstd):
# a caller's own copy sends the request to aiohttp.
_OWN_HEADERS = frozenset(
    ("host", "content-length", "transfer-encoding", "connection", "accept-encoding", "te")
)
_DEFAULT_HEADERS = {"Accept": "application/json", "User-Agent": "tianping"}
_PLAIN_PATH = re.compile(r"[A-Za-z0-9/._~%!$&'()*+,;=:@-]*")


def _lean_request_head(base_url: str, headers: dict[str, str]) -> tuple[str, int, bytes] | None:
    """(host, port, request head up to "Content-Length: ") for the lean client, or None when
    the URL or headers need aiohttp (https, credentials in the URL, unusual headers)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(base_url)
        port = parts.port or 80
    except ValueError:
        return None
    if parts.scheme != "http" or "@" in parts.netloc or not parts.hostname or parts.query:
        return None
    if not _PLAIN_PATH.fullmatch(parts.path):  # aiohttp percent-encodes such paths
        return None
    lines = [f"POST {parts.path or ''}/chat/completions HTTP/1.1", f"Host: {parts.netloc}"]
    for name, value in headers.items():
        if name.lower() in _OWN_HEADERS or any(c in name + value for c in "\r\n\0"):
            return None
        lines.append(f"{name}: {value}")
    given = {name.lower() for name in headers}
    lines += [f"{k}: {v}" for k, v in _DEFAULT_HEADERS.items() if k.lower() not in given]
    try:
        head = ("\r\n".join(lines) + "\r\nContent-Length: ").encode("latin-1")
    except UnicodeEncodeError:
        return None
    return parts.hostname, port, head


def _choice_text(body: Any) -> tuple[str, int | None, int | None]:
    """Text and token usage of a non-streamed chat completion; TargetError if malformed."""
    if isinstance(body, dict) and "choices" not in body and isinstance(body.get("error"), dict):
        detail = str(body["error"].get("message", body["error"]))[:200]
        raise TargetError(f"endpoint answered with an error: {detail}")
    try:
        message = body["choices"][0]["message"]
        text = message.get("content")
        if text is None:
            text = ""
        if not isinstance(text, str):
            raise TypeError("content is not a string")
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise TargetError(f"malformed chat completion: {exc!r}") from None
    usage = body.get("usage") if isinstance(body, dict) else None
    pt = ct = None
    if isinstance(usage, dict):
        pt = usage.get("prompt_tokens") if isinstance(usage.get("prompt_tokens"), int) else None
        ct = (
            usage.get("completion_tokens")
            if isinstance(usage.get("completion_tokens"), int)
            else None
        )
    return text, pt, ct


def _decoded(body: bytes, encoding: str | None) -> bytes:
    """The body without its Content-Encoding (gzip or deflate, sent unasked by some servers)."""
    if not encoding or encoding.lower() == "identity":
        return body
    import zlib

    name = encoding.lower()
    if name not in ("gzip", "x-gzip", "deflate"):
        raise TargetError(f"unsupported Content-Encoding {encoding!r}", retryable=False)
    try:
        return zlib.decompress(body, 47)  # gzip or zlib wrapper, told apart by the header
    except zlib.error:
        pass
    try:
        return zlib.decompress(body, -15)  # raw deflate, as some servers send it
    except zlib.error as exc:
        raise TargetError(f"truncated response: bad {name} body ({exc})") from None


def _completion(raw: bytes) -> Completion:
    try:
        data = _loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise TargetError(f"malformed JSON from endpoint: {raw[:80]!r}") from None
    text, pt, ct = _choice_text(data)
    return Completion(text, pt, ct)


class OpenAIChatTarget(Target):
    """An OpenAI-compatible `/chat/completions` endpoint (vLLM, Ollama, Qwen, DeepSeek, GLM ...).

    Plain-http, non-streamed requests go through the lean keep-alive client (`_http`, about
    a third of aiohttp's CPU per request); https, credentials in the URL and streaming use
    one aiohttp session per event loop. `client="aiohttp"` sends everything through aiohttp.
    Either way the pool is sized to the runner's concurrency.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout_s: float = 60.0,
        headers: dict[str, str] | None = None,
        *,
        stream: bool = False,
        max_connections: int | None = None,
        id: str | None = None,
        client: HTTPClient = "auto",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.timeout_s = timeout_s
        self.stream = stream
        self.max_connections = max_connections or 100
        self.id = id or f"openai:{_without_userinfo(self.base_url)}:{model}"
        self._headers = {"Content-Type": "application/json", **(headers or {})}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        if client not in ("auto", "aiohttp", "lean"):
            raise InputError(f"client must be auto, aiohttp or lean, got {client!r}")
        self.client: HTTPClient = client
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lean = (
            None if client == "aiohttp" else _lean_request_head(self.base_url, self._headers)
        )
        if client == "lean" and self._lean is None:
            raise InputError(
                f"{self.id}: the lean HTTP client needs a plain http:// URL without credentials"
            )
        self._pool: _http.Pool | None = None
        self._pool_loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:  # never show the key
        return f"OpenAIChatTarget({self.base_url!r}, {self.model!r})"

    def prepare(self, concurrency: int) -> None:
        if self._session is None:
            self.max_connections = max(1, concurrency)
        if self._pool is not None:  # a pool from an earlier run on this loop
            self._pool.limit = max(self._pool.limit, concurrency)

    def spec(self) -> TargetSpec:
        # The headers carry the API key: it travels through the pool's pipe, never to disk.
        return TargetSpec(
            OpenAIChatTarget,
            {
                "base_url": self.base_url,
                "model": self.model,
                "timeout_s": self.timeout_s,
                "headers": dict(self._headers),
                "stream": self.stream,
                "max_connections": self.max_connections,
                "id": self.id,
                "client": self.client,
            },
        )

    def _get_session(self) -> aiohttp.ClientSession:
        import aiohttp

        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            # A session is bound to its loop: a new asyncio.run() needs a new session.
            connector = aiohttp.TCPConnector(
                limit=self.max_connections, limit_per_host=0, ttl_dns_cache=300
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers=self._headers,
                timeout=aiohttp.ClientTimeout(total=self.timeout_s),
                json_serialize=json.dumps,
            )
            self._loop = loop
        return self._session

    async def aclose(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()
        session, self._session = self._session, None
        if session is not None and not session.closed:
            with contextlib.suppress(RuntimeError):  # loop already gone
                await session.close()

    async def complete(self, messages: list[ChatMessage], params: dict[str, Any]) -> Completion:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            **params,
        }
        stream = bool(body.get("stream", self.stream))
        body["stream"] = stream
        if not stream and self._lean is not None:
            return await self._complete_lean(body, self._lean)
        return await self._complete_aiohttp(body, stream)

    async def _complete_lean(
        self, body: dict[str, Any], lean: tuple[str, int, bytes]
    ) -> Completion:
        loop = asyncio.get_running_loop()
        pool = self._pool
        if pool is None or self._pool_loop is not loop:
            # Connections are bound to their loop: a new asyncio.run() needs a new pool.
            host, port, _ = lean
            pool = self._pool = _http.Pool(host, port, limit=self.max_connections)
            self._pool_loop = loop
        payload = _dumps(body)
        try:
            resp = await pool.request(
                b"%s%d\r\n\r\n%s" % (lean[2], len(payload), payload), self.timeout_s
            )
        except TimeoutError:
            raise TargetError(f"timed out after {self.timeout_s:g} s") from None
        except _http.TruncatedError as exc:
            raise TargetError(f"truncated response: {exc}") from None
        except (_http.HTTPError, OSError) as exc:
            raise TargetError(f"connection failed: {exc.__class__.__name__}: {exc}") from None
        if resp.status >= 400:
            detail = resp.body[:800].decode("utf-8", "replace")[:200]
            raise TargetError(
                detail or resp.reason or "error",
                status=resp.status,
                retry_after=_parse_retry_after(resp.headers.get("retry-after")),
            )
        return _completion(_decoded(resp.body, resp.headers.get("content-encoding")))

    async def _complete_aiohttp(self, body: dict[str, Any], stream: bool) -> Completion:
        import aiohttp

        session = self._get_session()
        url = f"{self.base_url}/chat/completions"
        try:
            async with session.post(url, json=body) as resp:
                if resp.status >= 400:
                    detail = (await resp.content.read(4096)).decode("utf-8", "replace")[:200]
                    raise TargetError(
                        detail or resp.reason or "error",
                        status=resp.status,
                        retry_after=_parse_retry_after(resp.headers.get("Retry-After")),
                    )
                if stream:
                    return await self._read_stream(resp)
                raw = await _read_capped(resp)
        except TimeoutError:
            raise TargetError(f"timed out after {self.timeout_s:g} s") from None
        except aiohttp.ClientPayloadError as exc:
            raise TargetError(f"truncated response: {exc}") from None
        except aiohttp.ClientError as exc:
            raise TargetError(f"connection failed: {exc.__class__.__name__}: {exc}") from None
        return _completion(raw)

    async def _read_stream(self, resp: aiohttp.ClientResponse) -> Completion:
        parts: list[str] = []
        pt = ct = None
        done = False
        seen = 0
        async for raw_line in resp.content:
            seen += len(raw_line)
            if seen > _http.MAX_BODY:
                raise TargetError(f"stream over {_http.MAX_BODY >> 20} MiB: not an answer")
            line = raw_line.decode("utf-8", "replace").strip()
            if not line.startswith("data:"):
                continue
            payload = line[5:].strip()
            if payload == "[DONE]":
                done = True
                break
            try:
                chunk = json.loads(payload)
                choices = chunk.get("choices") or []
                if choices:
                    delta = choices[0].get("delta") or {}
                    piece = delta.get("content")
                    if isinstance(piece, str):
                        parts.append(piece)
                usage = chunk.get("usage")
                if isinstance(usage, dict):
                    pt = usage.get("prompt_tokens", pt)
                    ct = usage.get("completion_tokens", ct)
            except (ValueError, AttributeError, TypeError):
                raise TargetError(f"malformed stream chunk: {payload[:80]!r}") from None
        if not done:
            raise TargetError("truncated stream: connection ended before [DONE]")
        return Completion("".join(parts), pt, ct)


ChatFn = Callable[[list[ChatMessage]], "str | Completion | Awaitable[str | Completion]"]


class CallableTarget(Target):
    """A Python function `messages -> str` (sync functions run in a worker thread)."""

    single_process_reason = (
        "a Python callable may be a closure or hold state that another process cannot share"
    )

    def __init__(self, fn: ChatFn, id: str | None = None) -> None:
        self.fn = fn
        name = getattr(fn, "__qualname__", None) or fn.__class__.__qualname__
        module = getattr(fn, "__module__", None)
        self.id = id or f"callable:{module + '.' if module else ''}{name}"
        self._is_async = inspect.iscoroutinefunction(fn)

    async def complete(self, messages: list[ChatMessage], params: dict[str, Any]) -> Completion:
        try:
            if self._is_async:
                out = await cast(Callable[..., Awaitable[Any]], self.fn)(messages)
            else:
                out = await asyncio.to_thread(self.fn, messages)
                if inspect.isawaitable(out):
                    out = await out
        except TargetError:
            raise
        except Exception as exc:
            raise TargetError(
                f"callable raised {exc.__class__.__name__}: {exc}", retryable=False
            ) from None
        if isinstance(out, Completion):
            return out
        if not isinstance(out, str):
            raise TargetError(
                f"callable returned {type(out).__name__}, expected str", retryable=False
            )
        return Completion(out)


class GGUFTarget(Target):
    """A local GGUF model through llama-cpp-python (`pip install 'tianping[gguf]'`)."""

    single_process_reason = (
        "each process would load its own copy of the GGUF model, and llama.cpp already "
        "uses every core"
    )

    def __init__(
        self, path: str | Path, n_ctx: int = 2048, seed: int = 0, max_tokens: int = 128
    ) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise InputError(f"{self.path}: GGUF model file not found")
        self.n_ctx = n_ctx
        self.seed = seed
        self.max_tokens = max_tokens
        self.id = f"gguf:{self.path.name}:{self.path.stat().st_size}"
        self._llm: Any = None
        self._lock = threading.Lock()  # llama.cpp contexts are not thread-safe

    def _load(self) -> Any:
        if self._llm is None:
            try:
                from llama_cpp import Llama
            except ImportError:
                raise InputError(
                    "a GGUF target needs llama-cpp-python: pip install 'tianping[gguf]'"
                ) from None
            self._llm = Llama(
                model_path=str(self.path), n_ctx=self.n_ctx, seed=self.seed, verbose=False
            )
        return self._llm

    def _complete_sync(self, messages: list[ChatMessage], params: dict[str, Any]) -> Completion:
        with self._lock:
            llm = self._load()
            out = llm.create_chat_completion(
                messages=[{"role": m.role, "content": m.content} for m in messages],
                max_tokens=int(params.get("max_tokens", self.max_tokens)),
                temperature=float(params.get("temperature", 0.0)),
                seed=int(params.get("seed", self.seed)),
            )
        text, pt, ct = _choice_text(out)
        return Completion(text, pt, ct)

    async def complete(self, messages: list[ChatMessage], params: dict[str, Any]) -> Completion:
        try:
            return await asyncio.to_thread(self._complete_sync, messages, params)
        except (InputError, TargetError):
            raise
        except Exception as exc:
            raise TargetError(f"llama.cpp failed: {exc}", retryable=False) from None

    async def aclose(self) -> None:
        """Nothing loop-bound to release: the model stays loaded for the next run."""


async def _read_capped(resp: aiohttp.ClientResponse) -> bytes:
    """The body, refused past `_http.MAX_BODY` (as the lean client does)."""
    too_big = TargetError(f"response body over {_http.MAX_BODY >> 20} MiB: not an answer")
    if resp.content_length is not None and resp.content_length > _http.MAX_BODY:
        raise too_big
    body = bytearray()
    async for chunk in resp.content.iter_chunked(1 << 16):
        body += chunk
        if len(body) > _http.MAX_BODY:
            raise too_big
    return bytes(body)


def _load_callable(spec: str, base_dir: Path, where: str) -> ChatFn:
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise InputError(f"{where}: expected 'module:function', got {spec!r}")
    added = str(base_dir) not in sys.path
    if added:
        sys.path.insert(0, str(base_dir))
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise InputError(f"{where}: cannot import module {module_name!r}: {exc}") from None
    finally:
        if added:
            sys.path.remove(str(base_dir))
    fn = getattr(module, attr, None)
    if not callable(fn):
        raise InputError(f"{where}: {module_name!r} has no function {attr!r}")
    return cast(ChatFn, fn)


def target_from_model(model: ModelArtefact, base_dir: Path) -> Target:
    """The target for a profile's `models[]` entry (kind openai_chat, gguf or callable)."""
    where = f"models[{model.id}]"
    if model.kind == "openai_chat":
        assert model.endpoint is not None  # the profile validator requires it
        api_key = None
        if model.api_key_env:
            api_key = os.environ.get(model.api_key_env)
            if not api_key:
                raise InputError(
                    f"{where}: environment variable {model.api_key_env} (api_key_env) is not set"
                )
        return OpenAIChatTarget(
            model.endpoint,
            model.model_name or model.id,
            api_key=api_key,
            timeout_s=model.timeout_s,
        )
    if model.kind == "gguf":
        if not model.path:
            raise InputError(f"{where}: a model of kind 'gguf' needs 'path'")
        path = Path(model.path)
        return GGUFTarget(path if path.is_absolute() else base_dir / path)
    if model.kind == "callable":
        if not model.callable:
            raise InputError(f"{where}: a model of kind 'callable' needs 'callable'")
        fn = _load_callable(model.callable, base_dir, f"{where}.callable")
        return CallableTarget(fn, id=f"callable:{model.callable}")
    raise InputError(
        f"{where}: kind {model.kind!r} cannot answer chat prompts "
        "(expected openai_chat, gguf or callable)"
    )
