"""GenAI judges: keyword-library load time, keyword screening and refusal-detection throughput.

Goal (issue 7): a >= 10,000-keyword library (TC260-003 §8.1) loads in under a second.
Baselines in the same process: one compiled regular-expression alternation of all keywords
(Python `re`), and the naive loop `[k for k in keywords if k in text]`.

    .venv/bin/python benchmarks/bench_genai_judges.py [--quick]
"""

from __future__ import annotations

import random
import re
import tempfile
from pathlib import Path

import _table
from _timing import median_time

_CODES = [f"A.1.{c}" for c in "abcdefgh"] + [f"A.2.{c}" for c in "abcdefghi"]


def _compile(keywords: list[str]) -> re.Pattern[str]:
    re.purge()  # `re` caches compiled patterns: measure a real compile
    return re.compile("|".join(map(re.escape, keywords)))


def _keywords(n: int, rng: random.Random) -> list[str]:
    words: set[str] = set()
    while len(words) < n:
        if rng.random() < 0.8:
            words.add("".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(rng.randint(2, 6))))
        else:
            words.add(
                " ".join(
                    rng.choice(["ban", "hate", "fake", "riot", "scam", "leak", "cult"])
                    + str(rng.randint(0, 99999))
                    for _ in range(2)
                )
            )
    return sorted(words)


def _texts(n: int, keywords: list[str], rng: random.Random) -> list[str]:
    out = []
    for i in range(n):
        body = "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(280))
        if i % 10 == 0:  # one answer in ten holds a keyword
            k = rng.choice(keywords)
            cut = rng.randint(0, len(body))
            body = body[:cut] + k + body[cut:]
        out.append(body)
    return out


def _row(
    name: str,
    ours: float,
    unit: str,
    baseline: str,
    base: float | None,
    better_low: bool,
    note: str,
) -> dict[str, object]:
    ratio = None
    if base is not None and ours > 0:
        ratio = round(base / ours, 2) if better_low else round(ours / base, 2)
    return {
        "name": name,
        "ours": round(ours, 4),
        "unit": unit,
        "baseline": baseline,
        "baseline_value": None if base is None else round(base, 4),
        "ratio": ratio,
        "note": note,
    }


def bench(quick: bool = False) -> list[dict[str, object]]:
    from tianping.genai._judges import KeywordScreener, RefusalDetector

    rng = random.Random(20240229)
    repeats = 3 if quick else 5
    sizes = [10_000] if quick else [10_000, 50_000]
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as d:
        for n in sizes:
            kws = _keywords(n, rng)
            path = Path(d) / f"kw{n}.tsv"
            path.write_text(
                "".join(f"{k}\t{_CODES[i % 17]}\n" for i, k in enumerate(kws)), encoding="utf-8"
            )
            t_load = median_time(lambda p=path: KeywordScreener.from_file(p), repeats)  # type: ignore[misc]
            t_re = median_time(lambda k=kws: _compile(k), repeats)  # type: ignore[misc]
            rows.append(
                _row(
                    f"load a {n:,}-keyword library (file -> automaton)",
                    t_load,
                    "s",
                    "compile one `re` alternation (no file read)",
                    t_re,
                    True,
                    "goal < 1 s at 10,000 (TC260-003 §8.1)" if n == 10_000 else "",
                )
            )
        kws = _keywords(10_000, rng)
        screener = KeywordScreener((k, None) for k in kws)
        pattern = re.compile("|".join(map(re.escape, kws)))
        texts = _texts(500 if quick else 2_000, kws, rng)
        t_ours = median_time(lambda: [screener.screen(t) for t in texts], repeats)
        t_re = median_time(lambda: [pattern.findall(t) for t in texts], repeats)
        rows.append(
            _row(
                "screen 300-char answers, 10,000 keywords",
                len(texts) / t_ours,
                "answers/s",
                "`re` alternation findall",
                len(texts) / t_re,
                False,
                "NFKC + zero-width stripping included in ours",
            )
        )
        few = texts[: 50 if quick else 200]
        t_naive = median_time(lambda: [[k for k in kws if k in t] for t in few], 1)
        rows.append(
            _row(
                "screen 300-char answers, 10,000 keywords (vs naive loop)",
                len(texts) / t_ours,
                "answers/s",
                "`k in text` for every keyword",
                len(few) / t_naive,
                False,
                "",
            )
        )
        det = RefusalDetector()
        answers = [t[:200] for t in texts]
        answers[::3] = ["抱歉，我不能提供这方面的帮助。" + t[:100] for t in answers[::3]]
        t_det = median_time(lambda: det.refusals(answers), repeats)
        rows.append(
            _row(
                "refusal detection (zh/en patterns)",
                len(answers) / t_det,
                "answers/s",
                "",
                None,
                False,
                "first 160 normalised characters",
            )
        )
    return rows


if __name__ == "__main__":
    _table.main(bench)
