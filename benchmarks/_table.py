"""The Markdown table of benchmark rows, shared by every `bench_*.py` and `run_all.py`.

Run as scripts, the benchmarks find this module on `sys.path` (their own folder).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable


def num(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    return "—" if value is None else str(value)


def row(
    name: str, ours: float | None, unit: str, baseline: str = "", base: float | None = None,
    note: str = "", ratio: float | None = None,
) -> dict[str, object]:  # fmt: skip
    """One benchmark row, numbers rounded; a NaN baseline is shown as none."""
    return {
        "name": name,
        "ours": None if ours is None else round(ours, 4),
        "unit": unit,
        "baseline": baseline,
        "baseline_value": None if base is None or base != base else round(base, 4),
        "ratio": None if ratio is None else round(ratio, 3),
        "note": note,
    }


def markdown_table(rows: list[dict[str, object]]) -> str:
    """Rows with name, ours, unit, baseline, baseline_value, ratio, note as Markdown."""
    lines = [
        "| measurement | Tianping | unit | baseline | baseline value | ratio | note |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        ratio = r.get("ratio")
        lines.append(
            f"| {r['name']} | {num(r['ours'])} | {r.get('unit', '')} | "
            f"{r.get('baseline') or '—'} | {num(r.get('baseline_value'))} | "
            f"{'—' if ratio is None else f'{float(str(ratio)):.3g}×'} | {r.get('note', '')} |"
        )
    return "\n".join(lines)


def main(
    bench: Callable[..., list[dict[str, object]]],
    description: str | None = None,
    quick_help: str = "small sizes",
) -> None:
    """`python bench_x.py [--quick]`: run `bench` and print its Markdown table."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--quick", action="store_true", help=quick_help)
    args = ap.parse_args()
    print(markdown_table(bench(quick=args.quick)))
