"""`tianping scan`: find personal information in files and folders (privacy domain)."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from tianping.cli._common import EXIT_FINDINGS, TextJson, current_lang, err, out, write_out


class Engine(StrEnum):
    local = "local"
    ray = "ray"


# options `scan` and `scan-eval` share
FormatOpt = Annotated[TextJson, typer.Option("--format", "-f", help="text or json")]
OutOpt = Annotated[Path | None, typer.Option("--out", "-o", help="Write the report to this file")]
MinConfidenceOpt = Annotated[
    float, typer.Option("--min-confidence", min=0.0, max=1.0, help="Report threshold")
]


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the main app. Import heavy modules inside commands."""
    app.command(name="scan")(scan)
    app.command(name="scan-eval")(scan_eval)


def scan(
    targets: Annotated[
        list[str],
        typer.Argument(
            metavar="PATH_OR_URL...",
            help="Files, folders or database URLs (sqlite:///…, postgresql://…) / "
            "文件、目录或数据库地址",
        ),
    ],
    fmt: FormatOpt = TextJson.text,
    out_file: OutOpt = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            help="Processes over several files, or threads over one file's batches",
        ),
    ] = 1,
    engine: Annotated[Engine, typer.Option("--engine", help="local or ray")] = Engine.local,
    columns_only: Annotated[
        bool, typer.Option("--columns-only", help="Classify table columns: sample, then confirm")
    ] = False,
    min_confidence: MinConfidenceOpt = 0.5,
    max_examples: Annotated[
        int, typer.Option("--max-examples", min=0, help="Masked examples per file/column/type")
    ] = 3,
    fail_on_pi: Annotated[
        bool, typer.Option("--fail-on-pi", help="Exit 1 when any PI is found")
    ] = False,
    tables: Annotated[
        str | None,
        typer.Option(
            "--tables", help="Database tables (or views) to scan, comma-separated (default all)"
        ),
    ] = None,
    views: Annotated[
        bool, typer.Option("--views", help="Scan the database's views too / 同时扫描视图")
    ] = False,
    max_rows: Annotated[
        int | None,
        typer.Option(
            "--max-rows",
            min=1,
            help="A survey: scan only the first N rows (lines) of each file or table / 抽查前 N 行",
        ),
    ] = None,
    schema: Annotated[
        str | None, typer.Option("--schema", help="Database schema (default: the default one)")
    ] = None,
    ocr: Annotated[
        bool,
        typer.Option(
            "--ocr",
            help=(
                "Read images and scanned PDF pages: text with Tesseract OCR, faces and QR "
                "codes with OpenCV (tianping[images]) / 识别图片文字、人脸与二维码"
            ),
        ),
    ] = False,
) -> None:
    """Scan files for personal information (masked previews only) / 扫描个人信息."""
    from tianping.privacy._scan import ScanOptions, ScanReport, iter_files, scan_paths
    from tianping.privacy._scan_db import is_database_url, scan_database

    opts = ScanOptions(
        min_confidence=min_confidence,
        columns_only=columns_only,
        max_rows=max_rows,
        max_examples=max_examples,
        workers=workers,
        ocr=ocr,
    )
    urls = [t for t in targets if is_database_url(t)]
    paths = [Path(t) for t in targets if not is_database_url(t)]
    only = [t.strip() for t in (tables or "").split(",") if t.strip()] or None
    if engine == Engine.ray:
        from tianping.privacy._ray import scan_paths_ray

        report = scan_paths_ray(paths, opts) if paths else ScanReport()
    else:
        files = list(iter_files(paths))
        report = _scan_with_bar(files, opts) if sys.stderr.isatty() else scan_paths(files, opts)
    for url in urls:  # tables are read by this process, one after the other
        scan_db = functools.partial(
            scan_database, url, opts, tables=only, schema=schema, views=views
        )
        if sys.stderr.isatty():
            with row_bar("scanning tables / 扫描数据表") as on_rows:
                report.extend(scan_db(on_rows=on_rows))
        else:
            report.extend(scan_db())
    if fmt == TextJson.json:
        data: dict[str, Any] = {"summary": report.summary(), **report.model_dump(mode="json")}
        write_out(json.dumps(data, ensure_ascii=False, indent=2), out_file)
    else:
        text = _text(report)
        if out_file is None:
            out.print(escape(text))
        else:
            write_out(text, out_file)
    if fail_on_pi and report.findings_total > 0:
        raise typer.Exit(EXIT_FINDINGS)


@contextmanager
def byte_bar(label: str, total: int, files: int) -> Iterator[tuple[Any, Any]]:
    """A progress bar over `total` bytes on stderr, with speed, time left and (when `files`)
    files done: yields (on_bytes, file_done) for the scan and de-identification APIs."""
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    done = 0
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(f"{label} 0/{files}" if files else label, total=total)

        def file_done(*_args: Any) -> None:
            nonlocal done
            done += 1
            bar.update(task, description=f"{label} {done}/{files}")

        yield (lambda n: bar.advance(task, n)), file_done


@contextmanager
def row_bar(label: str) -> Iterator[Any]:
    """A live count of database rows on stderr (a table's size is not known in advance
    without a full count): yields on_rows(n) for the database APIs."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed:,.0f} rows / 行"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(label, total=None)
        yield lambda n: bar.advance(task, n)


def _scan_with_bar(files: list[Path], opts: Any) -> Any:
    """scan_paths with a bar over the bytes of all files (batch by batch, so one big file
    moves it too)."""
    from tianping.privacy._scan import scan_paths

    total = sum(f.stat().st_size for f in files)
    with byte_bar("scanning / 扫描中", total, len(files)) as (on_bytes, file_done):
        return scan_paths(files, opts, progress=file_done, on_bytes=on_bytes)


def _text(report: Any) -> str:
    from tianping.privacy._shown import shown_path, shown_text
    from tianping.privacy._types import PI_TYPES

    zh = current_lang() == "zh"
    s = report.summary()
    lines = [
        (
            f"扫描文件 {s['files_scanned']} 个（失败或跳过 {s['files_failed']} 个），"
            f"{s['bytes'] / 1e6:.1f} MB，用时 {s['seconds']:.2f} 秒；"
            f"个人信息 {s['findings_total']} 处，其中敏感 {s['sensitive_findings']} 处"
            if zh
            else f"{s['files_scanned']} file(s) scanned ({s['files_failed']} failed or "
            f"skipped), {s['bytes'] / 1e6:.1f} MB in {s['seconds']:.2f} s; "
            f"{s['findings_total']} PI finding(s), {s['sensitive_findings']} sensitive"
        )
    ]
    if report.counts:
        lines.append("")
        lines.append("类型 / 数量" if zh else "type / count")
        for t, c in sorted(report.counts.items(), key=lambda kv: -kv[1]):
            info = PI_TYPES.get(t)
            name = (info.zh if zh else info.en) if info else t
            cls = info.pipl_class if info else "general"
            lines.append(f"  {t:<18} {c:>9}  {name} [{cls}]")
    bad = [f for f in report.files if f.status != "ok"]
    if bad:
        lines.append("")
        lines.append("未扫描的文件" if zh else "files not scanned")
        for f in bad:
            lines.append(
                f"  {shown_path(f.path)}: {f.status}: {shown_text(f.message or '', f.path)}"
            )
    partial = [f for f in report.files if f.partial]
    if partial:
        lines.append("")
        lines.append(
            "仅扫描前若干行（--max-rows）" if zh else "only the first rows scanned (--max-rows)"
        )
        for f in partial:
            lines.append(f"  {shown_path(f.path)}: {f.rows} {'行' if zh else 'rows'}")
    flawed = [f for f in report.files if f.problems]
    if flawed:
        lines.append("")
        lines.append("已跳过的格式错误记录" if zh else "malformed records skipped")
        for f in flawed:
            for pr in f.problems:
                at = f"{shown_path(f.path)}:{pr.row}" if pr.row is not None else shown_path(f.path)
                lines.append(f"  {at}: {pr.message}")
            if f.malformed_rows > len(f.problems):
                more = f.malformed_rows - len(f.problems)
                lines.append(
                    f"  {shown_path(f.path)}: 另有 {more} 条"
                    if zh
                    else f"  {shown_path(f.path)}: {more} more"
                )
    labelled = [(f, c) for f in report.files for c in f.columns if c.label and c.column]
    if labelled:
        lines.append("")
        lines.append("个人信息列" if zh else "PI columns")
        for f, c in labelled:
            where = shown_path(f.path)
            lines.append(
                f"  {where} · {c.column}: {c.label} ({c.values_with_pi}/{c.values_scanned})"
            )
    if report.findings:
        lines.append("")
        lines.append("示例（已脱敏）" if zh else "examples (masked)")
        for x in report.findings[:50]:
            col = f" [{x.column}]" if x.column else ""
            key = f" ({x.key})" if x.key else ""
            lines.append(
                f"  {shown_path(x.file)}:{x.row}{key}{col}@{x.start} {x.pi_type} {x.pipl_class} "
                f"{x.confidence:.2f} {x.preview}"
            )
    return "\n".join(lines)


def scan_eval(
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE...",
            help="UTF-8 text, one record a line, PI marked as ⟦TYPE|value⟧ / 标注文本",
        ),
    ],
    fmt: FormatOpt = TextJson.text,
    out_file: OutOpt = None,
    min_confidence: MinConfidenceOpt = 0.5,
    show_errors: Annotated[
        int, typer.Option("--errors", min=0, help="List this many misses and false positives")
    ] = 20,
    min_recall: Annotated[
        float | None,
        typer.Option(
            "--min-recall",
            min=0.0,
            max=1.0,
            help="Exit 1 when the overall recall is below this / 召回率低于此值时退出码为 1",
        ),
    ] = None,
) -> None:
    """Measure detection on your own labelled sample: precision and recall per PI type,
    and where it missed or over-reported (masked previews) / 在自有标注样本上评估识别准确率."""
    from tianping.privacy._marked import detection_accuracy, load_marked

    records = []
    for f in files:
        if not f.is_file():
            raise typer.BadParameter(f"{f}: not a file", param_hint="FILE")
        records.extend(load_marked(f))
    report = detection_accuracy(records, min_confidence=min_confidence)
    if fmt == TextJson.json:
        write_out(report.model_dump_json(indent=2), out_file)
    else:
        text = _eval_text(report, show_errors)
        if out_file is None:
            out.print(escape(text))
        else:
            write_out(text, out_file)
    if min_recall is not None and (report.micro_recall or 0.0) < min_recall:
        raise typer.Exit(EXIT_FINDINGS)


def _eval_text(report: Any, show_errors: int) -> str:
    from tianping.privacy._types import PI_TYPES

    zh = current_lang() == "zh"

    def pct(x: float | None) -> str:
        return "—" if x is None else f"{x:.3f}"

    head = (
        ("类型", "标注", "识别", "精确率", "召回率", "精确率(边界)", "召回率(边界)")
        if zh
        else ("type", "gold", "found", "precision", "recall", "exact P", "exact R")
    )
    rows = [head]
    for t in report.per_type:
        info = PI_TYPES.get(t.pi_type)
        name = (info.zh if zh else info.en) if info else t.pi_type
        rows.append(
            (
                f"{name} ({t.pi_type})", str(t.gold), str(t.predicted), pct(t.precision),
                pct(t.recall), pct(t.exact_precision), pct(t.exact_recall),
            )
        )  # fmt: skip
    widths = [max(_width(r[i]) for r in rows) for i in range(len(head))]
    lines = [
        (
            f"{report.records} 条记录；总体精确率 {pct(report.micro_precision)}，"
            f"召回率 {pct(report.micro_recall)}（重叠即算命中）"
            if zh
            else f"{report.records} record(s); overall precision {pct(report.micro_precision)}, "
            f"recall {pct(report.micro_recall)} (a finding that overlaps a label of its type "
            "counts)"
        ),
        "",
    ]
    for r in rows:
        cells = (c + " " * (w - _width(c)) for c, w in zip(r, widths, strict=True))
        lines.append("  ".join(cells).rstrip())
    if report.errors and show_errors:
        lines.append("")
        lines.append("错误（脱敏预览）" if zh else "errors (masked previews)")
        kind = {"missed": "漏报" if zh else "missed", "false_positive": "误报" if zh else "false"}
        for e in report.errors[:show_errors]:
            place = f"{e.where}:{e.line}:{e.column}"
            lines.append(f"  {place}  {kind[e.kind]}  {e.pi_type}  {e.preview}")
        if len(report.errors) > show_errors:
            more = len(report.errors) - show_errors
            lines.append(f"  … 另有 {more} 条" if zh else f"  … {more} more")
    return "\n".join(lines)


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
