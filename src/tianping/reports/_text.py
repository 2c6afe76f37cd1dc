"""The assessment report as a terminal summary (rich): tier, applicable obligations, counts.

All report data goes in as `rich.text.Text`, never as markup, so a '[' in a system name or
a message cannot be taken for a style tag.
"""

from __future__ import annotations

from typing import Literal

from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from tianping.assess._models import AssessmentReport, ObligationFinding
from tianping.checks import ThresholdComparison
from tianping.reports import _labels as labels
from tianping.reports._html import bound_text, fmt_value, format_datetime

TIER_STYLE = {"high": "bold red", "medium": "bold yellow", "low": "bold green"}
STATUS_STYLE = {
    "met": "green",
    "gap": "bold red",
    "partial": "yellow",
    "needs_attestation": "blue",
    "error": "bold magenta",
    "not_applicable": "dim",
}
VERDICT_STYLE = {
    "pass": "green",
    "fail": "bold red",
    "warn": "yellow",
    "error": "bold magenta",
    "skipped": "blue",
    "not_applicable": "dim",
}


def _status_text(status: str, lang: Literal["zh", "en"]) -> Text:
    name = labels.STATUS[status].get(lang) if status in labels.STATUS else status
    return Text(
        f"{labels.STATUS_GLYPH.get(status, '•')} {name}", style=STATUS_STYLE.get(status, "")
    )


def _verdict_text(verdict: str, lang: Literal["zh", "en"]) -> Text:
    name = labels.VERDICT[verdict].get(lang) if verdict in labels.VERDICT else verdict
    return Text(
        f"{labels.VERDICT_GLYPH.get(verdict, '•')} {name}", style=VERDICT_STYLE.get(verdict, "")
    )


def _comparison(c: ThresholdComparison, lang: Literal["zh", "en"]) -> Text:
    value = fmt_value(c.value) if c.value is not None else labels.label("missing_value").get(lang)
    mark = ("✓", "green") if c.passed else ("✗", "bold red")
    out = Text(f"{c.metric} {value} vs {bound_text(c)} ")
    out.append(mark[0], style=mark[1])
    return out


def _sorted(findings: list[ObligationFinding]) -> list[ObligationFinding]:
    order = labels.STATUS_ORDER
    return sorted(
        findings,
        key=lambda f: (
            labels.SEVERITY_ORDER.get(f.severity, 9),
            order.index(f.status) if f.status in order else len(order),
            f.id,
        ),
    )


def render_text(
    report: AssessmentReport,
    console: Console,
    lang: Literal["zh", "en"] = "en",
    verbose: bool = False,
) -> None:
    """Print the terminal summary of `report` to `console`."""

    def lbl(key: str) -> str:
        return labels.label(key).get(lang)

    s = report.system
    name = s.name if lang == "zh" else (s.name_en or s.name)
    head = Text()
    head.append(name, style="bold")
    head.append(f"  {s.version} · {s.provider}")
    console.print(head)
    console.print(
        Text(
            f"{lbl('as_of')}: {report.as_of.isoformat()} · {lbl('rulebook_version')}: "
            f"{report.rulebook_version}\n{lbl('generated_at')}: "
            f"{format_datetime(report.generated_at)} · {lbl('assessment_id')}: "
            f"{report.assessment_id}",
            style="dim",
        )
    )
    if report.include_drafts:
        console.print(Text(f"⚠ {lbl('drafts_included')}", style="yellow"))

    # tier --------------------------------------------------------------------------------
    tier = report.tier
    style = TIER_STYLE.get(tier.level, "bold")
    body = Text()
    body.append(tier.title.get(lang), style=style)
    body.append(f"  ({tier.level})\n")
    body.append(tier.meaning.get(lang))
    for r in tier.reasons:
        body.append("\n• ")
        body.append(f"[{r.tier}] ", style=TIER_STYLE.get(r.tier, ""))
        body.append(r.reason.get(lang))
        if r.citation:
            body.append(f" — {r.citation}", style="dim")
        mark = labels.CONFIDENCE_MARK.get(r.confidence, "")
        if mark:
            body.append(f" {mark}", style="yellow")
    console.print(
        Panel(body, title=lbl("tier"), title_align="left", border_style=style.replace("bold ", ""))
    )

    # applicable obligations --------------------------------------------------------------
    applicable = _sorted(report.applicable())
    marks_used: set[str] = set()
    if applicable:
        table = Table(
            title=lbl("obligations"),
            title_justify="left",
            box=box.SIMPLE_HEAD,
            show_lines=False,
            expand=False,
            pad_edge=False,
        )
        table.add_column(lbl("obligation"), ratio=3, overflow="fold")
        table.add_column(lbl("citation"), ratio=2)
        table.add_column(lbl("severity"), no_wrap=True)
        table.add_column(lbl("status"), no_wrap=True)
        for o in applicable:
            cite = Text(o.citation.text.get(lang))
            mark = labels.CONFIDENCE_MARK.get(o.confidence, "")
            if mark:
                marks_used.add(o.confidence)
                cite.append(f" {mark}", style="bold yellow")
            who = Text(o.title.get(lang))
            who.append(f"\n{o.id}", style="dim cyan")
            table.add_row(
                who, cite, Text(labels.SEVERITY[o.severity].get(lang)), _status_text(o.status, lang)
            )
        console.print(table)
        for conf in ("unverified", "secondary"):
            if conf in marks_used:
                console.print(
                    Text(
                        f"{labels.CONFIDENCE_MARK[conf]} "
                        f"{labels.CONFIDENCE[conf].get(lang)}: "
                        f"{labels.CONFIDENCE_MEANING[conf].get(lang)}",
                        style="dim",
                    )
                )
    else:
        console.print(Text(lbl("none_applicable"), style="dim"))

    # counts ------------------------------------------------------------------------------
    counts = Text()
    for i, st in enumerate(labels.STATUS_ORDER):
        if i:
            counts.append(" · ", style="dim")
        n = int(report.summary.by_status.get(st, 0))
        counts.append_text(_status_text(st, lang))
        counts.append(f" {n}", style="bold" if n else "dim")
    overall = report.summary.overall
    ov_style = {
        "pass": "bold green",
        "gaps": "bold red",
        "incomplete": "bold yellow",
        "error": "bold magenta",
    }.get(overall, "bold")
    ov = Text(f"{lbl('overall')}: ")
    ov.append(labels.OVERALL[overall].get(lang), style=ov_style)
    ov.append(
        f"  ({lbl('obligations_applicable')} {report.summary.obligations_applicable}/"
        f"{report.summary.obligations_evaluated} · {lbl('checks_run')} "
        f"{report.summary.checks_run})",
        style="dim",
    )
    console.print(Group(counts, ov))

    if not verbose:
        return

    # verbose: not-applicable obligations and check runs ----------------------------------
    na = [o for o in report.obligations if o.status == "not_applicable"]
    if na:
        t = Table(
            title=lbl("not_applicable_section"),
            title_justify="left",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
        )
        t.add_column(lbl("obligation"), ratio=3, overflow="fold")
        t.add_column(lbl("status_reason"), ratio=2)
        for o in sorted(na, key=lambda x: x.id):
            who = Text(o.title.get(lang))
            who.append(f"\n{o.id}", style="dim cyan")
            t.add_row(who, Text(o.status_reason.get(lang)))
        console.print(t)
    if report.checks:
        t = Table(title=lbl("checks"), title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
        t.add_column(lbl("check"), ratio=2, overflow="fold")
        t.add_column(lbl("verdict"), no_wrap=True)
        t.add_column(lbl("message"), ratio=3)
        for c in report.checks:
            who = Text(c.title.get(lang))
            who.append(f"\n{c.id}", style="dim cyan")
            msg = Text(c.message.get(lang))
            for cmp in c.comparisons:
                msg.append("\n")
                msg.append_text(_comparison(cmp, lang))
            t.add_row(who, _verdict_text(c.verdict.value, lang), msg)
        console.print(t)
