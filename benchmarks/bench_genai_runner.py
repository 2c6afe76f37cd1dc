"""GenAI runner throughput against the local chat server (fixed latency, separate processes).

Rows: the runner at concurrency 10 / 100 / 500 against a 50 ms endpoint, goal
0.8 x concurrency / latency, with what was measured in each row (client HTTP path, event
loop, server kind and processes); at concurrency 500 the runner through aiohttp instead of
the lean client, on asyncio's loop instead of uvloop, and against the aiohttp server; client
CPU per request; concurrency 500 from one process vs sharded over two
(RunOptions.processes); the same load through a bare httpx.AsyncClient (pool sized to the
concurrency) and a bare aiohttp session, to justify the client choice; cache replay;
inspect-ai's default client settings where inspect-ai is installed.

The server is `python -m tianping.genai._server --lean` (bare asyncio.Protocol, uvloop) by
default: on a machine whose cores client and server share, it leaves them to the client
under test (~33 µs of server CPU per request against aiohttp.web's ~80 µs); `--server
aiohttp` uses the aiohttp `ChatServer` for every row.

    .venv/bin/python benchmarks/bench_genai_runner.py [--quick] [--server-procs N]
                     [--server lean|aiohttp]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import _table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from tianping.genai import _loop  # noqa: E402
from tianping.genai._runner import RunOptions, arun_prompts, run_prompts  # noqa: E402
from tianping.genai._targets import CallableTarget, HTTPClient, OpenAIChatTarget  # noqa: E402
from tianping.genai._types import ChatMessage, PromptItem  # noqa: E402

LATENCY_S = 0.05


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server_processes(latency_ms: float, procs: int, lean: bool = False) -> Iterator[str]:
    """`procs` server processes sharing one port (SO_REUSEPORT); yields the base URL."""
    port = _free_port()
    cmd = [sys.executable, "-m", "tianping.genai._server", "--port", str(port)]
    cmd += ["--latency-ms", str(latency_ms)]
    if lean:
        cmd.append("--lean")
    if procs > 1:
        cmd.append("--reuse-port")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    started = [
        subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
        for _ in range(procs)
    ]
    try:
        for proc in started:
            assert proc.stdout is not None
            proc.stdout.readline()  # the URL: the server is listening
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        for proc in started:
            proc.terminate()
        for proc in started:
            proc.wait(10)


def _prompts(n: int, tag: str) -> list[PromptItem]:
    return [
        PromptItem(
            id=f"{tag}-{i}",
            question_id=f"q{i}",
            kind="should_not_refuse",
            messages=[ChatMessage(role="user", content=f"benchmark question {tag} {i}?")],
        )
        for i in range(n)
    ]


def runner_rate(
    base_url: str,
    concurrency: int,
    n: int,
    processes: int = 1,
    *,
    client: HTTPClient = "auto",
    uvloop: bool = True,
) -> tuple[float, float]:
    """Prompts per second and client CPU µs per prompt (this process, run_prompts only)."""
    target = OpenAIChatTarget(base_url, "bench", client=client)
    options = RunOptions(concurrency, processes=processes, uvloop=uvloop)
    prompts = _prompts(n, f"r{concurrency}p{processes}{client}{uvloop}")
    cpu0 = time.process_time()
    result = run_prompts(target, prompts, options)
    cpu = (time.process_time() - cpu0) / n * 1e6
    assert result.stats.failed == 0, result.stats
    assert result.stats.processes == processes, result.stats
    return n / result.stats.elapsed_s, cpu


def _server_label(kind: str, procs: int) -> str:
    what = "lean asyncio.Protocol server" if kind == "lean" else "aiohttp ChatServer"
    return f"{what}, {procs} process(es), {_loop.loop_name()}"


def processes_rows(
    url: str, n: int, repeats: int, server_procs: int, server: str = "lean"
) -> list[dict[str, object]]:
    """Concurrency 500 from one process vs sharded over 2 (wall clock, spawn start included)."""
    c = 500
    import resource

    def cpu_s() -> float:  # this process plus reaped children (the shards, not the server)
        own = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    rates: dict[int, float] = {}
    cpu_us: dict[int, float] = {}
    for procs in (1, 2):
        rates[procs], cpu_us[procs] = 0.0, float("inf")
        for _ in range(repeats):
            cpu0 = cpu_s()
            rates[procs] = max(rates[procs], runner_rate(url, c, n, procs)[0])
            cpu_us[procs] = min(cpu_us[procs], (cpu_s() - cpu0) / n * 1e6)
    goal = 0.8 * c / LATENCY_S
    rows = []
    for procs in (1, 2):
        rows.append(
            _row(
                f"runner, concurrency {c}, processes {procs}",
                rates[procs],
                "req/s",
                "processes 1" if procs > 1 else "",
                rates[1] if procs > 1 else None,
                f"{n} prompts, best of {repeats}; goal {goal:.0f} req/s "
                f"({rates[procs] / goal:.0%}); client CPU {cpu_us[procs]:.0f} µs/request "
                f"(all processes); server: {_server_label(server, server_procs)}; "
                f"{os.cpu_count()} CPUs shared by client and server; wall clock incl. "
                "~0.5 s to spawn the children",
            )
        )
    return rows


def _body(i: int) -> dict[str, Any]:
    return {"model": "bench", "messages": [{"role": "user", "content": f"raw question {i}?"}]}


async def _drive(send: Any, concurrency: int, n: int) -> float:
    sem = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with sem:
            await send(i)

    t0 = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    return n / (time.perf_counter() - t0)


def httpx_rate(base_url: str, concurrency: int, n: int) -> float:
    import httpx

    async def main() -> float:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(limits=limits, timeout=60) as client:

            async def send(i: int) -> None:
                resp = await client.post(f"{base_url}/chat/completions", json=_body(i))
                resp.raise_for_status()
                resp.json()

            return await _drive(send, concurrency, n)

    return _loop.run(main())  # the runner's loop (uvloop when installed): a like-for-like row


def aiohttp_rate(base_url: str, concurrency: int, n: int) -> float:
    import aiohttp

    async def main() -> float:
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def send(i: int) -> None:
                async with session.post(f"{base_url}/chat/completions", json=_body(i)) as resp:
                    resp.raise_for_status()
                    await resp.json()

            return await _drive(send, concurrency, n)

    return _loop.run(main())


def replay_rate(n: int) -> float:
    """Prompts a second run answers from the cache per second (replay only, no network)."""

    def answer(messages: list[ChatMessage]) -> str:
        return "cached answer to " + messages[-1].content

    async def fill_and_replay(cache: Path) -> float:
        target = CallableTarget(answer, id="callable:bench")
        prompts = _prompts(n, "replay")
        await arun_prompts(target, prompts, RunOptions(concurrency=64, cache_path=cache))
        result = await arun_prompts(target, prompts, RunOptions(cache_path=cache, replay_only=True))
        assert result.stats.cached == n
        return n / result.stats.elapsed_s

    with tempfile.TemporaryDirectory() as tmp:
        return asyncio.run(fill_and_replay(Path(tmp) / "cache.sqlite"))


def inspect_ai_rate(base_url: str, n: int) -> tuple[float | None, str]:
    """inspect-ai with its defaults (OpenAI-compatible provider) against the same server."""
    python = os.environ.get("INSPECT_PYTHON", sys.executable)
    probe = subprocess.run([python, "-c", "import inspect_ai"], capture_output=True)
    if probe.returncode != 0:
        return None, "inspect-ai not installed (set INSPECT_PYTHON to a Python that has it)"
    code = f"""
import time
from inspect_ai import Task, eval
from inspect_ai.dataset import Sample
from inspect_ai.solver import generate
samples = [Sample(input=f"inspect question {{i}}?", target="x") for i in range({n})]
t0 = time.perf_counter()
logs = eval(Task(dataset=samples, solver=generate()), model="openai-api/local/bench",
            model_base_url="{base_url}", display="none", log_dir="{tempfile.gettempdir()}/insp")
print("RATE", {n} / (time.perf_counter() - t0), logs[0].status)
"""
    env = {**os.environ, "LOCAL_API_KEY": "x", "LOCAL_BASE_URL": base_url}
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, env=env, timeout=600)
    for line in out.stdout.splitlines():
        if line.startswith("RATE"):
            _, rate, status = line.split()
            return float(rate), f"inspect-ai defaults, {n} samples, status {status}"
    return None, f"inspect-ai failed: {out.stderr.strip()[-200:]}"


def _row(
    name: str,
    ours: float,
    unit: str,
    baseline: str = "",
    baseline_value: float | None = None,
    note: str = "",
) -> dict[str, object]:
    ratio = round(ours / baseline_value, 2) if baseline_value else None
    return {
        "name": name,
        "ours": round(ours, 1),
        "unit": unit,
        "baseline": baseline,
        "baseline_value": None if baseline_value is None else round(baseline_value, 1),
        "ratio": ratio,
        "note": note,
    }


def adaptive_row(n: int) -> dict[str, object]:
    """AIMD vs fixed concurrency 64 against an endpoint that serves 8 at a time (429 above)."""
    from tianping.genai._server import ChatServer, FaultPlan

    stats = {}
    for adaptive in (False, True):
        plan = FaultPlan(max_inflight=8, retry_after_s=None)
        with ChatServer(faults=plan, latency_s=LATENCY_S, keep_log=False) as server:
            options = RunOptions(64, adaptive=adaptive, backoff_base_s=0.05, max_retries=20)
            result = run_prompts(
                OpenAIChatTarget(server.base_url, "m"), _prompts(n, "aimd"), options
            )
            stats[adaptive] = result.stats
    ours, base = stats[True], stats[False]
    return _row(
        "429 answers, concurrency 64 vs an endpoint serving 8 (adaptive AIMD)",
        float(ours.rate_limited),
        "count",
        "fixed concurrency 64",
        float(base.rate_limited),
        f"{n} prompts, 50 ms; ratio = fixed / adaptive; req/s adaptive "
        f"{ours.req_per_s:.0f} vs fixed {base.req_per_s:.0f}; failed {ours.failed}/{base.failed}",
    ) | {"ratio": round(base.rate_limited / max(1, ours.rate_limited), 2)}


def _best(fn: Any, url: str, c: int, n: int, repeats: int) -> tuple[float, float]:
    """Best rate of `repeats` runs (the machine is shared) and client CPU µs per request."""
    best_rate, best_cpu = 0.0, float("inf")
    for _ in range(repeats):
        cpu0 = time.process_time()
        rate = fn(url, c, n)
        best_cpu = min(best_cpu, (time.process_time() - cpu0) / n * 1e6)
        best_rate = max(best_rate, rate)
    return best_rate, best_cpu


def _best_runner(url: str, c: int, n: int, repeats: int, **kwargs: Any) -> tuple[float, float]:
    """Best rate and lowest client CPU µs per request of `repeats` runner runs."""
    runs = [runner_rate(url, c, n, **kwargs) for _ in range(repeats)]
    return max(r for r, _ in runs), min(cpu for _, cpu in runs)


def bench(
    quick: bool = False, server_procs: int | None = None, server: str = "lean"
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    procs = server_procs or max(1, min(4, os.cpu_count() or 1))
    cpus = os.cpu_count()
    repeats = 1 if quick else 3
    loop = _loop.loop_name()
    served = _server_label(server, procs)
    where = f"server: {served}; client: 1 process, {loop}; {cpus} CPUs shared"
    cpu_rows: list[dict[str, object]] = []
    with server_processes(LATENCY_S * 1000, procs, lean=server == "lean") as url:
        runner_rate(url, 10, 50)  # warm up imports and the server
        for c in (10, 100, 500):
            n = c * (8 if quick else 16)
            goal = 0.8 * c / LATENCY_S
            ours, ours_cpu = _best_runner(url, c, n, repeats)
            hx, hx_cpu = _best(httpx_rate, url, c, min(n, 600), repeats)
            rows.append(
                _row(
                    f"runner (lean HTTP client, {loop}), 50 ms endpoint, concurrency {c}",
                    ours,
                    "req/s",
                    f"httpx.AsyncClient, pool = concurrency, {loop}",
                    hx,
                    f"{n} prompts, best of {repeats}; goal {goal:.0f} req/s "
                    f"({ours / goal:.0%} of goal); {where}",
                )
            )
            raw, raw_cpu = _best(aiohttp_rate, url, c, n, repeats)
            rows.append(
                _row(
                    f"bare aiohttp session, concurrency {c}",
                    raw,
                    "req/s",
                    "",
                    None,
                    f"the client alone, without the runner's bookkeeping; {loop}",
                )
            )
            if c in (100, 500):
                cpu_rows.append(
                    _row(
                        f"client CPU per request, concurrency {c} (runner)",
                        ours_cpu,
                        "µs",
                        "httpx.AsyncClient",
                        hx_cpu,
                        f"bare aiohttp: {raw_cpu:.0f} µs; ratio = httpx / runner; "
                        "runner: CPU of run_prompts in the client process",
                    )
                )
                cpu_rows[-1]["ratio"] = round(hx_cpu / ours_cpu, 2) if ours_cpu else None
        # What each choice is worth at concurrency 500, one change at a time.
        c, n = 500, 500 * (8 if quick else 16)
        variants = [
            ("runner through aiohttp (client='aiohttp')", {"client": "aiohttp"}),
            ("runner on asyncio's loop (uvloop=False)", {"uvloop": False}),
        ]
        for name, kwargs in variants:
            rate, cpu = _best_runner(url, c, n, repeats, **kwargs)
            rows.append(
                _row(
                    f"{name}, concurrency {c}",
                    rate,
                    "req/s",
                    "",
                    None,
                    f"{n} prompts, best of {repeats}; client CPU {cpu:.0f} µs/request; "
                    f"server: {served}",
                )
            )
        rows.extend(cpu_rows)
        rows.extend(processes_rows(url, 4000 if quick else 20_000, repeats, procs, server))
        n_insp = 200 if quick else 1000
        insp, note = inspect_ai_rate(url, n_insp)
        if insp is not None:
            ours = runner_rate(url, 16, n_insp)[0]
            rows.append(
                _row(
                    "runner defaults (concurrency 16) vs inspect-ai defaults",
                    ours,
                    "req/s",
                    "inspect-ai",
                    insp,
                    f"{note}; server: {served}",
                )
            )
        else:
            print(f"inspect-ai row skipped: {note}", file=sys.stderr)
    if server == "lean":  # the same goal row against the aiohttp server, for comparison
        with server_processes(LATENCY_S * 1000, procs, lean=False) as url:
            runner_rate(url, 10, 50)
            c, n = 500, 500 * (8 if quick else 16)
            rate, cpu = _best_runner(url, c, n, repeats)
            rows.append(
                _row(
                    f"runner (lean HTTP client, {loop}) vs the aiohttp server, concurrency {c}",
                    rate,
                    "req/s",
                    "",
                    None,
                    f"{n} prompts, best of {repeats}; goal {0.8 * c / LATENCY_S:.0f} req/s; "
                    f"client CPU {cpu:.0f} µs/request; server: {_server_label('aiohttp', procs)}",
                )
            )
    rows.append(adaptive_row(300 if quick else 1000))
    n = 10_000 if quick else 50_000
    replay = max(replay_rate(n) for _ in range(repeats))
    rows.append(_row("cache replay (no network)", replay, "req/s", "", None, f"{n} prompts"))
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--server-procs", type=int, default=None)
    parser.add_argument(
        "--server",
        choices=("lean", "aiohttp"),
        default="lean",
        help="the 50 ms endpoint: lean asyncio.Protocol server or the aiohttp ChatServer",
    )
    parser.add_argument(
        "--only-processes", action="store_true", help="only the processes 1 vs 2 rows"
    )
    args = parser.parse_args()
    if args.only_processes:
        procs = args.server_procs or 2
        with server_processes(LATENCY_S * 1000, procs, lean=args.server == "lean") as url:
            runner_rate(url, 10, 50)
            rows = processes_rows(
                url, 4000 if args.quick else 20_000, 1 if args.quick else 3, procs, args.server
            )
    else:
        rows = bench(quick=args.quick, server_procs=args.server_procs, server=args.server)
    print(_table.markdown_table(rows))
