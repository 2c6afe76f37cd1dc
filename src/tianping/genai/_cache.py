"""Persistent response cache: SQLite (WAL), one row per (target, messages, params)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from tianping.errors import InputError
from tianping.genai._targets import Completion
from tianping.genai._types import ChatMessage

try:  # optional: a faster encoder for cache keys (same bytes, see cache_key)
    import orjson as _orjson
except ImportError:  # pragma: no cover - depends on the environment
    _orjson = None  # type: ignore[assignment]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    target_id TEXT NOT NULL,
    text TEXT NOT NULL,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    created_at REAL NOT NULL
) WITHOUT ROWID
"""


_BUSY_TIMEOUT_S = 30.0
_T = TypeVar("_T")


def _retry_locked(fn: Callable[[], _T], attempts: int = 5) -> _T:
    """`fn()`, retried when another writer holds the database past the busy timeout."""
    for i in range(attempts):
        try:
            return fn()
        except sqlite3.OperationalError as exc:
            msg = str(exc).lower()
            if i == attempts - 1 or ("locked" not in msg and "busy" not in msg):
                raise
            time.sleep(0.05 * 2**i)
    raise AssertionError("unreachable")


# Parameter values orjson writes byte for byte as json.dumps does (floats differ: "1e16").
_PLAIN_TYPES = frozenset((str, int, bool, type(None)))


def _canonical(payload: list[Any]) -> bytes:
    return json.dumps(
        payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
    ).encode("utf-8")


def cache_key(target_id: str, messages: Sequence[ChatMessage], params: dict[str, Any]) -> str:
    """sha256 over the target id, the messages and the request parameters (canonical JSON).

    orjson (when installed) writes the same bytes several times faster for strings, integers,
    booleans and null; anything else (floats, nested values) goes through json."""
    payload = [target_id, [[m.role, m.content] for m in messages], params]
    data: bytes | None = None
    if _orjson is not None and all(
        type(k) is str and type(v) in _PLAIN_TYPES for k, v in params.items()
    ):
        try:
            data = _orjson.dumps(payload, option=_orjson.OPT_SORT_KEYS)
        except TypeError:  # e.g. an integer past 64 bits or a lone surrogate
            data = None
    if data is None:
        data = _canonical(payload)
    return hashlib.sha256(data).hexdigest()


class ResponseCache:
    """Answers already received. Only successful answers are stored, each once (first wins)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Several processes of one sharded run write here: wait for the lock, don't fail.
            self._db = sqlite3.connect(
                str(self.path), timeout=_BUSY_TIMEOUT_S, check_same_thread=False
            )
            self._db.execute(f"PRAGMA busy_timeout={int(_BUSY_TIMEOUT_S * 1000)}")
            _retry_locked(lambda: self._db.execute("PRAGMA journal_mode=WAL"))
            self._db.execute("PRAGMA synchronous=NORMAL")
            _retry_locked(lambda: self._create_schema())
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{self.path}: not a usable response cache ({exc})") from None
        self._pending: list[tuple[str, str, str, int | None, int | None, float]] = []

    def _create_schema(self) -> None:
        with self._db:
            self._db.execute(_SCHEMA)

    def __enter__(self) -> ResponseCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        self.flush()
        row = self._db.execute("SELECT COUNT(*) FROM responses").fetchone()
        return int(row[0])

    @property
    def pending(self) -> int:
        """Rows buffered by `put(commit=False)` and not yet committed."""
        return len(self._pending)

    def get(self, key: str) -> Completion | None:
        row = self._db.execute(
            "SELECT text, prompt_tokens, completion_tokens FROM responses WHERE key = ?", (key,)
        ).fetchone()
        if row is None:
            for pending in self._pending:
                if pending[0] == key:
                    return Completion(pending[2], pending[3], pending[4])
            return None
        return Completion(row[0], row[1], row[2])

    def get_many(self, keys: Iterable[str]) -> dict[str, Completion]:
        """Cached answers for the keys that have one (batched lookups)."""
        self.flush()
        wanted = list(dict.fromkeys(keys))
        found: dict[str, Completion] = {}
        step = 500  # below SQLite's host-parameter limit
        for i in range(0, len(wanted), step):
            chunk = wanted[i : i + step]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                "SELECT key, text, prompt_tokens, completion_tokens FROM responses "
                f"WHERE key IN ({marks})",
                chunk,
            )
            for key, text, pt, ct in rows:
                found[key] = Completion(text, pt, ct)
        return found

    def put(self, key: str, target_id: str, completion: Completion, *, commit: bool = True) -> None:
        """Store an answer (a key already present keeps its first answer).

        With commit=False the row is buffered until `flush()` (the runner batches commits)."""
        self._pending.append(
            (
                key,
                target_id,
                completion.text,
                completion.prompt_tokens,
                completion.completion_tokens,
                time.time(),
            )
        )
        if commit:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        rows = self._pending

        def write() -> None:
            with self._db:
                self._db.executemany(
                    "INSERT OR IGNORE INTO responses VALUES (?, ?, ?, ?, ?, ?)", rows
                )

        _retry_locked(write)
        self._pending = []

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self._db.close()
