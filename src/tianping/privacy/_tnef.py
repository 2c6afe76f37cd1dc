"""Outlook's TNEF attachments (`winmail.dat`, `application/ms-tnef`), read for mail scans
and for de-identification, which turns them into plain MIME (`_mail_deid.py`).

Outlook and Exchange send rich-text mail to outside recipients as a MIME message whose
real body and attachments sit inside one TNEF attachment ([MS-OXTNEF]); a scan that reads
it as an opaque file misses them all. tnefparse (LGPL-3.0, from `tianping[privacy]`) reads
the stream; the body is taken as plain text, else HTML reduced to text, else the
compressed RTF body (`_outlook.decompress_rtf`, `_rtf.rtf_text`), and each attachment is
given back under its long file name, to be read as the file it is.
"""

from __future__ import annotations

import logging
import struct
from pathlib import PurePath
from typing import Any, NamedTuple

from tianping.errors import InputError

__all__ = ["SIGNATURE", "Tnef", "is_tnef", "is_tnef_file", "unpack"]

SIGNATURE = b"\x78\x9f\x3e\x22"  # 0x223E9F78, little-endian
_RTF_COMPRESSED = 0x1009  # PidTagRtfCompressed
# what tnefparse raises on a damaged stream: whatever its code meets (a NameError is an
# UnboundLocalError there, found by fuzzing)
_DAMAGE = (ValueError, IndexError, KeyError, TypeError, UnicodeError, NameError, AttributeError,
           struct.error, OverflowError)  # fmt: skip


class Tnef(NamedTuple):
    """What a TNEF stream holds: the body as text, its files (name, bytes) and the
    message's subject (attSubject; '' where it has none)."""

    body: str
    files: list[tuple[str, bytes]]
    subject: str


def is_tnef(data: bytes, name: str | None, kind: str) -> bool:
    """Whether a MIME part is a TNEF stream: by its type or name, and its signature."""
    named = kind == "application/ms-tnef" or (name or "").lower().endswith("winmail.dat")
    return named and data[:4] == SIGNATURE


def is_tnef_file(path: PurePath) -> bool:
    """A TNEF stream saved as a file of its own (`winmail.dat`, `*.tnef`)."""
    return path.name.lower() == "winmail.dat" or path.suffix.lower() == ".tnef"


def unpack(data: bytes, where: str) -> Tnef:
    """The body, files and subject of a TNEF stream; InputError where tnefparse is not
    installed or the stream cannot be read (`where` names it)."""
    try:
        import tnefparse

        # it logs each attribute whose checksum fails (old writers often do); what could
        # not be read is reported here instead
        logging.getLogger("tnefparse").setLevel(logging.ERROR)
    except ImportError:
        raise InputError(
            f"{where}: reading Outlook's winmail.dat needs tnefparse (pip install "
            "'tianping[privacy]') / 读取 winmail.dat 需安装 tnefparse"
        ) from None
    try:
        tnef = tnefparse.TNEF(data)
        body = _body(tnef)
        files = [
            (_name(a, k), bytes(a.data))
            for k, a in enumerate(tnef.attachments, start=1)
            if isinstance(a.data, bytes | bytearray) and a.data
        ]
        subject = next(
            (
                _text(o.data).replace("\x00", "").strip()
                for o in tnef.objects
                if o.name == tnef.ATTSUBJECT and o.level == tnef.LVL_MESSAGE
            ),
            "",
        )
    except _DAMAGE as exc:
        raise InputError(f"{where}: unreadable TNEF ({type(exc).__name__}) / 无法读取") from None
    if not body.strip() and not files:  # tnefparse passes over damage: nothing read is no read
        raise InputError(f"{where}: unreadable TNEF (nothing in it read) / 无法读取")
    return Tnef(body, files, subject)


def _text(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    return str(value or "")


def _body(tnef: Any) -> str:
    from tianping.privacy._mail import html_text

    body = _text(tnef.body).replace("\x00", "").strip()
    if body:
        return body
    html = _text(tnef.htmlbody)
    if html.strip():
        return html_text(html)
    packed = _rtf_compressed(tnef)
    if packed:
        from tianping.privacy._outlook import decompress_rtf
        from tianping.privacy._rtf import rtf_text

        return rtf_text(decompress_rtf(bytes(packed)))
    return ""


def _rtf_compressed(tnef: Any) -> bytes:
    """The message's PidTagRtfCompressed, from its MAPI properties (tnefparse keeps it
    to itself unless compressed_rtf is installed)."""
    from tnefparse.mapi import decode_mapi

    for obj in tnef.objects:
        if obj.name == tnef.ATTMAPIPROPS and obj.level != tnef.LVL_ATTACHMENT:
            for prop in decode_mapi(obj.data, tnef.codepage):
                if prop.name == _RTF_COMPRESSED and isinstance(prop.data, bytes | bytearray):
                    return bytes(prop.data)
    return b""


def _name(attachment: Any, k: int) -> str:
    try:
        name = str(attachment.long_filename() or "")
    except (AttributeError, ValueError, UnicodeError):
        name = ""
    return name or f"attachment{k}"
