"""The HTML report: self-contained, bilingual, escaped, balanced, and true to the report."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from importlib import resources

import pytest

from tianping.assess._models import AssessmentReport
from tianping.checks import EvidenceArtefact
from tianping.i18n import I18nText
from tianping.reports import render_html
from tianping.reports._html import MAX_TABLE_ROWS

from .conftest import mark_unverified

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class Page(HTMLParser):
    """Checks that tags balance and collects text, links and elements with attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, int]] = []
        self.errors: list[str] = []
        self.text: list[str] = []
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.script_bodies: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append((tag, self.getpos()[0]))
        self._in_script = tag == "script"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack:
            self.errors.append(f"line {self.getpos()[0]}: </{tag}> closes nothing")
            return
        open_tag, line = self.stack.pop()
        if open_tag != tag:
            self.errors.append(
                f"line {self.getpos()[0]}: </{tag}> closes <{open_tag}> opened on line {line}"
            )
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.script_bodies.append(data)
        else:
            self.text.append(data)

    @property
    def all_text(self) -> str:
        return " ".join(" ".join(self.text).split())


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


@pytest.fixture(scope="module")
def html_zh(report: AssessmentReport) -> str:
    return render_html(report, "zh")


@pytest.fixture(scope="module")
def html_en(report: AssessmentReport) -> str:
    return render_html(report, "en")


@pytest.fixture(scope="module")
def page(html_zh: str) -> Page:
    return parse(html_zh)


def norm(s: str) -> str:
    return " ".join(s.split())


def test_template_ships_as_package_data() -> None:
    tpl = resources.files("tianping.reports") / "templates" / "report.html.j2"
    assert tpl.is_file()


def test_report_fixture_is_varied(report: AssessmentReport) -> None:
    statuses = {o.status for o in report.obligations}
    assert {"met", "gap", "needs_attestation", "not_applicable"} <= statuses
    assert report.tier.level == "high"


def test_tags_balance(page: Page, html_en: str) -> None:
    assert page.errors == []
    assert page.stack == []
    en = parse(html_en)
    assert en.errors == [] and en.stack == []


def test_no_external_resources(html_zh: str, page: Page, report: AssessmentReport) -> None:
    citation_urls = {o.citation.url for o in report.obligations if o.citation.url}
    for tag, attrs in page.elements:
        for name in ("src", "href", "data", "poster", "srcset", "action"):
            value = (attrs.get(name) or "").strip().lower()
            if not value.startswith(("http://", "https://", "//")):
                continue
            assert tag == "a" and name == "href", f"<{tag} {name}={value}> loads a resource"
            assert attrs.get(name) in citation_urls, f"unexpected link {value}"
    lowered = html_zh.lower()
    assert not re.search(r"<script[^>]*\bsrc\s*=", lowered)
    assert "<link" not in lowered
    assert "@import" not in lowered
    assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", lowered)
    assert "<img" not in lowered and "<iframe" not in lowered
    # the page forbids loading anything from elsewhere
    assert "default-src 'none'" in html_zh
    # citation links are there (to official texts)
    assert any(
        tag == "a" and (attrs.get("href") or "").startswith("http") for tag, attrs in page.elements
    )


def test_both_languages_present(page: Page, report: AssessmentReport) -> None:
    text = page.all_text
    for o in report.applicable():
        assert norm(o.title.zh) in text
        assert norm(o.title.en) in text
    # UI strings too
    assert "适用义务与结论" in text and "Applicable obligations and findings" in text


def test_default_language_and_switch(html_zh: str, html_en: str) -> None:
    assert re.search(r'<html lang="zh-CN" class="show-zh">', html_zh)
    assert re.search(r'<html lang="en" class="show-en">', html_en)
    for html in (html_zh, html_en):
        assert 'data-lang="zh"' in html and 'data-lang="en"' in html
        assert "@media print" in html


def test_system_name_is_escaped(hostile_report: AssessmentReport) -> None:
    html = render_html(hostile_report)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    page = parse(html)
    assert page.errors == []
    assert sum(1 for tag, _ in page.elements if tag == "script") == 1
    assert "<script>alert(1)</script>" in page.all_text  # shown as text, not run


def test_tier_title_and_reasons(page: Page, report: AssessmentReport) -> None:
    text = page.all_text
    assert report.tier.title.zh in text and report.tier.title.en in text
    for r in report.tier.reasons:
        assert norm(r.reason.zh) in text and norm(r.reason.en) in text
        for c in r.clauses:
            assert norm(c.expr) in text


def test_each_applicable_obligation_has_a_row(page: Page, report: AssessmentReport) -> None:
    rows = {
        a.get("data-obligation"): a.get("data-status")
        for tag, a in page.elements
        if tag == "tr" and a.get("class") == "main"
    }
    expected = {o.id: o.status for o in report.applicable()}
    assert rows == expected
    for oid in expected:
        assert oid in page.all_text


def test_status_counts_match_the_report(page: Page, report: AssessmentReport) -> None:
    cards: dict[str, int] = {}
    current: str | None = None
    for tag, attrs in page.elements:
        if tag == "div" and "card" in (attrs.get("class") or "").split():
            current = attrs.get("data-status")
        elif tag == "div" and attrs.get("class") == "n" and current:
            cards[current] = int(attrs.get("data-count") or -1)
            current = None
    assert set(cards) == {"met", "gap", "partial", "needs_attestation", "error", "not_applicable"}
    for status, n in cards.items():
        assert n == report.summary.by_status.get(status, 0), status
        assert n == sum(1 for o in report.obligations if o.status == status), status
    # and the rows agree with the cards
    na_items = [a for tag, a in page.elements if tag == "li" and a.get("data-obligation")]
    assert len(na_items) == cards["not_applicable"]


def test_not_applicable_listed_with_why(page: Page, report: AssessmentReport) -> None:
    text = page.all_text
    na = [o for o in report.obligations if o.status == "not_applicable"]
    assert na
    for o in na[:20]:
        assert o.id in text
        assert norm(o.status_reason.en) in text


def test_checks_and_evidence(page: Page, report: AssessmentReport) -> None:
    ids = {a.get("id") for _, a in page.elements if a.get("id")}
    text = page.all_text
    for c in report.checks:
        assert any(i and i.startswith("check-") and c.key in i for i in ids), c.key
    data_profile = next(c for c in report.checks if c.id == "data.profile")
    for cmp in data_profile.comparisons:
        assert cmp.metric in text
    assert "✗" in text and "✓" in text
    # evidence table rendered as a table with its column names
    assert "missing_ratio" in text and "min_group_size" in text
    # attestation file evidence with its digest
    files = [e for c in report.checks for e in c.evidence if e.kind == "file"]
    assert files and all(f.sha256 and f.sha256 in text for f in files)


def test_unverified_facts_are_marked(report: AssessmentReport) -> None:
    first = report.applicable()[0]
    marked = mark_unverified(report, first.id)
    page = parse(render_html(marked))
    row_conf = [
        a for tag, a in page.elements if tag == "span" and a.get("class") == "conf conf-unverified"
    ]
    assert row_conf
    assert "未核实" in page.all_text and "Unverified" in page.all_text
    assert "not verified against the official text" in page.all_text


def test_tables_are_capped_and_bad_urls_dropped(report: AssessmentReport) -> None:
    big = EvidenceArtefact(
        kind="table",
        title=I18nText(zh="大表", en="Big table"),
        data=[{"row": i, "value": i * 0.5} for i in range(120)],
    )
    checks = [
        c.model_copy(update={"evidence": [*c.evidence, big]}) if i == 0 else c
        for i, c in enumerate(report.checks)
    ]
    first = report.applicable()[0]
    obligations = [
        o.model_copy(
            update={"citation": o.citation.model_copy(update={"url": "javascript:alert(1)"})}
        )
        if o.id == first.id
        else o
        for o in report.obligations
    ]
    html = render_html(report.model_copy(update={"checks": checks, "obligations": obligations}))
    page = parse(html)
    assert page.errors == []
    assert "javascript:alert" not in html
    assert f"Showing the first {MAX_TABLE_ROWS} of 120 rows" in page.all_text
    assert ">119<" not in html and f">{MAX_TABLE_ROWS - 1}<" in html
