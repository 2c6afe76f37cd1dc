"""Text in images and scanned PDF pages, read by Tesseract OCR when a scan asks for it
(`--ocr`): photos and photocopies of ID cards, signed forms and scanned contracts carry PI
that has no text layer.

Tesseract runs as a separate program (`tesseract`, Debian's `tesseract-ocr` with
`tesseract-ocr-chi-sim` for Chinese; `TIANPING_TESSERACT` names another binary), one image
at a time with a time limit, its output read from stdout; nothing is installed or
downloaded by Tianping. Chinese and English are read together (`chi_sim+eng`) where the
Chinese data is installed. OCR puts spaces between words where Chinese text has none;
a space beside a Chinese character is taken out, so 王 小 明 reads as the name it is and
京 QD90720 as a plate (a real space there, as before a postal code, goes too: word boxes
of Chinese glyphs leave gaps as wide as a space, so they cannot tell).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tianping.errors import InputError
from tianping.privacy._formats import IMAGE_SUFFIXES

__all__ = [
    "IMAGE_SUFFIXES",
    "Word",
    "line_text",
    "ocr_image",
    "ocr_lines",
    "ocr_pdf_pages",
    "tesseract",
]

TIMEOUT_S = 120  # one image; a page scanned at 600 dpi takes a few seconds
# Chinese characters and punctuation, full-width forms: Tesseract puts a space between
# them and anything else where the page has none (收件人 : 赵博, 京 QD90720)
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
_ADVICE = (
    "needs Tesseract OCR: apt-get install tesseract-ocr tesseract-ocr-chi-sim (or set "
    "TIANPING_TESSERACT) / 需安装 Tesseract OCR"
)


def tesseract() -> str | None:
    """The Tesseract binary to run, or None where none is installed."""
    named = os.environ.get("TIANPING_TESSERACT")
    return shutil.which(named) if named else shutil.which("tesseract")


@functools.cache
def _languages(binary: str) -> str:
    """`chi_sim+eng` where the Chinese data is installed, else what is."""
    try:
        out = subprocess.run(
            [binary, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "eng"
    have = {line.strip() for line in out.splitlines()[1:]}
    wanted = [lang for lang in ("chi_sim", "eng") if lang in have]
    return "+".join(wanted) or "eng"


def ocr_image(path: Path) -> list[str]:
    """The lines of text OCR reads in an image file (empty lines left out). InputError
    where no Tesseract is installed or it cannot read the image."""
    return [text for words in ocr_lines(path) if (text := line_text(words)[0].strip())]


def _psm() -> list[str]:
    """Tesseract's page segmentation mode: 4, a column of lines of any size. The default
    (3, full layout analysis) dropped 3 of 28 lines of a scanned form page; on the image
    benchmark 4 raised recall 0.724 -> 0.737 and cut over-redaction 4.9% -> 4.6% (6: 0.733,
    11: 0.673). `TIANPING_OCR_PSM` sets another."""
    return ["--psm", os.environ.get("TIANPING_OCR_PSM", "4")]


def _run(path: Path, *config: str) -> bytes:
    """Tesseract's stdout for one image (`config`: an output format such as `tsv`)."""
    binary = tesseract()
    if binary is None:
        raise InputError(f"{path}: an image; {_ADVICE}")
    try:
        done = subprocess.run(
            [binary, str(path), "stdout", "-l", _languages(binary), *_psm(), *config],
            capture_output=True,
            timeout=TIMEOUT_S,
            check=False,
            # OpenMP threads of one Tesseract spin against each other: an A4 page took 12 s
            # with them and 2.7 s with one thread (measured, 2 cores)
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},
        )
    except subprocess.TimeoutExpired:
        raise InputError(f"{path}: OCR took over {TIMEOUT_S} s; not read / 识别超时") from None
    if done.returncode != 0:  # its stderr names the file and the reason, never the text
        why = done.stderr.decode("utf-8", errors="replace").strip().splitlines()[-1:] or ["?"]
        raise InputError(f"{path}: OCR could not read the image ({why[0][:200]}) / 无法识别")
    return done.stdout


@dataclass(frozen=True)
class Word:
    """A word OCR read: its text and box in pixels (left, top, right, bottom)."""

    text: str
    box: tuple[int, int, int, int]


def ocr_lines(path: Path) -> list[list[Word]]:
    """The lines of an image as OCR reads them, word by word with their boxes (Tesseract's
    TSV output), in the image's upright frame (a phone photo's EXIF orientation applied).
    InputError as for `ocr_image`."""
    with upright(path) as seen:
        out = _run(seen, "tsv").decode("utf-8", errors="replace")
    lines: dict[tuple[str, ...], list[Word]] = {}
    for row in out.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        left, top, width, height = (int(c) for c in cols[6:10])
        key = tuple(cols[1:5])  # page, block, paragraph, line
        lines.setdefault(key, []).append(
            Word(cols[11].strip(), (left, top, left + width, top + height))
        )
    return list(lines.values())


def line_text(words: list[Word]) -> tuple[str, list[int]]:
    """A line's text as `ocr_image` gives it (no space beside a Chinese character) and,
    for each character, the index of its word (-1 for a space between words)."""
    text: list[str] = []
    owner: list[int] = []
    for k, w in enumerate(words):
        # word gaps do not tell: a Chinese glyph's box leaves as wide a gap as a space
        if text and not (_CJK.match(text[-1]) or _CJK.match(w.text[0])):
            text.append(" ")
            owner.append(-1)
        text.extend(w.text)
        owner.extend([k] * len(w.text))
    return "".join(text), owner


@contextmanager
def upright(path: Path) -> Iterator[Path]:
    """`path`, or where its EXIF says the camera was turned (a phone photo of an ID card),
    an upright copy of it: OCR reads pixels as stored, and sideways text reads as nothing."""
    try:
        from PIL import Image, ImageOps
    except ImportError:
        yield path
        return
    from tianping.privacy._formats import IMAGE_ERRORS

    try:
        with Image.open(path) as img:
            turned = img.getexif().get(0x0112, 1) not in (0, 1)
    except IMAGE_ERRORS:
        turned = False  # Tesseract says what is wrong with it
    if not turned:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="tianping-ocr-") as tmp:
        copy = Path(tmp) / "upright.png"
        with Image.open(path) as img:
            ImageOps.exif_transpose(img).save(copy)
        yield copy


_MIN_PIXELS = 16  # fewer pixels each way than a line of readable text


Box = tuple[int, int, int, int]


def ocr_pdf_pages(
    pages: Iterable[tuple[int, object]], where: str, faces: bool = False, workers: int = 0
) -> Generator[tuple[int, list[str], list[Box]]]:
    """(number, lines, faces) for each (number, pypdf page), in order: the lines OCR reads
    in the page's pictures (a scanned page is one picture) and what their QR codes hold;
    with `faces` and OpenCV, the faces in them (boxes in each picture's pixels). Pictures
    are taken out of the PDF here, page by page; Tesseract reads `workers` pages at once
    (default: the cores, at most 4), a few pages ahead of the one handed back."""
    from collections import deque
    from concurrent.futures import Future, ThreadPoolExecutor

    n = workers or min(4, os.cpu_count() or 1)
    with tempfile.TemporaryDirectory(prefix="tianping-ocr-") as tmp, ThreadPoolExecutor(n) as pool:
        pending: deque[tuple[int, Future[tuple[list[str], list[Box]]]]] = deque()
        for number, page in pages:
            folder = Path(tmp) / str(number)
            folder.mkdir()
            pictures = _pictures(page, folder, f"{where} page {number}")
            pending.append((number, pool.submit(_read_pictures, pictures, faces)))
            while len(pending) > n:
                k, done = pending.popleft()
                yield k, *done.result()
        while pending:
            k, done = pending.popleft()
            yield k, *done.result()


def _pictures(page: object, folder: Path, where: str) -> list[tuple[Path, str, Any]]:
    """A page's pictures written to `folder`: (file, name for messages, Pillow image)."""
    try:
        images = list(getattr(page, "images", []))
    except ImportError:  # pypdf decodes some image filters with Pillow
        raise InputError(f"{where}: reading its images needs Pillow (pip install pillow)") from None
    out = []
    for k, image in enumerate(images):
        pil = getattr(image, "image", None)
        if pil is not None and min(pil.size) < _MIN_PIXELS:  # an icon, a rule, a dot
            continue
        name = Path(getattr(image, "name", "") or f"image{k}.png").name
        target = folder / f"{k}-{name}"
        target.write_bytes(image.data)
        out.append((target, f"{where} image {k + 1}", pil))
    return out


def _read_pictures(
    pictures: list[tuple[Path, str, Any]], faces: bool
) -> tuple[list[str], list[Box]]:
    from tianping.privacy._faces import available

    lines: list[str] = []
    boxes: list[Box] = []
    vision = available()
    for target, label, pil in pictures:
        if vision and pil is not None:
            from tianping.privacy._codes import codes_in_image, readable
            from tianping.privacy._faces import faces_in_image

            if faces:
                boxes += faces_in_image(pil)
            lines += [line for text, _ in codes_in_image(pil) for line in readable(text)]
        try:
            lines += ocr_image(target)
        except InputError as exc:  # named by the page, not the temporary file
            raise InputError(exc.message.replace(str(target), label)) from None
        target.unlink()
    return lines, boxes
