"""Text in images and scanned PDF pages, read by Tesseract OCR when a scan asks for it
(`--ocr`): photos and photocopies of ID cards, signed forms and scanned contracts carry PI
that has no text layer.

Tesseract runs as a separate program (`tesseract`, Debian's `tesseract-ocr` with
`tesseract-ocr-chi-sim` for Chinese; `TIANPING_TESSERACT` names another binary), one image
at a time with a time limit, its output read from stdout; nothing is installed or
downloaded by Tianping. Chinese and English are read together (`chi_sim+eng`) where the
Chinese data is installed. OCR puts spaces between Chinese characters now and then; those
are taken out, so 王 小 明 reads as the name it is.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tianping.errors import InputError
from tianping.privacy._formats import IMAGE_SUFFIXES

__all__ = ["IMAGE_SUFFIXES", "ocr_image", "ocr_pdf_images", "tesseract"]

TIMEOUT_S = 120  # one image; a page scanned at 600 dpi takes a few seconds
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff\uff00-\uffef]) +(?=[\u3400-\u9fff\uff00-\uffef])")
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
    binary = tesseract()
    if binary is None:
        raise InputError(f"{path}: an image; {_ADVICE}")
    try:
        done = subprocess.run(
            [binary, str(path), "stdout", "-l", _languages(binary)],
            capture_output=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise InputError(f"{path}: OCR took over {TIMEOUT_S} s; not read / 识别超时") from None
    if done.returncode != 0:  # its stderr names the file and the reason, never the text
        why = done.stderr.decode("utf-8", errors="replace").strip().splitlines()[-1:] or ["?"]
        raise InputError(f"{path}: OCR could not read the image ({why[0][:200]}) / 无法识别")
    text = done.stdout.decode("utf-8", errors="replace")
    lines = (_CJK_GAP.sub("", line).strip() for line in text.splitlines())
    return [line for line in lines if line]


def ocr_pdf_images(page: object, where: str) -> Iterator[str]:
    """The lines OCR reads in the images of one pypdf page (a scanned page is one image)."""
    try:
        images = list(getattr(page, "images", []))
    except ImportError:  # pypdf decodes some image filters with Pillow
        raise InputError(f"{where}: reading its images needs Pillow (pip install pillow)") from None
    with tempfile.TemporaryDirectory(prefix="tianping-ocr-") as tmp:
        for k, image in enumerate(images):
            name = Path(getattr(image, "name", "") or f"image{k}.png").name
            target = Path(tmp) / f"{k}-{name}"
            target.write_bytes(image.data)
            try:
                yield from ocr_image(target)
            except InputError as exc:  # named by the page, not the temporary file
                raise InputError(
                    exc.message.replace(str(target), f"{where} image {k + 1}")
                ) from None
