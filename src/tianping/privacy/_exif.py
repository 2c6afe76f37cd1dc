"""What a photo's EXIF metadata says about people: where it was taken (GPS) and who took
or owns it (artist, camera owner, Windows' author field), plus free-text fields where
users type names and numbers (description, comments, title).

A phone photo carries its GPS position by default; a folder of one person's photos is a
record of their whereabouts (PIPL Art. 28 names whereabouts/location tracking among
sensitive PI). Scans report the position as `gps_location` with a preview rounded to
whole degrees, and the text fields as lines detection reads, person fields after a name
label so a bare name has its context. De-identification drops the GPS block and the
person tags always (`_image_deid.py`), and a text field only where it holds PI.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "PERSON_TAGS",
    "TEXT_TAGS",
    "exif_lines",
    "gps_position",
    "gps_preview",
    "metadata_lines",
    "tag_text",
]

GPS_IFD, EXIF_IFD = 0x8825, 0x8769
# tags that name a person: artist, copyright holder (IFD0); camera owner (Exif IFD);
# Windows' author (XPAuthor, UTF-16)
PERSON_TAGS = {0x013B: 0, 0x8298: 0, 0xA430: EXIF_IFD, 0x9C9D: 0}
# free text: description (IFD0), user comment (Exif IFD), Windows' title, comment,
# keywords and subject (UTF-16)
TEXT_TAGS = {0x010E: 0, 0x9286: EXIF_IFD, 0x9C9B: 0, 0x9C9C: 0, 0x9C9E: 0, 0x9C9F: 0}


def tag_text(value: Any) -> str:
    """A tag's value as text: XP tags are UTF-16 bytes, a user comment starts with an
    8-byte charset code."""
    if isinstance(value, bytes):
        if value[:8] in (b"UNICODE\x00", b"ASCII\x00\x00\x00", b"JIS\x00\x00\x00\x00\x00"):
            body = value[8:]
            return body.decode("utf-16" if value[:1] == b"U" else "utf-8", errors="replace")
        if len(value) % 2 == 0 and b"\x00" in value:  # XP tags: UTF-16-LE
            return value.decode("utf-16-le", errors="replace")
        return value.decode("utf-8", errors="replace")
    if isinstance(value, tuple) and all(isinstance(v, int) for v in value):
        return tag_text(bytes(value))  # some writers store XP tags as tuples of bytes
    return str(value)


def _get(exif: Any, tag: int, ifd: int) -> Any:
    return (exif.get_ifd(ifd) if ifd else exif).get(tag)


def exif_lines(img: Any) -> list[str]:
    """The EXIF text of a Pillow image that can hold PI, a line each: person tags after
    a name label (姓名： or Name:), free-text tags as they are."""
    from tianping.privacy._mail import name_context

    exif = img.getexif()
    lines = []
    for tag, ifd in PERSON_TAGS.items():
        value = tag_text(_get(exif, tag, ifd) or "").strip("\x00 ")
        if value:
            lines.append(name_context(value) + value)
    for tag, ifd in TEXT_TAGS.items():
        value = tag_text(_get(exif, tag, ifd) or "").strip("\x00 ")
        lines += [line for line in value.splitlines() if line.strip()]
    return lines


def metadata_lines(img: Any) -> list[str]:
    """What an image's EXIF and XMP say of people, as lines detection reads (`exif_lines`,
    `_xmp.xmp_lines`; the AI-content label in the XMP left out)."""
    from tianping.privacy._xmp import xmp_lines, xmp_of

    packet = xmp_of(img)
    return exif_lines(img) + (xmp_lines(packet) if packet else [])


def gps_position(img: Any) -> tuple[float, float] | None:
    """(latitude, longitude) in degrees from a Pillow image's GPS block, or None."""
    gps = img.getexif().get_ifd(GPS_IFD)
    try:
        lat = _degrees(gps[2], gps.get(1, "N"), "S")
        lon = _degrees(gps[4], gps.get(3, "E"), "W")
    except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return lat, lon


def gps_preview(lat: float, lon: float) -> str:
    """A position as reports show it: whole degrees (about 100 km), never the place."""
    return f"[GPS ~{abs(lat):.0f}°{'NS'[lat < 0]} {abs(lon):.0f}°{'EW'[lon < 0]}]"


def _degrees(dms: Any, ref: Any, negative: str) -> float:
    d, m, s = (float(v) for v in dms)
    value = d + m / 60 + s / 3600
    text = ref.decode() if isinstance(ref, bytes) else str(ref)
    return -value if text.strip("\x00 ").upper() == negative else value
