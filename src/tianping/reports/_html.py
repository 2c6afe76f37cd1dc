"""The assessment report as one self-contained, bilingual HTML file.

Everything the page needs is inline (CSS, a little JS); nothing is fetched. Both languages
are in the document and a switch at the top toggles which one is shown; the default is
`lang`. Autoescaping is on: all report data is text, never markup.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import jinja2

from tianping.assess._models import AssessmentReport, CheckRun, ObligationFinding
from tianping.checks import EvidenceArtefact, ThresholdComparison
from tianping.i18n import I18nText
from tianping.reports import _labels as labels

MAX_TABLE_ROWS = 50
MAX_JSON_CHARS = 20_000
_TEMPLATE = "report.html.j2"


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("tianping.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fmt"] = fmt_value
    env.filters["bound"] = bound_text
    env.filters["safe_url"] = safe_url
    env.filters["when"] = format_datetime
    env.filters["pretty_json"] = _json_text
    return env


# formatting ---------------------------------------------------------------------------
def fmt_value(value: Any) -> str:
    """A metric or table value as short text."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:  # NaN
            return "NaN"
        return f"{value:.6g}"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def bound_text(c: ThresholdComparison) -> str:
    """The bound of a comparison: '≥ 0.8', '≤ 0.05' or '∈ [0.1, 0.9]'."""
    if c.min is not None and c.max is not None:
        return f"∈ [{fmt_value(c.min)}, {fmt_value(c.max)}]"
    if c.min is not None:
        return f"≥ {fmt_value(c.min)}"
    if c.max is not None:
        return f"≤ {fmt_value(c.max)}"
    return "—"


def safe_url(url: str | None) -> str | None:
    """Only http(s) links are rendered; anything else (javascript:, data:) is dropped."""
    if url and url.strip().lower().startswith(("https://", "http://")):
        return url.strip()
    return None


def format_datetime(value: dt.datetime | dt.date) -> str:
    if isinstance(value, dt.datetime):
        text = value.strftime("%Y-%m-%d %H:%M:%S")
        if value.tzinfo is not None:
            name = value.tzname() or ""
            text += " UTC" if name in ("UTC", "UTC+00:00") else f" {name}"
        return text
    return value.isoformat()


def _fill(key: str, **kwargs: Any) -> I18nText:
    text = labels.label(key)
    return I18nText(zh=text.zh.format(**kwargs), en=text.en.format(**kwargs))


# view models --------------------------------------------------------------------------
@dataclass
class ArtefactView:
    kind: str
    title: I18nText
    path: str | None
    sha256: str | None
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    total_rows: int = 0
    rows_note: I18nText | None = None
    json_text: str | None = None
    pairs: list[tuple[str, str]] = field(default_factory=list)
    image_uri: str | None = None
    image_problem: I18nText | None = None


MAX_IMAGE_BYTES = 4 * 1024 * 1024
_IMAGE_TYPES = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg"}


def _embed_image(view: ArtefactView) -> None:
    """A data URI for an image artefact, only if the file still has the recorded hash."""
    path = Path(view.path) if view.path else None
    media = _IMAGE_TYPES.get(path.suffix.lower()) if path else None
    if path is None or media is None or not path.is_file():
        view.image_problem = _fill("image_missing")
        return
    data = path.read_bytes()
    if view.sha256 and hashlib.sha256(data).hexdigest() != view.sha256:
        view.image_problem = _fill("image_changed")
        return
    if len(data) > MAX_IMAGE_BYTES:
        view.image_problem = _fill("image_too_large")
        return
    view.image_uri = f"data:{media};base64," + base64.b64encode(data).decode("ascii")


def _json_text(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    if len(text) > MAX_JSON_CHARS:
        text = text[:MAX_JSON_CHARS] + "\n…"
    return text


def artefact_view(a: EvidenceArtefact) -> ArtefactView:
    view = ArtefactView(kind=a.kind, title=a.title, path=a.path, sha256=a.sha256)
    data = a.data
    if a.kind == "image":
        _embed_image(view)
        return view
    if a.kind == "table":
        if isinstance(data, dict) and data and all(isinstance(v, list) for v in data.values()):
            names = [str(k) for k in data]
            n = max(len(v) for v in data.values())
            data = [
                {
                    c: (v[i] if i < len(v) else None)
                    for c, v in zip(names, data.values(), strict=True)
                }
                for i in range(n)
            ]
        if isinstance(data, list):
            view.total_rows = len(data)
            shown = data[:MAX_TABLE_ROWS]
            if all(isinstance(r, dict) for r in shown):
                cols: list[str] = []
                for r in shown:
                    cols.extend(str(k) for k in r if str(k) not in cols)
                view.columns = cols
                view.rows = [[fmt_value(r.get(c)) for c in cols] for r in shown]
            else:
                view.rows = [
                    [fmt_value(x) for x in (r if isinstance(r, list | tuple) else [r])]
                    for r in shown
                ]
            if view.total_rows > MAX_TABLE_ROWS:
                view.rows_note = _fill("rows_shown", shown=MAX_TABLE_ROWS, total=view.total_rows)
        elif data is not None:
            view.json_text = _json_text(data)
    elif a.kind == "note" and isinstance(data, dict):
        view.pairs = [(str(k), fmt_value(v)) for k, v in data.items() if v not in (None, "")]
    elif data is not None:
        view.json_text = _json_text(data)
    return view


ATTESTATION_CHECK = "process.attestation"
VERDICT_ORDER = ("fail", "error", "warn", "skipped", "pass", "not_applicable")


@dataclass
class CheckView:
    run: CheckRun
    anchor: str
    question: I18nText | None
    show_message: bool
    artefacts: list[ArtefactView]

    @property
    def is_attestation(self) -> bool:
        return self.run.id == ATTESTATION_CHECK and self.question is not None


def check_view(run: CheckRun) -> CheckView:
    question: I18nText | None = None
    q = run.params.get("question")
    if isinstance(q, dict) and isinstance(q.get("zh"), str) and isinstance(q.get("en"), str):
        question = I18nText(zh=q["zh"], en=q["en"])
    # "awaiting an answer: <question>" repeats the question shown next to it
    show = question is None or not (question.zh in run.message.zh and question.en in run.message.en)
    return CheckView(
        run=run,
        anchor=check_anchor(run.key),
        question=question,
        show_message=show,
        artefacts=[artefact_view(a) for a in run.evidence],
    )


def _verdict_rank(v: str) -> int:
    return VERDICT_ORDER.index(v) if v in VERDICT_ORDER else len(VERDICT_ORDER)


def check_anchor(key: str) -> str:
    return "check-" + "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in key)


def obligation_anchor(obligation_id: str) -> str:
    return "ob-" + "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in obligation_id)


@dataclass
class InstrumentGroup:
    instrument: str
    title: I18nText
    url: str | None
    findings: list[ObligationFinding]
    counts: dict[str, int]


def _status_rank(status: str) -> int:
    order = labels.STATUS_ORDER
    return order.index(status) if status in order else len(order)


def group_by_instrument(findings: list[ObligationFinding]) -> list[InstrumentGroup]:
    """Findings grouped by instrument, the group with the worst status first; within a
    group sorted by severity, then status, then id."""
    groups: dict[str, InstrumentGroup] = {}
    for f in findings:
        g = groups.get(f.citation.instrument)
        if g is None:
            g = groups[f.citation.instrument] = InstrumentGroup(
                instrument=f.citation.instrument,
                title=f.citation.instrument_title,
                url=safe_url(f.citation.url),
                findings=[],
                counts={},
            )
        g.findings.append(f)
        g.counts[f.status] = g.counts.get(f.status, 0) + 1
    for g in groups.values():
        g.findings.sort(
            key=lambda f: (labels.SEVERITY_ORDER.get(f.severity, 9), _status_rank(f.status), f.id)
        )
    # instruments with the worst findings first (gaps before attestations before met)
    return sorted(
        groups.values(),
        key=lambda g: (
            min(_status_rank(f.status) for f in g.findings),
            min(labels.SEVERITY_ORDER.get(f.severity, 9) for f in g.findings),
        ),
    )


def _system_name(report: AssessmentReport) -> I18nText:
    s = report.system
    return I18nText(zh=s.name, en=s.name_en or s.name)


def render_html(report: AssessmentReport, lang: Literal["zh", "en"] = "zh") -> str:
    """The report as one self-contained HTML document; `lang` is the language shown first."""
    applicable = report.applicable()
    not_applicable = [o for o in report.obligations if o.status == "not_applicable"]
    checks = sorted(
        (check_view(c) for c in report.checks),
        key=lambda v: (_verdict_rank(v.run.verdict.value), v.run.id),
    )
    check_titles = {c.key: c.title for c in report.checks}
    # plots are shown again beside each obligation they serve
    check_images = {
        v.run.key: [a for a in v.artefacts if a.kind == "image" and a.image_uri] for v in checks
    }
    counts = {s: int(report.summary.by_status.get(s, 0)) for s in labels.STATUS_ORDER}
    template = _environment().get_template(_TEMPLATE)
    return template.render(
        r=report,
        lang=lang,
        system_name=_system_name(report),
        groups=group_by_instrument(applicable),
        not_applicable=group_by_instrument(not_applicable),
        not_applicable_count=len(not_applicable),
        auto_checks=[c for c in checks if not c.is_attestation],
        attestations=[c for c in checks if c.is_attestation],
        check_titles=check_titles,
        check_images=check_images,
        check_anchor=check_anchor,
        obligation_anchor=obligation_anchor,
        counts=counts,
        status_order=labels.STATUS_ORDER,
        L=labels.LABELS,
        STATUS=labels.STATUS,
        STATUS_MEANING=labels.STATUS_MEANING,
        STATUS_GLYPH=labels.STATUS_GLYPH,
        VERDICT=labels.VERDICT,
        VERDICT_MEANING=labels.VERDICT_MEANING,
        VERDICT_GLYPH=labels.VERDICT_GLYPH,
        SEVERITY=labels.SEVERITY,
        CONFIDENCE=labels.CONFIDENCE,
        CONFIDENCE_MEANING=labels.CONFIDENCE_MEANING,
        CONFIDENCE_MARK=labels.CONFIDENCE_MARK,
        OVERALL=labels.OVERALL,
        CROSSWALK=labels.CROSSWALK,
        BINDS=labels.BINDS,
    )
