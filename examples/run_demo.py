"""`make demo`: assess every bundled example and write its reports to out/."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from tianping.assess import AssessOptions, run_assessment
from tianping.errors import TianpingError
from tianping.reports import render_html, render_json, render_text
from tianping.store import open_store

HERE = Path(__file__).resolve().parent
CHAT_PORT = 18765  # the public-chatbot example's endpoint: a local rule-based server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("out"))
    parser.add_argument("--lang", choices=["zh", "en"], default="en")
    args = parser.parse_args()
    console = Console()
    args.out.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(HERE))
    import train_models

    # We trained these models ourselves a moment ago, so we may unpickle them.
    train_models.main_quiet()
    options = AssessOptions(evidence_root=args.out / "evidence", trust_pickle=True)
    server = _start_chat_server(console)
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
            report = run_assessment(system, store, options)
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
        if server is not None:
            server.stop()
    console.print(summary)
    _standalone_audit(console, args.out)
    _privacy_walkthrough(console, args.out / "privacy")
    console.print(f"Open {args.out}/*.html in a browser; JSON beside them. Next: `make test`.")
    return 0


def _start_chat_server(console: Console) -> Any:
    """The chatbot example talks to an OpenAI-compatible endpoint: serve a local one."""
    try:
        from tianping.genai._server import ChatServer
    except ImportError:
        return None
    try:
        server = ChatServer(port=CHAT_PORT)
        server.start()
    except (OSError, RuntimeError) as exc:  # e.g. a server from an earlier demo still runs
        console.print(f"chat server not started on 127.0.0.1:{CHAT_PORT}: {exc}")
        return None
    return server


def _standalone_audit(console: Console, out: Path) -> None:
    """`tianping audit` without a rulebook: the research prototype's income model on Adult."""
    from tianping.audit._standalone import audit_profile

    report = audit_profile(
        HERE / "research-prototype",
        trust_pickle=True,
        evidence_dir=out / "evidence" / "research-prototype-audit",
    )
    (out / "research-prototype-audit.json").write_text(
        report.model_dump_json(indent=2), encoding="utf-8"
    )
    table = Table(title="Standalone audit: income model on UCI Adult / 独立算法审计")
    for col in ("check", "verdict", "key metrics"):
        table.add_column(col)
    for r in report.results:
        shown = ", ".join(
            f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
            for k, v in list(r.metrics.items())[:4]
        )
        table.add_row(r.check_id, r.verdict.value, shown)
    console.print(table)


def _privacy_walkthrough(console: Console, out: Path) -> None:
    """PIPL tools on their own: scan, de-identify, scan the output again; then anonymity.

    Scan and de-identify examples/privacy/ (synthetic customers and support notes) with its
    policy.yaml, and measure k-anonymity of UCI Adult before and after a Mondrian release."""
    import json
    import os
    import secrets

    from train_models import load_adult

    from tianping.privacy import PI_TYPES, deid_path, load_policy, measure, mondrian, scan_paths

    src = HERE / "privacy"
    data = [src / "customers.csv", src / "support-tickets.txt"]
    if not os.environ.get("TIANPING_DEID_KEY"):
        # a fresh secret for this run only: tokens are stable within a run, not across runs
        os.environ["TIANPING_DEID_KEY"] = secrets.token_hex(32)
    policy = load_policy(src / "policy.yaml")
    out.mkdir(parents=True, exist_ok=True)
    before = scan_paths(data)
    for f in data:
        deid_path(f, out / f.name, policy)
    after = scan_paths([out / f.name for f in data])
    table = Table(title="PI before and after `tianping deid` (examples/privacy) / 去标识化前后")
    for col in ("PI type", "class", "before", "after"):
        table.add_column(col)
    for t, n in sorted(before.counts.items(), key=lambda kv: -kv[1]):
        table.add_row(t, PI_TYPES[t].pipl_class, str(n), str(after.counts.get(t, 0)))
    console.print(table)
    console.print(
        "address_zh after de-identification: addresses generalised to their city "
        "(policy.yaml), which a scan still reports as a (coarse) address."
    )
    db_before, db_after = _database_in_place(console, src / "customers.csv", out, policy)

    adult = load_adult(HERE / "data" / "adult" / "adult.data")
    qi = ["age", "sex", "race", "native-country"]
    raw = measure(adult, qi, ["income"])
    released, result = mondrian(adult, qi, 10)
    anon = measure(released, qi, ["income"])
    released_l, result_l = mondrian(adult, qi, 10, sensitive="income", l=2)
    anon_l = measure(released_l, qi, ["income"])
    risk = Table(title="UCI Adult: k-anonymity before and after Mondrian (k=10) / 匿名化度量")
    for col in ("table", "k", "unique records", "max prosecutor risk", "l (income)", "NCP"):
        risk.add_column(col)
    rows = (
        ("raw", raw, 0.0),
        ("Mondrian k=10", anon, result.ncp),
        ("Mondrian k=10, l=2", anon_l, result_l.ncp),
    )
    for label, r, ncp in rows:
        risk.add_row(label, str(r.k), str(r.records_unique), f"{r.prosecutor_risk_max:.3f}",
                     str(r.l_distinct), f"{ncp:.3f}")  # fmt: skip
    console.print(risk)
    summary = {
        "pi_before": before.counts,
        "pi_after": after.counts,
        "database_before": db_before,
        "database_after": db_after,
        "adult_raw": raw.model_dump(),
        "adult_mondrian_k10": anon.model_dump(),
        "adult_mondrian_k10_l2": anon_l.model_dump(),
        "mondrian": [result.model_dump(), result_l.model_dump()],
    }
    (out / "privacy-summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")


def _database_in_place(
    console: Console, csv_path: Path, out: Path, policy: Any
) -> tuple[dict[str, int], dict[str, int]]:
    """The same customers as a SQLite table (out/privacy/crm.db): scanned, copied
    de-identified into another database (out/privacy/crm_copy.db), de-identified in place (by
    primary key, one transaction), scanned again. PI counts before and after."""
    import csv

    from tianping.privacy import deid_database, deid_database_in_place, scan_database
    from tianping.privacy._corpus import load_table

    db = out / "crm.db"
    db.unlink(missing_ok=True)
    with csv_path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    url = f"sqlite:///{db}"
    load_table(url, rows)
    before = scan_database(url).counts
    copy = out / "crm_copy.db"  # a staging copy of every table, the source only read
    copy.unlink(missing_ok=True)
    copied = deid_database(url, f"sqlite:///{copy}", policy)
    console.print(
        f"Database copy / 数据库去标识化副本: {len(copied.files)} table(s) into {copy.name}, "
        f"PI found after {sum(scan_database(f'sqlite:///{copy}').counts.values())}"
    )
    report = deid_database_in_place(url, "customers", policy)
    after = scan_database(url).counts
    f = report.files[0]
    console.print(
        f"Database table in place / 数据库原地去标识化: {f.output}; PI found before "
        f"{sum(before.values())}, after {sum(after.values())} ({', '.join(sorted(after)) or '—'})"
    )
    return dict(before), dict(after)


if __name__ == "__main__":
    sys.exit(main())
