"""CheckContext.memo: expensive inputs computed once per run, failures never stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from tianping.checks import CheckContext
from tianping.checks.testing import minimal_context


def test_memo_computes_once_per_shared_scratch(tmp_path: Path) -> None:
    shared: dict[object, object] = {}
    a = minimal_context(tmp_path)
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return 42

    first = CheckContext(profile=a.profile, base_dir=tmp_path, shared=shared)
    second = CheckContext(profile=a.profile, base_dir=tmp_path, shared=shared)
    assert first.memo("k", compute) == 42 and second.memo("k", compute) == 42
    assert len(calls) == 1
    alone = CheckContext(profile=a.profile, base_dir=tmp_path)  # a run of its own
    assert alone.memo("k", compute) == 42 and len(calls) == 2


def test_memo_stores_nothing_when_compute_fails(tmp_path: Path) -> None:
    ctx = minimal_context(tmp_path)

    def broken() -> int:
        raise ValueError("model raised")

    with pytest.raises(ValueError):
        ctx.memo("k", broken)
    assert "k" not in ctx.shared
    assert ctx.memo("k", lambda: 7) == 7
