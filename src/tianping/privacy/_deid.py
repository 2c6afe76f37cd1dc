"""De-identification that keeps the input's format and touches only personal information.

Text is rewritten span by span; CSV is tokenised in place (field byte ranges), so bytes
outside a transformed field are copied verbatim (same delimiter, quoting, line endings);
JSONL is tokenised per line, so only the changed string or number tokens differ; Parquet is
rewritten with the same schema where the action keeps the type and the same compression.
Output goes to a temporary file beside the target and is renamed into place; the input is
never the target.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import functools
import hmac
import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel, Field, field_serializer

from tianping.errors import InputError
from tianping.privacy._archive import is_archive
from tianping.privacy._arrow_text import holds_text, map_text
from tianping.privacy._compressed import compression_of, inner_path, open_binary, open_write
from tianping.privacy._formats import IMAGE_SUFFIXES, MAIL_SUFFIXES, OFFICE_SUFFIXES, PACKAGES
from tianping.privacy._legacy_deid import LEGACY_KINDS
from tianping.privacy._policy import (
    Action,
    DateShift,
    Detect,
    Generalise,
    Keep,
    Mask,
    Policy,
    Pseudonymise,
    Redact,
    Suppress,
)
from tianping.privacy._shown import masked, shown_path, shown_text, shown_warning
from tianping.privacy._tnef import is_tnef_file
from tianping.privacy._types import FOLD_FULLWIDTH, Match

if TYPE_CHECKING:  # polars is imported where text is de-identified in blocks
    import polars as pl

__all__ = [
    "DeidFileReport",
    "DeidReport",
    "Deidentifier",
    "deid_path",
    "detect_format",
]

Format = Literal["text", "csv", "tsv", "jsonl", "json", "parquet"]
Detector = Callable[[str], list[Match]]
_T = TypeVar("_T")

_TEXT_SUFFIXES = {".txt", ".md", ".log", ".text", ""}


_HEX_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")  # pseudonym letters


class DeidFileReport(BaseModel):
    input: str
    output: str | None = None
    format: str
    status: Literal["ok", "skipped"] = "ok"
    reason: str | None = None
    records: int = 0
    replaced: dict[str, int] = Field(
        default_factory=dict, description="Transformed values per PI type or column"
    )
    constraints_kept: list[str] = Field(
        default_factory=list,
        description="Database copies: the source's constraints and indexes the copy has",
    )
    constraints_dropped: list[str] = Field(
        default_factory=list,
        description="Database copies: those it has not, each with the reason",
    )
    left: dict[str, dict[str, int]] = Field(
        default_factory=dict,
        description="PI detection found but could not rewrite, by column and type: "
        "integers in Parquet and database columns, which keep their type",
    )
    warnings: list[str] = Field(
        default_factory=list,
        description="What the run may not have covered (in place: triggers that fired on "
        "the updates and may have written the old values elsewhere)",
    )

    @field_serializer("input", "output")
    def _shown_path(self, path: str | None) -> str | None:  # files named after a person
        return None if path is None else shown_path(path)

    @field_serializer("reason")
    def _shown_reason(self, reason: str | None) -> str | None:
        return None if reason is None else shown_text(reason, self.input, self.output or "")

    @field_serializer("warnings")
    def _shown_warnings(self, warnings: list[str]) -> list[str]:  # attachments named after a person
        return [shown_warning(w) for w in warnings]


class DeidReport(BaseModel):
    files: list[DeidFileReport] = Field(default_factory=list)

    @property
    def replaced_total(self) -> int:
        return sum(sum(f.replaced.values()) for f in self.files)

    @property
    def skipped(self) -> list[DeidFileReport]:
        return [f for f in self.files if f.status == "skipped"]


def detect_format(path: Path) -> Format:
    suf = inner_path(path).suffix.lower()  # a.jsonl.gz is JSON Lines
    if suf in (".csv",):
        return "csv"
    if suf in (".tsv", ".tab"):
        return "tsv"
    if suf in (".jsonl", ".ndjson"):
        return "jsonl"
    if suf == ".json":
        return "json"
    if suf in (".parquet", ".pq"):
        return "parquet"
    return "text"


BatchDetector = Callable[[list[str]], list[list[Match]]]
_BATCH = 50_000  # strings per detection call


def _default_batch(min_confidence: float) -> BatchDetector:
    try:
        from tianping.privacy._detect import detect_batch
    except ImportError:
        raise InputError(
            "the policy needs PI detection (types / detect rules) but the detection "
            "module is not available in this installation"
        ) from None

    def run(texts: list[str]) -> list[list[Match]]:
        df = detect_batch(texts, min_confidence=min_confidence, previews=False)
        out: list[list[Match]] = [[] for _ in texts]
        cols = (df["row"], df["start"], df["end"], df["pi_type"], df["confidence"])
        for r, a, b, t, c in zip(*cols, strict=True):
            out[int(r)].append(Match(str(t), int(a), int(b), float(c)))
        return out

    return run


# --- value transforms -------------------------------------------------------------------

_DATE_RE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<s1>[-/.年]?)(?P<m>\d{1,2})(?P<s2>[-/.月]?)(?P<d>\d{1,2})"
    r"(?P<s3>日?)(?!\d)"
)
_YEAR_RE = re.compile(r"(?<!\d)(19|20)\d{2}(?!\d)")
_CN_CITY_RE = re.compile(
    r"^\s*(?P<prov>[^\s省市]{2,8}?(?:省|自治区|特别行政区))?"
    r"(?P<city>[^\s省市]{1,12}?(?:市|自治州|地区|盟))?"
)
_CJK_RE = re.compile(r"[\u4e00-\u9fff]")


def _parse_date(value: str) -> re.Match[str] | None:
    for m in _DATE_RE.finditer(value):
        if not m["s1"] and (len(m["m"]) != 2 or len(m["d"]) != 2):
            continue
        if m["s1"] == "年" and not m["s2"]:
            continue
        try:
            dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
        except ValueError:
            continue
        return m
    return None


class Deidentifier:
    """Applies a policy to values, text, and files. Holds the key once loaded."""

    def __init__(self, policy: Policy, detector: Detector | None = None) -> None:
        self.policy = policy
        self._detector = detector
        self._batch: BatchDetector | None = None
        self._key: bytes | None = None
        self._hmac: hmac.HMAC | None = None
        self._cache: dict[str, list[Match]] = {}
        self._collect: list[str] | None = None
        self._done: dict[str, str] = {}  # text -> its de-identified form, made in bulk
        self.counts: Counter[str] = Counter()
        self.left: dict[str, Counter[str]] = {}  # PI found in integers, not rewritten
        if policy.needs_key():
            self._key = policy.key_bytes()

    # .. detection: one batched call per block of strings, not one per string
    def _detect_many(self, texts: list[str]) -> list[list[Match]]:
        if self._detector is not None:
            return [self._detector(t) for t in texts]
        if self._batch is None:
            self._batch = _default_batch(self.policy.min_confidence)
        return self._batch(texts)

    def prefetch(self, values: Iterable[str]) -> None:
        """Detect PI in many strings at once; `text` then reads the results."""
        todo = [v for v in dict.fromkeys(values) if v and v not in self._cache]
        for i in range(0, len(todo), _BATCH):
            block = todo[i : i + _BATCH]
            self._cache.update(zip(block, self._detect_many(block), strict=True))

    def two_pass(self, fn: Callable[[], _T]) -> _T:
        """Run `fn` once to collect the strings that need detection, detect them in
        batches, then run it for real (the first pass transforms nothing)."""
        if not self.policy.detects:
            return fn()
        self._collect = []
        try:
            fn()
            values = self._collect
        finally:
            self._collect = None
        self.counts = Counter()
        if not self._bulk(values):
            self.prefetch(values)
        try:
            return fn()
        finally:
            self._cache.clear()
            self._done.clear()

    def _bulk(self, values: list[str]) -> bool:
        """De-identify all collected texts at once with the compiled kernel (`text_column`);
        the second pass then looks each up. Counts are made here, once per occurrence, as
        `text` would make them. False when the kernel cannot (the caller prefetches)."""
        import pyarrow as pa

        if not values:
            return False
        new = self.text_column(pa.array(values, type=pa.large_string()))
        if new is None:
            return False
        self._done = dict(zip(values, new.to_pylist(), strict=True))
        return True

    def _mac(self, domain: str, value: str) -> str:
        if self._hmac is None:
            assert self._key is not None  # checked in __init__ via needs_key()
            self._hmac = hmac.new(self._key, digestmod=self.policy.hmac)
        h = self._hmac.copy()  # cheaper than re-keying for every value
        h.update(f"{domain}\x1f{value}".encode())
        return h.hexdigest()

    def _token(self, prefix: str, domain: str, value: str, length: int) -> str:
        """PREFIX_ and `length` letters of the keyed digest: hex digits written as a-p, so
        that no run of digits in a token reads as a phone or card number on a rescan."""
        # full-width and plain forms of one value (１３８…, 138…) get one token, and so do
        # li#163.com, li [at] 163 [dot] com and li@163.com
        from tianping.privacy._detect import email_as_read

        folded = email_as_read(value.strip().translate(FOLD_FULLWIDTH))
        return f"{prefix}_{self._mac(domain, folded)[:length].translate(_HEX_LETTERS)}"

    def _shift_days(self, rule: DateShift, per_value: str | None) -> int:
        if rule.days is not None:
            return rule.days
        h = int(self._mac("shift_date", per_value or ""), 16)
        return h % (2 * rule.max_days + 1) - rule.max_days

    def apply(
        self,
        value: str,
        rule: Action,
        label: str,
        per_value: str | None = None,
    ) -> str | None:
        """Transform one value by one rule. None means 'suppressed' (null / empty)."""
        if isinstance(rule, Keep | Detect):
            return value
        if isinstance(rule, Suppress):
            return None
        if isinstance(rule, Redact):
            return rule.replacement if rule.replacement is not None else f"[{label.upper()}]"
        if isinstance(rule, Mask):
            n = len(value)
            if rule.keep_start + rule.keep_end >= n:
                return rule.char * n
            tail = value[n - rule.keep_end :] if rule.keep_end else ""
            return (
                value[: rule.keep_start] + rule.char * (n - rule.keep_start - rule.keep_end) + tail
            )
        if isinstance(rule, Pseudonymise):
            domain = rule.domain or label
            prefix = (rule.prefix or domain).upper()
            digits = [c for c in value if c.isdigit()] if rule.style == "digits" else []
            if not digits:
                return self._token(prefix, domain, value, rule.length)
            digest = self._mac(domain, value.strip())
            num = str(int(digest, 16) % (10 ** len(digits))).zfill(len(digits))
            it = iter(num)
            return "".join(next(it) if c.isdigit() else c for c in value)
        if isinstance(rule, Generalise):
            return _generalise(value, rule, label)
        if isinstance(rule, DateShift):
            m = _parse_date(value)
            if m is None:
                return value if not value.strip() else "*"
            d = dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
            d2 = d + dt.timedelta(days=self._shift_days(rule, per_value))
            # Zero-padding follows the input: always for YYYYMMDD, for '-' '/' '.' when
            # both parts have two digits, otherwise only if a part had a leading zero.
            zero = m["m"].startswith("0") or m["d"].startswith("0")
            pad = (
                not m["s1"] or zero or (m["s1"] in "-/." and len(m["m"]) == 2 and len(m["d"]) == 2)
            )
            width = 2 if pad else 1
            mm = str(d2.month).zfill(width)
            dd = str(d2.day).zfill(width)
            new = f"{d2.year:04d}{m['s1']}{mm}{m['s2']}{dd}{m['s3']}"
            return value[: m.start()] + new + value[m.end() :]
        raise AssertionError(f"unhandled rule {rule!r}")  # pragma: no cover

    def matches(self, text: str, matches: Sequence[Match] | None = None) -> list[Match]:
        """Non-overlapping detections at or above the policy's confidence, left to right."""
        if matches is None:
            cached = self._cache.get(text)
            matches = cached if cached is not None else self._detect_many([text])[0]
        found = list(matches)
        found = [m for m in found if m.confidence >= self.policy.min_confidence and m.end > m.start]
        found.sort(key=lambda m: (m.start, -(m.end - m.start), -m.confidence))
        out: list[Match] = []
        last = -1
        for m in found:
            if m.start >= last:
                out.append(m)
                last = m.end
        return out

    def text(self, text: str, matches: Sequence[Match] | None = None) -> str:
        """Replace detected PI in free text per the `types` rules; other characters unchanged."""
        if self._collect is not None and matches is None:
            self._collect.append(text)
            return text
        if matches is None and self._done:
            done = self._done.get(text)
            if done is not None:
                return done
        parts: list[str] = []
        pos = 0
        for m in self.matches(text, matches):
            rule = self.policy.rule_for_type(m.pi_type)
            if rule is None or isinstance(rule, Keep):
                continue
            new = self.apply(text[m.start : m.end], rule, m.pi_type)
            parts.append(text[pos : m.start])
            parts.append("" if new is None else new)
            pos = m.end
            self.counts[m.pi_type] += 1
        if pos == 0:
            return text
        parts.append(text[pos:])
        return "".join(parts)

    def _compile(self, rule: Action | None, label: str) -> Callable[[str], str | None] | None:
        """A per-rule function for hot loops (None: leave the span alone)."""
        if rule is None or isinstance(rule, Keep | Detect):
            return None
        if isinstance(rule, Redact):
            const = rule.replacement if rule.replacement is not None else f"[{label.upper()}]"
            return lambda v: const
        if isinstance(rule, Suppress):
            return lambda v: None
        if isinstance(rule, Mask):
            ks, ke, ch = rule.keep_start, rule.keep_end, rule.char

            def mask(v: str) -> str:
                n = len(v)
                if ks + ke >= n:
                    return ch * n
                return v[:ks] + ch * (n - ks - ke) + (v[n - ke :] if ke else "")

            return mask
        if isinstance(rule, Pseudonymise) and rule.style != "digits":
            domain = rule.domain or label
            prefix, length = (rule.prefix or domain).upper(), rule.length
            return lambda v: self._token(prefix, domain, v, length)
        return lambda v: self.apply(v, rule, label)

    def text_lines(self, lines: list[str]) -> str:
        """Free text given as lines (with their endings): one detection call per block of
        lines; replacements are computed column-wise and spliced back in one copy (by the
        compiled kernel when it is built, else by polars). Only rules that need Python
        (pseudonyms, generalisation, date shifts) visit values, once per distinct value."""
        if self._detector is not None:
            return "".join([self.text(x) for x in lines])
        import polars as pl

        from tianping.privacy import _kernel
        from tianping.privacy._detect import detect_batch

        if _kernel.wanted(None):
            return self._text_lines_compiled(lines)
        out: list[str] = []
        for i in range(0, len(lines), _BATCH):
            s = pl.Series("t", lines[i : i + _BATCH], dtype=pl.String)
            found = detect_batch(s, min_confidence=self.policy.min_confidence, previews=False)
            if not found.height:
                out.append("".join(lines[i : i + _BATCH]))
                continue
            out.append(self._splice(s, found, self._replacements(s, found)))
        return "".join(out)

    def _text_lines_compiled(self, lines: list[str]) -> str:
        """`text_lines` with the compiled kernel: each block becomes one Arrow array that
        detection, span values and the splice all read; the blocks are spliced as UTF-8
        bytes and decoded once."""
        import pyarrow as pa

        out: list[bytes] = []
        for i in range(0, len(lines), _BATCH):
            out.append(self._splice_block(pa.array(lines[i : i + _BATCH], pa.large_string()))[2])
        return b"".join(out).decode()

    def _splice_block(self, arr: Any) -> tuple[pl.DataFrame, Any, bytes]:
        """One block (a large_string Arrow array) through the kernel: the spans replaced,
        their replacements' offsets, and the block's rows spliced end to end as bytes."""
        from tianping.privacy import _kernel

        found = _kernel.scan_series(
            None,
            min_confidence=self.policy.min_confidence,
            today=dt.date.today(),
            types=None,
            spans_only=True,
            arr=arr,
        )
        kept, rep_data, rep_off = self._rule_values(found, arr)
        return kept, rep_off, _kernel.splice_buffers(arr, kept, rep_data, rep_off)

    def text_column(self, arr: Any) -> Any:
        """A string column (Arrow) with the PI of every value replaced per the `types` rules,
        as `text` would do value by value; None when the compiled kernel cannot do it (a
        custom detector, or no kernel), and the caller goes value by value. Values stay
        Arrow buffers throughout: each block is spliced in one copy and its new offsets are
        the old ones moved by the length change of each replacement."""
        import numpy as np
        import pyarrow as pa

        from tianping.privacy import _kernel

        if self._detector is not None or not _kernel.wanted(None):
            return None
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        arr = arr.cast(pa.large_string())
        blocks = []
        for i in range(0, len(arr), _BATCH):
            block = arr.slice(i, _BATCH)
            kept, rep_off, data = self._splice_block(block)
            n = len(block)
            at = block.offset
            old = np.frombuffer(block.buffers()[1], dtype=np.int64)[at : at + n + 1]
            delta = np.diff(rep_off) - (kept["bend"].to_numpy() - kept["bstart"].to_numpy())
            per_row = np.bincount(kept["row"].to_numpy(), weights=delta, minlength=n)
            offsets = old - old[0]
            offsets[1:] += np.cumsum(per_row).astype(np.int64)
            validity = block.is_valid().buffers()[1] if block.null_count else None
            blocks.append(
                pa.LargeStringArray.from_buffers(
                    n, pa.py_buffer(offsets), pa.py_buffer(data), validity, block.null_count
                )
            )
        return pa.chunked_array(blocks, type=pa.large_string()).combine_chunks()

    def _rule_values(self, found: pl.DataFrame, arr: Any) -> tuple[pl.DataFrame, bytes, Any]:
        """The compiled kernel's share of `_replacements`: the spans whose rule changes
        them, and their replacements as large_string buffers. Constants, masks and region
        prefixes are computed in C; pseudonyms, other generalisations and date shifts in
        Python once per distinct value, as are region prefixes of non-ASCII values (the
        polars expression decides what a digit or a space is there)."""
        import numpy as np
        import polars as pl

        from tianping.privacy import _kernel

        rules: list[tuple[int, int, int, str]] = []
        rule_of: dict[str, int] = {}  # label -> index in rules; -1 Python; -2 kept as is
        python: dict[str, Callable[[str], str | None]] = {}
        prefix: dict[str, int] = {}  # region-prefix labels -> digits kept
        for label in found["pi_type"].unique().to_list():
            rule = self.policy.rule_for_type(label)
            if rule is None or isinstance(rule, Keep | Detect):
                rule_of[label] = -2
                continue
            if isinstance(rule, Redact):
                text = rule.replacement if rule.replacement is not None else f"[{label.upper()}]"
                rules.append((_kernel.RULE_CONSTANT, 0, 0, text))
            elif isinstance(rule, Suppress):
                rules.append((_kernel.RULE_CONSTANT, 0, 0, ""))
            elif isinstance(rule, Mask):
                rules.append((_kernel.RULE_MASK, rule.keep_start, rule.keep_end, rule.char))
            elif isinstance(rule, Generalise) and rule.to == "region_prefix":
                rules.append((_kernel.RULE_REGION_PREFIX, rule.digits, 0, ""))
                prefix[label] = rule.digits
            else:
                fn = self._compile(rule, label)
                assert fn is not None
                python[label] = fn
                rule_of[label] = -1
                continue
            rule_of[label] = len(rules) - 1
        typ = pl.col("pi_type")
        non_ascii = (pl.col("bend") - pl.col("bstart")) != (pl.col("end") - pl.col("start"))
        f = found.with_columns(
            pl.when(typ.is_in(list(prefix)) & non_ascii)
            .then(pl.lit(-1, pl.Int16))
            .otherwise(typ.replace_strict(rule_of, return_dtype=pl.Int16))
            .alias("rule")
        ).filter(pl.col("rule") != -2)
        for label, n in f.group_by("pi_type").len().iter_rows():
            self.counts[label] += n
        py_index = np.full(f.height, -1, dtype=np.int64)
        py_values: list[str] = []
        is_py = (f["rule"] == -1).to_numpy()
        if is_py.any():
            sub = f.filter(pl.Series(is_py)).select("row", "bstart", "bend", "pi_type")
            sub = sub.with_columns(_kernel.span_values(None, sub, arr).alias("v"))
            new = pl.Series("new", [None] * sub.height, dtype=pl.String)
            if prefix:
                digits = pl.col("v").str.strip_chars().str.extract(r"^(\d+)", 1)
                k = typ.replace_strict(prefix, default=0, return_dtype=pl.Int64)
                new = sub.select(
                    pl.when(digits.str.len_chars() >= k)
                    .then(digits.str.head(k))
                    .otherwise(pl.lit("*"))
                    .alias("new")
                )["new"]
            if python:
                todo = sub.filter(typ.is_in(list(python))).select("pi_type", "v").unique()
                done = {
                    (lb, v): python[lb](v) or ""
                    for lb, v in zip(todo["pi_type"], todo["v"], strict=True)
                }
                rows = zip(sub["pi_type"], sub["v"], new, strict=True)
                new = pl.Series(
                    "new",
                    [done[(lb, v)] if lb in python else p for lb, v, p in rows],
                    dtype=pl.String,
                )
            py_values = new.to_list()
            py_index[is_py] = np.arange(len(py_values))
        rep_data, rep_off = _kernel.rule_values(
            arr, f, f["rule"].to_numpy(), rules, py_values, py_index
        )
        return f, rep_data, np.frombuffer(rep_off, dtype=np.int64)

    def _replacements(self, s: pl.Series, found: pl.DataFrame) -> pl.DataFrame:
        """The findings whose rule changes them, in order, with `new`, the replacement per
        the type's rule (spans whose rule keeps them are left out).

        Redaction and suppression become one lookup by type, masks one expression per
        distinct (keep_start, keep_end, char); pseudonyms, generalisation and date shifts
        run in Python, once per distinct value of a type (they are deterministic).
        """
        import polars as pl

        start, end, typ = pl.col("start"), pl.col("end"), pl.col("pi_type")
        f = found.select(
            "row",
            "pi_type",
            (end - start).alias("n"),
            s.gather(found["row"])
            .str.slice(found["start"], found["end"] - found["start"])
            .alias("v"),
        )
        consts: dict[str, str] = {}
        masks: dict[tuple[int, int, str], list[str]] = {}
        prefixes: dict[int, list[str]] = {}
        python: dict[str, Callable[[str], str | None]] = {}
        for label in f["pi_type"].unique().to_list():
            rule = self.policy.rule_for_type(label)
            if rule is None or isinstance(rule, Keep | Detect):
                continue  # the span stays as it is
            if isinstance(rule, Redact):
                consts[label] = (
                    rule.replacement if rule.replacement is not None else f"[{label.upper()}]"
                )
            elif isinstance(rule, Suppress):
                consts[label] = ""
            elif isinstance(rule, Mask):
                masks.setdefault((rule.keep_start, rule.keep_end, rule.char), []).append(label)
            elif isinstance(rule, Generalise) and rule.to == "region_prefix":
                prefixes.setdefault(rule.digits, []).append(label)
            else:
                fn = self._compile(rule, label)
                assert fn is not None
                python[label] = fn
        # each rule group is computed on its own spans only, then joined back by position
        f = f.with_row_index("i")
        parts: list[pl.DataFrame] = []

        # the polars assembly needs each replacement's position and row
        carry = ["i", "row"]
        by_type = f.partition_by("pi_type", as_dict=True)  # one pass, not one filter per rule

        def part(labels: list[str], expr: pl.Expr) -> None:
            subs = [by_type[(lb,)] for lb in labels if (lb,) in by_type]
            for sub in subs:
                self.counts[str(sub["pi_type"][0])] += sub.height
            if subs:
                sub = subs[0] if len(subs) == 1 else pl.concat(subs)
                parts.append(sub.select(*carry, expr.cast(pl.String).alias("new")))

        if consts:
            part(list(consts), typ.replace_strict(consts, return_dtype=pl.String))
        n, v = pl.col("n"), pl.col("v")
        for (ks, ke, ch), labels in masks.items():
            kept = (
                v.str.head(ks)
                + pl.lit("").str.pad_end(n - ks - ke, ch)
                + (v.str.tail(ke) if ke else pl.lit(""))
            )
            part(labels, pl.when(n <= ks + ke).then(pl.lit("").str.pad_end(n, ch)).otherwise(kept))
        for k, labels in prefixes.items():  # as _generalise: the leading digits, or "*"
            digits = v.str.strip_chars().str.extract(r"^(\d+)", 1)
            part(
                labels,
                pl.when(digits.str.len_chars() >= k)
                .then(digits.str.head(k))
                .otherwise(pl.lit("*")),
            )
        if python:
            todo = pl.concat([by_type[(lb,)] for lb in python]).select("pi_type", "v").unique()
            done = [
                python[lb](value) or ""
                for lb, value in zip(todo["pi_type"], todo["v"], strict=True)
            ]
            sub = pl.concat([by_type[(lb,)] for lb in python]).join(
                todo.with_columns(pl.Series("new", done, dtype=pl.String)),
                on=["pi_type", "v"],
                how="left",
            )
            parts.append(sub.select(*carry, "new"))
            for lb in python:
                self.counts[lb] += by_type[(lb,)].height
        if not parts:
            return f.clear().select(*carry, pl.lit(None, pl.String).alias("new"))
        return pl.concat(parts).sort("i")

    def _splice(self, s: pl.Series, found: pl.DataFrame, replaced: pl.DataFrame) -> str:
        """Polars assembly of the block's text (no compiled kernel): every span, with the
        replacement where `_replacements` has one."""
        import polars as pl

        start, end, row = pl.col("start"), pl.col("end"), pl.col("row")
        f = (
            found.select("row", "start", "end")
            .with_row_index("i")
            .join(replaced.select("i", "new"), on="i", how="left", maintain_order="left")
            .with_columns(s.gather(found["row"]).alias("t"))
            .with_columns(
                pl.when(row == row.shift(1)).then(end.shift(1)).otherwise(0).alias("prev"),
                pl.col("t").str.slice(start, end - start).alias("v"),
            )
        )
        new = pl.coalesce(pl.col("new"), pl.col("v"))
        rows = (
            f.with_columns(
                (pl.col("t").str.slice(pl.col("prev"), start - pl.col("prev")) + new).alias("p")
            )
            .group_by("row", maintain_order=True)
            .agg(pl.col("p").str.join(""), pl.col("end").last(), pl.col("t").first())
            .with_columns((pl.col("p") + pl.col("t").str.slice(pl.col("end"))).alias("new"))
        )
        joined = s.scatter(rows["row"], rows["new"]).str.join("")
        return str(joined.item())

    def cell(self, value: str, column: str, row: dict[str, str] | None = None) -> str | None:
        """One table cell: its column rule, or detection when the policy asks for it."""
        rule = self.policy.columns.get(column)
        if self._collect is not None:  # first pass: only gather strings for detection
            if value and (
                isinstance(rule, Detect) or (rule is None and self.policy.detect_unlisted)
            ):
                self._collect.append(value)
            return value
        if rule is None:
            return self.text(value) if self.policy.detect_unlisted and value else value
        if isinstance(rule, Detect):
            return self.text(value) if value else value
        if isinstance(rule, Keep) or value == "":
            return value
        per = row.get(rule.per) if isinstance(rule, DateShift) and rule.per and row else None
        self.counts[column] += 1
        return self.apply(value, rule, column, per)

    def replacements(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, new text) of each detected value in `text` that the `types` rules
        change, counted as `text` counts them: for formats that write replacements back
        piece by piece (a value split over a document's runs)."""
        out = []
        for m in self.matches(text, None):
            rule = self.policy.rule_for_type(m.pi_type)
            if rule is None or isinstance(rule, Keep):
                continue
            new = self.apply(text[m.start : m.end], rule, m.pi_type)
            out.append((m.start, m.end, "" if new is None else new))
            self.counts[m.pi_type] += 1
        return out

    def check_integers(self, name: str, column: Any) -> None:
        """Detection over an integer column that keeps its type: what it finds cannot be
        rewritten there (a phone stored as a number), so it is counted in `left`, by type,
        where a rule would act on it."""
        import pyarrow as pa

        found = self.left.setdefault(name, Counter())
        if self._detector is None and _kernel_wanted():  # one vectorised pass, no str per value
            import polars as pl

            from tianping.privacy._detect import detect_batch

            texts = pl.Series(name, column.cast(pa.string()))
            df = detect_batch(texts, min_confidence=self.policy.min_confidence, previews=False)
            types = df["pi_type"].to_list()
        else:
            strs = [v for v in column.cast(pa.string()).to_pylist() if v]
            types = [
                m.pi_type
                for text, ms in zip(strs, self._detect_many(strs), strict=True)
                for m in self.matches(text, ms)
            ]
        for t in types:
            if self.acts_on(t):
                found[t] += 1
        if not found:
            del self.left[name]

    def acts_on(self, pi_type: str) -> bool:
        """Whether a `types` rule (other than keep) applies to PI of this type."""
        rule = self.policy.rule_for_type(pi_type)
        return rule is not None and not isinstance(rule, Keep)

    def left_report(self) -> dict[str, dict[str, int]]:
        return {c: dict(sorted(n.items())) for c, n in sorted(self.left.items()) if n}

    def touches(self, column: str) -> bool:
        rule = self.policy.columns.get(column)
        if rule is None:
            return self.policy.detect_unlisted
        return not isinstance(rule, Keep)


def _kernel_wanted() -> bool:
    from tianping.privacy import _kernel

    return _kernel.wanted(None)


def _generalise(value: str, rule: Generalise, label: str) -> str:
    v = value.strip().translate(FOLD_FULLWIDTH)  # １１０１０５… reads as 110105…
    if rule.to == "year":
        if re.fullmatch(r"\d{17}[\dXx]", v):  # resident ID: birth year at positions 7-10
            return v[6:10]
        m = _parse_date(v)
        if m is not None:
            return m["y"] + ("年" if m["s1"] == "年" else "")
        y = _YEAR_RE.search(v)
        return y.group(0) if y else "*"
    if rule.to == "band":
        try:
            age = int(float(v))
        except ValueError:
            return "*"
        if age >= rule.top:
            return f"{rule.top}+"
        lo = (age // rule.width) * rule.width
        return f"{lo}-{lo + rule.width - 1}" if rule.width > 1 else str(lo)
    if rule.to == "region_prefix":
        digits = re.match(r"\d+", v)
        if not digits or len(digits.group(0)) < rule.digits:
            return "*"
        return digits.group(0)[: rule.digits]
    # city
    if _CJK_RE.search(v):
        m = _CN_CITY_RE.match(v)
        if m and (m["prov"] or m["city"]):
            return (m["prov"] or "") + (m["city"] or "")
        return "*"
    parts = [p.strip() for p in v.split(",") if p.strip()]
    if len(parts) >= 3:
        return parts[-2]
    if len(parts) == 2:
        return parts[0] if re.search(r"\d", parts[1]) else parts[1]
    return "*"


# --- formats ----------------------------------------------------------------------------


def _decode(raw: bytes, path: Path, encoding: str | None) -> tuple[str, str, bytes]:
    """Text, the encoding to write back with, and a BOM to restore."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8", b"\xef\xbb\xbf"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "utf-16", b""
    enc = encoding or "utf-8"
    try:
        return raw.decode(enc), enc, b""
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not valid {enc} at byte {exc.start}; if the file is GBK/GB18030 or "
            "UTF-16, pass its encoding (--encoding gb18030)"
        ) from None
    except LookupError:
        raise InputError(f"unknown encoding {enc!r}") from None


class Declined(Exception):
    """Raised inside `atomic_path` to leave `out` as it was (nothing written)."""


@contextlib.contextmanager
def atomic_path(out: Path) -> Iterator[Path]:
    """A temporary path beside `out`, renamed onto it when the block ends normally; on an
    error (or `Declined`) it is removed and `out` is untouched, so nothing partial is ever
    written where the output goes."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tianping-{os.getpid()}.tmp"
    try:
        yield tmp
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def _write_atomic(out: Path, data: bytes) -> None:
    with atomic_path(out) as tmp:
        tmp.write_bytes(data)


def _csv_records(
    text: str, delim: str, path: Path
) -> Iterator[tuple[int, list[tuple[int, int, int]]]]:
    """(line number, fields as (start, end, kind)) per record, on the raw text."""
    d = re.escape(delim)
    quoted_re = re.compile(r'"(?:[^"]|"")*"')
    plain_re = re.compile(rf"[^{d}\r\n]*")
    pos, n, line = 0, len(text), 1
    row: list[tuple[int, int, int]] = []
    row_line = 1
    while pos <= n:
        kind = 0  # 0 plain, 1 quoted, 2 irregular (left untouched)
        if pos < n and text[pos] == '"':
            m = quoted_re.match(text, pos)
            if m is None:
                raise InputError(f"{path}: line {line}: unterminated quoted field")
            end = m.end()
            kind = 1
            line += text.count("\n", pos, end)
            if end < n and text[end] not in (delim, "\r", "\n"):
                end = plain_re.match(text, end).end()  # type: ignore[union-attr]
                kind = 2
        else:
            end = plain_re.match(text, pos).end()  # type: ignore[union-attr]
        row.append((pos, end, kind))
        if end >= n:
            if any(e > s for s, e, _ in row) or len(row) > 1:
                yield row_line, row
            return
        c = text[end]
        if c == delim:
            pos = end + 1
            continue
        eol = 2 if text.startswith("\r\n", end) else 1
        yield row_line, row
        row = []
        line += 1
        row_line = line
        pos = end + eol
        if pos == n:
            return


def _name(names: Sequence[str], i: int) -> str:
    return names[i] if i < len(names) else str(i)


def _csv_unquote(raw: str) -> str:
    return raw[1:-1].replace('""', '"')


def _csv_render(new: str | None, quoted: bool, delim: str) -> str:
    if new is None:
        return '""' if quoted else ""
    if quoted or any(c in new for c in (delim, '"', "\r", "\n")):
        return '"' + new.replace('"', '""') + '"'
    return new


def _sniff(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_names(
    text: str,
    records: Iterator[tuple[int, list[tuple[int, int, int]]]],
    path: Path,
    policy: Policy,
    has_header: bool,
    columns: Sequence[str] | None,
) -> list[str] | None:
    """The column names (the header record, taken from `records`, or `columns`), checked
    against the policy's column rules; None for a file with a header and nothing else."""
    if has_header:
        first = next(records, None)
        if first is None:
            return None
        _, fields = first
        names = [(_csv_unquote(text[s:e]) if k == 1 else text[s:e]).strip() for s, e, k in fields]
    else:
        names = list(columns) if columns else []
    if not names and any(not c.isdigit() for c in policy.columns):
        raise InputError(
            f"{path}: the file has no header: name policy columns by position (0, 1, ...) "
            "or give the column names"
        )
    if names:
        unknown = [c for c in policy.columns if c not in names]
        if unknown:
            raise InputError(
                f"{path}: policy column(s) {unknown} are not in the header; columns are "
                f"{[masked(n) for n in names]}"
            )
    return names


def _deid_csv(
    text: str,
    deid: Deidentifier,
    path: Path,
    delimiter: str | None,
    has_header: bool,
    columns: Sequence[str] | None,
) -> tuple[str, int]:
    delim = delimiter or _sniff(text)
    records = _csv_records(text, delim, path)
    parts: list[str] = []
    pos = 0
    nrec = 0
    names = _csv_names(text, records, path, deid.policy, has_header, columns)
    if names is None:
        return text, 0
    collect = deid._collect
    if collect is not None and not deid.policy.columns and deid.policy.detect_unlisted:
        # first pass with only `types` rules: every regular cell goes to detection
        for _line, fields in records:
            for s, e, k in fields:
                if k == 0:
                    core = text[s:e].strip(" ")
                elif k == 1:
                    core = _csv_unquote(text[s:e])
                else:
                    continue
                if core:
                    collect.append(core)
        return text, 0
    needs_row = any(isinstance(r, DateShift) and r.per for r in deid.policy.columns.values())
    for _line, fields in records:
        nrec += 1
        row: dict[str, str] | None = None
        if needs_row:
            row = {
                _name(names, i): (_csv_unquote(text[s:e]) if k == 1 else text[s:e]).strip()
                for i, (s, e, k) in enumerate(fields)
            }
        for i, (s, e, k) in enumerate(fields):
            name = _name(names, i)
            if k == 2 or not deid.touches(name):
                continue
            raw = text[s:e]
            value = _csv_unquote(raw) if k == 1 else raw
            core = value if k == 1 else value.strip(" ")
            if not core:
                continue
            new = deid.cell(core, name, row)
            if new == core:
                continue
            if k == 0:
                lead = value[: len(value) - len(value.lstrip(" "))]
                trail = value[len(value.rstrip(" ")) :]
                rendered = lead + _csv_render(new, False, delim) + trail
            else:
                rendered = _csv_render(new, True, delim)
            parts.append(text[pos:s])
            parts.append(rendered)
            pos = e
    parts.append(text[pos:])
    return "".join(parts), nrec


# strings as "run of plain characters, then escape + run": one step per run, not per character
_JSON_TOKEN = re.compile(
    r'"[^"\\]*(?:\\.[^"\\]*)*"|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null'
    r"|[{}\[\]:,]|\s+"
)
_JSON_PLAIN = re.compile(r'"[^"\\\x00-\x1f]*"')  # no escapes, no control characters
# a string token (a key when a colon follows), or a number outside strings
_JSON_STRING_KEY = re.compile(
    r'"[^"\\]*(?:\\.[^"\\]*)*"(?P<key>[ \t\r\n]*:)?|(?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)'
)


def _json_str(tok: str) -> str:
    """A JSON string token's value (`json.loads` only where there is something to decode
    or to reject)."""
    return tok[1:-1] if _JSON_PLAIN.fullmatch(tok) else str(json.loads(tok))


class _JsonSyntax(ValueError):
    """A JSON syntax error at a character offset (callers add the file and line)."""

    def __init__(self, at: int, message: str) -> None:
        super().__init__(message)
        self.at, self.message = at, message


def _splice_json(text: str, deid: Deidentifier, *, document: bool) -> tuple[str, int]:
    """One JSON value (a JSON Lines line, or a whole `.json` document) de-identified value
    by value in place: every other byte stays. The record count: the elements of a
    top-level array of a document, else the top-level values.

    A value falls under the column rule of its record's top-level key (everything under
    it, as for a table column); in a document also under the rule of its exact column as
    `tianping scan` names it (`customers[].phone`), records being the elements of a
    top-level array. Other strings and numbers go through detection (a phone is often
    written as a number; one that changes becomes a string). A value written with \\u
    escapes is written back with them."""
    parts: list[str] = []
    pos = 0
    frames: list[list[Any]] = []  # open containers: [kind "o"/"a", the key being read]
    expect_key = False
    elements = tops = 0  # elements of a top-level array; top-level values
    columns = deid.policy.columns
    i, n = 0, len(text)
    while i < n:
        m = _JSON_TOKEN.match(text, i)
        if m is None:
            raise _JsonSyntax(i, f"not valid JSON at character {i + 1}")
        tok, j, c = m.group(0), m.end(), m.group(0)[0]
        if c.isspace() or c == ":":
            pass
        elif c in "{[":
            elements += len(frames) == 1 and frames[0][0] == "a"
            tops += not frames
            frames.append(["o" if c == "{" else "a", None])
            expect_key = c == "{"
        elif c in "}]":
            if not frames or (document and frames[-1][0] != ("o" if c == "}" else "a")):
                raise _JsonSyntax(i, f"unbalanced '{c}'")
            frames.pop()
            expect_key = False
        elif c == ",":
            expect_key = bool(frames) and frames[-1][0] == "o"
        elif expect_key and c == '"':
            frames[-1][1] = _json_token(_json_str, tok, i, document)
            expect_key = False
        else:
            elements += len(frames) == 1 and frames[0][0] == "a"
            tops += not frames
            record = frames[1:] if document and frames and frames[0][0] == "a" else frames
            top = str(record[0][1]) if record and record[0][0] == "o" else None
            rule_key = top
            if document:
                name = ""  # the value's column, named as scan names it
                for kind, key in record:
                    name = (f"{name}.{key}" if name else str(key)) if kind == "o" else name + "[]"
                rule_key = name if name in columns else top
            key = rule_key if frames else None
            value = functools.partial(_json_value, c=c, deid=deid, key=key)
            new_tok = _json_token(value, tok, i, document)
            if new_tok is not None:
                parts.append(text[pos:i])
                parts.append(new_tok)
                pos = j
        i = j
    if frames:
        raise _JsonSyntax(n, "truncated JSON (unclosed bracket)")
    # one top-level array: its elements; else each top-level value (JSON Lines in a .json)
    records = elements if document and tops == 1 and text.lstrip().startswith("[") else tops
    if pos == 0:
        return text, records
    parts.append(text[pos:])
    return "".join(parts), records


def _json_token(fn: Callable[[str], _T], tok: str, at: int, document: bool) -> _T:
    """fn(tok); in a document a string json.loads rejects is a located syntax error (JSON
    Lines report the character within the token, as they always have)."""
    try:
        return fn(tok)
    except json.JSONDecodeError as exc:
        if not document:
            raise
        raise _JsonSyntax(at, f"invalid JSON string: {exc.msg}") from None


def _deid_json_line(line: str, deid: Deidentifier, path: Path, lineno: int) -> str:
    try:
        return _splice_json(line, deid, document=False)[0]
    except _JsonSyntax as exc:
        raise InputError(f"{path}: line {lineno}: {exc.message}") from None


def _json_value(tok: str, c: str, deid: Deidentifier, key: str | None) -> str | None:
    """The replacement token, or None to keep the original bytes."""
    if tok in ("true", "false", "null"):
        return None
    is_str = c == '"'
    value = _json_str(tok) if is_str else tok
    if not isinstance(value, str):
        value = str(value)
    col = key or ""
    new: str | None
    if key is None:
        new = deid.text(value) if deid.policy.detect_unlisted and value else value
    else:
        new = deid.cell(value, col)
    if new == value:
        return None
    if new is None:
        return "null"
    ascii_only = "\\u" in tok
    return json.dumps(new, ensure_ascii=ascii_only)


def _collect_json_strings(text: str, deid: Deidentifier) -> bool:
    """The first pass of `_deid_jsonl` when the policy has only `types` rules: every
    non-empty string value (not a key) and every number is what the second pass sends to
    detection, so one regex pass over the whole text collects them. False where column
    rules decide."""
    if deid.policy.columns or not deid.policy.detect_unlisted or deid._collect is None:
        return False
    collect = deid._collect
    before = len(collect)
    try:
        for m in _JSON_STRING_KEY.finditer(text):
            if m.group("num") is not None:  # numbers go to detection too, as written
                collect.append(m.group("num"))
            elif m.group("key") is None and m.end() - m.start() > 2:
                collect.append(_json_str(m.group(0)))
    except json.JSONDecodeError:  # the tokenizer pass reports it with its line
        del collect[before:]
        return False
    return True


def _deid_jsonl(text: str, deid: Deidentifier, path: Path) -> tuple[str, int]:
    if _collect_json_strings(text, deid):
        return text, 0  # the first pass only collects; the second reports
    out: list[str] = []
    n = 0
    # JSON Lines ends lines with LF only (str.splitlines would also cut at U+2028, which
    # JSON strings may hold raw)
    lines = text.split("\n")
    for lineno, line in enumerate(lines, start=1):
        if lineno < len(lines):
            line += "\n"
        elif not line:
            break
        body = line.rstrip("\r\n")
        if body.strip():
            n += 1
            try:
                new = _deid_json_line(body, deid, path, lineno)
            except json.JSONDecodeError as exc:  # a string token json.loads rejects
                raise InputError(
                    f"{path}: line {lineno}: invalid JSON string at character "
                    f"{exc.pos + 1} of its token: {exc.msg}"
                ) from None
            out.append(new + line[len(body) :])
        else:
            out.append(line)
    return "".join(out), n


def _deid_json_doc(text: str, deid: Deidentifier, path: Path) -> tuple[str, int]:
    """A JSON document (a `.json` file, pretty-printed or not): see `_splice_json`."""
    try:
        return _splice_json(text, deid, document=True)
    except _JsonSyntax as exc:
        line = f": line {text.count(chr(10), 0, exc.at) + 1}" if exc.at < len(text) else ""
        raise InputError(f"{path}{line}: {exc.message}") from None


def _deid_parquet(src: Path, out: Path, deid: Deidentifier) -> int:
    """A Parquet file one row group at a time (memory follows the largest row group), into
    a file with the same row groups, compression and schema (columns under a rule that
    turns non-strings into strings become strings)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(src)
        schema = pf.schema_arrow
    except (OSError, pa.ArrowException) as exc:
        raise InputError(f"{src}: cannot read as Parquet: {exc}") from None
    out_schema = table_out_schema(schema, deid, str(src))
    compression = "snappy"
    if pf.metadata.num_row_groups and pf.metadata.num_columns:
        compression = pf.metadata.row_group(0).column(0).compression.lower()
    rows = 0
    with (
        atomic_path(out) as tmp,
        pq.ParquetWriter(tmp, out_schema, compression=compression) as writer,
    ):
        for i in range(pf.metadata.num_row_groups):
            try:
                table = pf.read_row_group(i)
            except (OSError, pa.ArrowException) as exc:
                raise InputError(f"{src}: cannot read row group {i}: {exc}") from None
            writer.write_table(deid_table(table, deid, out_schema))
            rows += table.num_rows
        if not pf.metadata.num_row_groups:
            writer.write_table(out_schema.empty_table())
    return rows


def table_out_schema(schema: Any, deid: Deidentifier, where: str) -> Any:
    """The Arrow schema a table is written with: the input's, except that columns under a
    rule that turns other values into text become strings. The policy's columns (and
    date-shift 'per' columns) must be columns of the table."""
    import pyarrow as pa

    unknown = [c for c in deid.policy.columns if c not in schema.names]
    if unknown:
        raise InputError(
            f"{where}: policy column(s) {unknown} are not columns; columns are {schema.names}"
        )
    for action in deid.policy.columns.values():
        if isinstance(action, DateShift) and action.per and action.per not in schema.names:
            raise InputError(f"{where}: shift_date 'per' column '{action.per}' is not a column")
    fields = []
    for field in schema:
        rule = deid.policy.columns.get(field.name)
        keeps_type = (
            _is_str(field.type)
            or holds_text(field.type)  # rules reach the strings inside; the nesting stays
            or not deid.touches(field.name)
            or rule is None
            or (isinstance(rule, DateShift) and pa.types.is_date(field.type))
        )
        fields.append(
            field
            if keeps_type
            else pa.field(field.name, pa.string(), nullable=True, metadata=field.metadata)
        )
    return pa.schema(fields, metadata=schema.metadata)


def _is_str(t: Any) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_string(t) or pa.types.is_large_string(t))


def deid_table(table: Any, deid: Deidentifier, out_schema: Any) -> Any:
    """One row group: free-text columns through the kernel, string columns under a mask,
    redaction, suppression or region prefix through `_cellfiles.parquet_column` (in C),
    every other rule value by value."""
    import pyarrow as pa

    from tianping.privacy import _cellfiles

    cols = []
    for idx, name in enumerate(table.column_names):
        col = table.column(idx)
        field = table.schema.field(idx)
        rule = deid.policy.columns.get(name)
        is_str = _is_str(field.type)
        if not is_str and holds_text(field.type) and deid.touches(name):
            # dictionary, view and nested strings: each string inside, type kept
            cols.append(map_text(col, name, _leaf_fn(rule, name, deid)))
            continue
        if not deid.touches(name) or (rule is None and not is_str):
            if rule is None and deid.touches(name) and pa.types.is_integer(field.type):
                deid.check_integers(name, col)  # found, not rewritten: reported
            cols.append(col)
            continue
        if is_str and (isinstance(rule, Detect) or (rule is None and deid.policy.detect_unlisted)):
            fast = deid.text_column(col)
            if fast is not None:  # the compiled kernel, column-wise
                cols.append(fast.cast(field.type))
                continue
        if is_str and rule is not None:
            done = _cellfiles.parquet_column(col, name, rule, deid)
            if done is not None:
                cols.append(done.cast(field.type))
                continue
        values = col.to_pylist()
        per_vals: list[str | None] = [None] * len(values)
        if isinstance(rule, DateShift) and rule.per:
            per_vals = [None if v is None else str(v) for v in table.column(rule.per).to_pylist()]
        if isinstance(rule, DateShift) and pa.types.is_date(field.type):
            shifted = [
                None if v is None else v + dt.timedelta(days=deid._shift_days(rule, p))
                for v, p in zip(values, per_vals, strict=True)
            ]
            deid.counts[name] += sum(v is not None for v in values)
            cols.append(pa.array(shifted, type=field.type))
            continue
        strs = [None if v is None else _pq_str(v) for v in values]
        if rule is None or isinstance(rule, Detect):
            deid.prefetch(v for v in strs if v is not None)
        per_key = rule.per if isinstance(rule, DateShift) and rule.per else ""
        if rule is not None and not isinstance(rule, Detect) and not per_key:
            new_vals = _by_distinct_value(strs, rule, name, deid)
        else:
            new_vals = [
                None if v is None else deid.cell(v, name, {per_key: p} if p is not None else None)
                for v, p in zip(strs, per_vals, strict=True)
            ]
        cols.append(pa.array(new_vals, type=pa.string()).cast(out_schema.field(name).type))
    return pa.Table.from_arrays(cols, schema=out_schema)


def _leaf_fn(rule: Action | None, name: str, deid: Deidentifier) -> Callable[[str, Any], Any]:
    return lambda _path, values: _leaf(values, rule, name, deid)


def _leaf(values: Any, rule: Action | None, name: str, deid: Deidentifier) -> Any:
    """The string values inside a column that is not plain text (`map_text` gives them as
    large_string): detection, or the column's rule on each value."""
    import pyarrow as pa

    from tianping.privacy import _cellfiles

    if rule is None or isinstance(rule, Detect):
        fast = deid.text_column(values)
        if fast is not None:
            return fast
        strs = values.to_pylist()
        deid.prefetch(v for v in strs if v is not None)
        new = [None if v is None else deid.cell(v, name) for v in strs]
        return pa.array(new, pa.large_string())
    if isinstance(rule, DateShift) and rule.per:
        raise InputError(
            f"column {name}: shift_date 'per' another column needs a plain text or date "
            "column, not values nested in lists, structs or maps / 嵌套列不支持按列平移日期"
        )
    done = _cellfiles.parquet_column(values, name, rule, deid)
    if done is not None:
        return done
    return pa.array(_by_distinct_value(values.to_pylist(), rule, name, deid), pa.large_string())


def _by_distinct_value(
    strs: list[str | None], rule: Action, name: str, deid: Deidentifier
) -> list[str | None]:
    """`Deidentifier.cell` of each value under a column rule that depends on the value
    alone, computed once per distinct value (keyed pseudonyms are the costly case: a
    column repeats its names, cities and dates); counted per value as `cell` counts."""
    if isinstance(rule, Keep):
        return strs
    done: dict[str, str | None] = {"": ""}
    for v in strs:
        if v is not None and v not in done:
            done[v] = deid.apply(v, rule, name)
    deid.counts[name] += sum(1 for v in strs if v)
    return [None if v is None else done[v] for v in strs]


def _pq_str(v: Any) -> str:
    if isinstance(v, dt.date | dt.datetime):
        return v.isoformat()
    return str(v)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def _deid_text(
    kind: str,
    text: str,
    src: Path,
    deid: Deidentifier,
    delimiter: str | None,
    has_header: bool,
    columns: Sequence[str] | None,
) -> tuple[str, int]:
    """A decoded text, CSV or JSONL file de-identified in Python (the text itself when
    nothing changed) and its record count."""
    if kind in ("csv", "tsv"):
        delim = delimiter or ("\t" if kind == "tsv" else None)
        return deid.two_pass(lambda: _deid_csv(text, deid, src, delim, has_header, columns))
    if kind == "jsonl":
        return deid.two_pass(lambda: _deid_jsonl(text, deid, src))
    if kind == "json":
        return _deid_json_doc(text, deid, src)
    if deid.policy.columns and not deid.policy.types:
        raise InputError(f"{src}: text files need 'types' rules; the policy has only columns")
    # Line by line: PI does not span lines, and detection batches well over lines.
    lines = text.splitlines(keepends=True)
    return deid.text_lines(lines), len(lines)


def _fast_cells(
    kind: str,
    raw: bytes,
    text: str,
    enc: str,
    bom: bytes,
    path: Path,
    deid: Deidentifier,
    delimiter: str | None,
    has_header: bool,
    columns: Sequence[str] | None,
) -> tuple[bytes | None, int] | None:
    """Text, CSV or JSONL through the compiled paths (`_cellfiles`): the new UTF-8 bytes
    (None: unchanged) and the record count, or None where the Python path decides."""
    from tianping.privacy import _cellfiles

    if not _cellfiles.usable(deid, kind):
        return None  # the Python path decides (and says why where it refuses)
    utf8 = codecs.lookup(enc).name == "utf-8"
    data = raw[len(bom) :] if utf8 else text.encode("utf-8")
    if kind not in ("csv", "tsv", "jsonl"):
        res = _cellfiles.deid_lines(data, deid)
    elif kind == "jsonl":
        res = _cellfiles.deid_jsonl(data, deid)
    else:
        delim = delimiter or ("\t" if kind == "tsv" else _sniff(text))
        if len(delim) != 1 or not delim.isascii() or delim in '"\r\n':
            return None
        names = _csv_names(
            text, _csv_records(text, delim, path), path, deid.policy, has_header, columns
        )
        if names is None:
            return None, 0
        csv_res = _cellfiles.deid_csv(data, deid, delim, has_header, names)
        res = None if csv_res is None else csv_res[:2]
    if res is None:
        deid.counts = Counter()  # nothing was replaced; the Python path starts afresh
        return None
    out, records = res
    return (None if out is data else out), records


def _big_utf8(src: Path, encoding: str | None) -> bool:
    """Whether `src` is past the size where the compiled path goes a block at a time."""
    from tianping.privacy import _cellfiles

    utf8 = encoding is None or codecs.lookup(encoding).name == "utf-8"
    return utf8 and _cellfiles._celltok is not None and src.stat().st_size > _cellfiles.BLOCK_BYTES


def _deid_file(src: Path, out: Path, deid: Deidentifier, **opts: Any) -> DeidFileReport:
    """One file de-identified (`_deid_content`); where the output's name holds PI (it is
    the input's), the report says to rename it: names are not rewritten."""
    from tianping.privacy._scan import name_findings

    rep = _deid_content(src, out, deid, **opts)
    types = sorted({t for _, _, t, _ in name_findings(str(out), deid.policy.min_confidence)})
    acted = [t for t in types if deid.acts_on(t)]
    if acted:
        rep.warnings.append(
            f"the file's name holds PI ({', '.join(acted)}); rename it: de-identification "
            "keeps file names / 文件名含个人信息，请重命名"
        )
    return rep


def _deid_content(
    src: Path,
    out: Path,
    deid: Deidentifier,
    *,
    fmt: Format | None,
    delimiter: str | None,
    has_header: bool,
    columns: Sequence[str] | None,
    encoding: str | None,
    on_bytes: Callable[[int], None] | None = None,
) -> DeidFileReport:
    codec = compression_of(src)
    if codec is not None:
        layout = {"delimiter": delimiter, "has_header": has_header, "columns": columns}
        return _deid_compressed(src, out, deid, codec, fmt, encoding, layout)
    kind = fmt or detect_format(src)
    if fmt is None and src.suffix.lower() in PACKAGES:
        return _deid_office(src, out, deid, PACKAGES[src.suffix.lower()])
    if fmt is None and src.suffix.lower() in IMAGE_SUFFIXES:
        return _deid_image(src, out, deid)
    if fmt is None and src.suffix.lower() == ".pdf":
        return _deid_pdf(src, out, deid)
    if fmt is None and is_tnef_file(src):
        if out.suffix.lower() != ".eml":
            raise InputError(
                f"{src}: Outlook's TNEF (winmail.dat) is de-identified into an .eml message "
                "of plain MIME (no TNEF is written): give an output path ending in .eml / "
                "winmail.dat 去标识化后输出为 .eml，请将输出路径设为 .eml"
            )
        return _deid_mail(src, out, deid)
    if fmt is None and src.suffix.lower() in MAIL_SUFFIXES:
        return _deid_mail(src, out, deid)  # as text, base64 bodies would pass through unread
    if fmt is None and src.suffix.lower() in LEGACY_KINDS:
        return _deid_office(src, out, deid, src.suffix.lower()[1:])
    if fmt is None and src.suffix.lower() in OFFICE_SUFFIXES:
        raise InputError(
            f"{src}: this office format is scanned (tianping scan) but not rewritten; export "
            "it as CSV or text and de-identify that (Word, PowerPoint, Excel, OpenDocument "
            "and PDF files are; 97-2003 files where LibreOffice is installed) / "
            "此办公格式请导出为 CSV 或文本后再去标识化"
        )
    header_warning = None
    if kind in ("csv", "tsv") and has_header and not columns and _first_row_holds_pi(src, deid):
        has_header = False  # a header names columns; a phone or an e-mail there is a record
        header_warning = (
            "the first line holds personal information: read as a record, not as a header "
            "(name policy columns by position) / 首行含个人信息，按数据处理而非表头"
        )
    deid.counts = Counter()
    deid.left = {}
    rep = DeidFileReport(input=str(src), output=str(out), format=kind)
    if header_warning:
        rep.warnings.append(header_warning)
    blocks = None
    if kind != "parquet" and _big_utf8(src, encoding):
        from tianping.privacy import _cellfiles

        blocks = _cellfiles.deid_blocks(
            src, out, kind, deid, _cellfiles.CsvLayout(delimiter, has_header, columns), on_bytes
        )
        if blocks is None:
            deid.counts = Counter()  # declined part-way: the whole-file path starts afresh
    if kind == "parquet":
        rep.records = _deid_parquet(src, out, deid)
    elif blocks is not None:
        rep.records = blocks
    else:
        raw = src.read_bytes()
        if b"\x00" in raw[:8192] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise InputError(f"{src}: binary file (NUL bytes), not text/CSV/JSONL")
        text, enc, bom = _decode(raw, src, encoding)
        fast = _fast_cells(kind, raw, text, enc, bom, src, deid, delimiter, has_header, columns)
        if fast is not None:
            new_bytes, rep.records = fast
            if new_bytes is None:
                data = raw
            elif codecs.lookup(enc).name == "utf-8":
                data = bom + new_bytes  # already UTF-8: no round trip through str
            else:
                data = bom + new_bytes.decode("utf-8").encode(enc)
        else:
            new, rep.records = _deid_text(kind, text, src, deid, delimiter, has_header, columns)
            data = bom + new.encode(enc) if new is not text else raw
        _write_atomic(out, data)
    if kind in ("json", "jsonl"):
        keys = _pi_keys(src, deid)
        if keys:  # rewriting keys could merge two objects (two phones, one "[CN_MOBILE]")
            deid.left["<keys>"] = keys
            rep.warnings.append(
                "object keys hold personal information and are not rewritten (two keys "
                "could become one); restructure the data so the values are not keys / "
                "对象的键含个人信息，未改写"
            )
    deid._cache.clear()  # per-file detection results
    rep.replaced = dict(sorted(deid.counts.items()))
    rep.left = deid.left_report()
    return rep


_KEY_TOKEN = re.compile(rb'"((?:[^"\\\n]|\\.)*)"[ \t\r\n]*:')


def _pi_keys(src: Path, deid: Deidentifier) -> Counter[str]:
    """The PI a JSON file's keys hold that the policy would act on, by type: keys are
    structure, which de-identification does not rewrite (read a block of lines at a time;
    keys repeat, so each distinct one is checked once)."""
    seen: dict[bytes, list[str]] = {}
    found: Counter[str] = Counter()
    with src.open("rb") as fh:
        while block := fh.read(16 << 20):
            block += fh.readline()
            for m in _KEY_TOKEN.finditer(block):
                raw = m.group(1)
                if raw not in seen:
                    if len(seen) > 200_000:
                        seen.clear()
                    key = raw.decode("utf-8", errors="replace")
                    if "\\" in key:
                        with contextlib.suppress(ValueError):
                            key = json.loads(f'"{key}"')
                    seen[raw] = [m.pi_type for m in deid.matches(key) if deid.acts_on(m.pi_type)]
                found.update(seen[raw])
    return found


def _first_row_holds_pi(src: Path, deid: Deidentifier) -> bool:
    """Whether the first line of a CSV file holds PI that the policy would act on."""
    with src.open("rb") as fh:
        head = fh.readline(1 << 20)
    if b"\x00" in head:
        return False  # binary or UTF-16: the reader reports it
    try:
        line = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        line = head.decode("gb18030", errors="replace")
    delim = _sniff(line)
    cells = next(csv.reader([line.rstrip("\r\n")], delimiter=delim), [])
    return any(
        deid.acts_on(m.pi_type) for cell in cells if cell.strip() for m in deid.matches(cell)
    )


def _whole_file_report(
    src: Path, out: Path, deid: Deidentifier, kind: str, what: str, zh: str
) -> DeidFileReport:
    """The report of a file rewritten whole (a document, an image, a mailbox), counts
    reset; a policy with column rules only is refused: such a file has no columns."""
    if deid.policy.columns and not deid.policy.types:
        raise InputError(f"{src}: {what} has no columns; give `types` rules / {zh}")
    deid.counts = Counter()
    deid.left = {}
    return DeidFileReport(input=str(src), output=str(out), format=kind)


def _deid_office(src: Path, out: Path, deid: Deidentifier, kind: str) -> DeidFileReport:
    """A Word, PowerPoint, Excel, OpenDocument or RTF file with the PI in its text
    replaced, every other byte of it as it was (`_office_deid.py`, `_odf_deid.py`,
    `_rtf_deid.py`); a 97-2003 file (`doc`, `ppt`, `xls`) the same way through its OOXML
    twin by LibreOffice, in its own format but written anew (`_legacy_deid.py`), and RTF
    that wraps HTML too. `records`: its paragraphs."""
    from tianping.privacy._legacy_deid import deid_legacy
    from tianping.privacy._odf_deid import deid_odf
    from tianping.privacy._office_deid import deid_ooxml
    from tianping.privacy._rtf_deid import deid_rtf, edits_in_place

    rep = _whole_file_report(src, out, deid, kind, "a document", "文档无列")
    legacy = f".{kind}" in LEGACY_KINDS
    if kind == "rtf":  # edited in place, but RTF that wraps HTML
        with src.open("rb") as fh:
            legacy = not edits_in_place(fh.read(4096))
    with atomic_path(out) as tmp:
        odf = kind in ("odt", "ods", "odp")
        if kind == "rtf" and not legacy:
            rep.records, kept = deid_rtf(src, tmp, deid)
        else:
            rewrite = deid_legacy if legacy else deid_odf if odf else deid_ooxml
            rep.records, kept = rewrite(src, tmp, deid, kind)
    rep.warnings = [_kept_warning(name) for name in kept]
    if legacy:
        rep.warnings.insert(
            0,
            "rewritten through LibreOffice: the whole file is written anew in its format, so "
            "layout, macros and some formatting may differ; check it / 经 LibreOffice 转换重写，"
            "版式、宏与部分格式可能变化，请核对",
        )
    deid._cache.clear()
    rep.left = _still_found(out, deid)
    rep.replaced = dict(sorted(deid.counts.items()))
    return rep


def _deid_pdf(src: Path, out: Path, deid: Deidentifier) -> DeidFileReport:
    """A PDF whose pages with PI are redrawn with boxes over it (`_pdf_deid.py`);
    `records`: its pages. A scan of the result (with OCR of its pictures where Tesseract
    is installed: what a redrawn page shows, not only its text layer) reports what is
    left."""
    from tianping.privacy._ocr import tesseract
    from tianping.privacy._pdf_deid import deid_pdf

    rep = _whole_file_report(src, out, deid, "pdf", "a document", "文档无列")
    with atomic_path(out) as tmp:
        rep.records, rep.warnings = deid_pdf(src, tmp, deid)
    deid._cache.clear()
    rep.replaced = dict(sorted(deid.counts.items()))
    rep.left = _still_found(out, deid, ocr=tesseract() is not None)
    return rep


def _deid_image(src: Path, out: Path, deid: Deidentifier) -> DeidFileReport:
    """An image with a box over each value OCR reads that a rule acts on
    (`_image_deid.py`); `records`: the lines read. What OCR still reads in the result
    is reported as left."""
    from tianping.privacy._image_deid import deid_image
    from tianping.privacy._ocr import ocr_image

    rep = _whole_file_report(src, out, deid, "image", "an image", "图片无列")
    with atomic_path(out) as tmp:
        rep.records = deid_image(src, tmp, deid)
    rep.replaced = dict(sorted(deid.counts.items()))
    for line in ocr_image(out):
        for m in deid.matches(line):
            if deid.acts_on(m.pi_type):
                deid.left.setdefault("ocr", Counter())[m.pi_type] += 1
    rep.warnings = [
        "read by OCR: text it did not read (handwriting, low contrast) was not checked / "
        "经 OCR 识别：未识别的文字未处理"
    ]
    if deid.acts_on("face_image"):
        from tianping.privacy._faces import FACES_ADVICE, available, faces_in

        if available():
            if faces := faces_in(out):
                deid.left.setdefault("faces", Counter())["face_image"] += len(faces)
            rep.warnings.append(
                "faces found by OpenCV's detector: a face turned away or covered can be "
                "missed / 人脸由 OpenCV 检测，侧转或遮挡的人脸可能漏检"
            )
        else:
            rep.warnings.append(FACES_ADVICE)
    rep.left = deid.left_report()
    deid._cache.clear()
    return rep


def _deid_mail(src: Path, out: Path, deid: Deidentifier) -> DeidFileReport:
    """An .eml or .mbox file with the PI in its headers, text parts and attachments
    replaced (`_mail_deid.py`), an Outlook .msg written so as an .eml; `records`: its
    messages."""
    from tianping.privacy._mail_deid import deid_mail

    outlook = src.suffix.lower() == ".msg"
    if outlook and out.suffix.lower() != ".eml":
        raise InputError(
            f"{src}: an Outlook .msg is de-identified into an .eml message (the .msg format "
            "is not rewritten): give an output path ending in .eml / Outlook .msg 去标识化后"
            "输出为 .eml，请将输出路径设为 .eml"
        )
    rep = _whole_file_report(src, out, deid, "mail", "e-mail", "邮件无列")

    def rewrite_file(a: Path, b: Path) -> list[str]:
        """One attachment, its counts and leftovers added to the message's; a zip archive
        member by member (a member that cannot be rewritten is left out, and named)."""
        counts, left = deid.counts, deid.left
        opts: dict[str, Any] = {"fmt": None, "delimiter": None, "has_header": True,
                                "columns": None, "encoding": None}  # fmt: skip
        try:
            done = _deid_archive(a, b, deid, opts) if is_archive(a) else [
                _deid_file(a, b, deid, **opts)
            ]  # fmt: skip
        finally:
            deid.counts, deid.left = counts, left
        warnings = []
        for one in done:
            counts.update(one.replaced)
            for col, found in one.left.items():
                left.setdefault(f"attachment:{col}", Counter()).update(found)
            inside = one.input.partition("!")[2]
            warnings += [f"{inside}: {w}" if inside else w for w in one.warnings]
            if one.status != "ok":
                warnings.append(f"{inside}: left out of the archive: {one.reason}")
        return warnings

    with atomic_path(out) as tmp:
        rep.records, kept = deid_mail(src, tmp, deid, rewrite_file)
    rep.warnings = [
        name
        if ": " in name
        else f"{name}: an attachment in a format not rewritten (a 7z or rar archive, "
        "audio, video…), copied as it was; check it or remove it / 附件格式不支持改写，原样保留"
        for name in kept
    ]
    if outlook:
        rep.warnings.insert(
            0,
            "an Outlook .msg written as an .eml message: headers, bodies and attachments "
            "kept; Outlook-only properties (categories, flags, RTF formatting) are not / "
            "Outlook 邮件已转为 .eml：保留邮件头、正文与附件，不含 Outlook 专有属性",
        )
    deid._cache.clear()
    rep.replaced = dict(sorted(deid.counts.items()))
    rep.left = deid.left_report()
    return rep


def _kept_warning(name: str) -> str:
    if name.endswith(" (preview)"):  # an embedded package shown as a picture of it
        return (
            f"{name[: -len(' (preview)')]}: de-identified, but the document still shows a "
            "preview picture of it as it was until the object is opened and updated; "
            "check it or remove the object / 嵌入对象已去标识化，但其预览图片仍显示原内容"
        )
    if name.endswith(" (picture)"):
        return (
            f"{name[: -len(' (picture)')]}: a picture; the PI OCR read in it and the faces "
            "in it are covered with boxes / 图片中识别到的个人信息与人脸已遮盖"
        )
    if name.endswith(" pictures (unread)"):
        return (
            f"{name[: -len(' (unread)')]}: not read (no Tesseract OCR or OpenCV installed), "
            "so PI in them was not checked / 图片未识别（未安装 OCR 或人脸检测）"
        )
    if name.endswith(" (unreadable)"):
        return (
            f"{name[: -len(' (unreadable)')]}: an embedded file that could not be read, "
            "copied as it was; check it or remove it / 嵌入文件无法读取，原样保留"
        )
    return (
        f"{name}: an embedded object in a format that is not read, not de-identified; "
        "check it or remove it from the document / 嵌入对象格式无法读取，未去标识化"
    )


def _still_found(path: Path, deid: Deidentifier, ocr: bool = False) -> dict[str, dict[str, int]]:
    """What a scan of a rewritten document still finds, by column and type, where the
    policy would act on it: a phone in a number cell, a name a sheet's header makes one
    (the scan reads headers; the rewrite reads strings alone)."""
    from tianping.privacy._scan import ScanOptions, scan_file

    rep, _ = scan_file(path, ScanOptions(min_confidence=deid.policy.min_confidence, ocr=ocr))
    if rep.status == "error":
        raise InputError(f"{path}: the result could not be checked: {rep.message}")
    from tianping.privacy._scan import NAME_COLUMN

    left: dict[str, dict[str, int]] = {}
    for col in rep.columns:
        if col.column == NAME_COLUMN:  # a name is not rewritten: `_deid_file` warns of it
            continue
        found = {t: n for t, n in sorted(col.types.items()) if deid.acts_on(t)}
        if found:
            left[col.column] = found
    return left


def _deid_archive(
    src: Path, out: Path, deid: Deidentifier, opts: dict[str, Any]
) -> list[DeidFileReport]:
    """A zip archive member by member into a zip archive of the same member names (each
    de-identified as the file it is); a member that cannot be is reported and left out of
    the output, never copied as it was. `out` appears only whole."""
    import zipfile

    from tianping.privacy._archive import members

    if not is_archive(out):
        raise InputError(f"{out}: a zip archive is de-identified into a .zip / 输出应为 .zip")
    reports: list[DeidFileReport] = []
    with atomic_path(out) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, extracted, why in members(src):
            shown = f"{src}!{name}"
            kind = opts.get("fmt") or detect_format(Path(name))
            if extracted is None:
                reports.append(
                    DeidFileReport(input=shown, format=kind, status="skipped", reason=why)
                )
                continue
            target = extracted.parent / "out" / _written_name(extracted.name)
            try:
                rep = _deid_file(extracted, target, deid, **opts)
            except InputError as exc:
                why = exc.message.replace(str(extracted), shown).removeprefix(f"{shown}: ")
                reports.append(
                    DeidFileReport(input=shown, format=kind, status="skipped", reason=why)
                )
                continue
            arcname = _written_name(name)
            zout.write(target, arcname=arcname)
            rep.input, rep.output = shown, f"{out}!{arcname}"
            reports.append(rep)
    return reports


def _deid_compressed(
    src: Path, out: Path, deid: Deidentifier, codec: str, fmt: Format | None,
    encoding: str | None, layout: dict[str, Any],
) -> DeidFileReport:  # fmt: skip
    """A compressed text, CSV or JSON file: decompressed into a temporary file beside the
    output, de-identified as any other, and written compressed as `out`'s suffix says
    (`a.jsonl.gz` → `b.jsonl.gz`; to `b.jsonl`, plain). The temporary files go in every
    case, and `out` appears only whole."""
    import shutil
    import tempfile

    kind = fmt or detect_format(src)
    if kind == "parquet":
        raise InputError(f"{src}: a compressed Parquet file: decompress it first / 请先解压")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".tianping-") as tmp:
        plain_in, plain_out = Path(tmp) / f"in-{inner_path(src).name}", Path(tmp) / "out"
        try:
            with open_binary(src) as fh, plain_in.open("wb") as w:
                shutil.copyfileobj(fh, w, 1 << 20)
        except (OSError, EOFError, ValueError) as exc:  # gzip, bz2, lzma and zstd errors
            why = type(exc).__name__
            raise InputError(f"{src}: cannot decompress as {codec} ({why}) / 无法解压") from None
        try:
            rep = _deid_file(plain_in, plain_out, deid, fmt=kind, encoding=encoding, **layout)
        except InputError as exc:  # named by the file the user gave, not the temporary one
            raise InputError(exc.message.replace(str(plain_in), str(src))) from None
        out_codec = compression_of(out)
        with atomic_path(out) as target:
            if out_codec is None:
                shutil.move(plain_out, target)
            else:
                with plain_out.open("rb") as r, open_write(target, out_codec) as w:
                    shutil.copyfileobj(r, w, 1 << 20)
    rep.input, rep.output = str(src), str(out)
    return rep


def deid_path(
    src: Path,
    out: Path,
    policy: Policy,
    *,
    fmt: Format | None = None,
    delimiter: str | None = None,
    has_header: bool = True,
    columns: Sequence[str] | None = None,
    encoding: str | None = None,
    detector: Detector | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> DeidReport:
    """De-identify a file, or every file under a directory into a mirror directory.

    A single bad file raises InputError; in a directory it is skipped, reported, and the
    run goes on. Nothing is ever written over an input. `on_bytes(n)`: n more input bytes
    are done (block by block in big files, else file by file); the calls add up to the
    size of the files.
    """
    src, out = Path(src), Path(out)
    if not src.exists():
        raise InputError(f"{src}: no such file or directory")
    if _same_file(src, out):
        raise InputError(f"{out}: the output is the input; choose another path")
    deid = Deidentifier(policy, detector)
    opts: dict[str, Any] = {
        "fmt": fmt,
        "delimiter": delimiter,
        "has_header": has_header,
        "columns": columns,
        "encoding": encoding,
    }
    if src.is_file():
        if out.is_dir():
            out = out / _written_name(src.name)
            if _same_file(src, out):
                raise InputError(f"{out}: the output is the input; choose another path")
        step, finish = _progress(src, on_bytes)
        if is_archive(src):
            reports = _deid_archive(src, out, deid, opts)
            finish()
            return DeidReport(files=reports)
        rep = _deid_file(src, out, deid, **opts, on_bytes=step)
        finish()
        return DeidReport(files=[rep])
    if out.resolve() == src.resolve() or out.resolve().is_relative_to(src.resolve()):
        raise InputError(f"{out}: the output directory must lie outside the input {src}")
    report = DeidReport()
    for path in sorted(p for p in src.rglob("*") if p.is_file()):
        target = out / path.relative_to(src).parent / _written_name(path.name)
        step, finish = _progress(path, on_bytes)
        try:
            if is_archive(path):
                report.files.extend(_deid_archive(path, target, deid, opts))
            else:
                report.files.append(_deid_file(path, target, deid, **opts, on_bytes=step))
        except InputError as exc:
            reason = exc.message.removeprefix(f"{path}: ")  # the report names the file
            report.files.append(
                DeidFileReport(
                    input=str(path),
                    format=fmt or detect_format(path),
                    status="skipped",
                    reason=reason,
                )
            )
        finally:
            finish()
    return report


def _written_name(name: str) -> str:
    """The name a file is written under, given its input's (a path inside a zip archive
    too): an Outlook .msg, a winmail.dat or a .tnef as .eml (the format `deid` writes them
    in), others as they are."""
    if name.lower().endswith(".msg") or is_tnef_file(PurePosixPath(name)):
        return name[: name.rfind(".")] + ".eml"
    return name


def _progress(
    path: Path, on_bytes: Callable[[int], None] | None
) -> tuple[Callable[[int], None] | None, Callable[[], None]]:
    """A per-file step for `on_bytes` that never passes the file's size, and the call that
    reports the rest (a block path that declines part-way is not counted twice)."""
    if on_bytes is None:
        return None, lambda: None
    size, sent = path.stat().st_size, 0

    def step(n: int) -> None:
        nonlocal sent
        n = min(n, size - sent)
        if n > 0:
            sent += n
            on_bytes(n)

    return step, lambda: step(size - sent)
