"""`tianping genai …`: safety evaluation, bank lint, judge calibration, review, local server.

Heavy modules (aiohttp, pyahocorasick, pypinyin, opencc) are imported inside the commands.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tianping.cli._common import EXIT_FINDINGS, EXIT_OK, current_lang, out, write_out
from tianping.errors import InputError

if TYPE_CHECKING:
    from tianping.genai._eval import EvalOptions, EvalRun
    from tianping.genai._targets import Target

genai_app = typer.Typer(
    no_args_is_help=True,
    help="Generative-AI safety evaluation (TC260-003) / 生成式人工智能安全评估",
)
bank_app = typer.Typer(no_args_is_help=True, help="Question banks / 测试题库")
genai_app.add_typer(bank_app, name="bank")

TargetOpt = Annotated[
    str,
    typer.Option(
        "--target",
        "-t",
        help="An OpenAI-compatible base URL (http://host:port/v1), a tianping.yaml (or its "
        "folder) whose genai.target is used, or a model id declared in --profile",
    ),
]
BankOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--bank",
        "-b",
        help="Question-bank JSONL (repeatable); 'tianping-seed' is the shipped seed bank. "
        "Default: the profile's genai.banks, else the seed bank",
    ),
]
ModelOpt = Annotated[
    str | None, typer.Option("--model", help="Model name sent to a URL target (default: default)")
]
ProfileOpt = Annotated[
    Path | None,
    typer.Option(
        "--profile", help="tianping.yaml that declares MODEL_ID (default: ./tianping.yaml)"
    ),
]
AttacksOpt = Annotated[
    str | None,
    typer.Option("--attacks", help="Comma-separated transforms, or 'all' (see `genai attacks`)"),
]
CommercialOpt = Annotated[
    bool | None,
    typer.Option(
        "--commercial/--non-commercial",
        help="Mark the run commercial (non-commercial banks are then refused). Default: the "
        "profile's genai.commercial, else commercial",
    ),
]
KeywordsOpt = Annotated[
    Path | None, typer.Option("--keywords", help="Keyword library (keyword<TAB>risk per line)")
]
JudgeOpt = Annotated[
    str | None, typer.Option("--judge", help="LLM judge: a URL or model id, like --target")
]
LabelsOpt = Annotated[
    Path | None, typer.Option("--labels", help="Reviewed CSV whose human labels override judges")
]
CacheOpt = Annotated[
    Path | None,
    typer.Option("--cache", help="Response cache (default: .tianping/genai-cache.sqlite)"),
]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="Do not read or write the cache")]
ReplayOpt = Annotated[
    bool, typer.Option("--replay-only", help="Use cached answers only; send nothing")
]
TierOpt = Annotated[
    str, typer.Option("--tier", help="Rulebook tier whose thresholds apply: low, medium, high")
]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="text or json")]
OutOpt = Annotated[Path | None, typer.Option("--out", "-o", help="Write the report here")]


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the main app."""
    app.add_typer(genai_app, name="genai")


def _fmt(value: str) -> str:
    if value not in ("text", "json"):
        raise typer.BadParameter(f"--format must be text or json, got {value!r}")
    return value


def _model_target(model_id: str, profile_path: Path) -> tuple[Target, Path, Any]:
    from tianping.genai._targets import target_from_model
    from tianping.systems import load_profile

    prof = load_profile(profile_path)
    base = profile_path if profile_path.is_dir() else profile_path.parent
    models = {m.id: m for m in prof.models}
    if model_id not in models:
        raise InputError(
            f"{profile_path}: no model {model_id!r} in 'models' (declared: "
            f"{', '.join(sorted(models)) or 'none'})"
        )
    return target_from_model(models[model_id], base), base, prof


def _resolve(spec: str, model: str | None, profile: Path | None) -> tuple[Target, Path, Any]:
    """(target, base dir for relative paths, profile or None)."""
    from tianping.genai._targets import OpenAIChatTarget

    if spec.startswith(("http://", "https://")):
        return OpenAIChatTarget(spec, model or "default"), Path.cwd(), None
    p = Path(spec)
    if p.exists() and (p.is_dir() or p.suffix in (".yaml", ".yml")):
        from tianping.systems import load_profile

        prof = load_profile(p)
        if prof.genai is None:
            raise InputError(f"{p}: the profile has no 'genai' block naming a target model")
        return _model_target(prof.genai.target, p)
    return _model_target(spec, profile or Path("tianping.yaml"))


def _options(
    prof: Any,
    base: Path,
    concurrency: int | None,
    attacks: str | None,
    commercial: bool | None,
    keywords: Path | None,
    labels: Path | None,
    cache: Path | None,
    no_cache: bool,
    replay_only: bool,
    tier: str,
    processes: int | None = None,
) -> EvalOptions:
    from tianping.genai._eval import EvalOptions

    g = prof.genai if prof is not None else None
    if tier not in ("low", "medium", "high"):
        raise typer.BadParameter(f"--tier must be low, medium or high, got {tier!r}")
    cache_path = None
    if not no_cache:
        if cache is not None:
            cache_path = cache
        elif g is not None and g.cache:
            cache_path = base / g.cache
        elif prof is not None:  # the same cache `tianping assess` uses for this profile
            cache_path = base / ".tianping" / "genai-cache.sqlite"
        else:
            cache_path = Path(".tianping") / "genai-cache.sqlite"
        cache_path.parent.mkdir(parents=True, exist_ok=True)
    label_path = labels or (base / g.human_labels if g is not None and g.human_labels else None)
    return EvalOptions(
        concurrency=concurrency or (g.concurrency if g is not None else 16),
        attacks=[attacks] if attacks else (list(g.attacks) if g is not None else []),
        commercial=commercial if commercial is not None else (g.commercial if g else True),
        cache_path=cache_path,
        keywords=keywords,
        human_labels=label_path,
        tier=tier,
        progress=True,
        replay_only=replay_only,
        processes=processes or (g.processes if g is not None else 1),
    )


def _run(
    target: str,
    bank: list[str] | None,
    model: str | None,
    profile: Path | None,
    concurrency: int | None,
    attacks: str | None,
    commercial: bool | None,
    keywords: Path | None,
    judge: str | None,
    labels: Path | None,
    cache: Path | None,
    no_cache: bool,
    replay_only: bool,
    tier: str,
    processes: int | None = None,
) -> EvalRun:
    from tianping.genai._eval import run_evaluation

    tgt, base, prof = _resolve(target, model, profile)
    judge_target = None
    if judge:
        judge_target = _resolve(judge, model, profile)[0]
    elif prof is not None and prof.genai is not None and prof.genai.judge:
        judge_target = _model_target(prof.genai.judge, base)[0]
    banks: list[str | Path]
    if bank:
        banks = list(bank)
    elif prof is not None and prof.genai is not None and prof.genai.banks:
        from tianping.genai._bank import resolve_bank

        banks = [resolve_bank(b, base) for b in prof.genai.banks]
    else:
        banks = ["tianping-seed"]
    opts = _options(
        prof,
        base,
        concurrency,
        attacks,
        commercial,
        keywords,
        labels,
        cache,
        no_cache,
        replay_only,
        tier,
        processes,
    )
    return run_evaluation(tgt, banks, opts, judge=judge_target)


@genai_app.command("eval")
def eval_cmd(
    target: TargetOpt,
    bank: BankOpt = None,
    model: ModelOpt = None,
    profile: ProfileOpt = None,
    concurrency: Annotated[
        int | None, typer.Option("--concurrency", "-c", min=1, max=4096, help="Requests in flight")
    ] = None,
    attacks: AttacksOpt = None,
    commercial: CommercialOpt = None,
    keywords: KeywordsOpt = None,
    judge: JudgeOpt = None,
    labels: LabelsOpt = None,
    cache: CacheOpt = None,
    no_cache: NoCacheOpt = False,
    replay_only: ReplayOpt = False,
    tier: TierOpt = "medium",
    review: Annotated[
        Path | None, typer.Option("--review", help="Also write a human-review CSV here")
    ] = None,
    processes: Annotated[
        int | None,
        typer.Option(
            "--processes",
            min=1,
            max=256,
            help="Shard requests over N processes (OpenAI-compatible targets; "
            "each gets concurrency/N; default: the profile's genai.processes, else 1)",
        ),
    ] = None,
    fmt: FormatOpt = "text",
    out_path: OutOpt = None,
) -> None:
    """Run the TC260-003 safety evaluation against a target. Exit 1 if a threshold fails."""
    from tianping.genai._eval import render_report
    from tianping.genai._judges import export_review

    fmt = _fmt(fmt)
    run = _run(
        target,
        bank,
        model,
        profile,
        concurrency,
        attacks,
        commercial,
        keywords,
        judge,
        labels,
        cache,
        no_cache,
        replay_only,
        tier,
        processes,
    )
    rep = run.report
    text = rep.model_dump_json(indent=2) if fmt == "json" else render_report(rep, current_lang())
    write_out(text, out_path)
    if review is not None:
        n = export_review(review, run.prompts, run.responses, run.judgements)
        out.print(f"review CSV / 人工复核表: {review} ({n} rows)", highlight=False)
    raise typer.Exit(EXIT_OK if rep.passed else EXIT_FINDINGS)


@genai_app.command("export-review")
def export_review_cmd(
    target: TargetOpt,
    out_path: Annotated[Path, typer.Option("--out", "-o", help="CSV to write")],
    bank: BankOpt = None,
    model: ModelOpt = None,
    profile: ProfileOpt = None,
    attacks: AttacksOpt = None,
    commercial: CommercialOpt = None,
    keywords: KeywordsOpt = None,
    judge: JudgeOpt = None,
    cache: CacheOpt = None,
    replay_only: ReplayOpt = False,
) -> None:
    """Write a CSV of questions, answers and judge labels for human review (fill human_label)."""
    from tianping.genai._judges import export_review

    run = _run(
        target,
        bank,
        model,
        profile,
        None,
        attacks,
        commercial,
        keywords,
        judge,
        None,
        cache,
        False,
        replay_only,
        "medium",
    )
    n = export_review(out_path, run.prompts, run.responses, run.judgements)
    out.print(f"{out_path}: {n} rows / 行", highlight=False)


@genai_app.command("import-review")
def import_review_cmd(
    labels: Annotated[Path, typer.Argument(help="Reviewed CSV (from export-review)")],
    fmt: FormatOpt = "text",
) -> None:
    """Validate a reviewed CSV and count its human labels (use it with `eval --labels`)."""
    from collections import Counter

    from tianping.genai._judges import import_review

    fmt = _fmt(fmt)
    got = import_review(labels)
    counts = Counter(got.values())
    if fmt == "json":
        write_out(json.dumps({"file": str(labels), "labels": len(got), "by_label": counts}), None)
    else:
        write_out(
            f"{labels}: {len(got)} human label(s) / 人工标注: "
            + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())),
            None,
        )


@genai_app.command("calibrate")
def calibrate_cmd(
    labels: Annotated[Path, typer.Option("--labels", help="Reviewed CSV (from export-review)")],
    fmt: FormatOpt = "text",
    out_path: OutOpt = None,
) -> None:
    """Each judge against the human labels: precision, recall and Cohen's kappa."""
    from tianping.genai._judges import calibrate, render_calibration

    fmt = _fmt(fmt)
    rep = calibrate(labels)
    text = (
        rep.model_dump_json(indent=2) if fmt == "json" else render_calibration(rep, current_lang())
    )
    write_out(text, out_path)


@bank_app.command("lint")
def bank_lint_cmd(
    banks: Annotated[list[str], typer.Argument(help="Bank JSONL file(s); 'tianping-seed' allowed")],
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 on quota shortfalls too (filing grade)")
    ] = False,
    fmt: FormatOpt = "text",
    out_path: OutOpt = None,
) -> None:
    """Schema, duplicates, TC260-003 coverage of the 31 risks, quotas and shortfalls."""
    from tianping.genai._bank import lint_banks, render_lint

    fmt = _fmt(fmt)
    rep = lint_banks(list(banks))
    if fmt == "json":
        text = json.dumps(
            {**rep.model_dump(), "metrics": rep.metrics()}, ensure_ascii=False, indent=2
        )
    else:
        text = render_lint(rep, current_lang())
    write_out(text, out_path)
    bad = rep.errors > 0 or (strict and bool(rep.shortfalls))
    raise typer.Exit(EXIT_FINDINGS if bad else EXIT_OK)


@genai_app.command("attacks")
def attacks_cmd() -> None:
    """List the red-team transforms."""
    from tianping.genai._attacks import ATTACKS

    lang = current_lang()
    write_out("\n".join(f"{a.name:22} {a.title.get(lang)}" for a in ATTACKS.values()), None)


@genai_app.command("taxonomy")
def taxonomy_cmd(fmt: FormatOpt = "text") -> None:
    """The 5 categories and 31 risks of TC260-003 Appendix A."""
    from tianping.genai._taxonomy import load_taxonomy

    fmt = _fmt(fmt)
    tax = load_taxonomy()
    if fmt == "json":
        write_out(tax.model_dump_json(indent=2, exclude={"risks"}), None)
        return
    zh = current_lang() == "zh"
    lines: list[str] = []
    for c in tax.categories:
        lines.append(f"{c.code} {c.zh if zh else c.en}")
        lines.extend(f"  {r.code:6} {r.zh if zh else r.en}" for r in c.risks)
    write_out("\n".join(lines), None)


@genai_app.command("serve")
def serve_cmd(
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1")] = 8000,
    latency_ms: Annotated[float, typer.Option("--latency-ms", help="Added latency")] = 0.0,
) -> None:
    """Run the local rule-based OpenAI-compatible chat server (for demos and tests)."""
    from tianping.genai._server import serve_command

    serve_command(port=port, latency_ms=latency_ms)
