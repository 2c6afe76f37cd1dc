"""Token buckets and the AIMD concurrency limiter."""

from __future__ import annotations

import asyncio
import time

import pytest

from tianping.genai._ratelimit import AdaptiveLimiter, TokenBucket


def test_aimd_slow_start_then_halving_then_additive_increase() -> None:
    lim = AdaptiveLimiter(64, adaptive=True, start=4, cooldown_s=0.0)
    assert lim.limit == 4
    for _ in range(4):
        lim.success()
    assert lim.limit == 8  # slow start: doubled in one round
    lim.overload()
    assert lim.limit == 4 and lim.min_seen == 4
    for _ in range(3):
        lim.success()
    assert lim.limit == 4  # now one per `limit` successes
    lim.success()
    assert lim.limit == 5
    for _ in range(10):
        lim.overload()
    assert lim.limit == 1 and lim.min_seen == 1


def test_aimd_counts_a_burst_of_failures_once_and_respects_the_maximum() -> None:
    lim = AdaptiveLimiter(6, adaptive=True, start=4, cooldown_s=60.0)
    for _ in range(20):
        lim.success()
    assert lim.limit == 6
    lim.overload()
    lim.overload()
    assert lim.limit == 3
    fixed = AdaptiveLimiter(6, adaptive=False)
    fixed.overload()
    assert fixed.limit == 6


def test_adaptive_limiter_bounds_inflight() -> None:
    async def go() -> int:
        lim = AdaptiveLimiter(10, adaptive=True, start=3)
        lim._slow_start = False
        inflight = peak = 0

        async def job() -> None:
            nonlocal inflight, peak
            await lim.acquire()
            inflight += 1
            peak = max(peak, inflight)
            await asyncio.sleep(0.005)
            inflight -= 1
            await lim.release()

        await asyncio.gather(*(job() for _ in range(30)))
        return peak

    assert asyncio.run(go()) == 3


def test_token_bucket_waits_for_refill() -> None:
    async def go() -> float:
        bucket = TokenBucket(per_minute=600, capacity=2)  # 10 a second
        t0 = time.monotonic()
        for _ in range(6):
            await bucket.acquire(1)
        return time.monotonic() - t0

    assert asyncio.run(go()) >= 0.35  # 4 past the burst at 0.1 s each
    with pytest.raises(ValueError):
        TokenBucket(0)


def test_token_bucket_debit_delays_the_next_acquire() -> None:
    async def go() -> float:
        bucket = TokenBucket(per_minute=6000, capacity=100)  # 100 a second
        await bucket.acquire(100)
        bucket.debit(50)  # the answer was longer than estimated
        t0 = time.monotonic()
        await bucket.acquire(10)
        return time.monotonic() - t0

    assert asyncio.run(go()) >= 0.5
