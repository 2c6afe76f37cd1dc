"""Sharding a run over processes (RunOptions.processes) against the real local server."""

from __future__ import annotations

import asyncio
import hashlib
import json
import multiprocessing
from pathlib import Path
from typing import Any

import pytest

from tests.genai.conftest import prompt
from tianping.genai._cache import ResponseCache
from tianping.genai._runner import (
    BUDGET_STOP,
    BudgetExceeded,
    RunOptions,
    RunResult,
    arun_prompts,
    run_prompts,
)
from tianping.genai._server import FaultPlan, rule_based_responder
from tianping.genai._targets import CallableTarget, Completion, OpenAIChatTarget
from tianping.genai._types import ChatMessage, PromptItem

TIMING = {"latency_s"}


def _prompts(tag: str, n: int = 200) -> list[PromptItem]:
    items = [prompt(f"{tag}-{i}", f"{tag} question {i}?") for i in range(n - 30)]
    # Prompts sharing a request (same text, other id): one request, whatever the shards.
    items += [prompt(f"{tag}-dup-{i}", f"{tag} question {i}?") for i in range(20)]
    # Each fails once (503) and is retried: the retry replaces, one record per prompt.
    items += [prompt(f"{tag}-flaky-{i}", f"{tag} flaky {i} [[fault:503x1]]") for i in range(10)]
    return items


def _records(result: RunResult) -> list[dict[str, Any]]:
    return [r.model_dump(exclude=TIMING) for r in result.responses]


def test_two_processes_give_the_same_records_as_one(make_chat_server: Any, tmp_path: Path) -> None:
    prompts = _prompts("shard")
    unique = len({p.messages[0].content for p in prompts})
    # A fresh server per run: "[[fault:503x1]]" counts arrivals per server.
    first = make_chat_server(faults=FaultPlan(retry_after_s=None))
    options = RunOptions(concurrency=16, backoff_base_s=0.01)
    # One target id for both servers: the same cache keys.
    one = run_prompts(OpenAIChatTarget(first.base_url, "m", id="openai:shard"), prompts, options)
    server = make_chat_server(faults=FaultPlan(retry_after_s=None))

    cache = tmp_path / "cache.sqlite"
    sharded = RunOptions(concurrency=16, backoff_base_s=0.01, cache_path=cache, processes=2)
    two = run_prompts(OpenAIChatTarget(server.base_url, "m", id="openai:shard"), prompts, sharded)
    assert _records(two) == _records(one)
    assert [r.prompt_id for r in two.responses] == [p.id for p in prompts]
    assert all(
        r.text == rule_based_responder(p.messages)
        for p, r in zip(prompts, two.responses, strict=True)
    )
    assert [r.attempts for r in two.responses[-10:]] == [2] * 10
    # Nothing sent twice: one request per distinct text, plus one retry per flaky prompt.
    assert server.requests == first.requests == unique + 10
    s1, s2 = one.stats, two.stats
    assert s2.processes == 2 and sum(s2.shard_prompts) == 200 and min(s2.shard_prompts) > 80
    for name in ("prompts", "unique_requests", "answered", "failed", "sent", "retries"):
        assert getattr(s2, name) == getattr(s1, name), name
    assert (s2.prompt_tokens, s2.completion_tokens) == (s1.prompt_tokens, s1.completion_tokens)
    assert s2.final_concurrency == 16  # 8 per process
    with ResponseCache(cache) as db:
        assert len(db) == unique

    # The server gone: the rerun is answered from the cache written by both processes.
    server.stop()
    for replay_only in (False, True):
        again = run_prompts(
            OpenAIChatTarget(server.base_url, "m", id="openai:shard"),
            prompts,
            RunOptions(cache_path=cache, processes=2, replay_only=replay_only),
        )
        assert again.stats.cached == 200 and again.stats.sent == 0
        assert [r.text for r in again.responses] == [r.text for r in one.responses]
        assert all(r.cached and r.attempts == 0 for r in again.responses)


def test_budget_is_split_before_the_start(make_chat_server: Any) -> None:
    server = make_chat_server(faults=FaultPlan(retry_after_s=None))
    target = OpenAIChatTarget(server.base_url, "m")
    prompts = [prompt(f"bs-{i}", f"budget shard {i} [[fault:503]]") for i in range(10)]
    with pytest.raises(BudgetExceeded, match="budget of 9 requests"):
        run_prompts(target, prompts, RunOptions(budget_requests=9, processes=2))
    assert server.requests == 0
    options = RunOptions(
        concurrency=8, budget_requests=13, backoff_base_s=0.01, max_retries=5, processes=2
    )
    result = run_prompts(target, prompts, options)
    # Every request fails and is retried: the shards together stop at exactly the budget.
    assert result.stats.sent == 13 and server.requests == 13
    assert all(r.error == BUDGET_STOP for r in result.responses)
    assert result.stats.failed == 10 and result.stats.processes == 2


def test_interrupted_sharded_run_resumes(make_chat_server: Any, tmp_path: Path) -> None:
    server = make_chat_server(latency_s=0.05)
    cache = tmp_path / "cache.sqlite"
    prompts = [prompt(f"ir-{i}", f"interrupt shards {i}") for i in range(120)]
    options = RunOptions(concurrency=4, cache_path=cache, processes=2)

    async def interrupted() -> None:
        task = asyncio.create_task(
            arun_prompts(OpenAIChatTarget(server.base_url, "m"), prompts, options)
        )
        while server.requests < 30:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(interrupted())
    with ResponseCache(cache) as db:
        done = len(db)
    assert 0 < done < 120  # the children flushed what they had on termination
    before = server.requests
    resumed = run_prompts(OpenAIChatTarget(server.base_url, "m"), prompts, options)
    assert server.requests - before == 120 - done
    assert resumed.stats.cached == done and resumed.stats.answered == 120 - done
    ids = [r.prompt_id for r in resumed.responses]
    assert ids == [p.id for p in prompts] and all(r.text for r in resumed.responses)


def test_callable_target_runs_in_one_process_with_a_note(tmp_path: Path) -> None:
    calls: list[str] = []

    def answer(messages: list[ChatMessage]) -> str:  # a closure: no child could rebuild it
        calls.append(messages[-1].content)
        return "ok " + messages[-1].content

    target = CallableTarget(answer)
    assert target.spec() is None
    prompts = [prompt(f"cb-{i}", f"callable {i}") for i in range(5)]
    with pytest.warns(RuntimeWarning, match="runs in one process"):
        result = run_prompts(target, prompts, RunOptions(processes=2))
    assert [r.text for r in result.responses] == [f"ok callable {i}" for i in range(5)]
    assert len(calls) == 5 and result.stats.processes == 1
    assert "closure" in result.stats.notes[0] and "processes=2" in result.stats.notes[0]


def test_bad_processes_value_is_refused(base_url: str) -> None:
    from tianping.errors import InputError

    with pytest.raises(InputError, match="processes must be at least 1"):
        run_prompts(OpenAIChatTarget(base_url, "m"), [prompt("x", "y")], RunOptions(processes=0))


def _write_rows(path: str, tag: str, n: int) -> int:
    with ResponseCache(path) as db:
        for i in range(n):
            db.put(hashlib.sha256(f"{tag}{i}".encode()).hexdigest(), "t", Completion(f"{i}"))
    return n


def test_concurrent_writers_share_the_cache(tmp_path: Path) -> None:
    cache = str(tmp_path / "shared.sqlite")
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(3) as pool:
        # One commit per row from three processes at once: lock waits, never "locked" errors.
        counts = pool.starmap(_write_rows, [(cache, tag, 300) for tag in "abc"])
    assert counts == [300] * 3
    with ResponseCache(cache) as db:
        assert len(db) == 900


def test_cli_eval_processes_option(base_url: str, tmp_path: Path) -> None:
    from .._helpers import run_tianping

    def evaluate(*extra: str) -> dict[str, Any]:
        args = ("genai", "eval", "--target", base_url, "--format", "json", *extra)
        r = run_tianping(*args, cwd=tmp_path, drop_env={"TIANPING_DATABASE_URL"}, timeout=180)
        assert r.returncode in (0, 1), r.stderr
        data: dict[str, Any] = json.loads(r.stdout)
        return data

    cache = str(tmp_path / "cli.sqlite")
    sharded = evaluate("--processes", "2", "--cache", cache, "--attacks", "zero_width")
    single = evaluate("--no-cache", "--attacks", "zero_width")
    assert sharded["run"]["processes"] == 2 and single["run"]["processes"] == 1
    assert sharded["run"]["answered"] + sharded["run"]["cached"] == sharded["prompts"]
    assert sharded["metrics"] == single["metrics"] and sharded["flat"] == single["flat"]
