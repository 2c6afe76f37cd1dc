"""The compiled single-pass PI kernel (`_pikernel.c`), when the install could build it.

The polars engine in `_detect.py` runs seven `extract_all` passes and then columnar checks;
on PI-dense text that caps it near 30 MB/s per core. The kernel does the same work (same
patterns, shapes, check digits, context windows, confidences, overlap rule) in one pass
over the Arrow buffers with the GIL released. Its word lists are loaded from
`_patterns.py` here, once, so both engines read one source.

`TIANPING_PI_ENGINE=polars` (or `engine="polars"`) selects the polars engine; without a
C compiler at install time the kernel is absent and the polars engine is used.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import os
from types import ModuleType
from typing import Any

import numpy as np
import polars as pl

from tianping.privacy import _patterns as P
from tianping.privacy._gazetteer import CITIES
from tianping.privacy._given_names import GIVEN_NAMES_EN
from tianping.privacy._types import PI_TYPES
from tianping.privacy._validators import PROVINCE_CODES

_kernel: ModuleType | None
try:
    _kernel = importlib.import_module("tianping.privacy._pikernel")
except ImportError:  # built without a C compiler: the polars engine does the work
    _kernel = None

ENGINES = ("auto", "compiled", "polars")
_configured = False


def available() -> bool:
    """Whether the compiled kernel was built for this install."""
    return _kernel is not None


def wanted(engine: str | None) -> bool:
    """Whether `engine` (or TIANPING_PI_ENGINE) asks for, and gets, the compiled kernel."""
    choice = engine or os.environ.get("TIANPING_PI_ENGINE", "auto")
    if choice not in ENGINES:
        raise ValueError(f"unknown PI engine {choice!r}; expected one of {', '.join(ENGINES)}")
    if choice == "compiled" and _kernel is None:
        raise RuntimeError(
            "the compiled PI kernel is not built (no C compiler at install time); "
            "reinstall with gcc available or use engine='polars'"
        )
    return choice != "polars" and _kernel is not None


def _configure() -> ModuleType:
    global _configured
    assert _kernel is not None
    if not _configured:
        _kernel.configure(
            {
                "window": P.CONTEXT_WINDOW,
                "context": {k: list(v) for k, v in P.CONTEXT.items()},
                "name_ctx_zh": P.NAME_CONTEXT_ZH,
                "name_titles": P.NAME_TITLES_ZH,
                "compound_surnames": P.COMPOUND_SURNAMES,
                "surnames": P.SURNAMES,
                "provinces": P.PROVINCES,
                "province_suffixes": P.PROVINCE_SUFFIXES,
                "cities": list(CITIES),
                "address_labels": list(P.ADDRESS_LABELS_ZH),
                "address_label_seps": list(P.ADDRESS_LABEL_SEPS),
                "plate_provinces": P.PLATE_PROVINCES,
                "plate_suffixes": P.PLATE_SUFFIXES,
                "name_ctx_en": P.NAME_CONTEXT_EN,
                "months": P.MONTHS + P.MONTH_ABBR,  # the kernel counts on this order
                "not_name_zh": list(P.NOT_NAME_ZH),
                "not_name_en": list(P.NOT_NAME_EN),
                "name_separators": list(P.NAME_SEPARATORS_ZH),
                "name_stop": P.NAME_STOP,
                "name_followers": list(P.NAME_FOLLOWERS_ZH),
                "name_predicates": list(P.NAME_PREDICATES_ZH),
                "name_predicates_en": list(P.NAME_PREDICATES_EN),
                "given_names_en": list(GIVEN_NAMES_EN),
                "version_words": list(P.VERSION_WORDS),
                "name_list_seps": [P.NAME_LIST_SEP],
                "name_list_ends": list(P.NAME_LIST_ENDS),
                "name_list_note": P.NAME_LIST_NOTE,
                "hk_places": list(P.HK_PLACES),
                "name_id_labels": list(P.NAME_ID_LABELS),
                "name_id_seps": list(P.NAME_ID_SEPS),
                "name_id_seps_after": list(P.NAME_ID_SEPS_AFTER),
                "not_before_id_ends": list(P.NOT_BEFORE_ID_ENDS),
                "name_id_types": list(P.NAME_ID_TYPES),
                "name_id_reach": P.NAME_ID_REACH,
                "sentence_ends": P.SENTENCE_ENDS_ZH,
                "dotted_lead_stop": P.DOTTED_LEAD_STOP,
                "born_after": P.BORN_AFTER,
                "born_short": P.BORN_SHORT,
                "born_ends": P.BORN_ENDS,
                "id_provinces": sorted(int(c) for c in PROVINCE_CODES),
            }
        )
        _configured = True
    return _kernel


@functools.cache
def _type_tables() -> tuple[tuple[str, ...], pl.Series, pl.Series, pl.Series]:
    """The kernel's type names and, by code, their PIPL class and Art. 28 category.

    Class and category tables have one more entry at index len(names): a minor's finding.
    """
    names = tuple(_configure().TYPES)
    cls = [PI_TYPES[n].pipl_class if n else "general" for n in names] + ["minor"]
    cat = [(PI_TYPES[n].art28 or "") if n else "" for n in names] + ["minors_under_14"]
    return (
        names,
        pl.Series(names, dtype=pl.String),
        pl.Series(cls, dtype=pl.String),
        pl.Series(cat, dtype=pl.String),
    )


def scan_series(
    s: pl.Series | None,
    *,
    min_confidence: float,
    today: dt.date,
    types: frozenset[str] | None,
    spans_only: bool = False,
    arr: Any = None,
    previews: bool = False,
    codes: bool = False,
) -> pl.DataFrame:
    """Findings of one string column, columns as `detect_batch` returns them; masked
    previews (computed in C, as `mask_preview` writes them) with `previews=True`.

    `spans_only`: just `row`, `start`, `end`, `pi_type` and `bstart`/`bend`, the UTF-8
    byte offsets from the row's start (what `span_values` and `splice` need). `arr`: `s`
    already as a large_string Arrow array (`arrow_strings(s)`); `s` may then be None.
    `codes`: also `type_code`, the kernel's code of `pi_type` (an index into `type_names()`),
    which scans count by without hashing strings."""
    kernel = _configure()
    type_list, names, cls, cat = _type_tables()
    mask = 0
    for code, name in enumerate(type_list):
        if name and (types is None or name in types):
            mask |= 1 << code
    today_t = (today.year, today.month, today.day)
    if s is None and arr is None:
        raise ValueError("scan_series needs a series or an Arrow array")
    views = _string_views(s) if arr is None and s is not None else None
    if views is not None:  # polars' own layout: no copy of the text
        validity, view_buf, *data_bufs = views.buffers()
        result = kernel.scan_views(
            view_buf, data_bufs, validity, views.offset, len(views), today_t,
            float(min_confidence), mask,
        )  # fmt: skip
    else:
        arr = arrow_strings(s) if arr is None and s is not None else arr
        validity, offsets, data = arr.buffers()
        result = kernel.scan(
            b"" if data is None else data, offsets, validity, arr.offset, len(arr), today_t,
            float(min_confidence), mask,
        )  # fmt: skip
    rows, start, end, tcode, minor, conf, bstart, bend = result
    t = np.frombuffer(tcode, dtype=np.uint8).astype(np.int64)
    spans = {
        "row": pl.Series(np.frombuffer(rows, dtype=np.uint32), dtype=pl.UInt32),
        "start": pl.Series(np.frombuffer(start, dtype=np.int64), dtype=pl.Int64),
        "end": pl.Series(np.frombuffer(end, dtype=np.int64), dtype=pl.Int64),
        "pi_type": names.gather(t),
    }
    if spans_only:
        spans["bstart"] = pl.Series(np.frombuffer(bstart, dtype=np.int64), dtype=pl.Int64)
        spans["bend"] = pl.Series(np.frombuffer(bend, dtype=np.int64), dtype=pl.Int64)
        return pl.DataFrame(spans)
    young = np.frombuffer(minor, dtype=np.uint8).astype(bool)
    n_types = len(type_list)
    cls_idx = np.where(young, n_types, t)
    if previews and len(t):
        import pyarrow as pa

        arr = arrow_strings(s) if arr is None and s is not None else arr
        _, offsets, data = arr.buffers()
        pdata, poff = kernel.previews(
            b"" if data is None else data, offsets, arr.offset, len(arr), rows, bstart, bend, tcode
        )
        shown = pa.LargeStringArray.from_buffers(len(t), pa.py_buffer(poff), pa.py_buffer(pdata))
        preview = pl.Series("preview", shown, dtype=pl.String)
    else:
        preview = pl.repeat(None, len(t), dtype=pl.String, eager=True)
    extra = {"type_code": pl.Series(np.frombuffer(tcode, dtype=np.uint8))} if codes else {}
    return pl.DataFrame(
        {
            **spans,
            "confidence": pl.Series(np.frombuffer(conf, dtype=np.float64), dtype=pl.Float64),
            "preview": preview,
            "pipl_class": cls.gather(cls_idx),
            "category": cat.gather(cls_idx),
            **extra,
        }
    )


def type_names() -> tuple[str, ...]:
    """The PI type of each kernel type code (`scan_series(codes=True)`)."""
    return _type_tables()[0]


def _string_views(s: pl.Series) -> Any:
    """`s` as an Arrow string_view array without copying (polars holds strings so), or None
    where this pyarrow/polars pair cannot export one."""
    import pyarrow as pa

    try:
        arr: Any = s.to_arrow(compat_level=pl.CompatLevel.newest())
    except (AttributeError, TypeError, ValueError):  # older polars: no compat levels
        return None
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr if arr.type == pa.string_view() else None


def arrow_strings(s: pl.Series) -> Any:
    """`s` as one Arrow large_string array (the kernel reads its buffers)."""
    import pyarrow as pa

    arr: Any = s.to_arrow()
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.type != pa.large_string():
        arr = arr.cast(pa.large_string())
    return arr


def splice(s: pl.Series, found: pl.DataFrame, replacements: pl.Series, arr: Any = None) -> str:
    """The rows of `s` joined, with the span of each finding (`row`, `bstart`, `bend`, in
    order) replaced by the matching string of `replacements`; one copy in C."""
    reps = arrow_strings(replacements.fill_null(""))
    _, rep_offsets, rep_data = reps.buffers()
    rep_off = np.frombuffer(rep_offsets, dtype=np.int64)[reps.offset : reps.offset + len(reps) + 1]
    arr = arrow_strings(s) if arr is None else arr
    return splice_buffers(arr, found, b"" if rep_data is None else rep_data, rep_off).decode()


def _span_columns(found: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        np.ascontiguousarray(found["row"].to_numpy(), dtype=np.uint32),
        np.ascontiguousarray(found["bstart"].to_numpy(), dtype=np.int64),
        np.ascontiguousarray(found["bend"].to_numpy(), dtype=np.int64),
    )


def splice_buffers(arr: Any, found: pl.DataFrame, rep_data: Any, rep_off: Any) -> bytes:
    """`splice` on a large_string Arrow array with the replacements as large_string buffers
    (data, int64 offsets), as UTF-8 bytes (callers that splice many blocks decode once)."""
    kernel = _configure()
    _, offsets, data = arr.buffers()
    out: bytes = kernel.splice(
        b"" if data is None else data,
        offsets,
        arr.offset,
        len(arr),
        *_span_columns(found),
        rep_data,
        np.ascontiguousarray(rep_off, dtype=np.int64),
    )
    return out


# rule kinds of `rule_values`
RULE_CONSTANT, RULE_MASK, RULE_REGION_PREFIX = 0, 1, 2


def rule_values(
    arr: Any,
    found: pl.DataFrame,
    rule: np.ndarray,
    rules: list[tuple[int, int, int, str]],
    py_values: list[str],
    py_index: np.ndarray,
) -> tuple[bytes, bytes]:
    """Each span's replacement, computed in C: span i follows `rules[rule[i]]`, a (kind, a,
    b, text) tuple (a constant `text`; a mask keeping `a` characters at the start and `b`
    at the end, filled with `text`; a region prefix of `a` digits, ASCII spans only), or,
    where rule[i] is -1, is `py_values[py_index[i]]`. Returns large_string buffers."""
    kernel = _configure()
    _, offsets, data = arr.buffers()
    texts = [t.encode() for *_, t in rules]
    text_off = np.zeros(len(rules) + 1, dtype=np.int64)
    np.cumsum([len(t) for t in texts], out=text_off[1:])
    py = [v.encode() for v in py_values]
    py_off = np.zeros(len(py) + 1, dtype=np.int64)
    np.cumsum([len(v) for v in py], out=py_off[1:])
    out: tuple[bytes, bytes] = kernel.rule_values(
        b"" if data is None else data,
        offsets,
        arr.offset,
        len(arr),
        *_span_columns(found),
        np.ascontiguousarray(rule, dtype=np.int16),
        np.array([k for k, *_ in rules], dtype=np.int8),
        np.array([a for _, a, _, _ in rules], dtype=np.int64),
        np.array([b for _, _, b, _ in rules], dtype=np.int64),
        b"".join(texts),
        text_off,
        b"".join(py),
        py_off,
        np.ascontiguousarray(py_index, dtype=np.int64),
    )
    return out


def span_values(s: pl.Series | None, found: pl.DataFrame, arr: Any = None) -> pl.Series:
    """The text of each finding's span (`row`, `bstart`, `bend`), copied in C (from `arr`,
    `s` as a large_string Arrow array, when given)."""
    import pyarrow as pa

    kernel = _configure()
    if arr is None:
        if s is None:
            raise ValueError("span_values needs a series or an Arrow array")
        arr = arrow_strings(s)
    _, offsets, data = arr.buffers()
    vdata, voff = kernel.values(
        b"" if data is None else data, offsets, arr.offset, len(arr), *_span_columns(found)
    )
    values = pa.LargeStringArray.from_buffers(found.height, pa.py_buffer(voff), pa.py_buffer(vdata))
    return pl.Series("v", values)
