"""`tianping` commands. Heavy modules are imported inside commands to keep start-up fast."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.text import Text
from typer.exceptions import TyperException

from tianping.cli._common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    Lang,
    OutputFormat,
    current_lang,
    err,
    out,
    parse_date,
    state,
    write_out,
)
from tianping.errors import TianpingError

if TYPE_CHECKING:
    from tianping.assess import AssessmentReport
    from tianping.rules import Plan, Rulebook

app = typer.Typer(
    name="tianping",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Tianping (天平): China's AI governance framework, executable.",
)
rules_app = typer.Typer(no_args_is_help=True, help="The rulebook / 规则库")
checks_app = typer.Typer(no_args_is_help=True, help="Registered checks / 已注册检查")
app.add_typer(rules_app, name="rules")
app.add_typer(checks_app, name="checks")

PathArg = Annotated[Path, typer.Argument(help="tianping.yaml, or a folder holding one")]
AsOf = Annotated[str | None, typer.Option("--as-of", help="Rules in force on YYYY-MM-DD")]
Drafts = Annotated[bool, typer.Option("--include-drafts", help="Apply draft instruments too")]
Fmt = Annotated[OutputFormat, typer.Option("--format", "-f", help="text, json or html")]


@app.callback()
def _global(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks")] = False,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="SQLAlchemy URL "
            "(default: $TIANPING_DATABASE_URL or "
            "sqlite:///.tianping/tianping.db)",
        ),
    ] = None,
    lang: Annotated[Lang, typer.Option("--lang", help="zh or en")] = Lang.en,
    rulebook: Annotated[
        list[Path] | None,
        typer.Option("--rulebook", help="Rulebook folder(s) to use instead of the shipped one"),
    ] = None,
) -> None:
    state.debug, state.db, state.lang = debug, db, lang
    state.rulebook = list(rulebook or [])


def _rulebook() -> Rulebook:
    from tianping.rules import load_rulebook

    return load_rulebook(state.rulebook or None)


def _plan(path: Path, as_of: str | None, drafts: bool) -> tuple[Plan, Rulebook]:
    from tianping.assess import load_system
    from tianping.rules import make_plan

    system = load_system(path)
    rb = _rulebook()
    return make_plan(system.profile, rb, parse_date(as_of), drafts), rb


# --- init --------------------------------------------------------------------------------
@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Where to write the profile")] = Path(
        "tianping.yaml"
    ),
    system_id: Annotated[str, typer.Option("--id", help="System id (slug)")] = "my-ai-system",
    name: Annotated[str, typer.Option("--name", help="System name")] = "My AI system",
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file")] = False,
) -> None:
    """Write an annotated system profile / 生成带注释的系统档案模板."""
    from tianping.systems import load_profile_text, profile_template

    target = path / "tianping.yaml" if path.is_dir() else path
    if target.exists() and not force:
        raise TianpingError(f"{target} exists; pass --force to overwrite / 文件已存在")
    text = profile_template(system_id, name)
    load_profile_text(text, str(target))  # the template must always validate
    target.write_text(text, encoding="utf-8")
    out.print(f"wrote {target} — edit it, then run: tianping assess {target}")


# --- tier / obligations --------------------------------------------------------------------
@app.command()
def tier(path: PathArg, as_of: AsOf = None, fmt: Fmt = OutputFormat.text) -> None:
    """The risk tier with the rules that fired / 风险等级及其理由."""
    plan, _ = _plan(path, as_of, False)
    if fmt == OutputFormat.json:
        write_out(plan.tier.model_dump_json(indent=2), None)
        return
    lang = current_lang()
    t = plan.tier
    out.print(
        f"[bold]{escape(plan.system_id)}[/]: tier [bold]{t.level}[/] — {escape(t.title.get(lang))}"
    )
    out.print(escape(f"  {t.meaning.get(lang)}"))
    for r in t.reasons:
        cite = f" [{r.citation}]" if r.citation else ""
        mark = "" if r.confidence == "verified" else f" ({r.confidence})"
        out.print(escape(f"  • {r.tier}: {r.reason.get(lang)}{cite}{mark}"))
        for c in r.clauses:
            out.print(escape(f"      {'✓' if c.value else '✗'} {c.expr}"), style="dim")


@app.command()
def obligations(
    path: PathArg,
    as_of: AsOf = None,
    include_drafts: Drafts = False,
    show_all: Annotated[
        bool, typer.Option("--all", help="Also list those that do not apply")
    ] = False,
    fmt: Fmt = OutputFormat.text,
) -> None:
    """Obligations in force for the system, with citations and why / 适用义务及依据."""
    from rich.table import Table

    plan, rb = _plan(path, as_of, include_drafts)
    rows = [
        (lo, a)
        for lo, a in zip(rb.obligations, plan.applicability, strict=True)
        if show_all or a.applies
    ]
    if fmt == OutputFormat.json:
        data = [
            {
                "id": lo.obligation.id,
                "status": a.status,
                "title": lo.obligation.title.model_dump(),
                "citation": {
                    "instrument": lo.instrument.id,
                    "article": lo.obligation.citation.text(),
                },
                "confidence": lo.obligation.confidence,
                "explanation": a.explanation.model_dump(),
                "conditions": [c.model_dump() for c in a.clauses],
            }
            for lo, a in rows
        ]
        write_out(
            json.dumps(
                {
                    "system": plan.system_id,
                    "tier": plan.tier.level,
                    "as_of": str(plan.as_of),
                    "rulebook_version": plan.rulebook_version,
                    "obligations": data,
                },
                ensure_ascii=False,
                indent=2,
            ),
            None,
        )
        return
    lang = current_lang()
    table = Table(title=f"{plan.system_id} · tier {plan.tier.level} · as of {plan.as_of}")
    for col in ("id", "obligation", "citation", "applies"):
        table.add_column(col)
    for lo, a in rows:
        inst = lo.instrument.short_title or lo.instrument.title
        mark = "" if lo.obligation.confidence == "verified" else " †"
        table.add_row(
            *map(
                Text,
                (
                    lo.obligation.id,
                    lo.obligation.title.get(lang) + mark,
                    f"{inst.get(lang)} {_article(lo.obligation.citation.text(), lang)}",
                    "yes" if a.applies else a.explanation.get(lang),
                ),
            )
        )
    out.print(table)
    out.print("† not verified against the official text / 未经官方文本核实", style="dim")


# --- assess --------------------------------------------------------------------------------
@app.command()
def assess(
    path: PathArg,
    fmt: Fmt = OutputFormat.text,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Also write <id>.json and <id>.html here")
    ] = None,
    as_of: AsOf = None,
    include_drafts: Drafts = False,
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on",
            help="Exit 1 on 'gap' (any gap, partial or error) or 'high' (only in "
            "high-severity obligations)",
        ),
    ] = None,
    no_resume: Annotated[
        bool, typer.Option("--no-resume", help="Start afresh even if an interrupted run exists")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
    trust_pickle: Annotated[
        bool,
        typer.Option(
            "--trust-pickle",
            envvar="TIANPING_TRUST_PICKLE",
            help="Allow loading pickle/joblib model files. Unpickling runs code from the file: "
            "use only for files you trust / 允许加载 pickle 模型文件（会执行文件中的代码）",
        ),
    ] = False,
    evidence_dir: Annotated[
        Path | None,
        typer.Option(
            "--evidence-dir",
            help="Where checks write plots and tables (default: <--out>/evidence, "
            "else .tianping/evidence)",
        ),
    ] = None,
) -> None:
    """The main job: tier -> obligations -> checks -> findings -> report / 合规评估."""
    from tianping.assess import AssessOptions
    from tianping.reports import render_html, render_json, render_text
    from tianping.store import open_store

    if fail_on not in (None, "gap", "high"):
        raise typer.BadParameter("expected 'gap' or 'high'", param_hint="--fail-on")
    options = AssessOptions(
        as_of=parse_date(as_of),
        include_drafts=include_drafts,
        rulebook_dirs=state.rulebook,
        resume=not no_resume,
        evidence_root=evidence_dir
        or ((out_dir / "evidence") if out_dir else Path(".tianping") / "evidence"),
        trust_pickle=trust_pickle,
    )
    store = open_store(state.db)
    try:
        report = _run_with_progress(path, store, options, show=fmt == OutputFormat.text)
    finally:
        store.close()
    lang = current_lang()
    if out_dir is not None:
        write_out(render_json(report), out_dir / f"{report.system.id}.json")
        write_out(render_html(report, lang=lang), out_dir / f"{report.system.id}.html")
    if fmt == OutputFormat.json:
        write_out(render_json(report), None)
    elif fmt == OutputFormat.html:
        write_out(render_html(report, lang=lang), None)
    else:
        render_text(report, out, lang=lang, verbose=verbose)
        if out_dir is not None:
            out.print(
                f"reports: {out_dir / (report.system.id + '.html')}, "
                f"{out_dir / (report.system.id + '.json')}"
            )
    raise typer.Exit(_exit_code(report, fail_on))


def _exit_code(report: AssessmentReport, fail_on: str | None) -> int:
    bad = {"gap", "partial", "error"}
    if fail_on == "gap" and any(o.status in bad for o in report.obligations):
        return EXIT_FINDINGS
    if fail_on == "high" and any(
        o.status in bad and o.severity == "high" for o in report.obligations
    ):
        return EXIT_FINDINGS
    return EXIT_OK


def _run_with_progress(path: Path, store: Any, options: Any, show: bool) -> AssessmentReport:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from tianping.assess import run_assessment

    if not (show and err.is_terminal):
        return run_assessment(path, store, options)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[check]}"),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("assessing", total=None, check="")

        def progress(event: str, done: int, total: int, check_id: str) -> None:
            bar.update(task, total=total, completed=done, check=check_id)

        return run_assessment(path, store, options, progress=progress)


# --- rules ---------------------------------------------------------------------------------
@rules_app.command("list")
def rules_list(
    instrument: Annotated[str | None, typer.Option("--instrument", help="Only this one")] = None,
    fmt: Fmt = OutputFormat.text,
) -> None:
    """Instruments and obligations in the rulebook / 规则库内容."""
    from rich.table import Table

    rb = _rulebook()
    los = [lo for lo in rb.obligations if instrument in (None, lo.instrument.id)]
    if fmt == OutputFormat.json:
        write_out(
            json.dumps(
                {
                    "version": rb.version,
                    "obligations": [
                        {
                            "id": lo.obligation.id,
                            "instrument": lo.instrument.id,
                            "article": lo.obligation.citation.text(),
                            "title": lo.obligation.title.model_dump(),
                            "confidence": lo.obligation.confidence,
                            "status": lo.instrument.status,
                        }
                        for lo in los
                    ],
                },
                ensure_ascii=False,
                indent=2,
            ),
            None,
        )
        return
    lang = current_lang()
    table = Table(
        title=f"rulebook {rb.version}: {len(rb.instruments)} instruments, {len(los)} obligations"
    )
    for col in ("id", "citation", "title", "conf."):
        table.add_column(col)
    for lo in los:
        inst = lo.instrument.short_title or lo.instrument.title
        draft = " (draft)" if lo.instrument.status == "draft" else ""
        table.add_row(
            *map(
                Text,
                (
                    lo.obligation.id,
                    f"{inst.get(lang)}{draft} {lo.obligation.citation.text()}",
                    lo.obligation.title.get(lang),
                    lo.obligation.confidence,
                ),
            )
        )
    out.print(table)


@rules_app.command("show")
def rules_show(obligation_id: str, fmt: Fmt = OutputFormat.text) -> None:
    """One obligation in full / 查看单条义务."""
    rb = _rulebook()
    lo = rb.obligation(obligation_id)
    if lo is None:
        import difflib

        close = difflib.get_close_matches(
            obligation_id, [o.obligation.id for o in rb.obligations], n=3
        )
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise TianpingError(f"No obligation '{obligation_id}' / 无此义务{hint}")
    data = {
        "instrument": lo.instrument.model_dump(mode="json", exclude_none=True),
        "obligation": lo.obligation.model_dump(mode="json", exclude_none=True),
        "source": str(lo.locate()),
    }
    if fmt == OutputFormat.json:
        write_out(json.dumps(data, ensure_ascii=False, indent=2), None)
        return
    import yaml

    yaml.safe_dump(data, sys.stdout, allow_unicode=True, sort_keys=False, width=100)


@rules_app.command("lint")
def rules_lint(
    update_lock: Annotated[
        bool, typer.Option("--update-lock", help="Record the current obligation ids as published")
    ] = False,
) -> None:
    """Check the rulebook: schema, citations, CEL, check ids, stable ids / 规则库检查."""
    from tianping.rules._lint import IDS_LOCK, lint, write_lock
    from tianping.rules._load import shipped_rulebook_dir

    rb, problems = lint(state.rulebook or None)
    for p in problems:
        err.print(f"[red]✗[/] {p}")
    if problems:
        err.print(f"{len(problems)} problem(s) / 个问题")
        raise typer.Exit(EXIT_USAGE)
    assert rb is not None
    if update_lock:
        write_lock(rb, (state.rulebook or [shipped_rulebook_dir()])[0] / IDS_LOCK)
    out.print(
        f"[green]✓[/] rulebook {rb.version}: {len(rb.instruments)} instruments, "
        f"{len(rb.obligations)} obligations, {len(rb.tiers.rules)} tier rules — clean"
    )


# --- checks and schema -------------------------------------------------------------------------
@checks_app.command("list")
def checks_list() -> None:
    """Registered checks, built-in and from plugins / 已注册检查."""
    from rich.table import Table

    from tianping.checks import registry

    table = Table()
    for col in ("id", "family", "needs", "title"):
        table.add_column(col)
    for cid, cls in registry.all().items():
        table.add_row(
            *map(
                Text, (cid, cls.family, ", ".join(sorted(cls.needs)), cls.title.get(current_lang()))
            )
        )
    out.print(table)


@app.command()
def schema(
    out_dir: Annotated[Path | None, typer.Option("--out", help="Write the schemas here")] = None,
    which: Annotated[str, typer.Option("--which", help="report, profile or rulebook")] = "report",
) -> None:
    """JSON Schemas: the report, the system profile, a rulebook file / JSON Schema."""
    from tianping.reports import report_schema
    from tianping.rules._schema import InstrumentFile
    from tianping.systems import SystemProfile

    schemas = {
        "report": report_schema(),
        "profile": SystemProfile.model_json_schema(),
        "rulebook": InstrumentFile.model_json_schema(),
    }
    if out_dir is None:
        if which not in schemas:
            raise typer.BadParameter("expected report, profile or rulebook", param_hint="--which")
        write_out(json.dumps(schemas[which], ensure_ascii=False, indent=2), None)
        return
    names = {
        "report": "assessment-report",
        "profile": "system-profile",
        "rulebook": "rulebook-instrument",
    }
    for key, data in schemas.items():
        write_out(
            json.dumps(data, ensure_ascii=False, indent=2) + "\n",
            out_dir / f"{names[key]}.schema.json",
        )
    out.print(f"wrote {len(schemas)} schemas to {out_dir}")


def _register_extras() -> None:
    # Each domain adds its own commands; its heavy imports stay inside the commands.
    from tianping.cli import _audit, _genai, _labels, _pipl, _privacy, _rules_extra

    _rules_extra.register(app, rules_app)
    for module in (_audit, _privacy, _pipl, _labels, _genai):
        module.register(app)


_register_extras()


def main() -> None:
    """Entry point: one clear message per error, exit 2 for usage and input errors."""
    try:
        code = app(standalone_mode=False)
    except TianpingError as exc:
        if state.debug:
            raise
        err.print(f"[red]error:[/] {escape(str(exc))}", highlight=False)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except TyperException as exc:
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            err.print(f"error: {escape(str(exc))}")
        sys.exit(EXIT_USAGE)
    except typer.Abort:
        err.print("aborted")
        sys.exit(130)
    except KeyboardInterrupt:
        err.print("interrupted: results stored so far are kept; rerun to resume")
        sys.exit(130)
    except Exception as exc:
        if state.debug:
            raise
        err.print(
            f"[red]internal error:[/] {escape(type(exc).__name__)}: "
            f"{escape(str(exc).splitlines()[0] if str(exc) else '')} "
            "(rerun with --debug for the traceback)"
        )
        sys.exit(EXIT_USAGE)
    sys.exit(code if isinstance(code, int) else EXIT_OK)


def _article(text: str, lang: str) -> str:
    from tianping.i18n import zh_article

    return zh_article(text) if lang == "zh" else text
