"""Detection of personal information in strings: Rust-regex passes per batch, then checks.

Pipeline per batch of strings (an Arrow/polars string column):
0. Prefilter: one `str.contains` of `_patterns.PREFILTER` (a union of anchors every
   candidate contains, ~450 MB/s per core) keeps only the strings that can hold PI; a
   strided sample skips it where most strings do (dense tables), since it would save
   nothing there.
1. `str.extract_all` with seven grouped alternations (`_patterns.GAP_PATTERNS`): polars'
   Rust regex kernel over the whole column. One alternation of everything was measured at
   5 MB/s (counted digit repetitions blow up the lazy DFA); the seven groups run at 200-400
   MB/s each. Each extracted piece is the text since the previous match plus the match,
   so running sums of piece lengths give exact code-point offsets with no search per
   candidate; the match is the piece's suffix (`TAIL_PATTERNS`, a short reverse search).
2. Each candidate gets its kind from an anchored shape check on the (much smaller)
   candidate column; candidates that need a context word their row lacks are dropped;
   the context window is cut from the candidate's own piece (from the row text only when
   it closely follows an earlier match).
3. Vectorised validators (numpy) decide the type and confidence: MOD 11-2 for resident IDs,
   Luhn for cards, GB 32100 for credit codes, calendar dates, province codes.
4. Context words within `CONTEXT_WINDOW` characters before a candidate raise confidence.
5. Candidates of different groups that overlap: the first (then longest) one is kept.

The regex passes are most of the cost on PI-dense text; the rest is a fixed number of
columnar operations per batch (about 20 ms), so batches should be large (the scan driver
sends 50,000 rows or 8 MB at a time).

Decisions (documented for users):
- An 18-character resident ID whose MOD 11-2 check character is wrong is **excluded**
  (treated as a decoy such as an order number), unless it is a Luhn-valid card or a valid
  credit code; a 15-digit legacy ID (no check digit) is reported at 0.6, 0.9 with context.
- Luhn raises a card's confidence (0.85); a 16-19 digit number starting 62 that fails Luhn
  is still reported at 0.55 (some UnionPay PANs are not Luhn-valid), other prefixes at 0.35.
- A credit code failing its GB 32100 check is reported at 0.4 (early pilot codes fail it).
- Dates become `date_of_birth` only next to a birth context word; 8/10-digit Taiwan permit
  numbers only next to their context words.
- A resident ID or date of birth of a person under 14 on the scan date gets PIPL class
  "minor" (Art. 28 category minors_under_14); other ID documents and bank cards "sensitive".
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import socket
from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from tianping.privacy import _kernel
from tianping.privacy import _validators as V
from tianping.privacy._patterns import (
    ADDRESS_LABEL_SEPS,
    ADDRESS_LABELS_ZH,
    BORN_AFTER,
    BORN_ENDS,
    BORN_SHORT,
    COMPOUND_SURNAMES,
    CONTEXT,
    CONTEXT_WINDOW,
    DOTTED_LEAD_STOP,
    DOTTED_NAME,
    GAP_PATTERNS,
    GROUP_PATTERNS,
    GROUPS,
    HAN,
    LEAD_NAME_ZH,
    MONTH_ABBR,
    NAME_CONTEXT_EN,
    NAME_CONTEXT_ZH,
    NAME_DOTS,
    NAME_FOLLOWERS_ZH,
    NAME_ID_LABELS,
    NAME_ID_REACH,
    NAME_ID_SEPS,
    NAME_ID_SEPS_AFTER,
    NAME_ID_TYPES,
    NAME_LIST_ENDS,
    NAME_LIST_NOTE,
    NAME_LIST_SEP,
    NAME_LOWER,
    NAME_PREDICATES_EN,
    NAME_PREDICATES_ZH,
    NAME_SEPARATORS_ZH,
    NAME_SPACES_ZH,
    NAME_STOP,
    NAME_TITLES_ZH,
    NOT_BEFORE_ID_ENDS,
    NOT_NAME_EN,
    NOT_NAME_ZH,
    PREFILTER,
    PROVINCES,
    ROLE_NOTE,
    SENTENCE_ENDS_CJK,
    SENTENCE_ENDS_ZH,
    SHAPE_ORDER,
    SHAPES,
    SURNAME_RX,
    TAIL_PATTERNS,
    VERSION_WORDS,
)
from tianping.privacy._types import FOLD_FULLWIDTH, PI_TYPES, Match

DEFAULT_MIN_CONFIDENCE = 0.5
_VECTOR_ROW_BYTES = 4096  # rows up to this size get offsets from vectorised splits
_ROW_KEY = 1 << 32
_END_KEY = 1 << 16  # offsets below this (strings are cut to a few KB) share one sort key
_CLASS = {c: t.pipl_class for c, t in PI_TYPES.items()}
_CATEGORY = {c: (t.art28 or "") for c, t in PI_TYPES.items()}
_KIND_CODE = {k: i + 1 for i, k in enumerate(SHAPE_ORDER)}
_KIND_NAME = {v: k for k, v in _KIND_CODE.items()}
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ]
    )
}
_MONTHS.update({a: next(v for k, v in _MONTHS.items() if k.startswith(a)) for a in MONTH_ABBR})


def _kinds(m: pl.Series, kinds: tuple[str, ...]) -> pl.Series:
    """The kind of each candidate: the first anchored shape (in SHAPE_ORDER) it fits.

    Each shape is tried only on the candidates no earlier shape took, not on all of them.
    """
    code = np.zeros(m.len(), dtype=np.int8)
    idx = np.arange(m.len())
    rest = m
    for k in (k for k in SHAPE_ORDER if k in kinds):
        hit = rest.str.contains(SHAPES[k]).fill_null(False).to_numpy()
        code[idx[hit]] = _KIND_CODE[k]
        idx = idx[~hit]
        if not idx.size:
            break
        rest = rest.filter(pl.Series(~hit))
    return pl.Series("kind", code)


# a row with one of these is scanned folded: full-width digits, letters and '@'
_FULLWIDTH_ALNUM = "[\uff10-\uff19\uff20-\uff3a\uff41-\uff5a]"
# an address written with '#' for '@': the '#' (Python re), and whether a row has one
_HASH_EMAIL = re.compile(
    r"(?<=[A-Za-z0-9._%+-])#(?=[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2})"
)
_HASH_EMAIL_ANY = r"[A-Za-z0-9._%+-]#[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2}"
# a resident ID written in groups of 6, 8 and 4 (110105 19491231 002X), or of 4, 4, 4, 4
# and 2 (1101 0519 4912 3100 2X; only a valid ID: grouped card numbers look alike), with
# one separator
_GROUPED_ID = re.compile(
    r"(?<![0-9])(?:[0-9]{6}([ -])[0-9]{8}\1[0-9]{3}[0-9Xx]"
    r"|[0-9]{4}([ -])[0-9]{4}\2[0-9]{4}\2[0-9]{4}\2[0-9][0-9Xx])(?![0-9])"
)
_GROUPED_ID_ANY = (
    r"[0-9]{6} [0-9]{8} [0-9]{3}[0-9Xx]|[0-9]{6}-[0-9]{8}-[0-9]{3}[0-9Xx]"
    r"|[0-9]{4} [0-9]{4} [0-9]{4} [0-9]{4} [0-9][0-9Xx](?:[^0-9]|$)"  # not a card's 4-4-4-4-3
    r"|[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9][0-9Xx](?:[^0-9]|$)"
)
# an address with '@' and '.' spelled out, as the kernel's `spelled_at` reads it:
# zhangsan(at)163.com, li [at] pku [dot] edu [dot] cn (brackets (), [] or {}, either case,
# a space allowed on each side; one dot followed by two letters), zhangsan at 163 dot com
# (words: the first label not a/an/the, the last a known top-level domain and no other
# word after it, since English prose has " at " and " dot ")
_LABEL = r"[A-Za-z0-9-]+"
_DOT_B = r" ?(?:\([Dd][Oo][Tt]\)|\[[Dd][Oo][Tt]\]|\{[Dd][Oo][Tt]\}) ?"
_DOT = rf"(?:\.|{_DOT_B})"
_TLDS = "com|net|org|edu|gov|mil|int|info|biz|cn|hk|tw|mo|jp|kr|sg|uk|us|ca|au|de|fr|ru|io|cc"
_SPELLED = re.compile(
    r"(?<=[A-Za-z0-9._%+-])(?:"
    r" ?(?:\([Aa][Tt]\)|\[[Aa][Tt]\]|\{[Aa][Tt]\}) ?"
    rf"(?={_LABEL}(?:{_DOT}{_LABEL})*{_DOT}[A-Za-z]{{2}})(?P<domain>{_LABEL}(?:{_DOT}{_LABEL})*)"
    rf"| at (?!(?:[Aa]|[Aa][Nn]|[Tt][Hh][Ee]) )(?P<words>(?:{_LABEL} dot )+(?:{_TLDS}))"
    r"(?![A-Za-z0-9-])(?! [a-z ]))"
)
_SPELLED_DOT = re.compile(_DOT_B)
_SPELLED_ANY = r"[Aa][Tt][)\]}\uff09\uff3d\uff5d]| dot [a-z]"  # loose: "(at)", "dot com"
_FOLD_ANY = f"{_FULLWIDTH_ALNUM}|{_HASH_EMAIL_ANY}|{_GROUPED_ID_ANY}|{_SPELLED_ANY}"


def _fold_spelled(text: str, at: list[int]) -> tuple[str, list[int]]:
    """`text` with each spelled-out address's '@' and '.' written so, the bytes between
    left out; `at` (a source offset per character, and the end) mapped along: a marker's
    '@' or '.' to its first character."""
    out: list[str] = []
    where: list[int] = []
    pos = 0
    for m in _SPELLED.finditer(text):
        out.append(text[pos : m.start()] + "@")
        where += at[pos : m.start() + 1]
        words = m["words"] is not None
        c0 = m.start("words" if words else "domain")
        chain = m["words"] if words else m["domain"]
        p = 0
        for d in re.finditer(" dot ", chain) if words else _SPELLED_DOT.finditer(chain):
            out.append(chain[p : d.start()] + ".")
            where += at[c0 + p : c0 + d.start() + 1]
            p = d.end()
        out.append(chain[p:])
        where += at[c0 + p : m.end()]
        pos = m.end()
    if not pos:
        return text, at
    out.append(text[pos:])
    where += at[pos:]
    return "".join(out), where


def email_as_read(value: str) -> str:
    """An address written to dodge crawlers (li#163.com, li [at] 163 [dot] com) as
    detection reads it (li@163.com), so keyed pseudonyms of both forms agree; anything
    else unchanged."""
    if "@" in value or not ("#" in value or "at" in value.lower()):
        return value
    return _fold_spelled(_HASH_EMAIL.sub("@", value), list(range(len(value) + 1)))[0]


def _grouped_ids(text: str, today: dt.date) -> list[re.Match[str]]:
    """The resident IDs written in groups in `text` (a 4-4-4-4-2 one only if valid)."""
    found = []
    for m in _GROUPED_ID.finditer(text):
        if m[1] is None:
            struct, check, _ = V.resident_id18([re.sub("[ -]", "", m[0])], today)
            if not (struct[0] and check[0]):
                continue
        found.append(m)
    return found


def mask_preview(value: str, pi_type: str) -> str:
    """A masked preview that keeps the shape but not the value (never the raw value).

    Long identifiers keep at most 2 leading and 2 trailing characters; names keep the
    surname; emails keep the first character and the domain; addresses keep 3 characters.
    Full-width forms are shown folded (１３８… as 138…), as detection read them.
    """
    value = value.translate(FOLD_FULLWIDTH)
    if pi_type == "email" and "@" not in value and "#" not in value:  # li [at] 163 [dot] com
        value = _fold_spelled(value, list(range(len(value) + 1)))[0]
    n = len(value)
    if n == 0:
        return ""
    if pi_type == "email" and ("@" in value or "#" in value):  # li#163.com: '#' for '@'
        local, _, domain = value.partition("@" if "@" in value else "#")
        return local[:1] + "***@" + domain
    if pi_type in ("person_name_zh",):
        head = next((c for c in COMPOUND_SURNAMES if value.startswith(c)), value[:1])
        return head + "*" * max(1, n - len(head))
    if pi_type == "person_name_en":
        return " ".join(w[:1] + "*" * (len(w) - 1) for w in value.split(" "))
    if pi_type in ("address_zh", "address_en"):
        return value[:3] + "*" * min(8, max(3, n - 3))
    if pi_type in ("ipv4",):
        return value.split(".", 1)[0] + ".*.*.*"
    if pi_type in ("ipv6", "mac"):
        return value[:2] + "*" * (n - 2)
    if pi_type == "date_of_birth":
        return value[:4] + re.sub(r"[0-9]", "*", value[4:])
    if pi_type == "cn_plate":
        return value[:2] + "*" * (n - 2)
    # identifiers and anything else: separators stay for the shape, every other character
    # (CJK included) is masked; values of up to 3 characters keep none of them
    keep = 0 if n <= 3 else 1 if n <= 8 else 2
    body = value[keep : n - keep]
    return value[:keep] + re.sub(r"[^\s\-.:/()+]", "*", body) + value[n - keep :]


def _fold_rows(s: pl.Series, today: dt.date) -> tuple[pl.Series, dict[int, list[int]]]:
    """Rows read folded, as the compiled kernel reads them: rows with full-width digits,
    letters or '@' (typed in full-width mode: １３８…), with an address whose '@' is
    written '#' (li#163.com, kept from crawlers) or spelled out (li(at)163.com, li at 163
    dot com), or with a resident ID written in groups (110105 19491231 002X, 1101 0519
    4912 3100 2X). Every full-width form of an ASCII character becomes that character,
    then each such '#' an '@', then each spelled-out '@' and '.' those characters, then
    each grouped ID loses its separators. Also, for each folded row, the row's character
    offset of each folded character (and of the end)."""
    flagged = s.str.contains(_FOLD_ANY).fill_null(False)  # one pass for the four tests
    if not flagged.any():
        return s, {}
    values = s.to_list()
    maps: dict[int, list[int]] = {}
    for i in flagged.arg_true().to_list():
        row = values[i]
        wide = row.translate(FOLD_FULLWIDTH)
        if (
            not _grouped_ids(row, today)
            and not _HASH_EMAIL.search(row)
            and not re.search(_FULLWIDTH_ALNUM, row)
            and not _SPELLED.search(wide)
        ):
            continue  # a loose match of the tests above ("(at) the moment")
        text, at = _fold_spelled(_HASH_EMAIL.sub("@", wide), list(range(len(wide) + 1)))
        for m in reversed(_grouped_ids(text, today)):  # from the right: offsets hold
            cuts = (15, 6) if m[1] is not None else (19, 14, 9, 4)  # separators, last first
            for cut in (m.start() + c for c in cuts):
                del at[cut]
                text = text[:cut] + text[cut + 1 :]
        values[i], maps[i] = text, at
    return pl.Series(s.name, values, dtype=pl.String), maps


def _unfold(
    found: pl.DataFrame, maps: dict[int, list[int]], original: pl.Series, previews: bool
) -> pl.DataFrame:
    """Findings of folded rows at their offsets in the rows as given, previews masked
    from the rows' own text (as the kernel masks them)."""
    rows, starts, ends = found["row"].to_list(), found["start"].to_list(), found["end"].to_list()
    for k, (r, a, b) in enumerate(zip(rows, starts, ends, strict=True)):
        at = maps.get(int(r))
        if at is not None:
            starts[k], ends[k] = at[a], at[b - 1] + 1
    out = found.with_columns(
        pl.Series("start", starts, dtype=found["start"].dtype),
        pl.Series("end", ends, dtype=found["end"].dtype),
    )
    if previews:
        texts = original.to_list()
        masked = [
            mask_preview(texts[int(r)][a:b], t) if int(r) in maps else p
            for r, a, b, t, p in zip(
                rows, starts, ends, out["pi_type"], out["preview"], strict=True
            )
        ]
        out = out.with_columns(pl.Series("preview", masked, dtype=pl.String))
    return out


def _as_series(texts: Any) -> pl.Series:
    if isinstance(texts, pl.Series):
        s = texts
    else:
        try:
            import pyarrow as pa

            if isinstance(texts, pa.Array | pa.ChunkedArray):
                s = pl.Series("t", texts)
            else:
                s = pl.Series("t", list(texts), dtype=pl.String)
        except ImportError:  # pragma: no cover - pyarrow ships with the privacy extra
            s = pl.Series("t", list(texts), dtype=pl.String)
    if s.dtype != pl.String:
        s = s.cast(pl.String)
    return s.rename("t")


def raw_kernel(texts: Any) -> int:
    """Only the regex pass (the benchmark's 'raw polars kernel'): number of candidates."""
    s = _as_series(texts)
    t = pl.col("t").str
    # one select, like `candidates`: the passes run on parallel threads when polars has them
    counts = s.to_frame("t").select(
        *(t.extract_all(p).list.len().sum().alias(f"g{g}") for g, p in enumerate(GROUP_PATTERNS))
    )
    return int(sum(counts.row(0)))


def _empty() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "row": pl.UInt32,
            "start": pl.Int64,
            "end": pl.Int64,
            "pi_type": pl.String,
            "confidence": pl.Float64,
            "preview": pl.String,
            "pipl_class": pl.String,
            "category": pl.String,
        }
    )


_SHORT_NUMBER_WORDS = tuple(dict.fromkeys(CONTEXT["tw_permit"] + CONTEXT["phone"]))


# groups with an alternative anchored at the row start (names that open a sentence)
_ANCHORED = frozenset(g for g, p in enumerate(GROUP_PATTERNS) if "(?:^|" in p)
# groups whose matches start at a word start and end with a letter (`_EN_GIVEN`)
_WORD_START = frozenset(g for g, p in enumerate(GROUP_PATTERNS) if p.startswith("(?:(?-u:\\b)"))


def candidates(s: pl.Series) -> pl.DataFrame:
    """Regex candidates with kind, start offset and the context window before them."""
    base = pl.DataFrame({"t": s}).with_row_index("row")
    frames = []
    pc, plen, row = pl.col("pc"), pl.col("plen"), pl.col("row").cast(pl.Int64)
    # code-point end of each piece: running sum of piece lengths, restarted at each row
    cs = plen.cum_sum()
    first = row != row.shift(1, fill_value=-1)
    # one select: polars runs the seven passes on parallel threads when it has them
    ex = base.select(
        "row", *(pl.col("t").str.extract_all(p).alias(f"pc{g}") for g, p in enumerate(GAP_PATTERNS))
    )
    for g in range(len(GAP_PATTERNS)):
        x = ex.select("row", pl.col(f"pc{g}").alias("pc")).explode("pc").drop_nulls("pc")
        if not x.height:
            continue
        m = pc.str.extract(TAIL_PATTERNS[g], 0)
        if g in _ANCHORED:  # `^` is the row's start, not a later piece's
            m = pl.when(first).then(m).otherwise(("\x00" + pc).str.extract(TAIL_PATTERNS[g], 0))
        elif g in _WORD_START:  # nor is a later piece's start a word start as such: the
            # match before it ends with a letter, which is a word character unless accented
            before = pc.shift(1).str.slice(-1)
            m = pl.when(first).then(m).otherwise((before + pc).str.extract(TAIL_PATTERNS[g], 0))
        x = x.with_columns(
            pc.str.len_chars().cast(pl.Int64).alias("plen"),
            m.alias("m"),
        ).with_columns(
            (cs - pl.when(first).then(cs - plen).forward_fill()).alias("end"),
            first.alias("first"),
            pl.lit(g, pl.UInt8).alias("g"),
        )
        # shapes first (only this group's): windows are needed only for known kinds
        x = x.with_columns(_kinds(x["m"], GROUPS[g])).filter(pl.col("kind") > 0)
        x = _drop_early(x, s, GROUPS[g])
        if x.height:
            frames.append(_windows(x, s))
    if not frames:
        return _candidate_frame()
    cand = pl.concat(frames)
    return cand.with_columns(pl.col("win").str.slice(-1).alias("left"))


def _windows(x: pl.DataFrame, s: pl.Series) -> pl.DataFrame:
    """Start offsets and context windows of one group's candidates (drops the pieces).

    The window is the CONTEXT_WINDOW characters before the match: cut from its own piece
    when the gap before it is long enough or it is the row's first; from the row text only
    for matches that closely follow an earlier one.
    """
    w = CONTEXT_WINDOW
    pc, plen = pl.col("pc"), pl.col("plen")
    ln = pl.col("m").str.len_chars().cast(pl.Int64)
    x = x.with_columns(ln.alias("len"), (pl.col("end") - ln).alias("start"))
    gap = plen - pl.col("len")
    own = pl.col("first") | (gap >= w)
    x = x.select(
        "row",
        "g",
        "m",
        "kind",
        "len",
        "start",
        pl.when(own)
        .then(pc.str.slice(pl.max_horizontal(gap - w, 0), pl.min_horizontal(gap, w)))
        .alias("win"),
    )
    near = x["win"].is_null().arg_true()
    if near.len():
        st = pl.col("start")
        rows = pl.DataFrame(
            {"t": s.gather(x["row"].gather(near)), "start": x["start"].gather(near)}
        )
        nw = rows.select(
            pl.col("t").str.slice(pl.max_horizontal(st - w, 0), pl.min_horizontal(st, w))
        ).to_series()
        x = x.with_columns(x["win"].clone().scatter(near, nw))
    return x


def _drop_early(x: pl.DataFrame, s: pl.Series, kinds: tuple[str, ...]) -> pl.DataFrame:
    """Cheap drops before windows, within one group's candidates.

    ID-shaped runs the credit-code alternative also matched (the number alternative has
    them), and candidates reported only next to a context word (dates of birth, or before
    生; 8/10-digit permit or phone numbers) in rows without that word anywhere.
    """
    kind, m = pl.col("kind"), pl.col("m")
    if "uscc" in kinds:
        x = x.filter(~((kind == _KIND_CODE["uscc"]) & m.str.contains("^[0-9]{17}[0-9Xx]$")))
    rules = []
    if "dob" in kinds:
        # (生: a date followed by 出生 or 生 is one too, `_dob`)
        rules.append((kind == _KIND_CODE["dob"], (*CONTEXT["date_of_birth"], BORN_SHORT)))
    if "number" in kinds:
        short = (kind == _KIND_CODE["number"]) & m.str.len_bytes().is_in([8, 10])
        rules.append((short, _SHORT_NUMBER_WORDS))
    for needs, words in rules:
        rows = x.filter(needs)["row"].unique()
        if rows.len():
            rows = rows.filter(s.gather(rows).str.contains_any(list(words)).fill_null(False))
            x = x.filter(~(needs & ~pl.col("row").is_in(rows.implode())))
    return x


def _candidate_frame() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "row": pl.UInt32,
            "g": pl.UInt8,
            "m": pl.String,
            "kind": pl.Int8,
            "len": pl.Int64,
            "start": pl.Int64,
            "win": pl.String,
            "left": pl.String,
        }
    )


_CHUNK_CHARS = 2048  # long strings are cut into pieces about this size (at line ends)
_OVERLAP = 256  # characters of the neighbouring pieces each piece is scanned with
_CUT_AT = re.compile(r"[\s,;，；。、]")


def _pieces(text: str) -> list[tuple[int, str]]:
    """`text` as consecutive (offset, piece) pairs no longer than about _CHUNK_CHARS.

    Cuts fall at line ends, else at whitespace or punctuation (never inside a PI value,
    which contains neither), and only as a last resort mid-run. The pieces concatenate back
    to `text`, so offsets stay exact.
    """
    out: list[tuple[int, str]] = []
    start, n = 0, len(text)
    while start < n:
        end = min(start + _CHUNK_CHARS, n)
        if end < n:
            nl = text.rfind("\n", start + _CHUNK_CHARS // 2, end)
            if nl >= 0:
                end = nl + 1
            else:
                window = text[start + _CHUNK_CHARS // 2 : end]
                cuts = [m.end() for m in _CUT_AT.finditer(window)]
                if cuts:
                    end = start + _CHUNK_CHARS // 2 + cuts[-1]
        out.append((start, text[start:end]))
        start = end
    return out


def detect_batch(
    texts: Any,
    *,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    today: dt.date | None = None,
    types: frozenset[str] | None = None,
    previews: bool = True,
    engine: str | None = None,
) -> pl.DataFrame:
    """Findings in a batch of strings (list, polars Series or Arrow array).

    Returns a polars DataFrame with one row per finding: `row` (index in the batch),
    `start`/`end` (code-point offsets), `pi_type`, `pipl_class`, `category` (Art. 28
    category or ""), `confidence` and `preview` (masked; null with `previews=False`, the
    fast path of scans that mask only the examples they keep). Raw values are never returned.

    `engine`: "auto" (the default; also TIANPING_PI_ENGINE) uses the compiled single-pass
    kernel when it was built (`_kernel.py`), "polars" the polars engine below, "compiled"
    insists on the kernel. Both give the same findings (tested on the generated corpus).

    For the polars engine, strings longer than a few KB (a whole document) are cut into
    line-sized pieces first: per-row work (windows cut from the row text, the regex state
    per row) then stays bounded. Each piece is scanned with `_OVERLAP` characters of its
    neighbours and reports only the findings that start inside it, so a value, a context
    word or a match that crosses a cut is seen as in the whole string; offsets are shifted
    back afterwards.
    """
    s = _as_series(texts)
    if _kernel.wanted(engine):  # the kernel folds full-width forms itself
        return _kernel.scan_series(
            s,
            min_confidence=min_confidence,
            today=today or dt.date.today(),
            types=types,
            previews=previews,
        )
    original = s
    s, maps = _fold_rows(s, today or dt.date.today())
    found = _detect_polars(s, min_confidence, today, types, previews)
    return _unfold(found, maps, original, previews) if maps and found.height else found


def _detect_polars(
    s: pl.Series,
    min_confidence: float,
    today: dt.date | None,
    types: frozenset[str] | None,
    previews: bool,
) -> pl.DataFrame:
    """`detect_batch` by the polars engine (rows already folded)."""
    if (s.str.len_bytes().max() or 0) <= _VECTOR_ROW_BYTES:  # type: ignore[operator]
        return _detect_rows(
            s, min_confidence=min_confidence, today=today, types=types, previews=previews
        )
    rows: list[int] = []
    offsets: list[int] = []  # where each scanned piece starts in its string
    owned: list[tuple[int, int]] = []  # the part of the string whose findings it reports
    pieces: list[str | None] = []
    for i, text in enumerate(s.to_list()):
        if text is None or len(text) <= _CHUNK_CHARS:
            rows.append(i)
            offsets.append(0)
            owned.append((0, len(text) if text else 0))
            pieces.append(text)
            continue
        for off, piece in _pieces(text):
            # each piece is scanned with _OVERLAP characters of its neighbours on both
            # sides: context words, matches that cross the cut and the regex state before
            # it are what a scan of the whole string sees
            lo, hi = max(0, off - _OVERLAP), min(len(text), off + len(piece) + _OVERLAP)
            rows.append(i)
            offsets.append(lo)
            owned.append((off, off + len(piece)))
            pieces.append(text[lo:hi])
    found = _detect_rows(
        pl.Series("t", pieces, dtype=pl.String),
        min_confidence=min_confidence,
        today=today,
        types=types,
        previews=previews,
    )
    if not found.height:
        return found
    row_of = pl.Series("row_of", rows, dtype=pl.Int64)
    off_of = pl.Series("off_of", offsets, dtype=pl.Int64)
    own_lo = pl.Series("own_lo", [a for a, _ in owned], dtype=pl.Int64)
    own_hi = pl.Series("own_hi", [b for _, b in owned], dtype=pl.Int64)
    piece_idx = found["row"].cast(pl.Int64)
    shift = off_of.gather(piece_idx)
    start = found["start"] + shift
    mine = (start >= own_lo.gather(piece_idx)) & (start < own_hi.gather(piece_idx))
    return (
        found.with_columns(
            row_of.gather(piece_idx).cast(found["row"].dtype).alias("row"),
            start.alias("start"),
            (pl.col("end") + shift).alias("end"),
        )
        .filter(mine)
        .sort("row", "start")
    )


_SAMPLE_EVERY = 16
_PREFILTER_MAX_KEEP = 0.7


def _prefilter(s: pl.Series) -> pl.Series | None:
    """Indices of the strings that contain a candidate anchor; None to scan them all.

    A strided sample decides first: where most strings hold PI (dense tables) the anchor
    pass would cost a sixth of the work and save nothing.
    """
    if s.len() >= 8 * _SAMPLE_EVERY:
        sample = s.gather_every(_SAMPLE_EVERY).str.contains(PREFILTER)
        if (sample.mean() or 0.0) > _PREFILTER_MAX_KEEP:  # type: ignore[operator]
            return None
    hit = s.str.contains(PREFILTER)
    if hit.all():
        return None
    return hit.arg_true().cast(pl.UInt32)


def _detect_rows(
    s: pl.Series,
    *,
    min_confidence: float,
    today: dt.date | None,
    types: frozenset[str] | None,
    previews: bool,
) -> pl.DataFrame:
    today = today or dt.date.today()
    keep = _prefilter(s)
    cand = candidates(s if keep is None else s.gather(keep))
    if not cand.height:
        return _empty()
    if keep is not None:
        cand = cand.with_columns(keep.gather(cand["row"]).alias("row"))
    parts = [
        f
        for f in (
            _classify(kind, _with_next_chars(sub, s, _NEXT_CHARS.get(kind, 0)), today)
            for kind, sub in _by_kind(cand)
        )
        if f.height
    ]
    if not parts:
        return _empty()
    listed = _listed_names(pl.concat(parts, how="vertical_relaxed"), s)
    if listed.height:
        parts.append(listed)
    if not previews:  # the values are only needed to mask them
        parts = [f.drop("v") for f in parts]
    df = pl.concat(parts, how="vertical_relaxed").filter(pl.col("confidence") >= min_confidence)
    if types is not None:
        df = df.filter(pl.col("pi_type").is_in(sorted(types)))
    before = _names_before_ids(df, s)
    if before.height and (types is None or "person_name_zh" in types) and min_confidence <= 0.7:
        df = pl.concat([df, before], how="vertical_relaxed")
    prev = pl.lit(None, pl.String)
    if previews:
        masked = [mask_preview(v, t) for v, t in zip(df["v"], df["pi_type"], strict=True)]
        prev = pl.lit(pl.Series(masked, dtype=pl.String))
    df = df.with_columns(
        prev.alias("preview"),
        pl.col("confidence").clip(upper_bound=0.99).round(3),
        (pl.col("row").cast(pl.Int64) * _ROW_KEY).alias("_k"),
    )
    if (df["end"].max() or 0) < _END_KEY:  # type: ignore[operator]
        # one integer key: row, then start, then the longest first
        df = df.sort(pl.col("_k") + pl.col("start") * _END_KEY + (_END_KEY - 1 - pl.col("end")))
    else:
        df = df.sort(pl.col("_k") + pl.col("start"), pl.col("end"), descending=[False, True])
    return (
        # candidates of different pattern groups may overlap: keep the first, longest one.
        # Rows are sorted, so a running max of row*K+end never crosses into the next row.
        df.filter(
            pl.col("_k") + pl.col("start")
            >= (pl.col("_k") + pl.col("end")).cum_max().shift(1, fill_value=0)
        ).select(
            "row", "start", "end", "pi_type", "confidence", "preview", "pipl_class", "category"
        )
    )


# a name that starts with a common word (`NOT_NAME_ZH`: 申请人, 黄金)
_NOT_NAME_ZH_RX = "^(?:" + "|".join(NOT_NAME_ZH) + ")"
_LIST_NAME_RX = re.compile(
    f"(?:[（(][^）)]{{1,{NAME_LIST_NOTE}}}[）)])?{NAME_LIST_SEP}"
    f"({DOTTED_NAME}|(?:{SURNAME_RX})[{HAN}]{{1,2}})(?:[{re.escape(NAME_LIST_ENDS)}]|\\Z)"
)


def _listed_names(found: pl.DataFrame, s: pl.Series) -> pl.DataFrame:
    """The names that continue a list after a Chinese name found (`NAME_LIST_SEP`), each
    in turn, as `_result` writes findings (confidence 0.75)."""
    names = found.filter(pl.col("pi_type") == "person_name_zh")
    if not names.height:
        return found.clear()
    after = s.gather(names["row"]).str.slice(names["end"], 1)
    names = names.filter(after.is_in(["、", "（", "("]))
    out: list[tuple[int, int, int, str]] = []
    for row, end in zip(names["row"].to_list(), names["end"].to_list(), strict=True):
        text = s[row]
        while (m := _LIST_NAME_RX.match(text, end)) is not None:
            core = m.group(1)
            if re.match(_NOT_NAME_ZH_RX, core) or (
                any(d in core for d in NAME_DOTS) and re.match(_DOTTED_PROSE_RX, core)
            ):
                break
            out.append((row, m.start(1), m.end(1), core))
            end = m.end(1)
    return _zh_names(found, out, 0.75)


def _zh_names(
    found: pl.DataFrame, out: list[tuple[int, int, int, str]], conf: float
) -> pl.DataFrame:
    """Chinese names read by a pass over findings, `(row, start, end, value)` each, as
    `_result` writes findings (the columns of `found`)."""
    if not out:
        return found.clear()
    cols = {
        "row": pl.Series([o[0] for o in out], dtype=found["row"].dtype),
        "start": pl.Series([o[1] for o in out], dtype=pl.Int64),
        "end": pl.Series([o[2] for o in out], dtype=pl.Int64),
        "pi_type": "person_name_zh",
        "pipl_class": _CLASS["person_name_zh"],
        "category": _CATEGORY["person_name_zh"],
        "confidence": conf,
        "v": [o[3] for o in out],
    }
    return pl.DataFrame(cols).select(found.columns)


_ID_REST = (
    f"[{NAME_ID_SEPS}]?(?:{'|'.join(re.escape(w) for w in NAME_ID_LABELS)})?[{NAME_ID_SEPS_AFTER}]?"
)
_NAME_BEFORE_ID_RX = re.compile(f"((?:{SURNAME_RX})[{HAN}]{{1,2}}){_ID_REST}\\Z")
_NOT_BEFORE_ID_RX = (
    _NOT_NAME_ZH_RX + "|^(?:" + "|".join(re.escape(w) for w in NAME_CONTEXT_ZH) + ")"
    f"|(?:{'|'.join(map(re.escape, NOT_BEFORE_ID_ENDS))})\\Z"
    f"|{'|'.join(re.escape(w) for w in NAME_ID_LABELS)}"
)


def _names_before_ids(found: pl.DataFrame, s: pl.Series) -> pl.DataFrame:
    """Chinese names right before a contact or ID number found (`NAME_ID_TYPES`), where no
    name was found already, as `_result` writes findings (confidence 0.7)."""
    ids = found.filter(pl.col("pi_type").is_in(list(NAME_ID_TYPES)))
    if not ids.height:
        return found.clear()
    names: dict[int, list[tuple[int, int]]] = {}
    for row, a, b in (
        found.filter(pl.col("pi_type") == "person_name_zh")
        .select("row", "start", "end")
        .iter_rows()
    ):
        names.setdefault(row, []).append((a, b))
    out: list[tuple[int, int, int, str]] = []
    for row, at in ids.select("row", "start").sort("row", "start").iter_rows():
        text = s[row]
        lo = max(0, at - NAME_ID_REACH)
        m = _NAME_BEFORE_ID_RX.search(text[lo:at])
        if m is None or re.search(_NOT_BEFORE_ID_RX, m.group(1)):
            continue
        a, b = lo + m.start(1), lo + m.end(1)
        if any(x < b and a < y for x, y in names.get(row, ())):
            continue
        names.setdefault(row, []).append((a, b))
        out.append((row, a, b, m.group(1)))
    return _zh_names(found, out, 0.7)


# the characters after a candidate that its classifier reads (`nxt`)
_NEXT_CHARS = {"name_zh": 1, "dob": 2}


def _with_next_chars(sub: pl.DataFrame, s: pl.Series, k: int) -> pl.DataFrame:
    """`sub` with `nxt`, the k characters right after each candidate (fewer at a row end);
    `sub` as it is for k = 0."""
    if not k:
        return sub
    texts = pl.DataFrame({"t": s.gather(sub["row"]), "e": sub["start"] + sub["len"]})
    nxt = texts.select(pl.col("t").str.slice(pl.col("e"), k)).to_series()
    return sub.with_columns(nxt.alias("nxt"))


def _by_kind(cand: pl.DataFrame) -> list[tuple[str, pl.DataFrame]]:
    return [(_KIND_NAME[int(k[0])], sub) for k, sub in cand.group_by("kind", maintain_order=True)]


@functools.cache
def _ctx_expr(pi: str) -> pl.Expr:
    words = CONTEXT.get(pi)
    if not words:
        return pl.lit(False)
    return pl.col("win").str.contains_any(list(words))


def _result(
    sub: pl.DataFrame,
    pi: str | pl.Expr,
    conf: pl.Expr,
    *,
    value: pl.Expr | None = None,
    offset: pl.Expr | None = None,
    minor: pl.Expr | None = None,
) -> pl.DataFrame:
    v = value if value is not None else pl.col("m")
    off = offset if offset is not None else pl.lit(0, pl.Int64)
    if isinstance(pi, str):
        cls, cat = pl.lit(_CLASS.get(pi, "general")), pl.lit(_CATEGORY.get(pi, ""))
    else:
        cls = pi.replace_strict(_CLASS, default="general", return_dtype=pl.String)
        cat = pi.replace_strict(_CATEGORY, default="", return_dtype=pl.String)
    if minor is not None:  # a child's ID or birth date: PIPL Art. 28 minors under 14
        cls = pl.when(minor).then(pl.lit("minor")).otherwise(cls)
        cat = pl.when(minor).then(pl.lit("minors_under_14")).otherwise(cat)
    out = sub.select(
        pl.col("row").cast(pl.UInt32),
        (pl.col("start") + off).alias("start"),
        (pl.col("start") + off + v.str.len_chars().cast(pl.Int64)).alias("end"),
        (pi if isinstance(pi, pl.Expr) else pl.lit(pi)).cast(pl.String).alias("pi_type"),
        cls.alias("pipl_class"),
        cat.alias("category"),
        conf.cast(pl.Float64).alias("confidence"),
        v.alias("v"),
    )
    return out.filter(pl.col("pi_type").is_not_null() & (pl.col("confidence") > 0))


def _left_not(chars: str) -> pl.Expr:
    return ~pl.col("left").is_in(list(chars))


_DIGIT_CHARS = "0123456789"
_ALNUM_CHARS = _DIGIT_CHARS + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SIMPLE: dict[str, tuple[str, float, float, str]] = {
    # kind: (pi_type, base confidence, context bonus, forbidden left neighbours)
    "mobile": ("cn_mobile", 0.9, 0.09, _DIGIT_CHARS),
    "email": ("email", 0.95, 0.0, ""),
    "mac": ("mac", 0.85, 0.0, _ALNUM_CHARS),
    "landline": ("cn_landline", 0.75, 0.2, _DIGIT_CHARS),
    "passport": ("cn_passport", 0.6, 0.35, _ALNUM_CHARS),
    "hkmo": ("hk_macao_permit", 0.5, 0.4, _ALNUM_CHARS),
    "plate": ("cn_plate", 0.85, 0.1, ""),
    "phone_us": ("phone", 0.7, 0.2, _DIGIT_CHARS),
    "address_en": ("address_en", 0.85, 0.0, ""),
}


def _classify(kind: str, sub: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    if kind in _SIMPLE:
        pi, base, bonus, left = _SIMPLE[kind]
        conf = pl.lit(base) + pl.when(_ctx_expr(pi)).then(bonus).otherwise(0.0)
        if left:
            sub = sub.filter(_left_not(left))
        return _result(sub, pi, conf)
    fn = _CLASSIFIERS[kind]
    res: pl.DataFrame = fn(sub, today)
    return res


def _numbers(sub: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    L = pl.col("len")
    m = pl.col("m")
    out: list[pl.DataFrame] = []
    # one split by length; each rule below then reads only its own lengths
    by_len = {int(k[0]): df for k, df in sub.partition_by("len", as_dict=True).items()}
    empty = sub.clear()

    def lens(*ns: int) -> pl.DataFrame:
        got = [by_len[n] for n in ns if n in by_len]
        if not got:
            return empty
        return got[0] if len(got) == 1 else pl.concat(got)

    # 18 characters: resident ID (MOD 11-2), else 18-digit card or credit code, else decoy
    id18 = lens(18).with_columns(
        m.str.to_uppercase().alias("upper"),  # checked upper-cased, shown as written
        m.str.contains("^[0-9]+$").alias("digit"),
        m.str.contains(_USCC_REGION_RX).alias("reg"),
        m.str.contains("^[3-6]").alias("cardpfx"),
        m.str.starts_with("62").alias("up"),
    )
    if id18.height:
        vals = id18["upper"].to_list()
        struct, chk, age = V.resident_id18(vals, today)
        is_id = struct & chk
        # cards and credit codes only among the rest (check digits cost; most are IDs)
        maybe_card = ~is_id & id18["digit"].to_numpy() & id18["cardpfx"].to_numpy()
        maybe_card &= ~struct | id18["up"].to_numpy()
        is_card = np.zeros_like(is_id)
        idx = np.flatnonzero(maybe_card)
        is_card[idx] = V.luhn([vals[int(i)] for i in idx])
        maybe_uscc = ~is_id & ~is_card & ~struct & id18["reg"].to_numpy()
        is_uscc = np.zeros_like(is_id)
        idx = np.flatnonzero(maybe_uscc)
        is_uscc[idx] = V.uscc([vals[int(i)] for i in idx])
        code = np.select([is_id, is_card, is_uscc], [1, 2, 3], 0).astype(np.int8)
        names = {1: "cn_resident_id", 2: "bank_card", 3: "cn_uscc"}
        id18 = (
            id18.with_columns(pl.Series("code", code), pl.Series("minor", is_id & (age < 14)))
            .filter(pl.col("code") > 0)
            .with_columns(pl.col("code").replace_strict(names, return_dtype=pl.String).alias("pi"))
        )
        ctx = (
            pl.when(pl.col("pi") == "cn_resident_id")
            .then(_ctx_expr("cn_resident_id"))
            .when(pl.col("pi") == "bank_card")
            .then(_ctx_expr("bank_card"))
            .otherwise(_ctx_expr("cn_uscc"))
        )
        base = pl.when(pl.col("pi") == "cn_resident_id").then(0.9).otherwise(0.85)
        out.append(
            _result(
                id18,
                pl.col("pi"),
                base + pl.when(ctx).then(0.09).otherwise(0.0),
                minor=pl.col("minor"),
            )
        )
    # 15 digits: legacy resident ID (no check digit)
    id15 = lens(15).filter(~m.str.starts_with("0"))
    if id15.height:
        ok, age = V.resident_id15(id15["m"].to_list(), today)
        id15 = id15.with_columns(pl.Series("ok", ok), pl.Series("minor", age < 14)).filter("ok")
        conf = pl.lit(0.6) + pl.when(_ctx_expr("cn_resident_id_15")).then(0.3).otherwise(0.0)
        out.append(_result(id15, "cn_resident_id_15", conf, minor=pl.col("minor")))
    # 16, 17, 19 digits: bank cards (Luhn raises confidence, does not reject)
    cards = lens(16, 17, 19).filter(m.str.contains("^[3-6][0-9]+$"))
    if cards.height:
        lu = V.luhn(cards["m"].to_list())
        base = (
            pl.when(pl.col("luhn"))
            .then(0.85)
            .when(m.str.starts_with("62"))
            .then(0.55)
            .otherwise(0.35)
        )
        conf = base + pl.when(_ctx_expr("bank_card")).then(0.1).otherwise(0.0)
        out.append(_result(cards.with_columns(pl.Series("luhn", lu)), "bank_card", conf))
    mob = lens(11, 13, 15).filter(
        ((L == 11) & m.str.contains("^1[3-9]"))
        | ((L == 13) & m.str.contains("^861[3-9]"))
        | ((L == 15) & m.str.contains("^00861[3-9]"))
    )
    if mob.height:
        conf = pl.lit(0.85) + pl.when(_ctx_expr("cn_mobile")).then(0.1).otherwise(0.0)
        out.append(_result(mob, "cn_mobile", conf))
    short = lens(8, 10).filter(m.str.contains("^[0-9]+$"))
    if short.height:
        tw, ph = _ctx_expr("tw_permit"), _ctx_expr("phone")
        short_pi = (
            pl.when(tw)
            .then(pl.lit("tw_permit"))
            .when((L == 10) & m.str.contains("^[2-9]") & ph)
            .then(pl.lit("phone"))
            .otherwise(pl.lit(None))
        )
        conf = pl.when(tw).then(0.75).otherwise(0.6)
        out.append(_result(short, short_pi, conf))
    return pl.concat(out, how="vertical_relaxed") if out else _result(sub.clear(), "", pl.lit(0))


_VERSION_RX = "(?:" + "|".join(VERSION_WORDS) + ")[^0-9]{0,3}$"


def _ipv4(sub: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    octet_max = pl.col("m").str.split(".").list.eval(pl.element().cast(pl.Int64)).list.max()
    m = pl.col("m")
    # loopback and unspecified addresses identify no one
    local = m.str.starts_with("127.") | (m == "0.0.0.0")
    version = pl.col("win").fill_null("").str.contains(_VERSION_RX)
    sub = sub.filter((octet_max <= 255) & _left_not(_DIGIT_CHARS + ".") & ~local & ~version)
    return _result(sub, "ipv4", pl.lit(0.85))


def _ipv6(sub: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    ok = []
    for v in sub["m"].to_list():
        try:  # inet_pton: the C parser, same grammar as ipaddress for [0-9A-Fa-f:] input
            socket.inet_pton(socket.AF_INET6, v)
            ok.append(True)
        except (OSError, ValueError):
            ok.append(False)
    return _result(sub.filter(pl.Series(ok, dtype=pl.Boolean)), "ipv6", pl.lit(0.85))


def _cards_grouped(sub: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    sub = sub.with_columns(pl.col("m").str.replace_all("[ -]", "").alias("d")).filter(
        pl.col("d").str.len_chars().is_between(16, 19) & _left_not(_DIGIT_CHARS)
    )
    lu = V.luhn(sub["d"].to_list())
    base = (
        pl.when(pl.col("luhn"))
        .then(0.9)
        .when(pl.col("d").str.starts_with("62"))
        .then(0.55)
        .otherwise(0.35)
    )
    conf = base + pl.when(_ctx_expr("bank_card")).then(0.09).otherwise(0.0)
    return _result(sub.with_columns(pl.Series("luhn", lu, dtype=pl.Boolean)), "bank_card", conf)


# registration-category code (pos 2) and the province of the division code (pos 3-4)
_USCC_REGION_RX = r"^.[1239](?:1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5]|71|8[1-3])"


def _uscc(sub: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    sub = sub.filter(~pl.col("m").str.contains("^[0-9]{17}[0-9X]$") & _left_not(_ALNUM_CHARS))
    sub = sub.filter(pl.col("m").str.contains(_USCC_REGION_RX))
    sub = sub.with_columns(pl.Series("ok", V.uscc(sub["m"].to_list()), pl.Boolean))
    conf = pl.when(pl.col("ok")).then(0.9).otherwise(0.4) + pl.when(_ctx_expr("cn_uscc")).then(
        0.09
    ).otherwise(0.0)
    return _result(sub, "cn_uscc", conf)


def _dob(sub: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    nxt = pl.col("nxt").fill_null("")
    born = nxt.str.starts_with(BORN_AFTER) | (
        (nxt.str.slice(0, 1) == BORN_SHORT)
        & ((nxt.str.len_chars() == 1) | nxt.str.slice(1, 1).is_in(list(BORN_ENDS)))
    )
    sub = sub.filter(born | _ctx_expr("date_of_birth"))
    if not sub.height:
        return _result(sub, "date_of_birth", pl.lit(0.0))
    m = pl.col("m")
    iso = m.str.extract_groups(r"^([0-9]{4})\D+([0-9]{1,2})\D+([0-9]{1,2})")
    en = m.str.extract_groups(r"^([A-Z][a-z]+)\.? ([0-9]{1,2}), ([0-9]{4})$")
    dm = m.str.extract_groups(r"^([0-9]{1,2}) ([A-Z][a-z]+)\.? ([0-9]{4})$")
    num = m.str.extract_groups(r"^([0-9]{1,2})([/.])([0-9]{1,2})[/.]([0-9]{4})$")
    parts = sub.select(iso.alias("iso"), en.alias("en"), dm.alias("dm"), num.alias("num"))

    def field(col: str, i: int) -> pl.Series:
        return parts[col].struct[i]

    def month(name: pl.Series) -> pl.Series:
        return name.replace_strict(_MONTHS, default=None, return_dtype=pl.Int64)

    def ints(*xs: pl.Series) -> np.ndarray:
        out = xs[0].cast(pl.Int64)
        for x in xs[1:]:
            out = out.fill_null(x.cast(pl.Int64))
        return out.fill_null(0).to_numpy()

    # numbers: month first after '/', day first after '.', the other way where that is
    # no date (14/03/1985, 03.14.1985)
    a, b = ints(field("num", 0)), ints(field("num", 2))
    y = ints(field("iso", 0), field("en", 2), field("dm", 2), field("num", 3))
    slash = (field("num", 1) == "/").fill_null(False).to_numpy()
    first_m, first_d = np.where(slash, a, b), np.where(slash, b, a)
    keep = V.valid_dates(y, first_m, first_d, today)
    nm, nd = np.where(keep, first_m, first_d), np.where(keep, first_d, first_m)
    is_num = field("num", 0).is_not_null().to_numpy()
    mo = np.where(is_num, nm, ints(field("iso", 1), month(field("en", 0)), month(field("dm", 1))))
    d = np.where(is_num, nd, ints(field("iso", 2), field("en", 1), field("dm", 0)))
    ok = V.valid_dates(y, mo, d, today)
    minor = V.age_years(y, mo, d, today) < 14
    sub = sub.with_columns(pl.Series("ok", ok), pl.Series("minor", minor)).filter("ok")
    return _result(sub, "date_of_birth", pl.lit(0.85), minor=pl.col("minor"))


_NOT_NAME_EN_RX = r"\b(?:" + "|".join(NOT_NAME_EN) + r")\b"
_ZH_PREFIX_RX = (
    "^(?:" + "|".join(NAME_CONTEXT_ZH) + f"){ROLE_NOTE}[{NAME_SEPARATORS_ZH}]?[{NAME_SPACES_ZH}]?"
)
_ZH_TITLE_RX = "(?:" + "|".join(map(re.escape, NAME_TITLES_ZH)) + ")+$"  # 张经理您好: all of them
_EN_PREFIX_RX = "^(?:" + "|".join(re.escape(w) for w in NAME_CONTEXT_EN) + ")[:]? "
_COMPOUND_RX = "^(?:" + "|".join(COMPOUND_SURNAMES) + ")"
_STOP_RX = "^.{2,}[" + "".join(sorted(NAME_STOP)) + "]$"


def _name_zh(sub: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    m = pl.col("m")
    # the text after a context prefix ("姓名：", "客户"); shorter than m exactly when one is there
    sub = sub.with_columns(m.str.replace(_ZH_PREFIX_RX, "").alias("rest"))
    has_pre = pl.col("rest").str.len_bytes() < m.str.len_bytes()
    core = pl.when(has_pre).then(pl.col("rest")).otherwise(m.str.replace(_ZH_TITLE_RX, ""))
    sub = sub.with_columns(core.alias("core"), has_pre.alias("pre"))
    c = pl.col("core")
    dotted = pl.col("pre") & c.str.contains(f"[{NAME_DOTS}]")
    sub = sub.with_columns(dotted.alias("dotted"), (pl.col("pre") & ~dotted).alias("pre"))
    # a last given-name character that starts a word with the next one ("王勇登" before
    # "录") belongs to that word
    follows = (c.str.slice(-1) + pl.col("nxt").fill_null("")).is_in(list(NAME_FOLLOWERS_ZH))
    c1 = (
        pl.when(pl.col("pre") & (c.str.len_chars() >= 3) & follows)
        .then(c.str.slice(0, c.str.len_chars() - 1))
        .otherwise(c)
    )
    sub = sub.with_columns(c1.alias("core"))
    # a third given-name character that is a common function word belongs to the prose
    c2 = (
        pl.when(pl.col("pre") & c.str.contains(_STOP_RX))
        .then(c.str.slice(0, c.str.len_chars() - 1))
        .otherwise(c)
    )
    sub = sub.with_columns(c2.alias("core"))
    c3 = (
        pl.when(pl.col("pre") & (c.str.len_chars() == 4) & ~c.str.contains(_COMPOUND_RX))
        .then(c.str.slice(0, 3))
        .otherwise(c)
    )
    sub = sub.with_columns(c3.alias("core"))
    dots = sub["dotted"]
    if dots.any():  # rare: their second part is cut in Python
        cores = sub["core"].to_list()
        for i in dots.arg_true().to_list():
            cores[i] = _dotted_core(cores[i])
        sub = sub.with_columns(pl.Series("core", cores, dtype=pl.String))
    # a dotted name whose first part holds a function word is prose before a name (记者采访
    # 了古丽·买买提), as for those that open a sentence
    prose = pl.col("dotted") & pl.col("core").str.contains(_DOTTED_PROSE_RX)
    sub = sub.with_columns(pl.col("pre") | pl.col("dotted")).filter(
        (pl.col("core").str.len_chars() >= 2)
        & ~pl.col("core").str.contains(_NOT_NAME_ZH_RX)
        & ~prose
    )
    off = pl.when(pl.col("pre")).then(pl.col("len") - pl.col("rest").str.len_chars()).otherwise(0)
    conf = pl.when(pl.col("pre")).then(0.8).otherwise(0.75)
    return _result(sub, "person_name_zh", conf, value=pl.col("core"), offset=off.cast(pl.Int64))


_FOLLOWERS = frozenset(NAME_FOLLOWERS_ZH)
_DOTTED_PROSE_RX = f"^[^{NAME_DOTS}]*[{DOTTED_LEAD_STOP}]"


def _dotted_core(core: str) -> str:
    """A dotted name (买买提·艾力) whose second part runs on into the prose cut before its
    first function word or word that follows names, its first character kept."""
    dot = next(i for i, ch in enumerate(core) if ch in NAME_DOTS)
    for k in range(dot + 2, len(core)):
        if core[k] in NAME_STOP or core[k : k + 2] in _FOLLOWERS:
            return core[:k]
    return core


_LEAD_RX = f"^([{SENTENCE_ENDS_ZH}]?[ ]?)({LEAD_NAME_ZH})(?:{'|'.join(NAME_PREDICATES_ZH)})$"


def _lead_name(
    sub: pl.DataFrame, rx: str, not_rx: str, pi: str, conf: float, cut_rx: str | None = None
) -> pl.DataFrame:
    """A name opening a sentence ("王勇表示", "Dennis Sweeney signed"): group 2 of `rx`, the
    end mark before it (group 1) and the verb after it left out; not where `not_rx` finds
    a word that is no name in it. Where `cut_rx` matches the name, its group 1 is left out
    too."""
    m = pl.col("m")
    sub = sub.with_columns(
        m.str.extract(rx, 1).str.len_chars().cast(pl.Int64).alias("lead"),
        m.str.extract(rx, 2).alias("core"),
    ).filter(pl.col("core").is_not_null() & ~pl.col("core").str.contains(not_rx))
    if cut_rx is not None:
        cut = pl.col("core").str.extract(cut_rx, 1).str.len_chars().fill_null(0).cast(pl.Int64)
        sub = sub.with_columns((pl.col("lead") + cut).alias("lead"), pl.col("core").str.slice(cut))
    return _result(sub, pi, pl.lit(conf), value=pl.col("core"), offset=pl.col("lead"))


# a common word, or a dotted name whose first part holds a function word
_NOT_LEAD_ZH_RX = (
    f"{_NOT_NAME_ZH_RX}|^[^{NAME_DOTS}]*[{DOTTED_LEAD_STOP}][^{NAME_DOTS}]*[{NAME_DOTS}]"
)


# a dotted name opening a sentence with a context word ("。患者阿依古丽·买买提表示"): the
# word is not part of it
_LEAD_CTX_RX = "^((?:" + "|".join(NAME_CONTEXT_ZH) + f"))[{HAN}]+[{NAME_DOTS}]"


def _name_zh_lead(sub: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    return _lead_name(sub, _LEAD_RX, _NOT_LEAD_ZH_RX, "person_name_zh", 0.7, _LEAD_CTX_RX)


# the last ending an address reaches: a room after a building, a unit or an entrance (8栋1104,
# 5号楼1201, A座2210, 3单元201户, 2号楼3门701), a building, floor or store (9幢, 21楼, B1层,
# 6舍, 3号仓), a door number and what follows it (88号, 88号502室, 206号5-2-1: unit, floor and
# room), a room (502室), a village group (二组), or a street, village or town (路, 村, 镇…);
# alternatives in this order at each start, the last start that fits winning
# (`classify_addr_zh` reads them alike). A district, county or city alone (北京市朝阳区
# 人民法院, 杭州市西湖区) is a place, not an address, unless a label names it one (住址：
# 朝阳区): `_ADDR_AREA_RX`.
_ADDR_END_RX = (
    r"^(.*(?:(?:栋|幢|座|楼|单元|门)[A-Za-z]?[0-9]+(?:室|户)?"
    r"|[A-Za-z0-9]+号?(?:栋|幢|楼|层|单元|舍|仓|库)"
    r"|[A-Za-z0-9]*座|[0-9]+号(?:[0-9]+(?:室|户)|[0-9]+(?:-[0-9]+){1,2})?|[0-9]+室"
    r"|[一二三四五六七八九十0-9]组|路|街|巷|道|村|镇)(?: [0-9]{6})?)"
)
_ADDR_AREA_RX = r"^(.*(?:区|县|市)(?: [0-9]{6})?)"
_ADDR_LABEL_RX = "^(?:" + "|".join(ADDRESS_LABELS_ZH) + f")[{ADDRESS_LABEL_SEPS}]?[ ]?"


def _address_zh(sub: pl.DataFrame, today: dt.date, labelled: bool = False) -> pl.DataFrame:
    """An address up to its last ending (路, 号, 室…), six characters or more; with
    `labelled` (address_label candidates), the label before it (地址：) left out, and a
    district, county or city as its last part enough."""
    m = pl.col("m")
    rest = m.str.replace(_ADDR_LABEL_RX, "") if labelled else m
    core = rest.str.extract(_ADDR_END_RX, 1)
    if labelled:
        core = pl.coalesce(core, rest.str.extract(_ADDR_AREA_RX, 1))
    sub = sub.with_columns(core.alias("core"))
    sub = sub.filter(pl.col("core").str.len_chars() >= 6)
    off = (m.str.len_chars() - rest.str.len_chars()).cast(pl.Int64)
    return _result(sub, "address_zh", pl.lit(0.8), value=pl.col("core"), offset=off)


def _name_en(sub: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    sub = sub.filter(~pl.col("m").str.contains(_NOT_NAME_EN_RX))
    core = pl.col("m").str.replace(_EN_PREFIX_RX, "")
    off = (pl.col("len") - core.str.len_chars()).cast(pl.Int64)
    return _result(sub, "person_name_en", pl.lit(0.75), value=core, offset=off)


_LEAD_EN_RX = (
    "^((?:[.!?;] |["
    + SENTENCE_ENDS_CJK
    + f"] ?|\n)?)([A-Z][{NAME_LOWER}]+(?: [A-Z][{NAME_LOWER}]+){{1,2}}) (?:"
    + "|".join(NAME_PREDICATES_EN)
    + ")$"
)


def _name_en_lead(sub: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    return _lead_name(sub, _LEAD_EN_RX, _NOT_NAME_EN_RX, "person_name_en", 0.6)


def _name_en_given(sub: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    """A name read from its given name: none of its words a firm's, place's or role's."""
    sub = sub.filter(~pl.col("m").str.contains(_NOT_NAME_EN_RX))
    return _result(sub, "person_name_en", pl.lit(0.6))


def _phone_intl(sub: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    """A number in international form: 8 to 15 digits (E.164), not mainland China's +86
    (mobiles and landlines have their own rules) and no digit before the '+'."""
    m = pl.col("m")
    digits = m.str.count_matches("[0-9]")
    sub = sub.filter(digits.is_between(8, 15) & ~m.str.starts_with("+86") & _left_not(_DIGIT_CHARS))
    conf = pl.lit(0.7) + pl.when(_ctx_expr("phone")).then(0.2).otherwise(0.0)
    return _result(sub, "phone", conf)


_CLASSIFIERS: dict[str, Any] = {
    "phone_intl": _phone_intl,
    "name_en_given": _name_en_given,
    "number": _numbers,
    "ipv4": _ipv4,
    "ipv6": _ipv6,
    "card_grouped": _cards_grouped,
    "uscc": _uscc,
    "dob": _dob,
    "name_zh": _name_zh,
    "name_zh_lead": _name_zh_lead,
    "name_en_lead": _name_en_lead,
    "address_zh": _address_zh,
    "address_city": _address_zh,
    "address_label": functools.partial(_address_zh, labelled=True),
    "name_en": _name_en,
}


_NAME_HEADER = re.compile(
    r"(?i)^(?:.*[_ ])?(?:name|full_?name|姓名|名字|联系人|收件人|客户名称|客户姓名|持卡人)$"
)
_ADDR_HEADER = re.compile(r"(?i)^(?:.*[_ ])?(?:address|addr|地址|住址|联系地址|收货地址)$")
_BARE_NAME_ZH = f"^(?:{SURNAME_RX})[{HAN}]{{1,2}}$"
_BARE_NAME_EN = f"^[A-Z][{NAME_LOWER}]+(?: [A-Z]\\.?)?(?: [A-Z][{NAME_LOWER}'-]+){{1,2}}$"
_BARE_ADDR_ZH = "^(?:" + "|".join(PROVINCES) + ")[" + HAN + "A-Za-z0-9 ]{4,60}$"
# under a person's-name header, names the surname list does not know (鞠, 危, 植 …) and the
# dotted names of Uyghur, Kazakh and foreign people written in Chinese (阿依古丽·买买提)
_ANY_NAME_ZH = f"^(?:[{HAN}]{{2,4}}|{DOTTED_NAME})$"
_VOUCHED = 0.6  # the confidence of such a name
_MOSTLY_NAMES = 0.8  # the share of a batch's cells that must look like names for that


def detect_by_header(column: str | None, values: pl.Series) -> pl.DataFrame | None:
    """Whole-cell names or addresses in a column whose header says so (e.g. "姓名", "name").

    Bare cells such as "王伟" carry no context of their own; the header is the context. A
    workbook column, `sheet!header`, is judged by its header. Under a person's-name header
    (not 名称), two to four Han characters without a known surname, and dotted names
    (阿依古丽·买买提), are names too (0.6) where most of the batch's cells look like names.
    Returns findings like `detect_batch`, or None when the header names neither.
    """
    header = (column or "").rpartition("!")[2]
    if not header:
        return None
    t = pl.col("t")
    if _NAME_HEADER.match(header):
        checks = [
            ("person_name_zh", t.str.contains(_BARE_NAME_ZH), 0.7),
            ("person_name_en", t.str.contains(_BARE_NAME_EN), 0.7),
        ]
        if "名称" not in header:  # a person's name, not a thing's (客户名称: companies too)
            other = t.str.contains(_ANY_NAME_ZH) & ~t.str.contains(_BARE_NAME_ZH)
            checks.append(("person_name_zh", other, _VOUCHED))
    elif _ADDR_HEADER.match(header):
        checks = [("address_zh", t.str.contains(_BARE_ADDR_ZH), 0.7)]
    else:
        return None
    s = _as_series(values)
    parts = []
    base = pl.DataFrame({"t": s}).with_row_index("row")
    for pi, hit, conf in checks:
        if conf == _VOUCHED:  # names only the header vouches for: where the batch is mostly names
            looks = base.select(
                (t.str.contains(_ANY_NAME_ZH) | t.str.contains(_BARE_NAME_EN)).mean()
            ).item()
            if not looks or looks < _MOSTLY_NAMES:
                continue
        parts.append(
            base.filter(hit).select(
                pl.col("row").cast(pl.UInt32),
                pl.lit(0, pl.Int64).alias("start"),
                t.str.len_chars().cast(pl.Int64).alias("end"),
                pl.lit(pi).alias("pi_type"),
                pl.lit(conf).alias("confidence"),
                pl.lit(None, pl.String).alias("preview"),
                pl.lit("general").alias("pipl_class"),
                pl.lit("").alias("category"),
            )
        )
    return pl.concat(parts)


def detect_text(text: str, *, min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> list[Match]:
    """Personal information in one string, as `Match` spans (code-point offsets)."""
    df = detect_batch([text], min_confidence=min_confidence)
    return [
        Match(t, int(s), int(e), float(c))
        for t, s, e, c in zip(df["pi_type"], df["start"], df["end"], df["confidence"], strict=True)
    ]


def detect_column(values: Sequence[str | None] | pl.Series, **kw: Any) -> pl.DataFrame:
    """Alias of `detect_batch` for one column of a table."""
    return detect_batch(values, **kw)
