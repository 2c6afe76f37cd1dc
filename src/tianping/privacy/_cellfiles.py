"""De-identification of text, CSV, JSON Lines and Parquet through the compiled parts.

`_celltok.c` finds the cells (CSV cells without padding and with quotes unescaped; JSON
string values decoded, keys left out, numbers as written).
The cells that detection reads become one Arrow column, which `Deidentifier.text_column`
runs through the compiled kernel; cells under a column rule get masks, redactions,
suppressions and region prefixes in C and other rules once per distinct value.
`_celltok.splice` then writes each changed cell back over its own bytes, quoted or escaped
as before. Text lines are an Arrow array over the file's bytes; files past `BLOCK_BYTES`
go a block of whole records at a time. The bytes written and the counts are those of the
Python paths in `_deid.py` (tested), which still take every file this path declines: a
custom detector, no compiled kernel or tokenizer, CSV date shifts keyed by another column,
a delimiter that is not one ASCII byte, and any file whose errors the Python path reports
with their line.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from tianping.privacy import _kernel
from tianping.privacy._policy import (
    Action,
    DateShift,
    Detect,
    Generalise,
    Keep,
    Mask,
    Redact,
    Suppress,
)

if TYPE_CHECKING:
    from tianping.privacy._deid import Deidentifier

_celltok: ModuleType | None
try:
    _celltok = importlib.import_module("tianping.privacy._celltok")
except ImportError:  # built without a C compiler: the Python tokenizers do the work
    _celltok = None

_CSV, _JSON = 0, 1


def usable(deid: Deidentifier, kind: str) -> bool:
    """Whether this path can take a `kind` file for `deid`: the default detector and the
    compiled kernel; text needs `types` rules (or no rules at all), CSV and JSONL the cell
    tokenizer too, and in CSV no date shifts keyed by another cell of the row (JSON Lines
    have no row to key by: the Python path shifts those by one fixed amount too)."""
    policy = deid.policy
    if deid._detector is not None or not _kernel.wanted(None) or kind == "json":
        return False  # JSON documents: the Python path (`_deid_json_doc`)
    if kind not in ("csv", "tsv", "jsonl"):
        return bool(policy.types) or not policy.columns
    if _celltok is None:
        return False
    if kind == "jsonl":
        return True
    return not any(isinstance(r, DateShift) and r.per for r in policy.columns.values())


def deid_csv(
    data: bytes,
    deid: Deidentifier,
    delim: str,
    has_header: bool,
    names: list[str],
    final: bool = True,
) -> tuple[bytes, int, int] | None:
    """`data` (UTF-8 CSV) de-identified, its record count (header excluded) and how many
    bytes of it that covers (all, unless `data` is a block of a longer file and its last
    record may go on in the next block); None where the Python tokenizer must take the
    file. `names`: the column names (checked against the policy by the caller; empty
    without a header)."""
    import pyarrow as pa

    assert _celltok is not None
    vals, voff, ss, se, kind, rec, fld, records, err_at, used = _celltok.csv_cells(
        data, ord(delim), final
    )
    if err_at >= 0:
        return None  # an unterminated quote: the Python path reports its line
    if used < len(data):
        data = data[:used]
    cells = pa.LargeStringArray.from_buffers(len(kind), pa.py_buffer(voff), pa.py_buffer(vals))
    field = np.frombuffer(fld, dtype=np.int64)
    width = int(field.max()) + 1 if len(field) else 0
    plan, rules = _plan(deid, [names[i] if i < len(names) else str(i) for i in range(width)])
    todo = plan[field]
    if has_header:
        todo[np.frombuffer(rec, dtype=np.int64) == 0] = 0  # the header row stays
        records = max(records - 1, 0)
    sel, old, new_all = _new_values(deid, cells, todo, field, rules)
    if not len(sel):
        return data, records, used
    out = _splice(_CSV, data, old, new_all, ss, se, kind, sel, ord(delim))
    return out, records, used


def _plan(deid: Deidentifier, names: list[str | None]) -> tuple[Any, dict[int, tuple[str, Action]]]:
    """What happens to the cells of each column (None: no column): 0 kept, 1 detection, 2
    the column's rule (those rules, by column index)."""
    policy = deid.policy
    plan = np.zeros(len(names), dtype=np.int8)
    rules: dict[int, tuple[str, Action]] = {}
    for i, name in enumerate(names):
        rule = policy.columns.get(name) if name is not None else None
        if rule is None:
            plan[i] = policy.detect_unlisted
        elif isinstance(rule, Detect):
            plan[i] = 1
        elif not isinstance(rule, Keep):
            plan[i] = 2
            rules[i] = (name or "", rule)
    return plan, rules


def _new_values(
    deid: Deidentifier, cells: Any, todo: Any, field: Any, rules: dict[int, tuple[str, Action]]
) -> tuple[Any, Any, Any]:
    """The cells to rewrite (indices where `todo` is not 0), their values and their new
    values: detection in one kernel pass, column rules by `_column_rules`."""
    import pyarrow as pa

    sel = np.flatnonzero(todo)
    old = cells.take(pa.array(sel))
    if not len(sel):
        return sel, old, old
    parts, order = [], []
    detect, ruled = np.flatnonzero(todo[sel] == 1), np.flatnonzero(todo[sel] == 2)
    if len(detect):
        new = deid.text_column(old.take(pa.array(detect)))
        assert new is not None  # usable() checked that the kernel runs
        parts.append(new)
        order.append(detect)
    if len(ruled):
        parts.append(_column_rules(deid, old.take(pa.array(ruled)), field[sel][ruled], rules))
        order.append(ruled)
    where = np.empty(len(sel), dtype=np.int64)  # cell k's new value is at where[k]
    where[np.concatenate(order)] = np.arange(len(sel))
    return sel, old, pa.concat_arrays(parts).take(pa.array(where))


def _column_rules(
    deid: Deidentifier, values: Any, field: Any, rules: dict[int, tuple[str, Action]]
) -> Any:
    """Column rules on their cells (`values`, of fields `field`): masks, redactions,
    suppressions and region prefixes computed in C, every other rule once per distinct
    value of its column; counted per cell, as `Deidentifier.cell` counts."""
    import polars as pl
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(values)
    c_rules: list[tuple[int, int, int, str]] = []
    rule = np.full(n, -1, dtype=np.int16)
    py_index = np.full(n, -1, dtype=np.int64)
    py_values: list[str] = []
    for i, (name, r) in rules.items():
        at = np.flatnonzero(field == i)
        if not len(at):
            continue
        deid.counts[name] += len(at)
        py_at = at[:0]  # the cells that go through Python
        if isinstance(r, Mask):
            c_rules.append((_kernel.RULE_MASK, r.keep_start, r.keep_end, r.char))
        elif isinstance(r, Redact):
            text = r.replacement if r.replacement is not None else f"[{name.upper()}]"
            c_rules.append((_kernel.RULE_CONSTANT, 0, 0, text))
        elif isinstance(r, Suppress):
            c_rules.append((_kernel.RULE_CONSTANT, 0, 0, ""))
        elif isinstance(r, Generalise) and r.to == "region_prefix":
            # in C where Python's str.strip and \d see the same characters as C: ASCII
            # values without the separators \x1c-\x1f (whitespace to str.strip)
            col = values.take(pa.array(at))
            plain = pc.and_(
                pc.string_is_ascii(col), pc.invert(pc.match_substring_regex(col, "[\x1c-\x1f]"))
            ).to_numpy(zero_copy_only=False)
            c_rules.append((_kernel.RULE_REGION_PREFIX, r.digits, 0, ""))
            at, py_at = at[plain], at[~plain]
        else:
            at, py_at = at[:0], at
        rule[at] = len(c_rules) - 1
        if not len(py_at):
            continue
        fn = deid._compile(r, name)
        assert fn is not None  # Keep and Detect never reach here
        column = values.take(pa.array(py_at)).to_pylist()
        done = {v: fn(v) or "" for v in set(column)}
        py_index[py_at] = np.arange(len(py_values), len(py_values) + len(py_at))
        py_values += [done[v] for v in column]
    _, offsets, _ = values.buffers()
    lengths = np.diff(np.frombuffer(offsets, dtype=np.int64)[values.offset : values.offset + n + 1])
    spans = pl.DataFrame(
        {"row": np.arange(n, dtype=np.uint32), "bstart": np.zeros(n, np.int64), "bend": lengths}
    )
    data, new_offsets = _kernel.rule_values(values, spans, rule, c_rules, py_values, py_index)
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(new_offsets), pa.py_buffer(data))


def parquet_column(column: Any, name: str, rule: Action, deid: Deidentifier) -> Any:
    """A Parquet string column under a mask, redaction, suppression or region-prefix rule,
    computed by `_column_rules` on its non-empty values (nulls and empty strings stay, as
    `Deidentifier.cell` leaves them; suppressed values become nulls); None for other rules
    or without the compiled kernel."""
    import pyarrow as pa
    import pyarrow.compute as pc

    regional = isinstance(rule, Generalise) and rule.to == "region_prefix"
    if not (isinstance(rule, Mask | Redact | Suppress) or regional) or not _kernel.wanted(None):
        return None
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    column = column.cast(pa.large_string())
    filled = pc.fill_null(pc.greater(pc.binary_length(column), 0), False)
    at = np.flatnonzero(filled.to_numpy(zero_copy_only=False))
    if not len(at):
        return column
    if isinstance(rule, Suppress):
        deid.counts[name] += len(at)
        return pc.if_else(filled, pa.scalar(None, pa.large_string()), column)
    new = _column_rules(
        deid, column.take(pa.array(at)), np.zeros(len(at), np.int64), {0: (name, rule)}
    )
    return pc.replace_with_mask(column, filled, new)


def deid_jsonl(data: bytes, deid: Deidentifier) -> tuple[bytes, int] | None:
    """`data` (UTF-8 JSON Lines) de-identified and its count of non-blank lines, or None
    where the Python tokenizer must take the file (it reports invalid lines).

    As `_deid._deid_json_line` does: string values (not keys) and numbers go to detection,
    or, under a top-level key with a column rule (which also reaches the key's nested
    values), to that rule; a suppressed value becomes `null`, a number that changes a
    string."""
    import pyarrow as pa

    assert _celltok is not None
    policy = deid.policy
    if not policy.columns:
        found = _celltok.json_values(data)
        if found is None:
            return None
        vals, voff, ss, se, flags, lines = found
        return _write_back(_JSON, data, deid, vals, voff, ss, se, flags, 0), lines
    found = _celltok.json_values(data, True)
    if found is None:
        return None
    vals, voff, ss, se, flags, key, keys, key_off, lines = found
    kinds = np.frombuffer(flags, dtype=np.uint8).copy()
    if not len(kinds):
        return data, lines
    cells = pa.LargeStringArray.from_buffers(len(kinds), pa.py_buffer(voff), pa.py_buffer(vals))
    ko = np.frombuffer(key_off, dtype=np.int64)
    names = [keys[ko[i] : ko[i + 1]].decode("utf-8") for i in range(len(ko) - 1)]
    plan, rules = _plan(deid, [*names, None])  # the last: values under no top-level key
    field = np.frombuffer(key, dtype=np.int32).astype(np.int64)
    field[field < 0] = len(names)
    todo = plan[field]
    sel, old, new_all = _new_values(deid, cells, todo, field, rules)
    if not len(sel):
        return data, lines
    suppressed = [i for i, (_, r) in rules.items() if isinstance(r, Suppress)]
    kinds[sel[np.isin(field[sel], suppressed)]] |= 4  # written as null
    return _splice(_JSON, data, old, new_all, ss, se, kinds, sel, 0), lines


# where str.splitlines also ends a line; text holding one goes through the Python path
_OTHER_BREAKS = (
    b"\x0b",
    b"\x0c",
    b"\x1c",
    b"\x1d",
    b"\x1e",
    b"\xc2\x85",
    b"\xe2\x80\xa8",
    b"\xe2\x80\xa9",
)


def deid_lines(data: bytes, deid: Deidentifier) -> tuple[bytes, int] | None:
    """`data` (UTF-8 text) de-identified line by line and its line count, as
    `Deidentifier.text_lines` on `str.splitlines(keepends=True)` does, but with the lines
    as an Arrow array over the file's own bytes (no Python strings); None where the text
    ends lines with something other than LF or CRLF. The caller checked `usable`."""
    import pyarrow as pa

    from tianping.privacy._deid import _BATCH

    if any(b in data for b in _OTHER_BREAKS) or data.count(b"\r") != data.count(b"\r\n"):
        return None
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10) + 1
    if not len(ends) or ends[-1] != len(data):
        ends = np.append(ends, len(data)) if data else ends
    offsets = np.concatenate([np.zeros(1, dtype=np.int64), ends.astype(np.int64)])
    n = len(offsets) - 1
    out = []
    for i in range(0, n, _BATCH):
        k = min(_BATCH, n - i)
        block = pa.LargeStringArray.from_buffers(
            k, pa.py_buffer(np.ascontiguousarray(offsets[i : i + k + 1])), pa.py_buffer(data)
        )
        out.append(deid._splice_block(block)[2])
    new = b"".join(out)
    return (data if new == data else new), n


BLOCK_BYTES = 16 << 20  # files larger than this are de-identified a block at a time


class CsvLayout(NamedTuple):
    """How a CSV file is laid out, as `deid_path` was told (None: find out)."""

    delimiter: str | None
    has_header: bool
    columns: Sequence[str] | None


def deid_blocks(
    src: Path,
    out: Path,
    kind: str,
    deid: Deidentifier,
    layout: CsvLayout,
    on_bytes: Callable[[int], None] | None = None,
) -> int | None:
    """A UTF-8 text, CSV or JSONL file larger than `BLOCK_BYTES` de-identified a block of
    whole records at a time into `out` (through a temporary file, renamed at the end), so
    memory stays bounded by the block, not the file; its record count. None, with nothing
    written, where the whole-file path must decide: a custom detector, rules this path
    declines, UTF-16 or binary data, or a block whose errors the Python path reports by
    line. `on_bytes(n)`: n more input bytes are done, block by block."""
    from tianping.privacy._deid import Declined, atomic_path

    if not usable(deid, kind):
        return None
    try:
        with atomic_path(out) as tmp, src.open("rb") as f, tmp.open("wb") as w:
            records = _blocks(src, f, w, kind, deid, layout, on_bytes)
            if records is None:
                raise Declined
    except Declined:
        return None
    return records


def _blocks(
    src: Path,
    f: Any,
    w: Any,
    kind: str,
    deid: Deidentifier,
    layout: CsvLayout,
    on_bytes: Callable[[int], None] | None,
) -> int | None:
    """`deid_blocks` from the open input `f` to the open output `w`."""
    delimiter, has_header, columns = layout
    from tianping.errors import InputError
    from tianping.privacy._deid import _csv_names, _csv_records, _sniff

    size = src.stat().st_size
    head = f.read(8192)
    if b"\x00" in head or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None  # binary or UTF-16: the whole-file path says so
    bom = b"\xef\xbb\xbf" if head.startswith(b"\xef\xbb\xbf") else b""
    f.seek(len(bom))
    w.write(bom)
    records, carry, offset, block = 0, b"", 0, BLOCK_BYTES
    delim: str | None = None
    names: list[str] | None = None
    while True:
        data = carry + f.read(block)
        final = f.tell() >= size
        # whole lines (all of the data at the end of the file): LF ends text and JSONL lines
        # (a CR LF pair stays whole); a CSV record may also end at a lone CR
        last = (
            max(data.rfind(b"\n"), data.rfind(b"\r"))
            if kind in ("csv", "tsv")
            else data.rfind(b"\n")
        )
        lines_end = len(data) if final else last + 1
        _check_utf8(data[:lines_end], src, offset)
        res: tuple[bytes, int, int] | None
        if kind in ("csv", "tsv"):
            text = "" if names is not None else data[:lines_end].decode("utf-8")
            if delim is None:
                delim = delimiter or ("\t" if kind == "tsv" else _sniff(text))
                if len(delim) != 1 or not delim.isascii() or delim in '"\r\n':
                    return None
            if names is None:
                try:
                    records_in = _csv_records(text, delim, src)
                    names = _csv_names(text, records_in, src, deid.policy, has_header, columns)
                except InputError:
                    if final:
                        raise
                if names is None and not final:  # a header cut by the block: read more
                    carry, block = data, block * 2
                    continue
            first = has_header and offset == 0
            res = deid_csv(data, deid, delim, first, names or [], final)
        else:
            part = data[:lines_end]
            got = deid_jsonl(part, deid) if kind == "jsonl" else deid_lines(part, deid)
            res = None if got is None else (got[0], got[1], lines_end)
        if res is None:
            return None
        new, n, used = res
        if used == 0 and not final:  # one record longer than the block
            carry, block = data, block * 2
            continue
        w.write(new)
        records += n
        if on_bytes is not None:
            on_bytes(used + (len(bom) if offset == 0 else 0))
        carry, offset, block = data[used:], offset + used, BLOCK_BYTES
        if final:
            return records


def _check_utf8(data: bytes, src: Path, offset: int) -> None:
    """Raise the whole-file path's error where `data` is not UTF-8 (checked by Arrow, with
    no Python string built; decoded only to locate the bad byte)."""
    import pyarrow as pa

    from tianping.errors import InputError

    offsets = np.array([0, len(data)], dtype=np.int64)
    try:
        pa.LargeStringArray.from_buffers(1, pa.py_buffer(offsets), pa.py_buffer(data)).validate(
            full=True
        )
        return
    except pa.ArrowInvalid:
        pass
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{src}: not valid utf-8 at byte {offset + exc.start}; if the file is "
            "GBK/GB18030 or UTF-16, pass its encoding (--encoding gb18030)"
        ) from None


def _write_back(
    fmt: int,
    data: bytes,
    deid: Deidentifier,
    vals: bytes,
    offsets: bytes,
    starts: bytes,
    ends: bytes,
    kinds: bytes,
    arg: int,
) -> bytes:
    import pyarrow as pa

    n = len(kinds)
    if n == 0:
        return data
    column = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(vals))
    new = deid.text_column(column)
    assert new is not None  # usable() checked that the kernel runs
    return _splice(fmt, data, column, new, starts, ends, kinds, None, arg)


def _splice(
    fmt: int,
    data: bytes,
    old: Any,
    new: Any,
    starts: Any,
    ends: Any,
    kinds: Any,
    sel: Any,
    arg: int,
) -> bytes:
    """`data` with the cells (those at `sel`, or all) whose `new` value differs from the
    `old` one written over their spans (both large_string arrays, one value per cell)."""
    assert _celltok is not None

    def buffers(arr: Any) -> tuple[Any, Any]:
        _, off, dat = arr.buffers()
        offsets = np.frombuffer(off, dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
        return (dat if dat is not None else b""), np.ascontiguousarray(offsets)

    def cells(a: bytes | Any, dtype: Any) -> Any:
        col = np.frombuffer(a, dtype=dtype) if isinstance(a, bytes) else a
        return np.ascontiguousarray(col if sel is None else col[sel])

    old_data, old_off = buffers(old)
    new_data, new_off = buffers(new)
    out, changed = _celltok.splice(
        fmt,
        data,
        cells(starts, np.int64),
        cells(ends, np.int64),
        cells(kinds, np.uint8),
        old_data,
        old_off,
        new_data,
        new_off,
        0,
        arg,
    )
    return data if changed == 0 else bytes(out)
