"""PI detection accuracy on a hand-written, held-out zh/en corpus, side by side with Presidio.

The generated corpus (`_corpus.py`) is written from templates the rules were built
against, so its precision and recall near 1.0 say little about text a user has. This corpus
(`benchmarks/data/pi_heldout/*.txt`, 617 records in four genres: Chinese commerce,
Chinese judgments and news, Chinese medical/HR/finance forms and prose, English and mixed
text) was written by separate authors who saw the labelling guide, not the rules; values
are marked inline as `⟦TYPE|value⟧` (`tianping scan-eval` reads the same format).

Records alternate between two halves by their place in each file: "dev" (odd places),
whose errors were looked at and fixed, and "test" (even places), which was not inspected;
the gap between the two is the honest estimate of overfitting.

    .venv/bin/python benchmarks/bench_privacy_heldout.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import _table

_row = _table.row
DATA = Path(__file__).resolve().parent / "data" / "pi_heldout"


def load() -> dict[str, list[Any]]:
    """Records of every file, and the dev and test halves."""
    from tianping.privacy._marked import load_marked

    halves: dict[str, list[Any]] = {"all": [], "dev": [], "test": []}
    for path in sorted(DATA.glob("*.txt")):
        recs = load_marked(path)
        halves["all"].extend(recs)
        halves["dev"].extend(recs[0::2])
        halves["test"].extend(recs[1::2])
    return halves


def _presidio_scores(engine: Any, records: list[Any]) -> tuple[float, float, dict[str, float]]:
    """Presidio's overall precision and recall and its recall per type (overlap; an entity
    counts as right when it overlaps a label of a type it stands for)."""
    from bench_privacy_scan import PRESIDIO_MAP, _presidio_recall, _presidio_run

    _, results = _presidio_run(engine, [r.text for r in records])
    right = total = 0
    for rec, found in zip(records, results, strict=True):
        gold = rec.pi_spans()
        for r in found:
            types = PRESIDIO_MAP.get(r.entity_type)
            if types is None:
                continue  # entity kinds we have no type for (URL, NRP…) are left out
            total += 1
            right += any(t in types and s < r.end and r.start < e for s, e, t in gold)
    per_type = _presidio_recall(records, results)
    n_gold = sum(len(r.pi_spans()) for r in records)
    hit = sum(v * sum(1 for r in records for s in r.pi_spans() if s[2] == t)
              for t, v in per_type.items())  # fmt: skip
    return (right / total if total else float("nan")), hit / n_gold, per_type


def bench(quick: bool = False) -> list[dict[str, object]]:
    from tianping.privacy._marked import detection_accuracy

    halves = load()
    reports = {k: detection_accuracy(v) for k, v in halves.items()}
    rows = []
    presidio: dict[str, tuple[float, float, dict[str, float]]] = {}
    try:
        from bench_privacy_scan import _presidio, _spacy_model

        with tempfile.TemporaryDirectory() as tmp:
            presidio["regex"] = _presidio_scores(_presidio(None, Path(tmp)), halves["all"])
            model = _spacy_model()
            if model and not quick:
                presidio[model] = _presidio_scores(_presidio(model, Path(tmp)), halves["all"])
    except ImportError as exc:  # the bench extra is not installed
        rows.append(_row("Presidio", None, "", note=f"not measured: {exc}"))
    for name, rep in reports.items():
        n_gold = sum(t.gold for t in rep.per_type)
        base = presidio.get("regex") if name == "all" else None
        rows.append(
            _row(
                f"held-out corpus, {name} records ({rep.records}): overall recall",
                rep.micro_recall, "recall",
                "Presidio regex-only" if base else "", base[1] if base else None,
                f"precision {rep.micro_precision}; {n_gold} labelled values"
                + (f"; Presidio precision {base[0]:.3f}" if base else ""),
                ratio=(rep.micro_recall or 0) / base[1] if base and base[1] else None,
            )
        )  # fmt: skip
    for model, (p, r, _) in presidio.items():
        if model != "regex":
            rows.append(
                _row(
                    f"held-out corpus, all records: Presidio + spaCy {model}", r, "recall",
                    note=f"precision {p:.3f}",
                )
            )  # fmt: skip
    test = {t.pi_type: t for t in reports["test"].per_type}
    pr = presidio.get("regex", (0.0, 0.0, {}))[2]
    for t in reports["all"].per_type:
        tt = test.get(t.pi_type)
        note = (
            f"precision {t.precision}; exact spans P {t.exact_precision} R {t.exact_recall}; "
            f"gold {t.gold}, found {t.predicted}"
            + (f"; test half: P {tt.precision} R {tt.recall}" if tt else "")
        )
        rows.append(
            _row(
                f"held-out {t.pi_type}", t.recall, "recall",
                "Presidio regex-only" if t.pi_type in pr else "", pr.get(t.pi_type), note,
            )
        )  # fmt: skip
    return rows


if __name__ == "__main__":
    print(_table.markdown_table(bench()))
