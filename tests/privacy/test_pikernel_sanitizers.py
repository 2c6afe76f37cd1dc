"""Memory safety of the compiled PI kernel: an AddressSanitizer + UBSan build, fuzzed.

The kernel is built again with `-fsanitize=address,undefined -DPK_EXACT_ROWS` (each row in
its own allocation, so a read one byte past a row's end is caught) and run in a child
process over random Unicode, the edge-case fragments of test_pikernel.py, the generated
corpus, and every prefix of many of those strings; then it cuts the spans' values, splices
replacements back in (also rule-computed ones), and masks previews of every type. Any
sanitizer report fails the test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "tianping" / "privacy" / "_pikernel.c"

CHILD = r"""
import importlib.util, random, sys
sys.path.insert(0, sys.argv[2])
spec = importlib.util.spec_from_file_location("tianping.privacy._pikernel", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
sys.modules["tianping.privacy._pikernel"] = mod
import pyarrow as pa
from tianping.privacy import _kernel
from tianping.privacy._corpus import generate_size
from tests.privacy.test_pikernel import _fuzz_texts
assert _kernel._kernel is mod
k = _kernel._configure()
rng = random.Random(0)
alphabet = ("0123456789abcdefxXABCDEFGHMPSU@.:-_/ ()+\n\r\t\u00e9\U0001F600"
            "，。年月日王李欧阳先生姓名客户京沪广东省市区路号"
            "０１３８９ＡＸａｚ＠．－（）：\uff5e\uff5f#＃"  # full-width forms, '#' for '@'
            "li#qq.com a#b.cn 110105 19491231 002X 110105-19491231-002x1 "
            + "".join(chr(c) for c in range(0x4E00, 0x4E40)))
texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60))) for _ in range(8000)]
texts += [t for t in _fuzz_texts(1500, 9) if t]
texts += [r.text for r in generate_size(0.1, seed=2)]
texts += ["1" * 5000, "@" * 300, ":" * 300 + "1", "a" * 100 + "@" + "b." * 100, ""]
texts += [t[:cut] for t in texts[8000:8300] for cut in range(40)]
# spelled-out addresses and IDs in groups of four (folded rows), and their prefixes
parts = ["li", "(at)", "[AT]", "{at}", " at ", " dot ", "(dot)", "[dot] ", "\uff08at\uff09",
         "\uff08\uff41\uff54\uff09", "163", ".", "com", "cn", " ", "a", "the", "at)", "at]",
         "at\uff09", "1101 0519 4912 3100 2X", "1101-0519-4912-3100-2x", "1101 0519 4912 31"]
spelled = ["".join(rng.choice(parts) for _ in range(rng.randint(1, 9))) for _ in range(2000)]
texts += spelled + [t[:cut] for t in spelled[:300] for cut in range(len(t))]
arr = pa.array(texts, pa.large_string())
v, o, d = arr.buffers()
r = k.scan(d, o, v, 0, len(arr), (2026, 11, 29), 0.0, (1 << 21) - 2)
import datetime, polars as pl
s = pl.Series("t", texts)
found = _kernel.scan_series(s, min_confidence=0.0, today=datetime.date(2026, 11, 29),
                            types=None, spans_only=True)
values = _kernel.span_values(s, found)
spliced = _kernel.splice(s, found, values.str.to_uppercase())
assert len(spliced) > 0
import numpy as np
rules = [(0, 0, 0, "[X]"), (1, 2, 3, "\u00b7"), (1, 40, 40, "*"), (2, 6, 0, ""), (2, 4, 0, "")]
rule = np.array([i % 6 - 1 for i in range(found.height)], dtype=np.int16)
py_index = np.where(rule == -1, 0, -1)
rd, ro = _kernel.rule_values(arr, found, rule, rules, ["py"], py_index)
_kernel.splice_buffers(arr, found, rd, np.frombuffer(ro, dtype=np.int64))
shown = _kernel.scan_series(s, min_confidence=0.0, today=datetime.date(2026, 11, 29),
                            types=None, previews=True)
assert shown["preview"].null_count() == 0
# every type's preview of every string, whole (each row one span)
lens = np.array([len(x.encode()) for x in texts], dtype=np.int64)
for code in range(1, len(k.TYPES)):
    k.previews(d, o, 0, len(texts), np.arange(len(texts), dtype=np.uint32),
               np.zeros(len(texts), dtype=np.int64), lens,
               np.full(len(texts), code, dtype=np.uint8))
print("scanned", len(texts), "found", len(r[0]) // 4)
"""


def _libasan() -> str | None:
    cc = shutil.which("gcc")
    if cc is None:
        return None
    out = subprocess.run([cc, "-print-file-name=libasan.so"], capture_output=True, text=True)
    path = out.stdout.strip()
    return path if os.path.isabs(path) and os.path.exists(path) else None


def run_sanitized(tmp_path: Path, source: Path, child: str, *args: str, defines: str = "") -> str:
    """Build `source` as an extension with ASan and UBSan, run `child` (given the built
    file and `args`) in a child process with the sanitizer runtime preloaded, and fail on
    any report; the child's stdout."""
    libasan = _libasan()
    if libasan is None:
        pytest.skip("gcc with libasan is not installed: the sanitizer build cannot be made")
    ext = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
    so = tmp_path / f"{source.stem}{ext}"
    build = [
        "gcc", "-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=undefined",
        "-fno-omit-frame-pointer", *defines.split(), "-fPIC", "-shared",
        f"-I{sysconfig.get_paths()['include']}", str(source), "-o", str(so),
    ]  # fmt: skip
    subprocess.run(build, check=True, capture_output=True)
    env = dict(os.environ, LD_PRELOAD=libasan, ASAN_OPTIONS="detect_leaks=0:abort_on_error=1")
    res = subprocess.run(
        [sys.executable, "-c", child, str(so), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    report = res.stderr[-4000:]
    assert res.returncode == 0, report
    assert "runtime error" not in res.stderr and "AddressSanitizer" not in res.stderr, report
    return res.stdout


@pytest.mark.slow
def test_kernel_is_clean_under_address_and_undefined_behaviour_sanitizers(tmp_path: Path) -> None:
    out = run_sanitized(tmp_path, SOURCE, CHILD, str(ROOT), defines="-DPK_EXACT_ROWS")
    assert out.startswith("scanned"), out
