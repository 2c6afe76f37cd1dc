"""`tianping deid|anonymity|crossborder|pipia`: PIPL de-identification, anonymity, route, PIPIA."""

from __future__ import annotations

import datetime as dt
import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from tianping.cli._common import (
    EXIT_FINDINGS,
    EXIT_OK,
    TextJson,
    current_lang,
    out,
    parse_date,
    write_out,
)
from tianping.errors import InputError

FormatOpt = Annotated[TextJson, typer.Option("--format", "-f", help="text or json")]
ProfileArg = Annotated[
    Path, typer.Argument(help="Profile file or the folder holding tianping.yaml / 系统档案")
]
AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", help="Decide as on this date (YYYY-MM-DD); default today")
]


def _csv_list(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _load(path: Path) -> tuple[Any, Path]:
    from tianping.systems import load_profile

    target = path / "tianping.yaml" if path.is_dir() else path
    return load_profile(target), target


def _attestations(profile: Any, profile_path: Path) -> dict[str, Any]:
    from tianping.checks._attestations import load_attestations

    if not profile.attestations.file:
        return {}
    att = profile_path.parent / profile.attestations.file
    if not att.is_file():
        raise InputError(f"attestations file not found: {att} (attestations.file in the profile)")
    return dict(load_attestations(att).answers)


def deid_cmd(
    source: Annotated[
        str,
        typer.Argument(
            metavar="SRC",
            help="Input file, folder or database URL / 输入文件、目录或数据库地址",
        ),
    ],
    policy: Annotated[Path, typer.Option("--policy", "-p", help="Policy YAML / 去标识化策略")],
    dst: Annotated[
        str | None,
        typer.Argument(
            metavar="DST",
            help="Output file or folder (never the input); from a database also a database "
            "URL (new tables), or a folder of extracts for several tables; none with "
            "--in-place / 输出",
            show_default=False,
        ),
    ] = None,
    fmt_in: Annotated[
        str | None, typer.Option("--input-format", help="text, csv, tsv, jsonl, json or parquet")
    ] = None,
    delimiter: Annotated[str | None, typer.Option("--delimiter", help="CSV delimiter")] = None,
    no_header: Annotated[bool, typer.Option("--no-header", help="CSV without header")] = False,
    encoding: Annotated[
        str | None, typer.Option("--encoding", help="Text encoding, e.g. gb18030 (default UTF-8)")
    ] = None,
    fmt: FormatOpt = TextJson.text,
    table: Annotated[
        str | None,
        typer.Option("--table", help="With a database URL: the one table (or view) to de-identify"),
    ] = None,
    tables: Annotated[
        str | None,
        typer.Option(
            "--tables",
            help="With a database URL: the tables to de-identify, comma-separated (default: "
            "every table, when --table is not given) / 多表",
        ),
    ] = None,
    out_format: Annotated[
        str,
        typer.Option("--out-format", help="Several tables into a folder: parquet or csv extracts"),
    ] = "parquet",
    schema: Annotated[str | None, typer.Option("--schema", help="The table's schema")] = None,
    out_table: Annotated[
        str | None,
        typer.Option("--out-table", help="With a database URL as DST: the new table's name"),
    ] = None,
    in_place: Annotated[
        bool,
        typer.Option(
            "--in-place",
            help="De-identify the database table where it is (by primary key, one "
            "transaction) / 原地去标识化",
        ),
    ] = False,
) -> None:
    """De-identify PI in a file or folder per a policy; other bytes stay as they are. From a
    database table (--table): an extract (.parquet/.csv), a new table (DST a database URL),
    or the table itself (--in-place). Without --table, every table of the database (or
    --tables): new tables in another database, a folder of extracts, or in place in one
    transaction; policy columns may be written table.column."""
    from tianping.privacy._deid import deid_path
    from tianping.privacy._policy import load_policy
    from tianping.privacy._scan_db import is_database_url

    if fmt_in is not None and fmt_in not in ("text", "csv", "tsv", "jsonl", "json", "parquet"):
        raise typer.BadParameter(
            "expected text, csv, tsv, jsonl, json or parquet", param_hint="--input-format"
        )
    pol = load_policy(policy)
    if is_database_url(source):
        from tianping.privacy._deid_db import (
            deid_database,
            deid_database_in_place,
            deid_database_table,
        )

        if table and tables:
            raise typer.BadParameter("give --table or --tables, not both", param_hint="--tables")
        if out_table and not table:
            raise typer.BadParameter("--out-table names the copy of one --table")
        if in_place and dst is not None:
            raise typer.BadParameter("--in-place takes no DST", param_hint="DST")
        if not in_place and dst is None:
            raise typer.BadParameter(
                "give DST (a file, a folder or a database URL), or --in-place", param_hint="DST"
            )
        target: str | Path | None = (
            None if dst is None else dst if is_database_url(dst) else Path(dst)
        )
        run_db: Callable[..., Any]
        if not table:
            only = [t.strip() for t in (tables or "").split(",") if t.strip()] or None
            run_db = functools.partial(
                deid_database, source, target, pol, tables=only, schema=schema,
                out_format=out_format,
            )  # fmt: skip
        elif target is None:
            run_db = functools.partial(deid_database_in_place, source, table, pol, schema=schema)
        else:
            run_db = functools.partial(
                deid_database_table, source, table, target, pol, schema=schema, out_table=out_table
            )
        if sys.stderr.isatty():
            from tianping.cli._privacy import row_bar

            with row_bar("de-identifying / 去标识化") as on_rows:
                report = run_db(on_rows=on_rows)
        else:
            report = run_db()
        _print_deid(report, fmt)
        return
    if in_place:
        raise typer.BadParameter(
            "files are never overwritten; --in-place is for database tables",
            param_hint="--in-place",
        )
    if dst is None:
        raise typer.BadParameter("give DST, the output file or folder", param_hint="DST")
    src = Path(source)
    run = functools.partial(
        deid_path,
        src,
        Path(dst),
        pol,
        fmt=fmt_in,  # type: ignore[arg-type]  # checked against the formats above
        delimiter=delimiter,
        has_header=not no_header,
        encoding=encoding,
    )
    if sys.stderr.isatty() and src.exists():
        from tianping.cli._privacy import byte_bar

        files = [src] if src.is_file() else [p for p in src.rglob("*") if p.is_file()]
        total = sum(p.stat().st_size for p in files)  # what deid_path will read
        with byte_bar("de-identifying / 去标识化", total, 0) as (on_bytes, _done):
            report = run(on_bytes=on_bytes)
    else:
        report = run()
    _print_deid(report, fmt)


def _print_deid(report: Any, fmt: TextJson) -> None:
    if fmt == TextJson.json:
        write_out(report.model_dump_json(indent=2), None)
    else:
        from tianping.privacy._shown import shown_path, shown_text, shown_warning

        zh = current_lang() == "zh"
        for f in report.files:
            if f.status == "skipped":
                why = shown_text(f.reason or "", f.input)
                out.print(f"[yellow]![/] {escape(shown_path(f.input))}: {escape(why)}")
                continue
            counts = ", ".join(f"{k} {v}" for k, v in f.replaced.items()) or "—"
            out.print(
                f"[green]✓[/] {escape(shown_path(f.input))} → {escape(shown_path(f.output or ''))} "
                f"({f.format}, {f.records} {'条记录' if zh else 'records'}; {escape(counts)})"
            )
            for why in f.constraints_dropped:  # a copy's schema: what it does not keep
                out.print(f"  [yellow]![/] {'未保留' if zh else 'not kept'}: {escape(why)}")
            for note in f.warnings:
                shown = escape(shown_warning(note))
                out.print(f"  [yellow]![/] {'注意' if zh else 'warning'}: {shown}")
            office = f.format in ("docx", "pptx", "xlsx", "odt", "ods")
            for col, found in f.left.items():  # PI the rewrite could not reach
                what = ", ".join(f"{k} {v}" for k, v in found.items())
                if col == "<keys>":  # a JSON object's keys: see the warning above
                    hint = "（对象的键）" if zh else "(object keys)"
                elif f.format in ("pdf", "image", "mail"):  # found again in the result
                    hint = (
                        "（改写后仍检出，请检查输出文件）"
                        if zh
                        else "(still found by a scan of the result: check the output)"
                    )
                elif office:  # found again by a scan of the result
                    hint = (
                        "（改写后仍检出：数字单元格或表头所示的值；请导出为 CSV 后按列处理）"
                        if zh
                        else "(still found after the rewrite: a number cell, or a value its "
                        "column's header marks; export the sheet as CSV and give it a rule)"
                    )
                else:
                    hint = (
                        f"（整数列保持类型：请在副本或导出中为 {escape(col)} "
                        "设置列规则，其值将变为文本）"
                        if zh
                        else f"(an integer column keeps its type: in a copy or extract, give "
                        f"{escape(col)} a column rule, which makes it text)"
                    )
                out.print(
                    f"  [red]![/] {'未处理' if zh else 'left'}: {escape(col)}: {escape(what)} "
                    + hint
                )
        total = report.replaced_total
        out.print(
            f"{'共替换' if zh else 'replaced'} {total} · "
            f"{'跳过' if zh else 'skipped'} {len(report.skipped)}"
        )
    # skipped files and PI left in place both leave work undone
    undone = report.skipped or any(f.left for f in report.files)
    raise typer.Exit(EXIT_FINDINGS if undone else EXIT_OK)


def anonymity_cmd(
    source: Annotated[
        str,
        typer.Argument(
            metavar="DATA",
            help="CSV, Parquet or JSONL table, or a database URL with --table / 数据表或数据库地址",
        ),
    ],
    qi: Annotated[str, typer.Option("--qi", help="Quasi-identifier columns, comma-separated")],
    sensitive: Annotated[
        str | None, typer.Option("--sensitive", help="Sensitive columns, comma-separated")
    ] = None,
    k: Annotated[
        int | None, typer.Option("--k", min=1, help="Run Mondrian to reach this k (with --out)")
    ] = None,
    l_div: Annotated[
        int | None, typer.Option("--l", min=1, help="Also require l distinct sensitive values")
    ] = None,
    dst: Annotated[Path | None, typer.Option("--out", help="Write the generalised table")] = None,
    population: Annotated[
        Path | None, typer.Option("--population", help="Population table (journalist risk)")
    ] = None,
    delimiter: Annotated[str | None, typer.Option("--delimiter", help="CSV delimiter")] = None,
    no_header: Annotated[bool, typer.Option("--no-header", help="CSV without header")] = False,
    columns: Annotated[
        str | None, typer.Option("--columns", help="Column names for a headerless CSV")
    ] = None,
    min_k: Annotated[
        int | None, typer.Option("--min-k", help="Exit 1 when k is below this")
    ] = None,
    fmt: FormatOpt = TextJson.text,
    table: Annotated[
        str | None,
        typer.Option(
            "--table",
            help="With a database URL: the table (only --qi and --sensitive columns are read)",
        ),
    ] = None,
    schema: Annotated[str | None, typer.Option("--schema", help="The table's schema")] = None,
) -> None:
    """k-anonymity, l-diversity, t-closeness and re-identification risk; Mondrian with --k."""
    from tianping.privacy._anonymity import load_database_table, load_table, measure
    from tianping.privacy._mondrian import mondrian
    from tianping.privacy._scan_db import is_database_url

    qis = _csv_list(qi)
    sens = _csv_list(sensitive)
    if k is not None and dst is None:
        raise typer.BadParameter(
            "--k writes the generalised table: give --out FILE", param_hint="--out"
        )
    if is_database_url(source):
        if not table:
            raise typer.BadParameter("a database URL needs --table NAME", param_hint="--table")
        df = load_database_table(source, table, list(dict.fromkeys(qis + sens)), schema)
    else:
        data = Path(source)
        if dst is not None and dst.resolve() == data.resolve():
            raise InputError(f"{dst}: the output is the input; choose another path")
        df = load_table(
            data, delimiter=delimiter, has_header=not no_header, columns=_csv_list(columns) or None
        )
    pop = load_table(population) if population else None
    before = measure(df, qis, sens, population=pop)
    result: dict[str, Any] = {"input": before.model_dump(mode="json")}
    after = None
    if k is not None and dst is not None:
        gen, mres = mondrian(df, qis, k, sensitive=sens[0] if (l_div and sens) else None, l=l_div)
        after = measure(gen, qis, sens)
        _write_table(gen, dst)
        result["mondrian"] = mres.model_dump(mode="json")
        result["output"] = after.model_dump(mode="json")
    if fmt == TextJson.json:
        write_out(json.dumps(result, ensure_ascii=False, indent=2), None)
    else:
        _print_report(before, "input")
        if after is not None:
            m = result["mondrian"]
            out.print(
                f"Mondrian: k={m['k_achieved']} (requested {k}), {m['partitions']} classes, "
                f"NCP {m['ncp']:.3f} → {escape(str(dst))}"
            )
            _print_report(after, "output")
    final = after or before
    raise typer.Exit(EXIT_FINDINGS if min_k is not None and final.k < min_k else EXIT_OK)


def _print_report(r: Any, label: str) -> None:
    zh = current_lang() == "zh"
    out.print(
        f"[bold]{label}[/]: {r.rows} {'行' if zh else 'rows'}, {r.equivalence_classes} "
        f"{'个等价类' if zh else 'classes'}; k={r.k}"
        + (f", l={r.l_distinct}, l_entropy={r.l_entropy:.3f}" if r.l_distinct is not None else "")
        + (f", t={r.t_closeness:.4f}" if r.t_closeness is not None else "")
    )
    risk = (
        f"  risk: prosecutor max {r.prosecutor_risk_max:.4f} avg {r.prosecutor_risk_avg:.4f}; "
        f"marketer {r.marketer_risk:.4f}; unique records {r.records_unique}"
    )
    if r.journalist_risk_max is not None:
        risk += f"; journalist max {r.journalist_risk_max:.4f}"
    out.print(risk)


def _write_table(df: Any, dst: Path) -> None:
    import os

    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.parent / f".{dst.name}.tianping-{os.getpid()}.tmp"
    suffix = dst.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            df.write_parquet(tmp)
        elif suffix in (".jsonl", ".ndjson"):
            df.write_ndjson(tmp)
        else:
            df.write_csv(tmp, separator="\t" if suffix == ".tsv" else ",")
        os.replace(tmp, dst)
    finally:
        if tmp.exists():
            tmp.unlink()


def crossborder_cmd(
    path: ProfileArg, as_of: AsOfOpt = None, fmt: FormatOpt = TextJson.text
) -> None:
    """The cross-border route (security assessment, standard contract/certification, exempt)."""
    from tianping.privacy._crossborder import ROUTE_TEXT, decide_route, scenario_text

    profile, _ = _load(path)
    dec = decide_route(profile, as_of=parse_date(as_of) or dt.date.today())
    if fmt == TextJson.json:
        write_out(dec.model_dump_json(indent=2), None)
        raise typer.Exit(EXIT_OK)
    lang = current_lang()
    zh = lang == "zh"
    out.print(f"[bold]{'出境路径' if zh else 'Route'}[/]: {escape(dec.route_text.get(lang))}")
    out.print(
        f"{'计数起点' if zh else 'Counted from'} {dec.counting_from} · CIIO: {dec.is_ciio} · "
        f"{'一般个人信息' if zh else 'PI'} {dec.totals.get('ordinary_individuals')} · "
        f"{'敏感' if zh else 'sensitive'} {dec.totals.get('ordinary_sensitive_individuals')}"
    )
    mark = {"verified": "", "secondary": " †", "unverified": " ‡"}
    for s in dec.reasoning:
        out.print(
            f"  • {escape(s.text.get(lang))} [dim]({escape(s.citation.get(lang))}"
            f"{mark[s.confidence]})[/]"
        )
    for f in dec.flows:
        route = ROUTE_TEXT[f.route].get(lang) if f.route in ROUTE_TEXT else f.route
        scen = scenario_text(f.scenario).get(lang)
        out.print(f"[bold]#{f.index} → {escape(f.destination)}[/] ({escape(scen)}): {route}")
        for s in f.reasoning:
            out.print(f"    - {escape(s.text.get(lang))} [dim]({escape(s.citation.get(lang))})[/]")
    if dec.also_required:
        out.print(f"[bold]{'同时须履行' if zh else 'Also required'}[/]:")
        for s in dec.also_required:
            out.print(
                f"  • {escape(s.citation.get(lang))}{mark[s.confidence]}: "
                f"{escape(s.text.get(lang))}"
            )
    raise typer.Exit(EXIT_OK)


def pipia_cmd(
    path: ProfileArg,
    dst: Annotated[Path | None, typer.Option("--out", help="Write the Markdown draft here")] = None,
    scan: Annotated[
        bool, typer.Option("--scan/--no-scan", help="Sample-scan scan_paths and datasets")
    ] = True,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = TextJson.text,
) -> None:
    """Draft a PIPIA (PIPL Art. 55 triggers, Art. 56 contents) as Markdown or JSON."""
    from tianping.privacy._inventory import scan_profile
    from tianping.privacy._pipia import draft_pipia, render_markdown

    profile, ppath = _load(path)
    findings = scan_profile(profile, ppath.parent)[0] if scan else []
    draft = draft_pipia(
        profile,
        findings=findings,
        attestations=_attestations(profile, ppath),
        as_of=parse_date(as_of) or dt.date.today(),
    )
    if fmt == TextJson.json:
        write_out(draft.model_dump_json(indent=2), dst)
    else:
        write_out(render_markdown(draft, current_lang()), dst)
        if dst is not None:
            out.print(f"{'已写入' if current_lang() == 'zh' else 'written'}: {escape(str(dst))}")
    raise typer.Exit(EXIT_FINDINGS if draft.required and draft.missing_sections else EXIT_OK)


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the main app. Import heavy modules inside commands."""
    app.command("deid", help="De-identify PI in files per a policy / 按策略去标识化")(deid_cmd)
    app.command("anonymity", help="k/l/t anonymity and re-identification risk / 匿名化度量")(
        anonymity_cmd
    )
    app.command("crossborder", help="Cross-border data route / 数据出境路径")(crossborder_cmd)
    app.command("pipia", help="Draft a PI impact assessment / 个人信息保护影响评估草稿")(pipia_cmd)
