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
    """A semaphore whose limit moves (AIMD): it starts small and doubles each round trip
    (slow start) until the first overload, then grows by one per `limit` successes and is
    halved on overload (429 or 5xx).

    A burst of failures counts once: only a request sent after the last cut (or, without
    send times, after `cooldown_s`) cuts again."""

    def __init__(
        self, maximum: int, *, adaptive: bool, start: int | None = None, cooldown_s: float = 0.0
    ) -> None:
        self.maximum = max(1, maximum)
        self.adaptive = adaptive
        self.limit = self.maximum if not adaptive else max(1, min(self.maximum, start or 4))
        self.cooldown_s = cooldown_s
        self.min_seen = self.limit
        self._inflight = 0
        self._successes = 0
        self._last_cut = -1e9
        self._slow_start = True
        self._cond = asyncio.Condition()

    async def acquire(self) -> None:
        if not self.adaptive:
            return  # fixed concurrency: the runner starts exactly `maximum` workers
        async with self._cond:
            await self._cond.wait_for(lambda: self._inflight < self.limit)
            self._inflight += 1

    async def release(self) -> None:
        if not self.adaptive:
            return
        async with self._cond:
            self._inflight -= 1
            # Wake only as many waiters as there are free slots (notify_all is O(waiters)).
            self._cond.notify(max(1, self.limit - self._inflight))

    def success(self) -> None:
        if not self.adaptive or self.limit >= self.maximum:
            return
        if self._slow_start:  # +1 per success: doubles each round trip until the first overload
            self.limit += 1
            return
        self._successes += 1
        if self._successes >= self.limit:
            self._successes = 0
            self.limit += 1
        # waiters see the new slot at the next release(), which notifies them

    def overload(self, sent_at: float | None = None) -> None:
        """An overload signal for a request sent at `sent_at` (time.monotonic()); a request
        sent before the last cut was sent under the old limit and does not cut again."""
        if not self.adaptive:
            return
        now = time.monotonic()
        if sent_at is not None and sent_at < self._last_cut:
            return
        if now - self._last_cut < self.cooldown_s:
            return
        self._last_cut = now
        self._slow_start = False
        self._successes = 0
        self.limit = max(1, self.limit // 2)
        self.min_seen = min(self.min_seen, self.limit)
