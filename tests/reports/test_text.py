"""The terminal summary: tier, applicable obligations, counts, and checks when verbose."""

from __future__ import annotations

from rich.console import Console

from tianping.assess._models import AssessmentReport
from tianping.reports import render_text

from .conftest import mark_unverified


def render(report: AssessmentReport, lang: str = "en", verbose: bool = False) -> str:
    console = Console(record=True, width=100, force_terminal=False, color_system=None)
    render_text(report, console, lang=lang, verbose=verbose)  # type: ignore[arg-type]
    return console.export_text()


def test_tier_and_obligations_in_english(report: AssessmentReport) -> None:
    out = render(report)
    assert report.tier.title.en in out
    for r in report.tier.reasons:
        assert r.reason.en.split()[0] in out
    flat = "".join(out.split())
    for o in report.applicable():
        assert o.id in flat, o.id
    na = [o for o in report.obligations if o.status == "not_applicable"]
    assert na[0].id not in flat  # not-applicable ones only with --verbose
    assert f"Not applicable {report.summary.by_status['not_applicable']}" in out
    assert f"Gap {report.summary.by_status['gap']}" in out
    assert max(len(line) for line in out.splitlines()) <= 100


def test_chinese(report: AssessmentReport) -> None:
    out = render(report, "zh")
    assert report.tier.title.zh in out
    assert "适用义务与结论" in out
    flat = "".join(out.split())
    for o in report.applicable():
        assert o.id in flat


def test_unverified_mark_and_footnote(report: AssessmentReport) -> None:
    first = report.applicable()[0]
    marked = mark_unverified(report, first.id)
    out = render(marked)
    assert "†" in out
    assert "† Unverified: Not yet verified against the official text" in out


def test_verbose_lists_checks(report: AssessmentReport) -> None:
    out = render(report, verbose=True)
    flat = "".join(out.split())
    for c in report.checks:
        assert c.id in flat
    assert "Check runs" in out
    assert "groups_below_min_size" in flat


def test_markup_in_data_is_not_interpreted(hostile_report: AssessmentReport) -> None:
    system = hostile_report.system.model_copy(update={"name_en": "[bold red]x[/bold red]"})
    out = render(hostile_report.model_copy(update={"system": system}))
    assert "[bold red]x[/bold red]" in out
