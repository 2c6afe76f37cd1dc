"""`make bench`: the core (CLI cold start, assessing the examples, CEL) and every domain
benchmark (fairness, SHAP, PI scanning, anonymity, database tables, labels, GenAI runner
and judges).

Each figure sits next to the baseline a user would otherwise have, as a ratio. Writes one
Markdown block per section into docs/benchmarks.md (between markers) and prints them.
`--only fairness,labels` runs some domains; `--quick` runs the small sizes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import _table
from _timing import median_time

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"


def run(cmd: list[str]) -> None:
    subprocess.run(cmd, check=True, capture_output=True, cwd=REPO)


def bench_cold_start(repeats: int) -> list[tuple[str, float, str, float]]:
    py = sys.executable
    floor = median_time(lambda: run([py, "-c", "pass"]), repeats)
    helptime = median_time(lambda: run([py, "-m", "tianping.cli", "--help"]), repeats)
    tier = median_time(
        lambda: run([py, "-m", "tianping.cli", "tier", str(EXAMPLES / "credit-scoring")]), repeats
    )
    return [
        ("`tianping --help` (cold start)", helptime, "`python -c pass`", floor),
        ("`tianping tier credit-scoring` (load rulebook, tier)", tier, "`python -c pass`", floor),
    ]


def bench_assess(repeats: int) -> list[tuple[str, float, str, float]]:
    """As `make demo` runs them: trained models (pickle consent), the local chat endpoint."""
    from tianping.assess import AssessOptions, run_assessment
    from tianping.genai._server import ChatServer
    from tianping.rules import load_rulebook
    from tianping.store import open_store

    sys.path.insert(0, str(EXAMPLES))
    import train_models

    train_models.main_quiet()
    server = ChatServer(port=18765)
    server.start()
    systems = sorted(p.parent for p in EXAMPLES.glob("*/tianping.yaml"))
    rulebook = load_rulebook()

    def five() -> None:
        with tempfile.TemporaryDirectory() as d:
            store = open_store(f"sqlite:///{d}/bench.db")
            options = AssessOptions(evidence_root=Path(d) / "evidence", trust_pickle=True)
            for s in systems:
                run_assessment(s, store, options, rulebook=rulebook)
            store.close()

    def cli_five() -> None:
        with tempfile.TemporaryDirectory() as d:
            for s in systems:
                run(
                    [
                        sys.executable,
                        "-m",
                        "tianping.cli",
                        "--db",
                        f"sqlite:///{d}/b.db",
                        "assess",
                        str(s),
                        "--format",
                        "json",
                        "--trust-pickle",
                        "--out",
                        d,
                    ]
                )

    try:
        return [
            (
                f"assess all {len(systems)} examples in-process (fresh SQLite)",
                median_time(five, repeats),
                "same, one CLI process per system",
                median_time(cli_five, max(1, repeats // 2)),
            )
        ]
    finally:
        server.stop()


def bench_cel(n: int) -> list[tuple[str, float, str, float]]:
    import cel

    from tianping.systems import load_profile

    variables = {"profile": load_profile(EXAMPLES / "credit-scoring").to_cel()}
    ctx = cel.Context(variables=variables)  # what tianping.rules.cel_context builds
    expr = (
        'profile.sectors.exists(s, s in ["finance", "insurance"]) && '
        "profile.data.individuals >= 1000000 && profile.derived.offered_in_cn_to_public"
    )
    prog = cel.compile(expr)
    ours = median_time(lambda: [prog.execute(ctx) for _ in range(n)], 3) / n
    try:
        import celpy
    except ImportError:
        return [
            (
                f"CEL condition, common-expression-language ({n} evals)",
                ours,
                "cel-python (not installed)",
                float("nan"),
            )
        ]
    env = celpy.Environment()
    cprog = env.program(env.compile(expr))
    act = {"profile": celpy.json_to_cel(variables["profile"])}
    theirs = median_time(lambda: [cprog.evaluate(act) for _ in range(n // 20)], 3) / (n // 20)
    return [
        (
            "one CEL condition, common-expression-language (Rust)",
            ours,
            "cel-python (pure Python)",
            theirs,
        )
    ]


def fmt(seconds: float) -> str:
    if seconds != seconds:  # NaN
        return "n/a"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


DOMAINS = {
    "fairness": "bench_fairness",
    "shap": "bench_shap",
    "privacy_scan": "bench_privacy_scan",
    "privacy_heldout": "bench_privacy_heldout",
    "anonymity": "bench_anonymity",
    "privacy_db": "bench_privacy_db",
    "privacy_ocr": "bench_privacy_ocr",
    "privacy_legacy": "bench_privacy_legacy",
    "labels": "bench_labels",
    "genai_runner": "bench_genai_runner",
    "genai_judges": "bench_genai_judges",
}


def domain_table(name: str, quick: bool) -> str:
    """Run one domain benchmark module and render its rows."""
    import importlib

    sys.path.insert(0, str(REPO / "benchmarks"))
    module = importlib.import_module(DOMAINS[name])
    return _table.markdown_table(module.bench(quick=quick))


def write_block(path: Path, key: str, body: str) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    start, end = f"<!-- bench:{key}:start -->", f"<!-- bench:{key}:end -->"
    if key == "core":  # the original markers
        start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    block = f"{start}\n{body}\n{end}"
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        text += f"\n### {key}\n\n{block}\n"
    path.write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="small sizes (minutes, not hours)")
    parser.add_argument("--only", default="", help="comma-separated: core," + ",".join(DOMAINS))
    args = parser.parse_args()
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    head = (
        f"Measured {dt.date.today()} on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}" + (" (--quick sizes)" if args.quick else "") + "."
    )
    for name in DOMAINS:
        if only and name not in only:
            continue
        body = f"{head}\n\n{domain_table(name, args.quick)}"
        print(f"## {name}\n{body}\n")
        if args.out:
            write_block(args.out, name, body)
    if only and "core" not in only:
        return 0
    rows = bench_cold_start(args.repeats) + bench_assess(args.repeats) + bench_cel(2000)
    lines = [
        "| measurement | Tianping | baseline | baseline | ratio (baseline / Tianping) |",
        "|---|---|---|---|---|",
    ]
    for name, ours, base_name, base in rows:
        ratio = base / ours if ours and base == base else float("nan")
        lines.append(
            f"| {name} | {fmt(ours)} | {base_name} | {fmt(base)} | "
            f"{'n/a' if ratio != ratio else f'{ratio:.2f}×'} |"
        )
    table = "\n".join(lines)
    core_head = head[:-1] + f"; medians of {args.repeats} runs."
    print(core_head)
    print(table)
    if args.out:
        write_block(args.out, "core", f"{core_head}\n\n{table}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
