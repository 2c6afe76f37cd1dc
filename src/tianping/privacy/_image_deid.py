"""De-identification of images (a photo of an ID card, a scanned form): the text OCR reads
is checked as any text is, and each value a rule acts on is covered by a filled box over
the characters it spans; an image can hold no replacement text, so every rule but `keep`
redacts. The image keeps its format, size and mode; its metadata is kept except what
locates or names a person (EXIF GPS, and the owner, artist and camera serial tags). A
photo whose EXIF says the camera was turned is read, redacted and written upright (its
orientation tag dropped), so it shows as before.

Boxes come from Tesseract's word boxes (`_ocr.py`): a value that is part of a word covers
that part of it, in proportion to its characters, with a small margin. Faces (biometric,
PIPL Art. 28: the photo on an ID card) are found by OpenCV where `tianping[images]` is
installed (`_faces.py`) and covered whole, counted as `face_image`; so is a QR code whose
text holds PI (a vCard: `_codes.py`), counted by what it holds. What neither reads
(handwriting, a face turned away) is not found; the report says so, and a scan of the
result checks what OCR and the face detector still find.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from tianping.errors import InputError
from tianping.privacy._ocr import Word, line_text, ocr_lines

if TYPE_CHECKING:
    from tianping.privacy._deid import Deidentifier

__all__ = ["deid_image"]

_MARGIN = 2  # pixels around each box: anti-aliased edges of glyphs
# EXIF tags that name or locate someone: GPS, artist, copyright owner, camera owner/serial
_EXIF_DROP = (0x8825, 0x013B, 0x8298, 0x9C9D)  # IFD0: GPS, artist, copyright, XP author
_EXIF_IFD_DROP = (0xA430, 0xA431)  # Exif IFD: camera owner, body serial number


def deid_image(src: Path, tmp: Path, deid: Deidentifier, read_text: bool = True) -> int:
    """`src` with a box over each value a rule acts on (and each face, where OpenCV is
    installed), written to `tmp` in its format; the number of text lines OCR read
    (without `read_text`, faces only: Tesseract is not run)."""
    try:
        from PIL import Image, ImageDraw, ImageOps
    except ImportError:
        raise InputError(
            f"{src}: de-identifying images needs Pillow (pip install pillow)"
        ) from None
    from tianping.privacy._formats import IMAGE_ERRORS

    try:
        with Image.open(src) as probe:
            frames = int(getattr(probe, "n_frames", 1))
    except IMAGE_ERRORS as exc:
        raise InputError(f"{src}: not a readable image ({type(exc).__name__})") from None
    if frames > 1:  # saving would keep the first frame only
        raise InputError(
            f"{src}: an image of {frames} frames or pages; split it into single "
            "images first / 多页或多帧图片请先拆分"
        )
    lines = ocr_lines(src) if read_text else []
    texts = [line_text(words) for words in lines]
    deid.prefetch(t for t, _ in texts)
    boxes: list[tuple[int, int, int, int]] = []
    for words, (text, owner) in zip(lines, texts, strict=True):
        for start, end, _ in deid.replacements(text):
            boxes += _boxes(words, owner, start, end)
    img: Any
    try:
        img = Image.open(src)
        img.load()
    except IMAGE_ERRORS as exc:
        raise InputError(f"{src}: not a readable image ({type(exc).__name__})") from None
    if img.getexif().get(0x0112, 1) not in (0, 1):  # OCR read it upright: drawn, saved so
        fmt_before = img.format
        img = ImageOps.exif_transpose(img)
        img.format = fmt_before
    fmt = img.format or src.suffix.lstrip(".").upper()
    boxes += _face_boxes(img, deid) + _code_boxes(img, deid)
    if boxes:
        draw = ImageDraw.Draw(img)
        if img.mode == "P":
            img = img.convert("RGBA" if "transparency" in img.info else "RGB")
            draw = ImageDraw.Draw(img)
        # black, opaque where there is an alpha band
        fill: Any = (
            0
            if img.mode in ("1", "L", "I", "F")
            else tuple(255 if band == "A" else 0 for band in img.getbands())
        )
        for left, top, right, bottom in boxes:
            draw.rectangle(
                (left - _MARGIN, top - _MARGIN, right + _MARGIN, bottom + _MARGIN), fill=fill
            )
    img.save(tmp, format=fmt, **_save_options(img, fmt, deid))
    return len(lines)


def _face_boxes(img: Any, deid: Deidentifier) -> list[tuple[int, int, int, int]]:
    """Boxes over the faces in the upright image, a tenth wider each way (hair, ears,
    chin), where a rule acts on `face_image` and OpenCV is installed; counted."""
    from tianping.privacy._faces import available, faces_in_image

    if not deid.acts_on("face_image") or not available():
        return []
    out = []
    for left, top, right, bottom in faces_in_image(img):
        dx, dy = (right - left) // 10, (bottom - top) // 10
        out.append((left - dx, top - dy, right + dx, bottom + dy))
    if out:
        deid.counts["face_image"] += len(out)
    return out


def _code_boxes(img: Any, deid: Deidentifier) -> list[tuple[int, int, int, int]]:
    """Boxes over the QR codes whose text holds PI a rule acts on (a vCard), where OpenCV
    is installed; the values in them counted as found."""
    from tianping.privacy._codes import codes_in_image, readable
    from tianping.privacy._faces import available

    if not available():
        return []
    out = []
    for payload, (left, top, right, bottom) in codes_in_image(img):
        if any([deid.replacements(line) for line in readable(payload)]):  # all counted
            quiet = (right - left) // 10  # the quiet zone: no half-covered code
            out.append((left - quiet, top - quiet, right + quiet, bottom + quiet))
    return out


def _boxes(
    words: list[Word], owner: list[int], start: int, end: int
) -> list[tuple[int, int, int, int]]:
    """One box over characters start..end of a line: from the first word it touches to the
    last, cut in proportion to the characters of those words the value covers, widened by
    half a character each side (OCR's word boxes of Chinese text overlap and miss edges)."""
    ks = sorted({owner[i] for i in range(start, end) if owner[i] >= 0})
    if not ks:
        return []
    first, last = words[ks[0]], words[ks[-1]]
    a = start - owner.index(ks[0]) if start > owner.index(ks[0]) else 0
    b = min(end - owner.index(ks[-1]), len(last.text))
    w0 = (first.box[2] - first.box[0]) / len(first.text)  # a character's width
    w1 = (last.box[2] - last.box[0]) / len(last.text)
    # a whole character where a space or the line's end is beside the value (OCR's box
    # of a word can start after its first narrow glyph), a quarter beside other text
    before = 1.0 if start == 0 or owner[start - 1] < 0 else 0.25
    after = 1.0 if end >= len(owner) or owner[end] < 0 else 0.25
    left = first.box[0] + w0 * (a - before)
    right = last.box[0] + w1 * (b + after)
    # the line's full height: digits and Latin letters sit lower than Chinese characters
    top = min(w.box[1] for w in words)
    bottom = max(w.box[3] for w in words)
    return [(int(left), top, int(right + 0.999), bottom)]


def _xmp_without_pi(packet: str, deid: Deidentifier) -> str:
    """An XMP packet with the PI in its values replaced (a creator's name read as one),
    the AI-content label and every other byte as they were (`_xmp.py`)."""
    from tianping.privacy._mail import name_context
    from tianping.privacy._xmp import xmp_rewrite

    def replace(value: str, personal: bool) -> str:
        context = name_context(value) if personal else ""
        for a, b, new in reversed(deid.replacements(context + value)):
            if a >= len(context):
                a, b = a - len(context), b - len(context)
                value = value[:a] + new + value[b:]
        return value

    return xmp_rewrite(packet, replace)


def _save_options(img: Any, fmt: str, deid: Deidentifier) -> dict[str, Any]:
    """What keeps the image as it was: quality, DPI, ICC profile, PNG text (AI-content
    labels live there; PI in it replaced), EXIF without the tags that name or locate a
    person and without the free-text tags that hold PI (`_exif.py`)."""
    from tianping.privacy._exif import EXIF_IFD, TEXT_TAGS, tag_text
    from tianping.privacy._xmp import xmp_of

    opts: dict[str, Any] = {}
    for key in ("dpi", "icc_profile"):
        if key in img.info:
            opts[key] = img.info[key]
    exif = img.getexif()
    for tag in _EXIF_DROP:
        exif.pop(tag, None)
    if EXIF_IFD in exif:
        for tag in _EXIF_IFD_DROP:
            exif.get_ifd(EXIF_IFD).pop(tag, None)
    for tag, ifd in TEXT_TAGS.items():
        where = exif.get_ifd(ifd) if ifd else exif
        if tag in where and deid.replacements(tag_text(where[tag])):  # counted, then gone
            where.pop(tag)
    if len(exif):
        opts["exif"] = exif
    packet = xmp_of(img)
    if packet is not None and fmt in ("JPEG", "MPO", "WEBP"):  # Pillow writes it if given
        opts["xmp"] = _xmp_without_pi(packet, deid).encode("utf-8")
    if fmt == "JPEG":  # the source's quantisation tables and chroma subsampling
        opts["quality"] = "keep"
        opts["subsampling"] = "keep"
    if fmt == "PNG":
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        for key, value in img.info.items():
            if isinstance(value, str) and key not in ("dpi", "icc_profile"):
                if key == "XML:com.adobe.xmp":  # creator, contacts; the AI label kept
                    value = _xmp_without_pi(value, deid)
                else:
                    for a, b, new in reversed(deid.replacements(value)):  # Author, Comment
                        value = value[:a] + new + value[b:]
                info.add_itxt(key, value)
        opts["pnginfo"] = info
    return opts
