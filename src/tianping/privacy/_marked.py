"""Text with its personal information marked inline, for measuring detection on real samples.

A data protection officer labels a sample of their own data by wrapping each PI value as
`⟦TYPE|value⟧` (one record per line; `#` lines and blank lines are skipped); things that
look like PI but are not may be marked `⟦decoy|value⟧`. Parsing gives the plain text and
its gold spans, which `detection_accuracy` compares with what the detector finds.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from tianping.errors import InputError, Location, Problem
from tianping.privacy._corpus import CorpusRecord
from tianping.privacy._types import PI_TYPES

OPEN, CLOSE, SEP = "\u27e6", "\u27e7", "|"
DECOY = "decoy"


class MarkedTextError(InputError):
    """Malformed markers: where each is and what was expected (no value is quoted)."""

    def __init__(self, where: str, line: int, column: int, message: str) -> None:
        self.where, self.line, self.column = where, line, column
        super().__init__(
            f"{where}:{line}:{column}: {message}",
            [Problem(message, Location(where, line, column))],
        )


@dataclass
class MarkedRecord(CorpusRecord):
    """A record with where its line came from (for located error reports)."""

    where: str = "<text>"
    line: int = 1


def parse_marked(text: str, *, where: str = "<text>", line: int = 1) -> MarkedRecord:
    """One marked record: the plain text and `(start, end, type)` spans in code points."""
    out: list[str] = []
    spans: list[tuple[int, int, str]] = []
    pos = 0  # in the plain text
    i = 0
    while i < len(text):
        j = text.find(OPEN, i)
        k = text.find(CLOSE, i)
        if k != -1 and (j == -1 or k < j):
            raise MarkedTextError(where, line, k + 1, f"'{CLOSE}' without an opening '{OPEN}'")
        if j == -1:
            out.append(text[i:])
            pos += len(text) - i
            break
        out.append(text[i:j])
        pos += j - i
        end = text.find(CLOSE, j + 1)
        inner_open = text.find(OPEN, j + 1)
        if end == -1 or (inner_open != -1 and inner_open < end):
            raise MarkedTextError(where, line, j + 1, f"'{OPEN}' is not closed by '{CLOSE}'")
        body = text[j + 1 : end]
        if SEP not in body:
            raise MarkedTextError(
                where, line, j + 1, f"expected '{OPEN}TYPE{SEP}value{CLOSE}' (no '{SEP}')"
            )
        raw_kind, value = body.split(SEP, 1)
        kind = raw_kind.strip()
        if kind != DECOY and kind not in PI_TYPES:
            raise MarkedTextError(
                where, line, j + 2,
                f"unknown type {_shown(kind)}; expected '{DECOY}' or one of "
                + ", ".join(sorted(PI_TYPES)),
            )  # fmt: skip
        if not value or SEP in value:
            raise MarkedTextError(
                where, line, j + len(raw_kind) + 3, "expected one non-empty value after the type"
            )
        spans.append((pos, pos + len(value), "decoy_marked" if kind == DECOY else kind))
        out.append(value)
        pos += len(value)
        i = end + 1
    return MarkedRecord("".join(out), spans, where, line)


def _shown(kind: str) -> str:
    # a value written where the type belongs (⟦13812345678|cn_mobile⟧) must not be echoed
    if re.fullmatch(r"[a-z][a-z0-9_]{0,39}", kind):
        return repr(kind)
    return f"({len(kind)} characters, not a type name; is the value first?)"


def parse_marked_lines(lines: Iterable[str], *, where: str = "<text>") -> list[MarkedRecord]:
    """Records of marked lines; blank lines and lines that start with '#' are skipped."""
    records = []
    problems: list[Problem] = []
    for n, raw in enumerate(lines, 1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            records.append(parse_marked(line, where=where, line=n))
        except MarkedTextError as exc:  # every bad line is reported, not just the first
            problems.extend(exc.problems)
    if problems:
        first = problems[0].location
        err = MarkedTextError(where, first.line or 1, first.column or 1, problems[0].message)
        err.problems = problems
        err.message = f"{where}: {len(problems)} malformed marker(s)"
        raise err
    return records


def load_marked(path: str | Path) -> list[MarkedRecord]:
    """The records of a marked UTF-8 file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = p.read_bytes().count(b"\n", 0, exc.start) + 1
        raise MarkedTextError(str(p), line, 1, "not UTF-8 text") from None
    # (split at line feeds only: str.splitlines also breaks at U+2028 and other separators
    # a record may hold, and line numbers would no longer be the file's)
    return parse_marked_lines(text.split("\n"), where=str(p))


class TypeAccuracy(BaseModel):
    """Precision and recall of one PI type: spans match when they overlap (and, for the
    `exact_` figures, when they are equal)."""

    pi_type: str
    gold: int
    predicted: int
    precision: float | None = Field(description="None where nothing was predicted")
    recall: float | None = Field(description="None where nothing was labelled")
    exact_precision: float | None = None
    exact_recall: float | None = None


class AccuracyError(BaseModel):
    """A labelled value the detector missed, or a finding no label of its type overlaps."""

    kind: Literal["missed", "false_positive"]
    where: str
    line: int
    column: int = Field(description="1-based, in the record's plain text")
    pi_type: str
    preview: str = Field(description="masked; never the raw value")


class AccuracyReport(BaseModel):
    """Detection measured against labelled records (`⟦TYPE|value⟧` files)."""

    records: int
    per_type: list[TypeAccuracy]
    micro_precision: float | None
    micro_recall: float | None
    errors: list[AccuracyError] = Field(default_factory=list)


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def detection_accuracy(
    records: Sequence[CorpusRecord],
    *,
    min_confidence: float | None = None,
    engine: str | None = None,
    today: dt.date | None = None,
) -> AccuracyReport:
    """Run the detector over the records' text and score it per type."""
    from tianping.privacy._detect import DEFAULT_MIN_CONFIDENCE, detect_batch, mask_preview

    found = detect_batch(
        [r.text for r in records],
        previews=False,
        engine=engine,
        today=today,
        min_confidence=DEFAULT_MIN_CONFIDENCE if min_confidence is None else min_confidence,
    )
    by_row: dict[int, list[tuple[int, int, str]]] = {}
    for row, a, b, t in found.select("row", "start", "end", "pi_type").iter_rows():
        by_row.setdefault(row, []).append((a, b, t))
    n_gold: Counter[str] = Counter()
    n_pred: Counter[str] = Counter()
    hits: Counter[tuple[str, str]] = Counter()  # (type, "gold"|"pred"|"gold_exact"|"pred_exact")
    errors: list[AccuracyError] = []
    for i, rec in enumerate(records):
        gold = rec.pi_spans()
        pred = by_row.get(i, [])
        where, line = getattr(rec, "where", "<records>"), getattr(rec, "line", i + 1)
        # labels against findings (recall, misses), then findings against labels (precision)
        for side, spans, other, counts, kind in (
            ("gold", gold, pred, n_gold, "missed"),
            ("pred", pred, gold, n_pred, "false_positive"),
        ):
            for a, b, t in spans:
                counts[t] += 1
                same = [(x, y) for x, y, u in other if u == t and x < b and a < y]
                if same:
                    hits[t, side] += 1
                    hits[t, side + "_exact"] += (a, b) in same
                    continue
                errors.append(
                    AccuracyError(
                        kind=kind, where=where, line=line, column=a + 1, pi_type=t,
                        preview=mask_preview(rec.text[a:b], t),
                    )
                )  # fmt: skip
    per_type = [
        TypeAccuracy(
            pi_type=t,
            gold=n_gold[t],
            predicted=n_pred[t],
            precision=_ratio(hits[t, "pred"], n_pred[t]),
            recall=_ratio(hits[t, "gold"], n_gold[t]),
            exact_precision=_ratio(hits[t, "pred_exact"], n_pred[t]),
            exact_recall=_ratio(hits[t, "gold_exact"], n_gold[t]),
        )
        for t in sorted(set(n_gold) | set(n_pred))
    ]
    return AccuracyReport(
        records=len(records),
        per_type=per_type,
        micro_precision=_ratio(sum(hits[t, "pred"] for t in n_pred), sum(n_pred.values())),
        micro_recall=_ratio(sum(hits[t, "gold"] for t in n_gold), sum(n_gold.values())),
        errors=errors,
    )
