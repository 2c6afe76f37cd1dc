"""Memory safety of the CSV/JSONL cell tokenizer: an AddressSanitizer + UBSan build, fuzzed.

`_celltok.c` parses files a user hands over, so it is built again with
`-fsanitize=address,undefined` and run in a child process over random CSV and JSON-ish
bytes (quotes, escapes, \\u escapes and surrogates, line ends, cut at every length), each
input in its own exact-size allocation so a read one byte past the end is caught; the cells
found are then written back with random new values in both formats, and the same bytes are
split into lines. Any sanitizer report fails the test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.privacy.test_pikernel_sanitizers import run_sanitized

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "tianping" / "privacy" / "_celltok.c"

CHILD = r"""
import importlib.util, random, sys
import numpy as np
import pyarrow as pa
spec = importlib.util.spec_from_file_location("tianping.privacy._celltok", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
rng = random.Random(3)
parts = ['"', '""', '{"k": ', ', "m": ', '"\\u006b": ',
         "\\", '\\"', "\\u", "\\ud83d", "\\ude00", "\\u624b", "\\n", ",", "\t",
         "\n", "\r\n", "\r", " ", "{", "}", "[", "]", ":", "1", "-", "0.5e", "true", "nul",
         "手机13812345678", "é", "\U0001F600", "\x07", "a"]
docs = ["".join(rng.choice(parts) for _ in range(rng.randint(0, 40))) for _ in range(4000)]
docs += ['{"a": "x\\u624b", "b": ["13812345678", {"c": "\\ud83d\\ude00"}]}\n' * 3,
         'a,b\n"x""y",  z  \n"open']
docs += [d[:cut] for d in docs[:300] for cut in range(len(d))]
def exact(b):  # an allocation of exactly len(b) bytes
    return np.frombuffer(b, dtype=np.uint8).copy() if b else np.zeros(0, np.uint8)
def new_values(n):
    vals = ["".join(rng.choice(parts) for _ in range(rng.randint(0, 4))) for _ in range(n)]
    arr = pa.array(vals, pa.large_string())
    return arr.buffers()[2] or b"", arr.buffers()[1]
cells = 0
for d in docs:
    data = d.encode("utf-8", "surrogatepass")
    for delim in (44, 9):
        got = mod.csv_cells(exact(data), delim, delim == 9)  # tabs: a block, not the whole
        vals, voff, ss, se, kind, rec, fld, records, err, used = got
        n = len(kind)
        cells += n
        if err < 0:
            nd, no = new_values(n)
            mod.splice(0, exact(data), ss, se, kind, exact(vals), voff, nd, no, 0, delim)
    found = mod.json_values(exact(data))
    if found is not None:
        vals, voff, ss, se, flag, lines = found
        nd, no = new_values(len(flag))
        mod.splice(1, exact(data), ss, se, flag, exact(vals), voff, nd, no, 0, 0)
    found = mod.json_values(exact(data), True)  # with top-level keys and numbers
    if found is not None:
        vals, voff, ss, se, flag, key, keys, koff, lines = found
        nd, no = new_values(len(flag))
        flag = bytes(f | (4 if i % 3 == 0 else 0) for i, f in enumerate(flag))  # some nulls
        mod.splice(1, exact(data), ss, se, flag, exact(vals), voff, nd, no, 0, 0)
    for k in (0, 3, 1 << 20):  # lines of any bytes stay in bounds (UTF-8 is the caller's)
        views = mod.lines(exact(data), k)
        assert views is None or len(views) % 16 == 0
print("tokenized", len(docs), "cells", cells)
"""


@pytest.mark.slow
def test_cell_tokenizer_is_clean_under_sanitizers(tmp_path: Path) -> None:
    out = run_sanitized(tmp_path, SOURCE, CHILD)
    assert out.startswith("tokenized"), out
