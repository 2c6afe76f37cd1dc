"""The evaluation: banks -> prompts (+ attacks) -> runner -> judges -> metrics -> EvalReport."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from tianping.errors import InputError
from tianping.genai._attacks import apply_attacks, resolve_attacks
from tianping.genai._bank import Bank, check_licences, load_bank
from tianping.genai._judges import (
    ContentLabel,
    Judgement,
    KeywordScreener,
    LLMJudge,
    RefusalDetector,
    import_review,
    judge_responses,
)
from tianping.genai._metrics import (
    Comparison,
    SafetyMetrics,
    compare_thresholds,
    compute_metrics,
    rulebook_thresholds,
)
from tianping.genai._runner import RunOptions, RunStats, run_prompts
from tianping.genai._targets import Target
from tianping.genai._taxonomy import load_taxonomy
from tianping.genai._types import ChatMessage, PromptItem, ResponseRecord

DEFAULT_PARAMS: dict[str, Any] = {"temperature": 0.0, "max_tokens": 512}
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class EvalOptions:
    """How to run an evaluation (parameters only; `run_evaluation` does the work)."""

    concurrency: int = 16
    attacks: Sequence[str] = ()
    commercial: bool = True
    cache_path: Path | None = None
    keywords: Path | None = None  # None: the shipped seed library
    human_labels: Path | None = None
    tier: str = "medium"  # which rulebook thresholds to compare against
    params: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_PARAMS))
    timeout_s: float = 60.0
    max_retries: int = 4
    progress: bool = False
    replay_only: bool = False
    budget_requests: int | None = None
    preflight: bool = True  # with a cache: one request first, fail fast on a dead endpoint
    processes: int = 1  # RunOptions.processes: shard the requests over processes


class BankInfo(BaseModel):
    path: str
    name: str
    items: int
    licence: str


class EvalReport(BaseModel):
    """Everything a report or a check needs from one evaluation."""

    target: str
    judge_target: str | None = None
    banks: list[BankInfo]
    commercial: bool
    attacks: list[str]
    tier: str
    prompts: int
    keyword_library: int = Field(description="Keywords in the screening library")
    metrics: SafetyMetrics
    flat: dict[str, float | int | bool | None]
    comparisons: list[Comparison]
    run: RunStats
    judge_run: RunStats | None = None
    off_language: int = Field(0, description="Answers not in the prompt's language")
    notes: list[str] = Field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.comparisons)


@dataclass
class EvalRun:
    report: EvalReport
    prompts: list[PromptItem]
    responses: list[ResponseRecord]
    judgements: list[Judgement]


def build_prompts(banks: Sequence[Bank], params: dict[str, Any]) -> list[PromptItem]:
    """One PromptItem per bank question; ids must be unique across the banks."""
    seen: dict[str, str] = {}
    out: list[PromptItem] = []
    for bank in banks:
        for it in bank.items:
            if it.id in seen:
                raise InputError(
                    f"question id {it.id!r} appears in {seen[it.id]} and {bank.path}; ids must "
                    "be unique across the banks of a run (see `tianping genai bank lint`)"
                )
            seen[it.id] = bank.path
            out.append(
                PromptItem(
                    id=it.id,
                    question_id=it.id,
                    risk=it.risk,
                    kind=it.kind,
                    language=it.language,
                    messages=[*it.history, ChatMessage(role="user", content=it.prompt)],
                    params=dict(params),
                )
            )
    return out


def _off_language(item: PromptItem, text: str | None) -> bool:
    if not text or not text.strip():
        return False
    has_cjk = bool(_CJK.search(text))
    if item.language.startswith("zh"):
        return not has_cjk
    if item.language.startswith("en"):
        return len(_CJK.findall(text)) > len(text) / 2
    return False


def run_evaluation(
    target: Target,
    banks: Sequence[str | Path | Bank],
    options: EvalOptions | None = None,
    *,
    judge: Target | None = None,
    refusal: RefusalDetector | None = None,
    base_dir: Path | None = None,
) -> EvalRun:
    """Run the whole evaluation. Resumable: with `cache_path`, answers already in the cache
    are replayed and only missing ones are sent; nothing is scored twice."""
    opts = options or EvalOptions()
    loaded = [b if isinstance(b, Bank) else load_bank(b, base_dir) for b in banks]
    if not loaded:
        raise InputError("no question bank given")
    check_licences(loaded, opts.commercial)
    attacks = resolve_attacks(list(opts.attacks))
    base = build_prompts(loaded, opts.params)
    prompts = base + apply_attacks(base, attacks)
    run_opts = RunOptions(
        concurrency=opts.concurrency,
        timeout_s=opts.timeout_s,
        max_retries=opts.max_retries,
        cache_path=opts.cache_path,
        progress=opts.progress,
        replay_only=opts.replay_only,
        budget_requests=opts.budget_requests,
        processes=opts.processes,
    )
    if opts.preflight and opts.cache_path is not None and not opts.replay_only and prompts:
        _preflight(target, prompts[0], run_opts)
    result = run_prompts(target, prompts, run_opts)
    by_id = result.by_id()

    detector = refusal or RefusalDetector()
    keywords = KeywordScreener.from_file(opts.keywords) if opts.keywords else KeywordScreener.seed()
    llm_labels: dict[str, ContentLabel | None] = {}
    judge_stats: RunStats | None = None
    if judge is not None:
        llm = LLMJudge(judge)
        todo = [
            (p, by_id[p.id].text or "")
            for p in prompts
            if p.kind == "generated_content" and by_id[p.id].text is not None
        ]
        jitems = llm.prompts(todo)
        jres = run_prompts(judge, jitems, dataclasses.replace(run_opts, progress=False))
        judge_stats = jres.stats
        for (p, _), rec in zip(todo, jres.responses, strict=True):
            llm_labels[p.id] = llm.parse(rec.text)
    human = import_review(opts.human_labels) if opts.human_labels else None
    aspects = {it.id: it.aspect for b in loaded for it in b.items}
    judgements = judge_responses(
        prompts, result.responses, detector, keywords, llm_labels, human, aspects
    )
    metrics = compute_metrics(judgements)
    flat = metrics.flat()
    comparisons = compare_thresholds(flat, rulebook_thresholds(opts.tier))
    off = sum(1 for p in prompts if _off_language(p, by_id[p.id].text))
    notes = _notes(loaded, metrics, keywords, judge is not None, off)
    report = EvalReport(
        target=target.id,
        judge_target=judge.id if judge is not None else None,
        banks=[
            BankInfo(path=b.path, name=b.name, items=len(b.items), licence=b.licence)
            for b in loaded
        ],
        commercial=opts.commercial,
        attacks=[a.name for a in attacks],
        tier=opts.tier,
        prompts=len(prompts),
        keyword_library=len(keywords),
        metrics=metrics,
        flat=flat,
        comparisons=comparisons,
        run=result.stats,
        judge_run=judge_stats,
        off_language=off,
        notes=notes,
    )
    return EvalRun(report, prompts, result.responses, judgements)


def _preflight(target: Target, first: PromptItem, run_opts: RunOptions) -> None:
    """Send the first prompt alone (its answer is cached and reused), so an unreachable or
    broken endpoint fails fast with one clear message instead of retrying every prompt."""
    probe = dataclasses.replace(
        run_opts, max_retries=min(1, run_opts.max_retries), progress=False, budget_requests=None
    )
    rec = run_prompts(target, [first], probe).responses[0]
    if rec.text is None:
        raise InputError(
            f"target {target.id} gave no usable answer to the first prompt ({rec.error}); "
            "check that it is running and speaks the OpenAI chat API"
        )


def evaluate(
    target: Target,
    banks: Sequence[str | Path | Bank],
    options: EvalOptions | None = None,
    *,
    judge: Target | None = None,
    base_dir: Path | None = None,
) -> EvalReport:
    """`run_evaluation` returning only the report."""
    return run_evaluation(target, banks, options, judge=judge, base_dir=base_dir).report


def _notes(
    banks: Sequence[Bank],
    metrics: SafetyMetrics,
    keywords: KeywordScreener,
    has_llm: bool,
    off_language: int,
) -> list[str]:
    tax = load_taxonomy()
    notes: list[str] = []
    if any(b.name == "tianping-seed" for b in banks):
        notes.append(
            "The Tianping seed bank exercises the protocol; it is not a filing-grade bank "
            "(TC260-003 §8.2/§8.3 ask the provider for ≥2,000 / ≥500 / ≥500 questions). "
            "种子题库仅用于演示，不能用于备案。"
        )
    minimum = int(tax.protocol.keyword_library["total"].value or 0)
    if len(keywords) < minimum:
        notes.append(
            f"Keyword library has {len(keywords)} keywords; TC260-003 §8.1 asks for at least "
            f"{minimum:,}. 关键词库不足 {minimum} 个。"
        )
    if not has_llm:
        notes.append(
            "No LLM judge configured: generated content is judged by refusal patterns and "
            "keyword screening only; review a sample by hand (export-review). "
            "未配置大模型评判，生成内容仅经拒答识别与关键词筛查。"
        )
    if not metrics.sample_adequate:
        short = [
            f"{a.kind} {a.n}/{a.minimum}{'' if a.confidence == 'verified' else '†'}"
            for a in metrics.adequacy
            if not a.adequate
        ]
        notes.append("Sample below the protocol minimums: " + ", ".join(short) + ". 样本量不足。")
    if metrics.unanswered:
        notes.append(
            f"{metrics.unanswered} prompt(s) got no answer and are excluded from the rates; "
            "rerun to resume from the cache. 部分题目无回答，重跑将从缓存续跑。"
        )
    if off_language:
        notes.append(
            f"{off_language} answer(s) were not in the question's language. "
            "部分回答语言与提问不一致。"
        )
    notes.append(
        "† secondary source; ‡ unverified (recalled) — thresholds carry the rulebook's "
        "confidence marks. †二手来源 ‡未经核实"
    )
    return notes


# -- rendering -------------------------------------------------------------------------------


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.1%}"


def render_report(rep: EvalReport, lang: Literal["zh", "en"] = "en") -> str:
    zh = lang == "zh"
    m = rep.metrics
    lines = [
        (
            "生成式人工智能安全评估（TC260-003 / GB/T 45654-2025）"
            if zh
            else "Generative-AI safety evaluation (TC260-003 / GB/T 45654-2025)"
        ),
        f"  {'被测对象' if zh else 'target'}: {rep.target}",
        f"  {'题库' if zh else 'banks'}: "
        + ", ".join(f"{b.name} ({b.items}, {b.licence})" for b in rep.banks),
        f"  {'题目' if zh else 'prompts'}: {rep.prompts}  "
        f"{'攻击' if zh else 'attacks'}: {', '.join(rep.attacks) or '—'}  "
        f"{'缓存命中' if zh else 'cached'}: {rep.run.cached}  "
        f"{'耗时' if zh else 'elapsed'}: {rep.run.elapsed_s:.2f}s",
        "",
        f"  {'生成内容合格率' if zh else 'generated-content pass rate'}: {m.generated.pct()}",
        f"  {'应拒答拒答率' if zh else 'refusal rate (should-refuse)'}: {m.refusal.pct()}",
        f"  {'非拒答误拒率' if zh else 'wrong-refusal rate (should-not-refuse)'}: "
        f"{m.wrong_refusal.pct()}",
        "",
        ("  样本量（最低要求）:" if zh else "  sample sizes (protocol minimum):"),
    ]
    for a in m.adequacy:
        mark = "" if a.confidence == "verified" else "†"
        ok = ("足够" if zh else "adequate") if a.adequate else ("不足" if zh else "BELOW")
        lines.append(f"    {a.kind:18} {a.n:6d} / {a.minimum}{mark}  {ok}")
    lines.append("")
    lines.append(
        "  按风险（生成内容合格率 / 应拒答拒答率）:"
        if zh
        else "  per risk (pass rate / refusal rate):"
    )
    for r in m.per_risk:
        name = r.zh if zh else r.en
        lines.append(
            f"    {r.risk:6} {_pct(r.generated.rate):>7} ({r.generated.k}/{r.generated.n})  "
            f"{_pct(r.should_refuse.rate):>7} ({r.should_refuse.k}/{r.should_refuse.n})  "
            f"{name[:48]}"
        )
    if m.attacks:
        lines.append("")
        lines.append("  攻击成功率:" if zh else "  attack success rate:")
        for row in m.attacks:
            if row.risk is None:
                flip = (
                    ""
                    if row.flips.rate is None
                    else f"  flip {row.flips.rate:.1%} (n={row.flips.n})"
                )
                lines.append(f"    {row.attack:22} {row.asr.pct()}{flip}")
    if rep.comparisons:
        lines.append("")
        lines.append(f"  {'规则库阈值' if zh else 'rulebook thresholds'} ({rep.tier}):")
        for c in rep.comparisons:
            bound = (f">= {c.min:g}" if c.min is not None else "") + (
                f" <= {c.max:g}" if c.max is not None else ""
            )
            val = "—" if c.value is None else f"{c.value:g}"
            verdict = ("通过" if zh else "pass") if c.passed else ("未通过" if zh else "FAIL")
            lines.append(f"    {c.metric:26} {val:>10} {bound:>12}  {verdict}")
    if rep.notes:
        lines.append("")
        lines.extend(f"  * {n}" for n in rep.notes)
    return "\n".join(lines)
