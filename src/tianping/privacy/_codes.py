"""QR codes in images: a business card's vCard, a contact or payment code, a health code.

What a QR code holds is text no OCR reads, and a vCard or MECARD in one is a person's
name, phone, e-mail and address. Codes are found and decoded by OpenCV's QR detector (in
`tianping[images]`, as faces are); their text is read as lines detection understands,
each vCard/MECARD field given the label a form would print before it (`FN:张伟` reads as
`姓名：张伟`, so the name has its context), other payloads (URLs, plain text) as they are.
"""

from __future__ import annotations

import re
from typing import Any

from tianping.privacy._patterns import HAN

__all__ = ["codes_in_image", "readable"]

# vCard and MECARD fields, and the label that gives their value its context
_LABELS = {
    "FN": "姓名：", "N": "姓名：", "NAME": "姓名：", "TEL": "电话：", "EMAIL": "邮箱：",
    "ADR": "地址：", "BDAY": "出生日期：", "NICKNAME": "昵称：", "ORG": "单位：",
    "NOTE": "备注：", "URL": "", "TITLE": "职务：",
}  # fmt: skip
_MECARD = re.compile(r"(?<![^;:])([A-Z-]+):((?:\\.|[^;\\])*)")


def codes_in_image(img: Any) -> list[tuple[str, tuple[int, int, int, int]]]:
    """The QR codes in a Pillow image: (decoded text, box (left, top, right, bottom) in
    pixels) each; codes that are found but cannot be decoded are left out."""
    import cv2
    import numpy as np

    gray = np.asarray(img.convert("L"))
    if min(gray.shape) < 21:  # the smallest QR code is 21 modules
        return []
    ok, texts, points, _ = cv2.QRCodeDetector().detectAndDecodeMulti(gray)
    if not ok or points is None:
        return []
    out = []
    for text, quad in zip(texts, points, strict=False):
        if not text:
            continue
        xs, ys = quad[:, 0], quad[:, 1]
        out.append((text, (int(xs.min()), int(ys.min()), int(xs.max() + 1), int(ys.max() + 1))))
    return out


def readable(payload: str) -> list[str]:
    """A code's text as lines for detection: vCard and MECARD fields after labels that
    give them context (姓名：, 电话：, 地址：), anything else as it is."""
    head = payload.lstrip()[:12].upper()
    if head.startswith("BEGIN:VCARD"):
        lines = []
        for raw in re.sub(r"\r?\n[ \t]", "", payload).splitlines():  # unfolded
            name, sep, value = raw.partition(":")
            field = name.split(";")[0].split(".")[-1].upper()
            if sep and field in _LABELS and value.strip():
                lines.append(_LABELS[field] + _value(field, value))
        return lines
    if head.startswith("MECARD:"):
        return [
            _LABELS[field] + _value(field, value.replace("\\", ""))
            for field, value in _MECARD.findall(payload[len("MECARD:") :])
            if field in _LABELS and value.strip()
        ]
    return [line for line in payload.splitlines() if line.strip()]


def _value(field: str, value: str) -> str:
    """A structured value as a person would write it: N's family;given as one name,
    ADR's parts joined, TEL's tel: scheme dropped."""
    if field == "N":
        family, _, rest = value.partition(";")
        given = rest.split(";")[0]
        joined = family + given
        return joined if re.fullmatch(f"[{HAN}]+", joined) else f"{given} {family}".strip()
    if field == "ADR":  # post box; extended; street; city; region; postal code; country
        parts = (value.split(";") + [""] * 7)[:7]
        if re.search(r"[\u4e00-\u9fff]", value):  # written from the country down
            return "".join(parts[i] for i in (6, 4, 3, 2, 1))
        return ", ".join(p for p in (parts[1], parts[2], parts[3], parts[4], parts[6]) if p)
    if field == "TEL":
        return value.removeprefix("tel:")
    return value.replace("\\,", ",").replace("\\;", ";")
