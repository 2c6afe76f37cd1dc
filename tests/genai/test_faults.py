"""Fault injection through the real server: 5xx, hangs, 429 + Retry-After, garbage, truncation."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from tests.genai.conftest import prompt
from tianping.genai._runner import RunOptions, run_prompts
from tianping.genai._server import ChatServer, FaultPlan
from tianping.genai._targets import OpenAIChatTarget


def _fast(**kwargs: Any) -> RunOptions:
    return RunOptions(backoff_base_s=0.01, timeout_s=0.5, **kwargs)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# The lean client (plain http, the default), aiohttp for the same requests, aiohttp streaming.
CLIENTS = [("lean", False), ("aiohttp", False), ("aiohttp", True)]


@pytest.mark.parametrize(("client", "stream"), CLIENTS)
@pytest.mark.parametrize("kind", ["500", "503", "malformed", "truncate", "hang"])
def test_transient_fault_is_retried_and_scored_once(
    fault_server: ChatServer, kind: str, client: Any, stream: bool
) -> None:
    text = f"transient {kind} {client} {stream} [[fault:{kind}x2]]"
    prompts = [prompt("f-1", text), prompt("f-2", f"healthy {kind} {client} {stream}")]
    target = OpenAIChatTarget(fault_server.base_url, "m", stream=stream, client=client)
    result = run_prompts(target, prompts, _fast(max_retries=3))
    faulty, healthy = result.responses
    assert faulty.error is None and faulty.text and faulty.attempts == 3
    assert healthy.attempts == 1
    assert result.stats.retries == 2 and result.stats.failed == 0
    assert [r.prompt_id for r in result.responses] == ["f-1", "f-2"]
    assert fault_server.answered[_sha(text)] == 1
    if kind == "hang":
        assert result.stats.timeouts == 2


@pytest.mark.parametrize("client", ["lean", "aiohttp"])
@pytest.mark.parametrize("kind", ["503", "malformed", "truncate"])
def test_persistent_fault_gives_a_clear_error_after_the_retries(
    fault_server: ChatServer, kind: str, client: Any
) -> None:
    prompts = [prompt("p-1", f"persistent {kind} {client} [[fault:{kind}]]")]
    target = OpenAIChatTarget(fault_server.base_url, "m", client=client)
    result = run_prompts(target, prompts, _fast(max_retries=2))
    record = result.responses[0]
    assert record.text is None and record.attempts == 3
    expected = {"503": "HTTP 503", "malformed": "malformed JSON", "truncate": "truncated"}[kind]
    assert record.error is not None and expected in record.error
    assert result.stats.failed == 1


def test_429_retry_after_is_honoured(make_chat_server: Any) -> None:
    server = make_chat_server(faults=FaultPlan(by_request={1: "429"}, retry_after_s=0.8))
    prompts = [prompt("ra-1", "retry after me")]
    options = RunOptions(concurrency=1, backoff_base_s=0.01)
    result = run_prompts(OpenAIChatTarget(server.base_url, "m"), prompts, options)
    assert result.responses[0].attempts == 2 and result.responses[0].text
    assert result.stats.rate_limited == 1
    first, second = server.log
    assert first.fault == "429" and second.fault is None
    assert second.at - first.at >= 0.8  # backoff alone would have waited ~0.01 s


def test_429_pauses_every_worker(make_chat_server: Any) -> None:
    server = make_chat_server(
        faults=FaultPlan(by_request={1: "429"}, retry_after_s=0.6), latency_s=0.05
    )
    prompts = [prompt(f"pw-{i}", f"pause workers {i}") for i in range(12)]
    options = RunOptions(concurrency=2, backoff_base_s=0.01)
    result = run_prompts(OpenAIChatTarget(server.base_url, "m"), prompts, options)
    assert result.stats.failed == 0
    t429 = server.log[0].at
    # The other worker's request in flight with the 429, and at most one it sent before the
    # 429 was read, may land early; without the pause it would send ~10 in 0.6 s.
    later = [e.at - t429 for e in server.log[3:]]
    assert len(later) == 10 and all(d >= 0.6 for d in later)


def test_timeout_of_the_runner_applies_to_any_target(fault_server: ChatServer) -> None:
    target = OpenAIChatTarget(fault_server.base_url, "m", timeout_s=60)
    prompts = [prompt("to-1", "runner timeout [[fault:hang]]")]
    options = RunOptions(timeout_s=0.3, max_retries=1, backoff_base_s=0.01)
    result = run_prompts(target, prompts, options)
    assert result.responses[0].error == "timed out after 0.3 s"
    assert result.stats.timeouts == 2


def test_garbage_endpoint_is_reported_not_raised(make_chat_server: Any) -> None:
    def _plan(n: int) -> dict[int, Any]:
        return dict.fromkeys(range(1, n + 1), "malformed")

    server = make_chat_server(faults=FaultPlan(by_request=_plan(50)))
    prompts = [prompt(f"g-{i}", f"garbage {i}") for i in range(5)]
    result = run_prompts(OpenAIChatTarget(server.base_url, "m"), prompts, _fast(max_retries=1))
    assert result.stats.failed == 5
    assert all(r.error and "malformed JSON" in r.error for r in result.responses)


def test_a_retry_after_past_the_backoff_cap_fails_fast(make_chat_server: Any) -> None:
    server = make_chat_server(faults=FaultPlan(by_request={1: "429"}, retry_after_s=120))
    prompts = [prompt("long-ra", "long retry after")]
    result = run_prompts(
        OpenAIChatTarget(server.base_url, "m"), prompts, RunOptions(backoff_max_s=5)
    )
    record = result.responses[0]
    assert record.attempts == 1 and record.error is not None
    assert "Retry-After 120 s" in record.error and "HTTP 429" in record.error
    assert result.stats.elapsed_s < 60  # did not sit out the two minutes


def test_adaptive_concurrency_settles_under_a_capacity_limit(make_chat_server: Any) -> None:
    plan = FaultPlan(max_inflight=6, retry_after_s=None)
    prompts = [prompt(f"cap-{i}", f"capacity {i}") for i in range(150)]
    fixed_server = make_chat_server(faults=plan, latency_s=0.02)
    fixed = run_prompts(
        OpenAIChatTarget(fixed_server.base_url, "m"),
        prompts,
        RunOptions(concurrency=32, backoff_base_s=0.01, max_retries=10),
    )
    adaptive_server = make_chat_server(faults=plan, latency_s=0.02)
    adaptive = run_prompts(
        OpenAIChatTarget(adaptive_server.base_url, "m"),
        prompts,
        RunOptions(concurrency=32, adaptive=True, backoff_base_s=0.01, max_retries=10),
    )
    assert adaptive.stats.failed == 0
    assert adaptive.stats.rate_limited * 2 < fixed.stats.rate_limited
    assert adaptive.stats.min_concurrency <= 8
    assert fixed.stats.min_concurrency == 32  # fixed mode never moves
