"""Event-loop choice: uvloop when installed (the `genai` extra), else asyncio's own loop.

uvloop takes about a fifth off the runner's CPU per request (60 -> 49 µs at concurrency 500
with the lean HTTP client). `TIANPING_UVLOOP=0` (or `RunOptions(uvloop=False)`) keeps
asyncio's loop."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

_T = TypeVar("_T")
LoopFactory = Callable[[], asyncio.AbstractEventLoop]

_OFF = ("0", "false", "no", "off")


def uvloop_enabled(wanted: bool = True) -> bool:
    """Whether a new loop should be a uvloop loop: wanted, not switched off, installed."""
    if not wanted or os.environ.get("TIANPING_UVLOOP", "1").strip().lower() in _OFF:
        return False
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return False
    return True


def loop_factory(wanted: bool = True) -> LoopFactory | None:
    """uvloop's loop factory, or None (asyncio's default) when it is off or not installed."""
    if not uvloop_enabled(wanted):
        return None
    import uvloop

    factory: LoopFactory = uvloop.new_event_loop
    return factory


def new_event_loop(wanted: bool = True) -> asyncio.AbstractEventLoop:
    factory = loop_factory(wanted)
    return factory() if factory is not None else asyncio.new_event_loop()


def loop_name(loop: asyncio.AbstractEventLoop | None = None) -> str:
    """Which loop runs (or would run) the code: "uvloop" or "asyncio"."""
    if loop is None:
        return "uvloop" if uvloop_enabled() else "asyncio"
    return "uvloop" if type(loop).__module__.startswith("uvloop") else "asyncio"


def run(main: Coroutine[Any, Any, _T], *, uvloop: bool = True) -> _T:
    """`asyncio.run(main)` on uvloop's loop when enabled (asyncio.Runner's loop_factory)."""
    with asyncio.Runner(loop_factory=loop_factory(uvloop)) as runner:
        return runner.run(main)
