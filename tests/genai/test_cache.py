"""The SQLite response cache."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tianping.errors import InputError
from tianping.genai._cache import ResponseCache, cache_key
from tianping.genai._targets import Completion
from tianping.genai._types import ChatMessage

MSGS = [ChatMessage(role="user", content="你好")]


def test_key_depends_on_target_messages_and_params() -> None:
    base = cache_key("t", MSGS, {"temperature": 0})
    assert base == cache_key("t", list(MSGS), {"temperature": 0})
    assert len(base) == 64
    assert base != cache_key("u", MSGS, {"temperature": 0})
    assert base != cache_key("t", MSGS, {"temperature": 1})
    assert base != cache_key("t", [ChatMessage(role="system", content="你好")], {"temperature": 0})
    # parameter order does not matter
    assert cache_key("t", MSGS, {"a": 1, "b": 2}) == cache_key("t", MSGS, {"b": 2, "a": 1})


def test_put_get_persist_and_first_answer_wins(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "cache.sqlite"
    with ResponseCache(path) as cache:
        assert cache.get("k") is None
        cache.put("k", "t", Completion("first", 3, 4))
        cache.put("k", "t", Completion("second"))
        assert cache.get("k") == Completion("first", 3, 4)
        assert len(cache) == 1
    with ResponseCache(path) as cache:
        assert cache.get("k") == Completion("first", 3, 4)
    rows = sqlite3.connect(path).execute("SELECT COUNT(*) FROM responses").fetchone()
    assert rows[0] == 1
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_buffered_puts_are_visible_and_flushed_on_close(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    cache = ResponseCache(path)
    for i in range(1200):
        cache.put(f"k{i}", "t", Completion(f"v{i}"), commit=False)
    assert cache.pending == 1200
    assert cache.get("k5") == Completion("v5")
    found = cache.get_many([f"k{i}" for i in range(0, 1300, 3)])
    assert len(found) == len(range(0, 1200, 3))
    assert found["k3"].text == "v3"
    cache.put("extra", "t", Completion("x"), commit=False)
    cache.close()
    with ResponseCache(path) as again:
        assert len(again) == 1201


def test_a_file_that_is_not_a_cache_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(InputError, match="not a usable response cache"):
        ResponseCache(bad)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"max_tokens": 64, "seed": 7, "stream": False, "stop": "\n\n", "user": None},
        {"temperature": 0.7, "top_p": 1e-16},  # floats: json's spelling
        {"stop": ["a", "b"], "extra": {"z": 1, "a": 2}},  # nested values
        {"big": 2**70},  # past 64 bits
    ],
)
def test_key_bytes_do_not_depend_on_the_encoder(params: dict[str, object]) -> None:
    # Keys from before orjson was used must still hit: the same sha256 over json.dumps.
    import hashlib
    import json

    messages = [
        ChatMessage(role="system", content='规则 "quoted" \\ \t\x00\x1f\x7f\u2028 😀'),
        ChatMessage(role="user", content="你好 <b>&amp;</b>"),
    ]
    expected = json.dumps(
        ["t", [[m.role, m.content] for m in messages], params],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    ).encode("utf-8")
    assert cache_key("t", messages, params) == hashlib.sha256(expected).hexdigest()
