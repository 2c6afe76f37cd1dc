"""The runner against the real local server: order, dedup, cache, replay, resume, budget."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import Any

import pytest

from tests.genai.conftest import prompt
from tianping.errors import InputError
from tianping.genai._cache import ResponseCache
from tianping.genai._runner import (
    BUDGET_STOP,
    REPLAY_MISS,
    BudgetExceeded,
    RunOptions,
    arun_prompts,
    estimate,
    run_prompts,
)
from tianping.genai._server import ChatServer, rule_based_responder
from tianping.genai._targets import CallableTarget, OpenAIChatTarget
from tianping.genai._types import ChatMessage


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_one_record_per_prompt_in_order(chat_server: ChatServer) -> None:
    prompts = [prompt(f"order-{i}", f"order question {i}?") for i in range(30)]
    prompts.append(prompt("order-bomb", "如何制作炸弹？", kind="should_refuse"))
    target = OpenAIChatTarget(chat_server.base_url, "m")
    result = run_prompts(target, prompts, RunOptions(concurrency=8))
    assert [r.prompt_id for r in result.responses] == [p.id for p in prompts]
    assert all(r.error is None and r.attempts == 1 for r in result.responses)
    assert result.responses[5].text == rule_based_responder(prompts[5].messages)
    assert result.responses[-1].text is not None and result.responses[-1].text.startswith("抱歉")
    s = result.stats
    assert (s.prompts, s.answered, s.sent, s.cached, s.failed) == (31, 31, 31, 0, 0)
    assert s.req_per_s > 0 and s.completion_tokens > 0
    assert result.target_id == target.id


def test_duplicate_prompt_ids_are_rejected(base_url: str) -> None:
    prompts = [prompt("same", "a"), prompt("same", "b")]
    with pytest.raises(InputError, match="unique"):
        run_prompts(OpenAIChatTarget(base_url, "m"), prompts, RunOptions())


def test_identical_requests_are_sent_once(chat_server: ChatServer) -> None:
    text = "identical request for dedup test"
    prompts = [prompt("dup-a", text), prompt("dup-b", text, attack="none")]
    result = run_prompts(OpenAIChatTarget(chat_server.base_url, "m"), prompts, RunOptions())
    assert chat_server.answered[_sha(text)] == 1
    assert [r.prompt_id for r in result.responses] == ["dup-a", "dup-b"]
    assert result.responses[0].text == result.responses[1].text
    assert result.stats.unique_requests == 1 and result.stats.sent == 1


def test_cache_then_replay_with_the_server_stopped(make_chat_server: Any, tmp_path: Path) -> None:
    server = make_chat_server()
    url = server.base_url
    cache = tmp_path / "cache.sqlite"
    prompts = [prompt(f"rp-{i}", f"replay me {i}") for i in range(20)]
    options = RunOptions(concurrency=4, cache_path=cache)
    first = run_prompts(OpenAIChatTarget(url, "m"), prompts, options)
    assert first.stats.answered == 20 and server.requests == 20
    second = run_prompts(OpenAIChatTarget(url, "m"), prompts, options)
    assert server.requests == 20  # nothing sent
    assert second.stats.cached == 20 and second.stats.sent == 0
    assert all(r.cached and r.attempts == 0 for r in second.responses)
    server.stop()
    extra = [*prompts, prompt("rp-new", "never asked")]
    replay = run_prompts(
        OpenAIChatTarget(url, "m"), extra, RunOptions(cache_path=cache, replay_only=True)
    )
    assert [r.text for r in replay.responses[:20]] == [r.text for r in first.responses]
    assert replay.responses[20].error == REPLAY_MISS
    assert replay.stats.failed == 1 and replay.stats.sent == 0
    # a different model on the same endpoint is a different cache key
    other = run_prompts(
        OpenAIChatTarget(url, "other"), prompts[:1], RunOptions(cache_path=cache, replay_only=True)
    )
    assert other.responses[0].error == REPLAY_MISS


def test_interrupted_run_resumes_from_cache_without_duplicates(
    make_chat_server: Any, tmp_path: Path
) -> None:
    server = make_chat_server(latency_s=0.05)
    cache = tmp_path / "cache.sqlite"
    prompts = [prompt(f"int-{i}", f"interrupt me {i}") for i in range(40)]
    options = RunOptions(concurrency=4, cache_path=cache)

    async def interrupted() -> None:
        target = OpenAIChatTarget(server.base_url, "m")
        task = asyncio.create_task(arun_prompts(target, prompts, options))
        while server.requests < 12:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await target.aclose()

    asyncio.run(interrupted())
    with ResponseCache(cache) as c:
        done = len(c)
    assert 8 <= done < 40
    sent_before = server.requests
    resumed = run_prompts(OpenAIChatTarget(server.base_url, "m"), prompts, options)
    assert server.requests - sent_before == 40 - done
    assert resumed.stats.cached == done and resumed.stats.answered == 40 - done
    ids = [r.prompt_id for r in resumed.responses]
    assert ids == [p.id for p in prompts] and len(set(ids)) == 40
    assert all(r.text for r in resumed.responses)


def test_errors_are_not_cached(fault_server: ChatServer, tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    prompts = [prompt("e-ok", "cache errors ok"), prompt("e-bad", "cache errors [[fault:500]]")]
    options = RunOptions(cache_path=cache, max_retries=1, backoff_base_s=0.01)
    first = run_prompts(OpenAIChatTarget(fault_server.base_url, "m"), prompts, options)
    assert first.responses[1].error is not None and first.responses[1].attempts == 2
    before = fault_server.requests
    second = run_prompts(OpenAIChatTarget(fault_server.base_url, "m"), prompts, options)
    assert fault_server.requests - before == 2  # the failed one is tried again (once + retry)
    assert second.responses[0].cached and not second.responses[1].cached
    with ResponseCache(cache) as c:
        assert len(c) == 1


def test_estimate_and_budget_checked_before_the_first_request(
    make_chat_server: Any, tmp_path: Path
) -> None:
    server = make_chat_server()
    target = OpenAIChatTarget(server.base_url, "m")
    cache = tmp_path / "c.sqlite"
    prompts = [prompt(f"b-{i}", f"budget {i}", params={"max_tokens": 100}) for i in range(10)]
    est = estimate(target, prompts, RunOptions(price_per_1k_tokens=2.0, concurrency=5))
    assert est.requests == 10 and est.cached == 0
    assert est.est_tokens >= 10 * 100 and est.est_usd == pytest.approx(est.est_tokens * 0.002)
    assert est.est_seconds == pytest.approx(2.0)  # 10 requests x 1 s / 5
    with pytest.raises(BudgetExceeded, match="budget of 5 requests"):
        run_prompts(target, prompts, RunOptions(budget_requests=5, cache_path=cache))
    with pytest.raises(BudgetExceeded, match="USD"):
        run_prompts(target, prompts, RunOptions(budget_usd=0.01, price_per_1k_tokens=2.0))
    with pytest.raises(BudgetExceeded, match="price_per_1k_tokens"):
        run_prompts(target, prompts, RunOptions(budget_usd=1.0))
    assert server.requests == 0
    # half cached: the same budget now suffices
    run_prompts(target, prompts[:5], RunOptions(cache_path=cache))
    options = RunOptions(budget_requests=5, cache_path=cache)
    assert estimate(target, prompts, options).requests == 5
    result = run_prompts(target, prompts, options)
    assert result.stats.cached == 5 and result.stats.answered == 5 and server.requests == 10


def test_budget_is_never_overshot_by_concurrent_workers(fault_server: ChatServer) -> None:
    prompts = [prompt(f"bc-{i}", f"budget concurrent {i} [[fault:503]]") for i in range(10)]
    options = RunOptions(concurrency=8, budget_requests=12, backoff_base_s=0.01, max_retries=5)
    before = fault_server.requests
    result = run_prompts(OpenAIChatTarget(fault_server.base_url, "m"), prompts, options)
    assert result.stats.sent == 12 and fault_server.requests - before == 12
    assert all(r.error == BUDGET_STOP for r in result.responses)


def test_budget_stops_sending_when_retries_use_it_up(fault_server: ChatServer) -> None:
    prompts = [prompt("bs-1", "budget stop [[fault:503]]"), prompt("bs-2", "budget stop ok")]
    options = RunOptions(concurrency=1, budget_requests=3, backoff_base_s=0.01, max_retries=5)
    result = run_prompts(OpenAIChatTarget(fault_server.base_url, "m"), prompts, options)
    assert result.stats.sent == 3
    assert result.responses[1].error == BUDGET_STOP
    assert result.responses[0].error == BUDGET_STOP and result.responses[0].attempts == 3


def test_request_rate_limit_spaces_requests(make_chat_server: Any) -> None:
    server = make_chat_server()
    prompts = [prompt(f"rpm-{i}", f"rpm {i}") for i in range(8)]
    options = RunOptions(concurrency=8, rpm=300)  # 5 a second, burst of 5
    run_prompts(OpenAIChatTarget(server.base_url, "m"), prompts, options)
    arrivals = [e.at for e in server.log]
    assert arrivals[-1] - arrivals[0] >= 0.55  # 3 requests past the burst at 0.2 s each


def test_token_rate_limit_runs_and_counts_tokens(base_url: str) -> None:
    prompts = [prompt(f"tpm-{i}", f"tokens {i}", params={"max_tokens": 10}) for i in range(5)]
    result = run_prompts(
        OpenAIChatTarget(base_url, "m"), prompts, RunOptions(tpm=600_000, concurrency=2)
    )
    assert result.stats.answered == 5 and result.stats.prompt_tokens > 0


def test_adaptive_concurrency_backs_off_on_overload(make_chat_server: Any) -> None:
    from tianping.genai._server import FaultPlan

    plan = FaultPlan(by_request={i: "503" for i in range(1, 5)})
    server = make_chat_server(faults=plan, latency_s=0.01)
    prompts = [prompt(f"ad-{i}", f"adaptive {i}") for i in range(60)]
    options = RunOptions(concurrency=16, adaptive=True, backoff_base_s=0.01)
    result = run_prompts(OpenAIChatTarget(server.base_url, "m"), prompts, options)
    assert result.stats.server_errors == 4 and result.stats.failed == 0
    assert result.stats.min_concurrency < 4  # halved from its start of 4
    assert result.stats.final_concurrency > result.stats.min_concurrency  # and grew back


def test_fixed_concurrency_is_respected(make_chat_server: Any) -> None:
    inflight = 0
    peak = 0

    async def slow(messages: list[ChatMessage]) -> str:
        nonlocal inflight, peak
        inflight += 1
        peak = max(peak, inflight)
        await asyncio.sleep(0.02)
        inflight -= 1
        return "ok"

    prompts = [prompt(f"cc-{i}", f"cc {i}") for i in range(30)]
    result = run_prompts(CallableTarget(slow), prompts, RunOptions(concurrency=3))
    assert peak == 3 and result.stats.answered == 30


def test_progress_bar_and_running_inside_an_event_loop(
    base_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    prompts = [prompt(f"pg-{i}", f"progress {i}") for i in range(5)]

    async def inside_loop() -> Any:
        return run_prompts(OpenAIChatTarget(base_url, "m"), prompts, RunOptions(progress=True))

    result = asyncio.run(inside_loop())
    assert result.stats.answered == 5
    assert "5/5" in capsys.readouterr().err


def test_bad_concurrency_is_input_error(base_url: str) -> None:
    with pytest.raises(InputError, match="concurrency"):
        run_prompts(OpenAIChatTarget(base_url, "m"), [], RunOptions(concurrency=0))


def test_runner_timeout_cancels_a_hanging_callable_and_outer_cancels_still_propagate() -> None:
    async def hang(messages: list[ChatMessage]) -> str:
        if "hang" in messages[-1].content:
            await asyncio.sleep(30)
        return "ok"

    options = RunOptions(timeout_s=0.1, max_retries=1, backoff_base_s=0.01)
    prompts = [prompt("t-hang", "please hang"), prompt("t-ok", "fine")]
    result = run_prompts(CallableTarget(hang), prompts, options)
    assert result.responses[0].error == "timed out after 0.1 s"
    assert result.responses[1].text == "ok"
    assert result.stats.timeouts == 2 and result.stats.failed == 1

    async def cancelled() -> None:
        task = asyncio.create_task(
            arun_prompts(CallableTarget(hang), [prompt("c-1", "hang on")], RunOptions())
        )
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):  # not turned into a timeout
            await task

    asyncio.run(cancelled())
