"""The async runner: concurrency, rate limits, retries, timeouts, cache, budget, progress."""

from __future__ import annotations

import asyncio
import contextlib
import math
import multiprocessing
import random
import signal
import threading
import time
import warnings
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from queue import Empty
from typing import Any

from pydantic import BaseModel, Field

from tianping.errors import InputError
from tianping.genai import _loop
from tianping.genai._cache import ResponseCache, cache_key
from tianping.genai._ratelimit import AdaptiveLimiter, TokenBucket
from tianping.genai._targets import Completion, Target, TargetError, TargetSpec
from tianping.genai._types import ChatMessage, PromptItem, ResponseRecord

REPLAY_MISS = "not in the response cache (replay only)"
BUDGET_STOP = "not sent: budget exhausted"


class BudgetExceeded(InputError):
    """The estimated or spent cost of a run goes past the budget cap."""


@dataclass
class RunOptions:
    """How to run prompts against a target (parameters only; `arun_prompts` does the work)."""

    concurrency: int = 16
    adaptive: bool = False
    rpm: float | None = None
    tpm: float | None = None
    timeout_s: float = 60.0
    max_retries: int = 4
    backoff_base_s: float = 0.5
    cache_path: Path | None = None
    replay_only: bool = False
    budget_requests: int | None = None
    budget_usd: float | None = None
    price_per_1k_tokens: float | None = None
    progress: bool = False
    # Used only by `estimate`: the latency one request is assumed to take.
    assumed_latency_s: float = 1.0
    backoff_max_s: float = 60.0
    # > 1: shard the prompts over this many processes (one event loop tops out near
    # 4,000 req/s); each gets concurrency ceil(c/N), rpm/N, tpm/N and its share of the budget.
    processes: int = 1
    # Run on uvloop when it is installed (sync entry `run_prompts` and process shards);
    # False, or TIANPING_UVLOOP=0, keeps asyncio's own loop.
    uvloop: bool = True


class RunStats(BaseModel):
    prompts: int = 0
    unique_requests: int = Field(0, description="Distinct (messages, params) among the prompts")
    cached: int = Field(0, description="Prompts answered from the cache")
    answered: int = Field(0, description="Prompts answered by the target in this run")
    failed: int = Field(0, description="Prompts without an answer (error set)")
    sent: int = Field(0, description="Requests sent to the target, retries included")
    retries: int = 0
    rate_limited: int = Field(0, description="429 answers")
    server_errors: int = Field(0, description="5xx answers")
    timeouts: int = 0
    elapsed_s: float = 0.0
    req_per_s: float = Field(0.0, description="Prompts completed (cached or not) per second")
    prompt_tokens: int = 0
    completion_tokens: int = 0
    spent_usd: float | None = None
    final_concurrency: int = 0
    min_concurrency: int = 0
    processes: int = Field(1, description="Processes the run was sharded over")
    shard_prompts: list[int] = Field(
        default_factory=list, description="Prompts each process sent (processes > 1)"
    )
    notes: list[str] = Field(default_factory=list)


class Estimate(BaseModel):
    requests: int = Field(description="Requests the run will send (not cached)")
    cached: int = Field(description="Prompts already answered in the cache")
    est_tokens: int = 0
    est_seconds: float = 0.0
    est_usd: float | None = None


class RunResult(BaseModel):
    target_id: str
    responses: list[ResponseRecord] = Field(description="One per prompt, in prompt order")
    stats: RunStats
    estimate: Estimate | None = None

    def by_id(self) -> dict[str, ResponseRecord]:
        return {r.prompt_id: r for r in self.responses}


def approx_tokens(text: str) -> int:
    """Rough token count: one per CJK character, one per four other characters."""
    if text.isascii():  # the common case, without a loop over the characters
        return (len(text) + 3) // 4
    cjk = sum(1 for ch in text if "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff")
    return cjk + (len(text) - cjk + 3) // 4


def _request_tokens(messages: Sequence[ChatMessage], params: dict[str, Any]) -> int:
    prompt = sum(approx_tokens(m.content) + 4 for m in messages)
    max_tokens = params.get("max_tokens")
    return prompt + (int(max_tokens) if isinstance(max_tokens, int | float) else 128)


@dataclass
class _Plan:
    keys: list[str]  # per prompt
    groups: dict[str, list[int]]  # key -> prompt indices, first-seen order
    cached: dict[str, Completion]


def _plan(target: Target, prompts: Sequence[PromptItem], cache: ResponseCache | None) -> _Plan:
    seen: set[str] = set()
    dupes: list[str] = []
    for p in prompts:
        if p.id in seen:
            dupes.append(p.id)
        seen.add(p.id)
    if dupes:
        shown = ", ".join(repr(d) for d in dupes[:5])
        raise InputError(
            f"prompt ids must be unique within a run; repeated: {shown}"
            + (f" and {len(dupes) - 5} more" if len(dupes) > 5 else "")
        )
    keys = [cache_key(target.id, p.messages, p.params) for p in prompts]
    groups: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        groups.setdefault(key, []).append(i)
    cached = cache.get_many(groups) if cache is not None else {}
    return _Plan(keys, groups, cached)


def _estimate(prompts: Sequence[PromptItem], plan: _Plan, options: RunOptions) -> Estimate:
    todo = [k for k in plan.groups if k not in plan.cached]
    tokens = sum(
        _request_tokens(prompts[plan.groups[k][0]].messages, prompts[plan.groups[k][0]].params)
        for k in todo
    )
    n = 0 if options.replay_only else len(todo)
    if options.replay_only:
        tokens = 0
    seconds = n * options.assumed_latency_s / max(1, options.concurrency)
    if options.rpm:
        seconds = max(seconds, n / (options.rpm / 60.0))
    if options.tpm:
        seconds = max(seconds, tokens / (options.tpm / 60.0))
    usd = None
    if options.price_per_1k_tokens is not None:
        usd = round(tokens * options.price_per_1k_tokens / 1000.0, 6)
    cached = sum(len(plan.groups[k]) for k in plan.groups if k in plan.cached)
    return Estimate(requests=n, cached=cached, est_tokens=tokens, est_seconds=seconds, est_usd=usd)


def _check_budget(est: Estimate, options: RunOptions) -> None:
    if options.budget_requests is not None and est.requests > options.budget_requests:
        raise BudgetExceeded(
            f"the run needs {est.requests} requests ({est.cached} prompts cached), "
            f"over the budget of {options.budget_requests} requests"
        )
    if options.budget_usd is not None:
        if est.est_usd is None:
            raise BudgetExceeded("a budget in USD needs price_per_1k_tokens to estimate the cost")
        if est.est_usd > options.budget_usd:
            raise BudgetExceeded(
                f"the run is estimated at {est.est_usd:.4f} USD ({est.est_tokens} tokens), "
                f"over the budget of {options.budget_usd:.4f} USD"
            )


def estimate(target: Target, prompts: Sequence[PromptItem], options: RunOptions) -> Estimate:
    """Requests, time and cost of a run, counting what the cache already holds."""
    cache = ResponseCache(options.cache_path) if options.cache_path else None
    try:
        return _estimate(prompts, _plan(target, prompts, cache), options)
    finally:
        if cache is not None:
            cache.close()


class _Run:
    """State of one run: shared by the workers of `arun_prompts`."""

    def __init__(
        self,
        target: Target,
        prompts: Sequence[PromptItem],
        plan: _Plan,
        options: RunOptions,
        cache: ResponseCache | None,
    ) -> None:
        self.target = target
        self.prompts = prompts
        self.plan = plan
        self.options = options
        self.cache = cache
        self.records: dict[str, ResponseRecord] = {}
        self.stats = RunStats(prompts=len(prompts), unique_requests=len(plan.groups))
        self.limiter = AdaptiveLimiter(options.concurrency, adaptive=options.adaptive)
        self.rpm = TokenBucket(options.rpm) if options.rpm else None
        self.tpm = (
            TokenBucket(options.tpm, capacity=max(options.tpm / 60.0, 4096.0))
            if (options.tpm)
            else None
        )
        self.pause_until = 0.0  # a Retry-After pauses every worker, not only the one told
        self.inflight_tokens = 0
        self.last_flush = time.monotonic()
        self.progress: Any = None  # anything with advance(task_id, n)
        self.task_id: Any = None

    # -- bookkeeping -------------------------------------------------------------------------

    def _fill(self, key: str, make: ResponseRecord) -> None:
        # One record per prompt id: a later fill (never happens twice) would replace, not append.
        group = self.plan.groups[key]
        if len(group) == 1:
            make.prompt_id = self.prompts[group[0]].id
            self.records[make.prompt_id] = make
        else:
            for i in group:
                pid = self.prompts[i].id
                self.records[pid] = make.model_copy(update={"prompt_id": pid})
        if self.progress is not None:
            self.progress.advance(self.task_id, len(self.plan.groups[key]))

    def _spent_usd(self) -> float | None:
        price = self.options.price_per_1k_tokens
        if price is None:
            return None
        return (self.stats.prompt_tokens + self.stats.completion_tokens) * price / 1000.0

    def _reserve(self, est_tokens: int) -> bool:
        """Take one request (and its estimated tokens) from the budget, or say it is spent.

        No await between the check and the taking: concurrent workers cannot overshoot."""
        o = self.options
        if o.budget_requests is not None and self.stats.sent >= o.budget_requests:
            return False
        spent = self._spent_usd()
        if o.budget_usd is not None and spent is not None and o.price_per_1k_tokens is not None:
            pending = (self.inflight_tokens + est_tokens) * o.price_per_1k_tokens / 1000.0
            if spent + pending > o.budget_usd:
                return False
        self.stats.sent += 1
        self.inflight_tokens += est_tokens
        return True

    def _store(self, key: str, completion: Completion) -> None:
        if self.cache is None:
            return
        self.cache.put(key, self.target.id, completion, commit=False)
        now = time.monotonic()
        if self.cache.pending >= 64 or now - self.last_flush > 0.5:
            self.cache.flush()
            self.last_flush = now

    # -- one request with retries -------------------------------------------------------------

    async def _attempt(
        self, prompt: PromptItem, est_tokens: int, sent_at: list[float]
    ) -> Completion:
        while (wait := self.pause_until - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        if self.rpm is not None:
            await self.rpm.acquire(1)
        if self.tpm is not None:
            await self.tpm.acquire(est_tokens)
        if self.limiter.adaptive:
            await self.limiter.acquire()
        sent_at[0] = time.monotonic()
        try:
            return await self._complete_in_time(prompt)
        finally:
            if self.limiter.adaptive:
                await self.limiter.release()

    async def _complete_in_time(self, prompt: PromptItem) -> Completion:
        """`target.complete` cancelled after `timeout_s`: asyncio.timeout's logic with one
        timer and no context manager (half its cost, ~2 µs of ~50 per request)."""
        task = asyncio.current_task()
        assert task is not None
        expired = False

        def expire() -> None:
            nonlocal expired
            expired = True
            task.cancel()

        timer = asyncio.get_running_loop().call_later(self.options.timeout_s, expire)
        try:
            return await self.target.complete(prompt.messages, prompt.params)
        except asyncio.CancelledError:
            # Ours (and no one else's cancel pending): a timeout; else it is a real cancel.
            if expired and task.uncancel() == 0:
                raise TargetError(f"timed out after {self.options.timeout_s:g} s") from None
            raise
        finally:
            timer.cancel()

    async def process(self, key: str) -> None:
        prompt = self.prompts[self.plan.groups[key][0]]
        est_tokens = _request_tokens(prompt.messages, prompt.params)
        attempts = 0
        started = time.perf_counter()
        while True:
            if not self._reserve(est_tokens):
                self._fill(
                    key,
                    ResponseRecord(
                        prompt_id="", error=BUDGET_STOP, attempts=attempts, cache_key=key
                    ),
                )
                self.stats.failed += len(self.plan.groups[key])
                return
            attempts += 1
            t0 = time.perf_counter()
            sent_at = [time.monotonic()]
            error: TargetError | None = None
            try:
                completion = await self._attempt(prompt, est_tokens, sent_at)
            except TargetError as exc:
                error = exc
            except InputError:
                raise  # a configuration problem (e.g. llama-cpp-python missing) stops the run
            except Exception as exc:  # a custom target's bug fails this prompt, not the run
                error = TargetError(f"{exc.__class__.__name__}: {exc}", retryable=False)
            finally:
                self.inflight_tokens -= est_tokens
            if error is None:
                self.limiter.success()
                pt = completion.prompt_tokens
                ct = completion.completion_tokens
                self.stats.prompt_tokens += pt if pt is not None else est_tokens
                self.stats.completion_tokens += ct or 0
                if self.tpm is not None and pt is not None:
                    self.tpm.debit(pt + (ct or 0) - est_tokens)
                self._store(key, completion)
                self._fill(
                    key,
                    ResponseRecord(
                        prompt_id="",
                        text=completion.text,
                        attempts=attempts,
                        latency_s=round(time.perf_counter() - t0, 6),
                        prompt_tokens=pt,
                        completion_tokens=ct,
                        cache_key=key,
                    ),
                )
                self.stats.answered += len(self.plan.groups[key])
                return
            if error.status == 429:
                self.stats.rate_limited += 1
            elif error.status is not None and error.status >= 500:
                self.stats.server_errors += 1
            elif error.message.startswith("timed out"):
                self.stats.timeouts += 1
            if error.throttled:
                self.limiter.overload(sent_at[0])
            too_long = (
                error.retry_after is not None and error.retry_after > self.options.backoff_max_s
            )
            if too_long:
                # Honouring an hour-long Retry-After would stall the run silently: stop this
                # prompt instead; a later run resumes from the cache.
                error = TargetError(
                    f"{error} (Retry-After {error.retry_after:g} s is longer than "
                    f"backoff_max_s {self.options.backoff_max_s:g} s; run again later)",
                    status=error.status,
                    retryable=False,
                )
            elif error.retry_after is not None:
                self.pause_until = max(self.pause_until, time.monotonic() + error.retry_after)
            if not error.retryable or attempts > self.options.max_retries:
                self._fill(
                    key,
                    ResponseRecord(
                        prompt_id="",
                        error=str(error),
                        attempts=attempts,
                        latency_s=round(time.perf_counter() - started, 6),
                        cache_key=key,
                    ),
                )
                self.stats.failed += len(self.plan.groups[key])
                return
            self.stats.retries += 1
            delay = self.options.backoff_base_s * 2 ** (attempts - 1) * random.uniform(0.5, 1.5)
            delay = min(delay, self.options.backoff_max_s)
            if error.retry_after is not None:
                delay = max(delay, error.retry_after)
            await asyncio.sleep(delay)

    async def worker(self, queue: list[str]) -> None:
        while queue:
            await self.process(queue.pop())


async def arun_prompts(
    target: Target, prompts: Sequence[PromptItem], options: RunOptions
) -> RunResult:
    """Send every prompt once (cached answers are reused) and return one record per prompt.

    With `options.processes` > 1 the requests are sharded over child processes (see
    `_arun_sharded`); the records are the same as with one process."""
    if options.concurrency < 1:
        raise InputError(f"concurrency must be at least 1, got {options.concurrency}")
    if options.processes < 1:
        raise InputError(f"processes must be at least 1, got {options.processes}")
    notes: list[str] = []
    if options.processes > 1:
        if target.spec() is not None:
            return await _arun_sharded(target, prompts, options)
        note = (
            f"processes={options.processes} ignored for target {target.id}: "
            f"{target.single_process_reason}; it runs in one process"
        )
        warnings.warn(note, RuntimeWarning, stacklevel=2)
        notes.append(note)
    result = await _arun(target, prompts, options)
    result.stats.notes.extend(notes)
    return result


async def _arun(
    target: Target,
    prompts: Sequence[PromptItem],
    options: RunOptions,
    *,
    check_budget: bool = True,
    sink: Any = None,
) -> RunResult:
    """One process, one event loop. `sink`: a progress object instead of a rich bar."""
    started = time.perf_counter()
    cache = ResponseCache(options.cache_path) if options.cache_path else None
    try:
        plan = _plan(target, prompts, cache)
        est = _estimate(prompts, plan, options)
        if check_budget:
            _check_budget(est, options)
        run = _Run(target, prompts, plan, options, cache)
        progress = None
        if sink is not None:
            run.progress = sink
        elif options.progress:
            progress, run.task_id = _progress_bar(target.id, len(prompts))
            run.progress = progress
        try:
            for key, completion in plan.cached.items():
                run._fill(key, _cached_record(key, completion))
            run.stats.cached = len(run.records)
            todo = _todo(plan)
            if options.replay_only:
                for key in todo:
                    run._fill(
                        key,
                        ResponseRecord(prompt_id="", error=REPLAY_MISS, attempts=0, cache_key=key),
                    )
                    run.stats.failed += len(plan.groups[key])
            elif todo:
                target.prepare(options.concurrency)
                queue = list(reversed(todo))  # pop() from the end keeps prompt order
                n_workers = min(options.concurrency, len(todo))
                try:
                    async with asyncio.TaskGroup() as tg:
                        for _ in range(n_workers):
                            tg.create_task(run.worker(queue))
                except ExceptionGroup as group:
                    first: BaseException = group
                    while isinstance(first, BaseExceptionGroup):
                        first = first.exceptions[0]
                    raise first from None
        finally:
            if cache is not None:
                cache.flush()
            if progress is not None:
                progress.stop()
    finally:
        if cache is not None:
            cache.close()
    elapsed = time.perf_counter() - started
    stats = run.stats
    stats.elapsed_s = round(elapsed, 6)
    stats.req_per_s = round(len(prompts) / elapsed, 3) if elapsed > 0 else 0.0
    stats.spent_usd = run._spent_usd()
    stats.final_concurrency = run.limiter.limit
    stats.min_concurrency = run.limiter.min_seen
    responses = [run.records[p.id] for p in prompts]
    return RunResult(target_id=target.id, responses=responses, stats=stats, estimate=est)


def _todo(plan: _Plan) -> list[str]:
    return [k for k in plan.groups if k not in plan.cached]


def _cached_record(key: str, completion: Completion) -> ResponseRecord:
    return ResponseRecord(
        prompt_id="",
        text=completion.text,
        cached=True,
        attempts=0,
        prompt_tokens=completion.prompt_tokens,
        completion_tokens=completion.completion_tokens,
        cache_key=key,
    )


def _progress_bar(label: str, total: int) -> tuple[Any, Any]:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=False,
    )
    progress.start()
    return progress, progress.add_task(label[:40], total=total)


# -- sharding over processes ------------------------------------------------------------------

_SHARD_QUEUE: Any = None  # the parent's progress queue, set in each child by `_init_shard`


def _exit_on_term(signum: int, frame: Any) -> None:
    # Unwinds through the runner's `finally`: answers received so far reach the cache.
    raise SystemExit(128 + signum)


def _init_shard(queue: Any) -> None:
    global _SHARD_QUEUE
    _SHARD_QUEUE = queue
    # Ctrl-C goes to the parent, which terminates the children (SIGTERM: flush, then exit).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_term)


class _QueueSink:
    """Progress in a child: counts sent to the parent's queue, at most every 0.1 s."""

    def __init__(self, queue: Any) -> None:
        self.queue = queue
        self.count = 0
        self.last = time.monotonic()

    def advance(self, task_id: Any, n: int) -> None:
        self.count += n
        if time.monotonic() - self.last >= 0.1:
            self.flush()

    def flush(self) -> None:
        if self.count:
            self.queue.put(self.count)
            self.count = 0
        self.last = time.monotonic()


def _shard_main(spec: TargetSpec, prompts: list[PromptItem], options: RunOptions) -> RunResult:
    """One shard, in a child process: rebuild the target and run with its own event loop."""
    target = spec.build()
    sink = _QueueSink(_SHARD_QUEUE) if _SHARD_QUEUE is not None else None
    box: dict[str, RunResult] = {}

    async def main() -> None:
        try:
            box["result"] = await _arun(target, prompts, options, check_budget=False, sink=sink)
        finally:
            await target.aclose()
            if sink is not None:
                sink.flush()

    _loop.run(main(), uvloop=options.uvloop)
    return box["result"]


def _split_int(total: int, weights: list[int]) -> list[int]:
    """`total` split in proportion to `weights` (largest remainder: the parts sum to total)."""
    whole = sum(weights) or 1
    parts = [total * w // whole for w in weights]
    order = sorted(range(len(weights)), key=lambda i: -((total * weights[i]) % whole))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _drain(queue: Any, progress: Any, task_id: Any) -> None:
    while True:
        try:
            n = queue.get_nowait()
        except Empty:
            return
        progress.advance(task_id, n)


def _terminate(pool: ProcessPoolExecutor) -> None:
    # No public API stops a running task: SIGTERM makes each child flush its cache and exit.
    procs: dict[int, Any] = getattr(pool, "_processes", None) or {}
    for proc in list(procs.values()):
        with contextlib.suppress(Exception):
            proc.terminate()


async def _arun_sharded(
    target: Target, prompts: Sequence[PromptItem], options: RunOptions
) -> RunResult:
    """Plan and check the budget here, send the uncached requests from N child processes.

    Shards are interleaved over distinct requests (prompts that share a cache key stay in one
    shard, so nothing is sent twice); each child writes the shared cache as it goes, so an
    interrupted run resumes like a one-process run."""
    started = time.perf_counter()
    spec = target.spec()
    assert spec is not None
    cache = ResponseCache(options.cache_path) if options.cache_path else None
    try:
        plan = _plan(target, prompts, cache)
    finally:
        if cache is not None:
            cache.close()
    est = _estimate(prompts, plan, options)
    _check_budget(est, options)
    todo = _todo(plan)
    n = min(options.processes, len(todo))
    if options.replay_only or n <= 1:  # nothing to send from several processes
        result = await _arun(target, prompts, replace(options, processes=1), check_budget=False)
        result.estimate = est
        return result

    shard_keys = [todo[i::n] for i in range(n)]
    shard_of = {key: s for s, keys in enumerate(shard_keys) for key in keys}
    shard_prompts: list[list[PromptItem]] = [[] for _ in range(n)]
    for i, p in enumerate(prompts):
        s = shard_of.get(plan.keys[i])
        if s is not None:
            shard_prompts[s].append(p)
    # The budget is split before the start: no shard can take another's share.
    requests = [len(keys) for keys in shard_keys]
    req_budget: list[int | None] = [None] * n
    if options.budget_requests is not None:
        req_budget = list(_split_int(options.budget_requests, requests))
    usd_budget: list[float | None] = [None] * n
    if options.budget_usd is not None:
        tokens = [
            sum(
                _request_tokens(
                    prompts[plan.groups[k][0]].messages, prompts[plan.groups[k][0]].params
                )
                for k in keys
            )
            for keys in shard_keys
        ]
        whole = sum(tokens) or 1
        usd_budget = [options.budget_usd * t / whole for t in tokens]
    child_options = [
        replace(
            options,
            processes=1,
            progress=False,
            concurrency=math.ceil(options.concurrency / n),
            rpm=options.rpm / n if options.rpm else None,
            tpm=options.tpm / n if options.tpm else None,
            budget_requests=req_budget[s],
            budget_usd=usd_budget[s],
        )
        for s in range(n)
    ]

    records: dict[str, ResponseRecord] = {}
    for key, completion in plan.cached.items():
        rec = _cached_record(key, completion)
        for i in plan.groups[key]:
            records[prompts[i].id] = rec.model_copy(update={"prompt_id": prompts[i].id})
    stats = RunStats(prompts=len(prompts), unique_requests=len(plan.groups), cached=len(records))

    ctx = multiprocessing.get_context("spawn")  # no fork: the parent may hold threads/loops
    queue = ctx.Queue() if options.progress else None
    progress = task_id = None
    if queue is not None:
        progress, task_id = _progress_bar(target.id, len(prompts))
        progress.advance(task_id, len(records))
    pool = ProcessPoolExecutor(n, mp_context=ctx, initializer=_init_shard, initargs=(queue,))
    futures = [
        asyncio.wrap_future(pool.submit(_shard_main, spec, shard_prompts[s], child_options[s]))
        for s in range(n)
    ]
    finished = False
    try:
        pending: set[asyncio.Future[RunResult]] = set(futures)
        while pending:
            done, pending = await asyncio.wait(
                pending, timeout=0.1, return_when=asyncio.FIRST_EXCEPTION
            )
            if progress is not None:
                _drain(queue, progress, task_id)
            for fut in done:
                fut.result()  # a shard's error (e.g. InputError) stops the run
        results = [fut.result() for fut in futures]
        finished = True
    finally:
        if not finished:
            for fut in futures:  # a terminated child's SystemExit is nobody's result
                if fut.done() and not fut.cancelled():
                    fut.exception()
                else:
                    fut.cancel()
            _terminate(pool)
        pool.shutdown(wait=True, cancel_futures=True)
        if progress is not None:
            progress.update(task_id, completed=len(records) + sum(map(len, shard_prompts)))
            progress.stop()

    summed = (
        "cached", "answered", "failed", "sent", "retries", "rate_limited", "server_errors",
        "timeouts", "prompt_tokens", "completion_tokens", "final_concurrency", "min_concurrency",
    )  # fmt: skip
    for res in results:
        for name in summed:
            setattr(stats, name, getattr(stats, name) + getattr(res.stats, name))
        for rec in res.responses:
            records[rec.prompt_id] = rec
    elapsed = time.perf_counter() - started
    stats.elapsed_s = round(elapsed, 6)
    stats.req_per_s = round(len(prompts) / elapsed, 3) if elapsed > 0 else 0.0
    if options.price_per_1k_tokens is not None:
        stats.spent_usd = (
            (stats.prompt_tokens + stats.completion_tokens) * options.price_per_1k_tokens / 1000.0
        )
    stats.processes = n
    stats.shard_prompts = [len(sp) for sp in shard_prompts]
    responses = [records[p.id] for p in prompts]
    return RunResult(target_id=target.id, responses=responses, stats=stats, estimate=est)


def run_prompts(target: Target, prompts: Sequence[PromptItem], options: RunOptions) -> RunResult:
    """Synchronous `arun_prompts` (its own event loop; loop-bound connections are closed)."""

    box: dict[str, Any] = {}

    async def main() -> None:
        # The result goes in a box, not out of the task: Python 3.11's asyncio.run may repr()
        # the main task at exit, which would format every record.
        try:
            box["result"] = await arun_prompts(target, prompts, options)
        finally:
            await target.aclose()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        _loop.run(main(), uvloop=options.uvloop)
    else:
        # Called from inside a running loop (a notebook): a thread with a loop of its own.
        def runner() -> None:
            try:
                _loop.run(main(), uvloop=options.uvloop)
            except BaseException as exc:
                box["error"] = exc

        thread = threading.Thread(target=runner, name="tianping-run")
        thread.start()
        thread.join()
        if "error" in box:
            raise box["error"]
    result: RunResult = box["result"]
    return result
