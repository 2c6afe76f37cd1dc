"""Helpers that several test packages share (fixtures stay in the conftest files)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path


def run_tianping(
    *args: str,
    cwd: Path,
    drop_env: Iterable[str] = (),
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """`python -m tianping.cli ARGS` in a subprocess, as a user runs it.

    The child gets this process's environment without `drop_env`, plus `env`.
    """
    dropped = set(drop_env)
    child = {k: v for k, v in os.environ.items() if k not in dropped}
    child.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "tianping.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=child,
        timeout=timeout,
    )
