"""Images: PI redaction by OCR, side by side with Presidio's image redactor.

Forms rendered from the labelled zh/en corpus (four records an image, WenQuanYi Micro Hei
at 28 px, as a scanned form or a screenshot shows them); both tools run Tesseract on the
same images, Presidio with the analyzer of the scan benchmark and `chi_sim+eng`, so the
OCR is the same and the difference is what each finds in it. The text is drawn here, so
the pixel box of every labelled value and every other character is known: recall is the
share of values whose box ends up filled, over-redaction the share of other characters
whose box does; time is per image, one core, median of the images.

    .venv/bin/python benchmarks/bench_privacy_ocr.py [--quick]

Needs tesseract-ocr, tesseract-ocr-chi-sim and fonts-wqy-microhei (Debian), and
presidio-image-redactor for the baseline row.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import _table

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


_row = _table.row


Box = tuple[int, int, int, int]


def _images(n: int, tmp: Path) -> list[tuple[Path, list[Box], list[Box]]]:
    """`n` form images, each with the pixel boxes of its labelled values and of its other
    characters (known exactly: the text is drawn here)."""
    from PIL import Image, ImageDraw, ImageFont

    from tianping.privacy._corpus import generate

    records = [r for r in generate(n * 40, seed=7) if r.pi_spans() and len(r.text) < 60]
    assert len(records) >= 4 * n, "too few short records"
    font = ImageFont.truetype(str(FONT), 28)
    out = []
    for k in range(n):
        group = records[4 * k : 4 * k + 4]
        img = Image.new("L", (1300, 60 * len(group) + 40), 255)
        draw = ImageDraw.Draw(img)
        values: list[Box] = []
        others: list[Box] = []
        for i, r in enumerate(group):
            x, y = 20, 20 + 60 * i
            draw.text((x, y), r.text, fill=0, font=font)

            def box(a: int, b: int, r: Any = r, x: int = x, y: int = y, d: Any = draw) -> Box:
                """The ink box of characters a..b (their own top and bottom)."""
                x0 = x + d.textlength(r.text[:a], font=font)
                _, top, _, bottom = d.textbbox((x0, y), r.text[a:b], font=font)
                x1 = x + d.textlength(r.text[:b], font=font)
                return (int(x0) + 1, top, int(x1) - 1, bottom)

            spans = sorted((s, e) for s, e, _ in r.pi_spans())
            values += [box(s, e) for s, e in spans]
            inside = {c for s, e in spans for c in range(s, e)}
            others += [
                box(c, c + 1)
                for c, ch in enumerate(r.text)
                if c not in inside and not ch.isspace() and ch not in "，。：:,."
            ]
        path = tmp / f"form{k}.png"
        img.save(path)
        out.append((path, values, others))
    return out


def _covered(img: Any, b: Box) -> bool:
    """Whether a box is filled: nine in ten of its pixels dark (text alone is about a
    quarter)."""
    region = img.crop(b)
    dark = sum(region.histogram()[:64])
    return dark >= 0.9 * region.size[0] * region.size[1]


def _scores(pairs: list[tuple[Path, list[Box], list[Box]]]) -> tuple[float, float]:
    """(labelled values covered, other characters covered), over all images."""
    from PIL import Image

    hit = n = over = m = 0
    for after, values, others in pairs:
        img = Image.open(after).convert("L")
        hit += sum(_covered(img, b) for b in values)
        n += len(values)
        over += sum(_covered(img, b) for b in others)
        m += len(others)
    return hit / n, over / m


def _presidio(tmp: Path) -> Any:
    """Presidio's image redactor over the analyzer the scan benchmark uses (the spaCy
    en_core_web_sm model where installed, else regex recognizers only)."""
    try:
        from presidio_image_redactor import ImageAnalyzerEngine, ImageRedactorEngine
    except ImportError:
        return None
    from bench_privacy_scan import _presidio as analyzer
    from bench_privacy_scan import _spacy_model

    return ImageRedactorEngine(ImageAnalyzerEngine(analyzer_engine=analyzer(_spacy_model(), tmp)))


def bench(quick: bool = False) -> list[dict[str, object]]:
    from tianping.privacy._deid import deid_path
    from tianping.privacy._policy import parse_policy

    if shutil.which("tesseract") is None or not FONT.exists():
        return [_row("image redaction", None, "s/image", note="Tesseract not installed")]
    n = 4 if quick else 24
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # Tesseract on one core
    pol = parse_policy("types:\n  '*': {action: redact}\n")
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        images = _images(n, tmp)
        ours: list[float] = []
        pairs = []
        for k, (src, values, others) in enumerate(images):
            out = tmp / f"ours{k}.png"
            t0 = time.perf_counter()
            deid_path(src, out, pol)
            ours.append(time.perf_counter() - t0)
            pairs.append((out, values, others))
        our_recall, our_over = _scores(pairs)
        engine = _presidio(tmp)
        theirs: list[float] = []
        their_recall = their_over = float("nan")
        if engine is not None:
            from PIL import Image

            pairs = []
            for k, (src, values, others) in enumerate(images):
                out = tmp / f"presidio{k}.png"
                t0 = time.perf_counter()
                shown = engine.redact(
                    Image.open(src), fill=(0,), ocr_kwargs={"lang": "chi_sim+eng"}
                )
                shown.save(out)
                theirs.append(time.perf_counter() - t0)
                pairs.append((out, values, others))
            their_recall, their_over = _scores(pairs)
        ours_s = statistics.median(ours)
        theirs_s = statistics.median(theirs) if theirs else None
        rows.append(
            _row(
                f"image redaction, {n} forms of 4 zh/en records (time per image, 1 core)",
                ours_s,
                "s/image",
                "Presidio image redactor, same Tesseract",
                theirs_s,
                "ours runs OCR twice: to redact, then to check what is still readable",
                ratio=None if theirs_s is None else theirs_s / ours_s,
            )
        )
        rows.append(
            _row(
                "labelled values covered by a box (recall)",
                our_recall,
                "share",
                "Presidio image redactor",
                their_recall,
                "a value's pixel box (known: the text is drawn here) nine tenths dark; "
                "Presidio has no mainland recognizers",
                ratio=None,
            )
        )
        rows.append(
            _row(
                "other characters covered (over-redaction)",
                our_over,
                "share",
                "Presidio image redactor",
                their_over,
                "labels and prose around the values: less is better",
                ratio=None,
            )
        )
    return rows


if __name__ == "__main__":
    _table.main(bench, __doc__)
