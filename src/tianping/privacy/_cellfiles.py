"""De-identification of whole CSV and JSON Lines files through the compiled tokenizer.

With only `types` rules (detection everywhere, no column rules) a file's cells are one
Arrow column: `_celltok.c` finds them (CSV cells without padding and quotes unescaped; JSON
string values decoded, keys left out), `Deidentifier.text_column` detects and replaces PI
in all of them through the compiled kernel, and `_celltok.splice` writes each changed cell
back over its own bytes, quoted or escaped as before. The bytes written and the counts are
those of the Python tokenizers in `_deid.py` (tested), which still take every file this
path declines: column rules, a custom detector, no compiled kernel or tokenizer, a
delimiter that is not one ASCII byte, and any file whose errors the Python path reports
with their line.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from tianping.privacy import _kernel

if TYPE_CHECKING:
    from tianping.privacy._deid import Deidentifier

_celltok: ModuleType | None
try:
    _celltok = importlib.import_module("tianping.privacy._celltok")
except ImportError:  # built without a C compiler: the Python tokenizers do the work
    _celltok = None

_CSV, _JSON = 0, 1


def usable(deid: Deidentifier) -> bool:
    """Whether this path can take files for `deid`: only `types` rules, the default
    detector, and both compiled parts built."""
    policy = deid.policy
    return (
        _celltok is not None
        and deid._detector is None
        and not policy.columns
        and policy.detect_unlisted
        and _kernel.wanted(None)
    )


def deid_csv(
    data: bytes, deid: Deidentifier, delim: str, has_header: bool
) -> tuple[bytes, int] | None:
    """`data` (UTF-8 CSV) de-identified and its record count (header excluded), or None
    where the Python tokenizer must take the file."""
    assert _celltok is not None
    if len(delim) != 1 or not delim.isascii() or delim in '"\r\n':
        return None
    vals, voff, ss, se, kind, rec, records, err_at = _celltok.csv_cells(data, ord(delim))
    if err_at >= 0:
        return None  # an unterminated quote: the Python path reports its line
    offsets = np.frombuffer(voff, dtype=np.int64)
    starts = np.frombuffer(ss, dtype=np.int64)
    ends = np.frombuffer(se, dtype=np.int64)
    kinds = np.frombuffer(kind, dtype=np.uint8)
    if has_header:
        if records == 0:
            return data, 0
        first = int(np.searchsorted(np.frombuffer(rec, dtype=np.int64), 1))  # past record 0
        offsets, starts, ends, kinds = offsets[first:], starts[first:], ends[first:], kinds[first:]
        records -= 1
    return _write_back(_CSV, data, deid, vals, offsets, starts, ends, kinds, ord(delim)), records


def deid_jsonl(data: bytes, deid: Deidentifier) -> tuple[bytes, int] | None:
    """`data` (UTF-8 JSON Lines) de-identified and its count of non-blank lines, or None
    where the Python tokenizer must take the file (it reports invalid lines)."""
    assert _celltok is not None
    found = _celltok.json_values(data)
    if found is None:
        return None
    vals, voff, ss, se, ascii_, lines = found
    return (
        _write_back(
            _JSON,
            data,
            deid,
            vals,
            np.frombuffer(voff, dtype=np.int64),
            np.frombuffer(ss, dtype=np.int64),
            np.frombuffer(se, dtype=np.int64),
            np.frombuffer(ascii_, dtype=np.uint8),
            0,
        ),
        lines,
    )


def _write_back(
    fmt: int,
    data: bytes,
    deid: Deidentifier,
    vals: bytes,
    offsets: Any,
    starts: Any,
    ends: Any,
    kinds: Any,
    arg: int,
) -> bytes:
    import pyarrow as pa

    assert _celltok is not None
    n = len(kinds)
    if n == 0:
        return data
    column = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(vals))
    new = deid.text_column(column)
    assert new is not None  # usable() checked that the kernel runs
    _, new_offsets, new_data = new.buffers()
    out, changed = _celltok.splice(
        fmt,
        data,
        np.ascontiguousarray(starts),
        np.ascontiguousarray(ends),
        np.ascontiguousarray(kinds),
        vals,
        np.ascontiguousarray(offsets),
        new_data if new_data is not None else b"",
        new_offsets,
        new.offset,
        arg,
    )
    return data if changed == 0 else bytes(out)
