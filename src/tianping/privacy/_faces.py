"""Faces in images: a photographed ID card, a staff photo, a scanned application form.

A face image is biometric information, sensitive under PIPL Art. 28, and OCR cannot see
it. Faces are found with OpenCV's Haar cascades (the frontal and profile models that ship
inside opencv-python-headless, `tianping[images]`; no download, CPU only): Viola-Jones
detection, which finds upright faces of about 24 pixels and up and misses faces turned
far away, covered or drawn; a box must be mostly mid tones, as a photograph is (text
sometimes looks like a face to the cascades), so a face in a black-and-white (1-bit) scan
is missed too. The image is read upright (EXIF orientation applied) as OCR
reads it, so boxes land where a viewer sees the face.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path
from typing import Any

__all__ = ["FACES_ADVICE", "available", "faces_in", "faces_in_image"]

FACES_ADVICE = (
    "faces and QR codes not checked: install tianping[images] (OpenCV) / "
    "未检测人脸与二维码：需安装 tianping[images]"
)
_MIN_SIDE = 24  # pixels: the cascades' own window
_MAX_SIDE = 1000  # pixels: larger images are searched scaled down (10 MP: 1.6 -> 0.7 s)
_MID_TONES = 0.3  # share of grey pixels (not near black or white) a face's box must have


@functools.cache
def available() -> bool:
    """Whether OpenCV is installed (the `images` extra)."""
    try:
        import cv2  # noqa: F401
    except ImportError:
        return False
    return True


_LOCAL = threading.local()  # a classifier is not safe to share between threads


def _cascades() -> tuple[Any, Any]:
    """This thread's frontal and profile classifiers (loaded once a thread)."""
    found: tuple[Any, Any] | None = getattr(_LOCAL, "cascades", None)
    if found is None:
        found = _LOCAL.cascades = _load()
    return found


def _load() -> tuple[Any, Any]:
    import cv2

    root = Path(cv2.data.haarcascades)  # type: ignore[attr-defined]
    frontal = cv2.CascadeClassifier(str(root / "haarcascade_frontalface_default.xml"))
    profile = cv2.CascadeClassifier(str(root / "haarcascade_profileface.xml"))
    if frontal.empty() or profile.empty():
        raise RuntimeError(f"OpenCV's face models are missing under {root}")
    return frontal, profile


def faces_in(path: Path) -> list[tuple[int, int, int, int]]:
    """The faces in the image at `path`, as boxes (left, top, right, bottom) in pixels of
    the upright image."""
    from PIL import Image, ImageOps

    with Image.open(path) as img:
        return faces_in_image(ImageOps.exif_transpose(img))


def faces_in_image(img: Any) -> list[tuple[int, int, int, int]]:
    """The faces in a Pillow image, as `faces_in` gives them."""
    import numpy as np

    gray = np.asarray(img.convert("L"))
    if min(gray.shape) < _MIN_SIDE:
        return []
    scale = min(1.0, _MAX_SIDE / max(gray.shape))
    if scale < 1.0:  # a phone photo: faces are a fortieth of it or more, found smaller
        import cv2

        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    side = max(_MIN_SIDE, min(gray.shape) // 40)  # smaller than this is noise, not a face
    found: list[tuple[int, int, int, int]] = []
    for x0, y0, x1, y1 in _photo_regions(gray, side):
        found += [(x + x0, y + y0, w, h) for x, y, w, h in _detect(gray[y0:y1, x0:x1], side)]
    # the cascades see faces in lines of text now and then; a photograph is mostly mid
    # tones where rendered text is black on white (measured: 0.79-0.82 against 0.07-0.09)
    kept = [(x, y, w, h) for x, y, w, h in found if _photographic(gray[y : y + h, x : x + w])]
    boxes = [(x / scale, y / scale, (x + w) / scale, (y + h) / scale) for x, y, w, h in kept]
    return _merged([(int(a), int(b), int(c + 0.999), int(d + 0.999)) for a, b, c, d in boxes])


def _photo_regions(gray: Any, side: int) -> list[tuple[int, int, int, int]]:
    """The parts of an image worth a face search: runs of 16-pixel blocks that are mostly
    mid tones, joined, with a block of margin (a page of text has few; the cascades cost
    about a second on a text page at 150 dpi and a hundredth on its photo regions)."""
    import cv2
    import numpy as np

    height, width = gray.shape
    block = 16
    mid = ((gray > 40) & (gray < 215)).astype(np.uint8) * 255
    share = cv2.resize(mid, (max(1, width // block), max(1, height // block)),
                       interpolation=cv2.INTER_AREA)  # fmt: skip
    mask = (share >= _MID_TONES * 255).astype(np.uint8)
    mask = cv2.dilate(mask, np.ones((3, 3), np.uint8))  # a face's dark hair, a white collar
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    sx, sy = width / mask.shape[1], height / mask.shape[0]
    out = []
    for x, y, w, h, _area in stats[1:n]:
        x0, y0 = max(0, int((x - 1) * sx)), max(0, int((y - 1) * sy))
        x1, y1 = min(width, int((x + w + 1) * sx)), min(height, int((y + h + 1) * sy))
        if x1 - x0 >= side and y1 - y0 >= side:
            out.append((x0, y0, x1, y1))
    return out


def _detect(gray: Any, side: int) -> list[tuple[int, int, int, int]]:
    """(x, y, w, h) of the frontal faces and of the profiles facing either way."""
    import cv2

    frontal, profile = _cascades()
    found = [
        (int(x), int(y), int(w), int(h))
        for x, y, w, h in frontal.detectMultiScale(
            gray, scaleFactor=1.1, minNeighbors=6, minSize=(side, side)
        )
    ]
    width = gray.shape[1]
    for flipped, g in ((False, gray), (True, cv2.flip(gray, 1))):
        for x, y, w, h in profile.detectMultiScale(
            g, scaleFactor=1.1, minNeighbors=6, minSize=(side, side)
        ):
            found.append((width - int(x) - int(w) if flipped else int(x), int(y), int(w), int(h)))
    return found


def _photographic(region: Any) -> bool:
    return bool(((region > 40) & (region < 215)).mean() >= _MID_TONES)


def _merged(boxes: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """One box per face: boxes that overlap by more than a third of the smaller are one."""
    out: list[tuple[int, int, int, int]] = []
    for box in sorted(boxes, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]), reverse=True):
        for k, kept in enumerate(out):
            iw = min(box[2], kept[2]) - max(box[0], kept[0])
            ih = min(box[3], kept[3]) - max(box[1], kept[1])
            small = min(
                (box[2] - box[0]) * (box[3] - box[1]), (kept[2] - kept[0]) * (kept[3] - kept[1])
            )
            if iw > 0 and ih > 0 and iw * ih * 3 > small:
                out[k] = (min(box[0], kept[0]), min(box[1], kept[1]),
                          max(box[2], kept[2]), max(box[3], kept[3]))  # fmt: skip
                break
        else:
            out.append(box)
    return sorted(out)
