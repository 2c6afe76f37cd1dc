"""Rate limits (token buckets) and adaptive concurrency (AIMD) for the runner."""

from __future__ import annotations

import asyncio
import time


class TokenBucket:
    """`per_minute` units a minute, bursts up to `capacity` (default: one second's worth, >= 1).

    `acquire(n)` waits until n units are available; `debit(n)` charges units after the fact
    (e.g. completion tokens known only from the answer) and may drive the level negative."""

    def __init__(self, per_minute: float, capacity: float | None = None) -> None:
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        self.rate = per_minute / 60.0
        self.capacity = capacity if capacity is not None else max(1.0, self.rate)
        self._level = self.capacity
        self._stamp = time.monotonic()
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = time.monotonic()
        self._level = min(self.capacity, self._level + (now - self._stamp) * self.rate)
        self._stamp = now

    async def acquire(self, amount: float = 1.0) -> None:
        amount = min(amount, self.capacity)  # a request larger than the bucket still goes
        async with self._lock:  # FIFO: waiters are served in order
            while True:
                self._refill()
                if self._level >= amount:
                    self._level -= amount
                    return
                await asyncio.sleep((amount - self._level) / self.rate)

    def debit(self, amount: float) -> None:
        self._refill()
        self._level -= amount


class AdaptiveLimiter:
    """A semaphore whose limit moves: +1 after `limit` successes, halved on overload (AIMD).

    Halving happens at most once per `cooldown_s` so a burst of failures counts once."""

    def __init__(
        self, maximum: int, *, adaptive: bool, start: int | None = None, cooldown_s: float = 1.0
    ) -> None:
        self.maximum = max(1, maximum)
        self.adaptive = adaptive
        self.limit = self.maximum if not adaptive else max(1, min(self.maximum, start or 4))
        self.cooldown_s = cooldown_s
        self.min_seen = self.limit
        self._inflight = 0
        self._successes = 0
        self._last_cut = -1e9
        self._cond = asyncio.Condition()

    async def acquire(self) -> None:
        async with self._cond:
            await self._cond.wait_for(lambda: self._inflight < self.limit)
            self._inflight += 1

    async def release(self) -> None:
        async with self._cond:
            self._inflight -= 1
            self._cond.notify_all()

    def success(self) -> None:
        if not self.adaptive or self.limit >= self.maximum:
            return
        self._successes += 1
        if self._successes >= self.limit:
            self._successes = 0
            self.limit += 1
            # wake a waiter for the new slot (release() notifies on the next completion)

    def overload(self) -> None:
        if not self.adaptive:
            return
        now = time.monotonic()
        if now - self._last_cut < self.cooldown_s:
            return
        self._last_cut = now
        self._successes = 0
        self.limit = max(1, self.limit // 2)
        self.min_seen = min(self.min_seen, self.limit)
