"""`make demo`: assess every bundled example and write its reports to out/."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from tianping.assess import run_assessment
from tianping.errors import TianpingError
from tianping.reports import render_html, render_json, render_text
from tianping.store import open_store

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("out"))
    parser.add_argument("--lang", choices=["zh", "en"], default="en")
    args = parser.parse_args()
    console = Console()
    args.out.mkdir(parents=True, exist_ok=True)
    store = open_store(f"sqlite:///{(args.out / 'tianping.db').resolve()}")
    systems = sorted(p.parent for p in HERE.glob("*/tianping.yaml"))
    summary = Table(title="Tianping demo: five example AI systems / 五个示例系统")
    for col in (
        "system",
        "tier",
        "applicable",
        "met",
        "gap",
        "partial",
        "needs attestation",
        "report",
    ):
        summary.add_column(col)
    try:
        for system in systems:
            report = run_assessment(system, store)
            if system.name == "credit-scoring":
                render_text(report, console, lang=args.lang)
            (args.out / f"{report.system.id}.json").write_text(
                render_json(report), encoding="utf-8"
            )
            html = args.out / f"{report.system.id}.html"
            html.write_text(render_html(report, lang="zh"), encoding="utf-8")
            s = report.summary.by_status
            summary.add_row(
                report.system.id,
                report.tier.level,
                str(report.summary.obligations_applicable),
                str(s["met"]),
                str(s["gap"]),
                str(s["partial"]),
                str(s["needs_attestation"]),
                str(html),
            )
    except TianpingError as exc:
        Console(stderr=True).print(f"error: {exc}", markup=False)
        return 2
    finally:
        store.close()
    console.print(summary)
    console.print(f"Open {args.out}/*.html in a browser; JSON beside them. Next: `make test`.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
