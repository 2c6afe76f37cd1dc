"""Question banks: a JSONL schema, a located loader, and a TC260-003 coverage lint."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tianping.errors import InputError, Location, Problem
from tianping.genai._taxonomy import KINDS, Kind, Taxonomy, load_taxonomy
from tianping.genai._types import ChatMessage
from tianping.i18n import I18nText

Licence = Literal["commercial", "non-commercial"]
SEED_BANK = "tianping-seed"
_MAX_PROBLEMS = 50


class BankItem(BaseModel):
    """One line of a bank file."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=200)
    language: str = Field(min_length=2, max_length=16, description="BCP-47 tag, e.g. zh, en")
    risk: str | None = Field(None, description="TC260-003 Appendix A code, e.g. 'A.1.a'")
    aspect: str | None = Field(None, description="Should-not-refuse aspect, e.g. 'history'")
    kind: Kind
    prompt: str = Field(min_length=1)
    history: list[ChatMessage] = Field(
        default_factory=list, description="Earlier turns sent before the prompt"
    )
    notes: str | None = None
    source: str = Field(min_length=1, description="Who wrote the question or where it is from")
    licence: Licence

    @model_validator(mode="after")
    def _needs_risk(self) -> BankItem:
        if self.kind != "should_not_refuse" and not self.risk:
            raise ValueError(f"kind '{self.kind}' needs 'risk' (a TC260-003 code like 'A.1.a')")
        return self


class Bank(BaseModel):
    """A loaded bank: its items and the licence of the whole (non-commercial if any item is)."""

    path: str
    name: str
    items: list[BankItem]

    @property
    def licence(self) -> Licence:
        return (
            "non-commercial"
            if any(i.licence == "non-commercial" for i in self.items)
            else "commercial"
        )


def seed_bank_path() -> Path:
    """The original bilingual seed bank shipped with Tianping (not filing grade)."""
    res = resources.files("tianping.genai").joinpath(f"data/banks/{SEED_BANK}.jsonl")
    return Path(str(res))


def resolve_bank(ref: str | Path, base_dir: Path | None = None) -> Path:
    """A bank path; the name 'tianping-seed' means the shipped seed bank."""
    if str(ref) in (SEED_BANK, f"{SEED_BANK}.jsonl"):
        return seed_bank_path()
    p = Path(ref)
    if not p.is_absolute() and base_dir is not None:
        p = base_dir / p
    return p


def _parse(path: Path, tax: Taxonomy) -> tuple[list[tuple[int, BankItem]], list[Problem]]:
    items: list[tuple[int, BankItem]] = []
    problems: list[Problem] = []
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"question bank not found: {path}") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(
                Problem(
                    f"not valid JSON: {exc.msg}",
                    Location(str(path), lineno, exc.colno),
                )
            )
            continue
        if not isinstance(raw, dict):
            problems.append(Problem("expected a JSON object", Location(str(path), lineno)))
            continue
        try:
            item = BankItem.model_validate(raw)
        except ValidationError as exc:
            for e in exc.errors():
                field = ".".join(str(x) for x in e["loc"]) or None
                problems.append(Problem(e["msg"], Location(str(path), lineno, field=field)))
            continue
        if item.risk is not None and item.risk not in tax.risks:
            try:
                tax.risk(item.risk)
            except KeyError as exc:
                problems.append(
                    Problem(str(exc.args[0]), Location(str(path), lineno, field="risk"))
                )
            continue
        if item.kind == "should_refuse" and item.risk and not tax.risks[item.risk].refusal_bank:
            problems.append(
                Problem(
                    f"should-refuse questions cover the 17 A.1/A.2 risks, not {item.risk}",
                    Location(str(path), lineno, field="risk"),
                    hint="use kind 'generated_content' for A.3-A.5",
                )
            )
        items.append((lineno, item))
    return items, problems


def load_bank(ref: str | Path, base_dir: Path | None = None) -> Bank:
    """Load and validate a bank; any bad line raises InputError with file:line and field."""
    path = resolve_bank(ref, base_dir)
    items, problems = _parse(path, load_taxonomy())
    if problems:
        shown = problems[:_MAX_PROBLEMS]
        more = len(problems) - len(shown)
        raise InputError(
            f"question bank {path} has {len(problems)} problem(s)"
            + (f" ({more} not shown)" if more else ""),
            shown,
        )
    if not items:
        raise InputError(f"question bank {path} holds no questions")
    return Bank(path=str(path), name=path.stem, items=[it for _, it in items])


def check_licences(banks: list[Bank], commercial: bool) -> None:
    """A non-commercial bank cannot serve a run marked commercial."""
    if not commercial:
        return
    bad = [b for b in banks if b.licence == "non-commercial"]
    if bad:
        raise InputError(
            "a bank licensed for non-commercial use only cannot be used in a commercial run: "
            + ", ".join(b.path for b in bad),
            hint_problems(bad),
        )


def hint_problems(banks: list[Bank]) -> list[Problem]:
    return [
        Problem(
            "holds non-commercial items",
            Location(b.path),
            hint="run with --non-commercial, or use a bank licensed for commercial use",
        )
        for b in banks
    ]


_PUNCT_RE = re.compile(r"[\s\u200b-\u200f\u2060\ufeff]+")


def normalise(text: str) -> str:
    """Text for near-duplicate detection: NFKC, case-folded, no whitespace or punctuation."""
    t = unicodedata.normalize("NFKC", text).casefold()
    t = _PUNCT_RE.sub("", t)
    return "".join(ch for ch in t if not unicodedata.category(ch).startswith(("P", "S")))


# -- lint -----------------------------------------------------------------------------------


class LintIssue(BaseModel):
    severity: Literal["error", "warning"]
    code: str
    message: str
    location: str = ""


class Shortfall(BaseModel):
    kind: Kind
    scope: str = Field(description="risk code, aspect, or 'total'")
    have: int
    need: int
    confidence: str

    @property
    def missing(self) -> int:
        return max(0, self.need - self.have)


class LintReport(BaseModel):
    banks: list[str]
    items: int
    errors: int
    warnings: int
    issues: list[LintIssue]
    counts: dict[str, int] = Field(description="items per kind")
    per_risk: dict[str, dict[str, int]] = Field(description="risk -> kind -> items")
    per_aspect: dict[str, int]
    risks_covered: int = Field(description="risks with at least one generated-content question")
    refusal_risks_covered: int
    shortfalls: list[Shortfall]
    licence: Licence
    languages: dict[str, int]

    @property
    def ok(self) -> bool:
        return self.errors == 0

    @property
    def filing_grade(self) -> bool:
        return self.errors == 0 and not self.shortfalls

    def metrics(self) -> dict[str, float | int | bool]:
        def short(kind: Kind) -> int:
            return sum(s.missing for s in self.shortfalls if s.kind == kind and s.scope != "total")

        return {
            "bank_items": self.items,
            "bank_errors": self.errors,
            "duplicate_ids": sum(1 for i in self.issues if i.code == "duplicate-id"),
            "near_duplicates": sum(1 for i in self.issues if i.code == "near-duplicate"),
            "generated_total": self.counts.get("generated_content", 0),
            "should_refuse_total": self.counts.get("should_refuse", 0),
            "should_not_refuse_total": self.counts.get("should_not_refuse", 0),
            "risks_covered": self.risks_covered,
            "refusal_risks_covered": self.refusal_risks_covered,
            "generated_quota_shortfall": short("generated_content"),
            "should_refuse_quota_shortfall": short("should_refuse"),
            "should_not_refuse_quota_shortfall": short("should_not_refuse"),
            "filing_grade": self.filing_grade,
        }

    def summary(self) -> I18nText:
        m = self.metrics()
        return I18nText(
            zh=(
                f"{self.items} 题（生成内容 {m['generated_total']}、应拒答 "
                f"{m['should_refuse_total']}、非拒答 {m['should_not_refuse_total']}）；覆盖 "
                f"{self.risks_covered}/31 种风险；错误 {self.errors}、警告 {self.warnings}；"
                f"配额缺口 {len(self.shortfalls)} 项"
            ),
            en=(
                f"{self.items} questions ({m['generated_total']} generated-content, "
                f"{m['should_refuse_total']} should-refuse, {m['should_not_refuse_total']} "
                f"should-not-refuse); {self.risks_covered}/31 risks covered; {self.errors} "
                f"error(s), {self.warnings} warning(s); {len(self.shortfalls)} quota shortfall(s)"
            ),
        )


def lint_banks(refs: list[str | Path], base_dir: Path | None = None) -> LintReport:
    """Schema, duplicate ids, near-duplicate prompts, coverage of the 31 risks and quotas.

    Never raises for bad content (a missing file is still an InputError): every problem
    becomes an issue, so one run lists them all.
    """
    tax = load_taxonomy()
    issues: list[LintIssue] = []
    items: list[tuple[str, int, BankItem]] = []
    paths: list[str] = []
    for ref in refs:
        path = resolve_bank(ref, base_dir)
        paths.append(str(path))
        parsed, problems = _parse(path, tax)
        issues.extend(
            LintIssue(severity="error", code="schema", message=p.message, location=str(p.location))
            for p in problems
        )
        items.extend((str(path), line, it) for line, it in parsed)

    seen_ids: dict[str, str] = {}
    seen_text: dict[str, str] = {}
    for src, line, it in items:
        where = f"{src}:{line}" if line else src
        if it.id in seen_ids:
            issues.append(
                LintIssue(
                    severity="error",
                    code="duplicate-id",
                    message=f"id {it.id!r} already used at {seen_ids[it.id]}",
                    location=where,
                )
            )
        else:
            seen_ids[it.id] = where
        key = f"{it.kind}|" + normalise("".join(m.content for m in it.history) + it.prompt)
        if key in seen_text:
            issues.append(
                LintIssue(
                    severity="warning",
                    code="near-duplicate",
                    message=f"prompt of {it.id!r} repeats the one at {seen_text[key]} "
                    "(after normalising width, case, spaces and punctuation)",
                    location=where,
                )
            )
        else:
            seen_text[key] = where
        if it.kind == "should_not_refuse" and it.aspect is None:
            issues.append(
                LintIssue(
                    severity="warning",
                    code="no-aspect",
                    message=f"should-not-refuse item {it.id!r} names no 'aspect', so it counts "
                    "toward no aspect quota",
                    location=where,
                )
            )

    counts = Counter(it.kind for _, _, it in items)
    per_risk: dict[str, dict[str, int]] = {code: dict.fromkeys(KINDS, 0) for code in tax.risks}
    per_aspect: dict[str, int] = {a.code: 0 for a in tax.non_refusal_aspects}
    for _, _, it in items:
        if it.risk in per_risk:
            per_risk[it.risk][it.kind] += 1
        if it.kind == "should_not_refuse" and it.aspect:
            per_aspect[it.aspect] = per_aspect.get(it.aspect, 0) + 1

    shortfalls: list[Shortfall] = []
    p = tax.protocol
    for kind in KINDS:
        need = int(p.bank_minimums[kind].value or 0)
        if counts.get(kind, 0) < need:
            shortfalls.append(
                Shortfall(
                    kind=kind,
                    scope="total",
                    have=counts.get(kind, 0),
                    need=need,
                    confidence=p.bank_minimums[kind].confidence,
                )
            )
    for code, risk in tax.risks.items():
        for kind in ("generated_content", "should_refuse"):
            if kind == "should_refuse" and not risk.refusal_bank:
                continue
            need = tax.quota(kind, risk)
            have = per_risk[code][kind]
            if have < need:
                shortfalls.append(
                    Shortfall(
                        kind=kind,
                        scope=code,
                        have=have,
                        need=need,
                        confidence=p.quotas[kind].confidence,
                    )
                )
    per_aspect_need = int(p.quotas["should_not_refuse"].per_aspect or 0)
    for a in tax.non_refusal_aspects:
        if per_aspect.get(a.code, 0) < per_aspect_need:
            shortfalls.append(
                Shortfall(
                    kind="should_not_refuse",
                    scope=a.code,
                    have=per_aspect.get(a.code, 0),
                    need=per_aspect_need,
                    confidence=p.quotas["should_not_refuse"].confidence,
                )
            )
    for code in tax.risks:
        if per_risk[code]["generated_content"] == 0:
            issues.append(
                LintIssue(
                    severity="warning",
                    code="uncovered-risk",
                    message=f"no generated-content question for risk {code} ({tax.risks[code].en})",
                )
            )

    licence: Licence = (
        "non-commercial"
        if any(it.licence == "non-commercial" for _, _, it in items)
        else "commercial"
    )
    return LintReport(
        banks=paths,
        items=len(items),
        errors=sum(1 for i in issues if i.severity == "error"),
        warnings=sum(1 for i in issues if i.severity == "warning"),
        issues=issues,
        counts={k: counts.get(k, 0) for k in KINDS},
        per_risk=per_risk,
        per_aspect=per_aspect,
        risks_covered=sum(1 for c in per_risk.values() if c["generated_content"] > 0),
        refusal_risks_covered=sum(
            1 for r in tax.refusal_risks() if per_risk[r.code]["should_refuse"] > 0
        ),
        shortfalls=shortfalls,
        licence=licence,
        languages=dict(Counter(it.language for _, _, it in items)),
    )


def render_lint(report: LintReport, lang: Literal["zh", "en"] = "en") -> str:
    """Terminal text of a lint report."""
    tax = load_taxonomy()
    zh = lang == "zh"
    lines = [("题库检查：" if zh else "Bank lint: ") + report.summary().get(lang)]
    for i in report.issues:
        loc = f"{i.location}: " if i.location else ""
        lines.append(f"  {i.severity.upper():7} {i.code:15} {loc}{i.message}")
    if report.shortfalls:
        lines.append(
            "配额缺口（TC260-003 §8.2/§8.3）：" if zh else "Quota shortfalls (TC260-003 §8.2/§8.3):"
        )
        for s in report.shortfalls:
            mark = {"verified": "", "secondary": "†", "unverified": "‡"}.get(s.confidence, "")
            name = ""
            if s.scope in tax.risks:
                name = " " + (tax.risks[s.scope].zh if zh else tax.risks[s.scope].en)
            lines.append(
                f"  {s.kind:18} {s.scope:15}{name[:50]}: {s.have} / {s.need}{mark}"
                f" ({'缺' if zh else 'missing'} {s.missing})"
            )
        lines.append(
            "† 二手来源  ‡ 未经核实" if zh else "† secondary source  ‡ unverified (recalled)"
        )
    else:
        lines.append(
            "满足 TC260-003 题库规模与配额" if zh else "Meets the TC260-003 bank sizes and quotas"
        )
    return "\n".join(lines)
