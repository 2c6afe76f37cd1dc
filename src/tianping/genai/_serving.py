"""The life cycle shared by the local chat servers: serve on an event loop in a thread."""

from __future__ import annotations

import asyncio
import threading
from typing import Self

from tianping.genai import _loop


class ThreadedServer:
    """Runs `_serve(ready)` on its own event loop in a daemon thread.

    `_serve` sets `ready` once it listens (and `self.port` is known), then waits on
    `self._stopped`; `stop()` sets that event from any thread.
    """

    host: str
    port: int
    uvloop: bool
    thread_name = "tianping-server"

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopped: asyncio.Event | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _serve(self, ready: threading.Event) -> None:
        raise NotImplementedError

    def start(self) -> str:
        """Start serving; returns the base URL ("http://127.0.0.1:PORT/v1")."""
        if self._thread is not None:
            return self.base_url
        ready = threading.Event()
        failure: list[BaseException] = []

        def main() -> None:
            loop = _loop.new_event_loop(self.uvloop)
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._serve(ready))
            except BaseException as exc:
                failure.append(exc)
                ready.set()
            finally:
                loop.close()

        self._thread = threading.Thread(target=main, name=self.thread_name, daemon=True)
        self._thread.start()
        ready.wait(30)
        if failure:
            self._thread = None
            raise RuntimeError(f"chat server failed to start: {failure[0]}") from failure[0]
        return self.base_url

    def stop(self) -> None:
        if self._thread is None or self._loop is None:
            return
        stopped = self._stopped
        if stopped is not None:
            self._loop.call_soon_threadsafe(stopped.set)
        self._thread.join(10)
        self._thread = None
