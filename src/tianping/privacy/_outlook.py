"""Outlook messages (.msg, [MS-OXMSG]) read as the e-mail they are, for scans.

A .msg file is an OLE compound file holding a message's MAPI properties: strings in
`__substg1.0_TTTTKKKK` streams (UTF-16, or 8-bit in the message's code page), fixed-size
values in the `__properties_version1.0` stream, one storage per recipient and per
attachment, and an attached message as a storage of the same shape. The message is
rebuilt as an `email` message, so scans read it exactly as they read an .eml (headers,
body, display names, attachments as files of their own, a forwarded message as an .eml):

- headers: the transport headers Outlook kept from the mail server (`Received:` lines
  with relay addresses included) where present; otherwise From, To, Cc, Bcc, Subject and
  Date from the properties and the recipient table;
- body: the plain-text body; else the HTML body reduced to text; else the compressed RTF
  body ([MS-OXRTFCP]) decompressed and reduced to its text;
- attachments: their bytes under their long file names; attached messages as messages;
  an embedded OLE object (a storage of its own, attach method 6) is not read.

olefile (BSD) reads the compound file. De-identification writes the rebuilt message out
as an .eml (`_mail_deid.py`); no .msg is written.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import email.utils
import re
import struct
import zlib
from email.header import Header
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from tianping.errors import InputError
from tianping.privacy._rtf import decode_codepage, rtf_text

__all__ = ["decompress_rtf", "read_msg"]

_MAX_STREAM = 256 << 20  # bytes: a stream past this is refused, not read into memory
_MAX_DEPTH = 8  # attached messages inside attached messages
# property ids ([MS-OXPROPS])
_SUBJECT, _BODY, _HTML, _RTF, _HEADERS = 0x0037, 0x1000, 0x1013, 0x1009, 0x007D
_SENDER_NAME, _SENDER_ADDR, _SENDER_SMTP = 0x0C1A, 0x0C1F, 0x5D01
_REPR_NAME, _REPR_ADDR, _REPR_SMTP = 0x0042, 0x0065, 0x5D02
_DISPLAY_NAME, _EMAIL_ADDR, _SMTP_ADDR, _RECIP_TYPE = 0x3001, 0x3003, 0x39FE, 0x0C15
_LONG_NAME, _SHORT_NAME, _ATTACH_DATA, _MIME_TAG = 0x3707, 0x3704, 0x3701, 0x370E
# PidTagAttachMethod: 5 an attached message; 6 an OLE object, whose storage is no message
_ATTACH_METHOD, _EMBEDDED_MESSAGE = 0x3705, 5
_SUBMIT_TIME, _DELIVERY_TIME = 0x0039, 0x0E06
_CREATOR, _EDITOR = 0x3FF8, 0x3FFA  # PidTagCreatorName, PidTagLastModifierName
_CODEPAGES = (0x3FFD, 0x3FDE)  # PidTagMessageCodepage, then PidTagInternetCodepage
_UNICODE, _STRING8, _BINARY, _OBJECT, _LONG, _SYSTIME = 0x1F, 0x1E, 0x102, 0xD, 0x3, 0x40
# folded header lines joined, and every other character that ends a line for the email
# library (str.splitlines: \v, \f, \x1c-\x1e, \x85, U+2028/2029), which a damaged
# property can hold and which would end the header when it is written
_UNFOLD = re.compile("\r?\n[ \t]*|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")
_SPECIALS = re.compile(r'[()<>\[\]:;@\\,."]')
_FIELD_NAME = re.compile(r"[!-9;-~]+")  # RFC 5322: printable ASCII but the colon


class _Node:
    """One storage of the message (the message, an attached message, a recipient or an
    attachment): its named property streams, read on demand."""

    def __init__(
        self, ole: Any, prefix: list[str], header: int, path: Path, entries: list[list[str]]
    ) -> None:
        self.ole, self.prefix, self.path, self.entries = ole, prefix, path, entries
        self.streams: dict[tuple[int, int], list[str]] = {}
        self.children: dict[str, list[str]] = {}
        for entry in entries:
            if entry[: len(prefix)] != prefix or len(entry) != len(prefix) + 1:
                continue
            name = entry[-1]
            if name.startswith("__substg1.0_") and len(name) == 20:
                try:
                    self.streams[(int(name[12:16], 16), int(name[16:20], 16))] = entry
                except ValueError:
                    continue
            else:
                self.children[name] = entry
        self.fixed = self._fixed(header)
        self.codepage = next(
            (self.fixed[k] for k in _CODEPAGES if 0 < self.fixed.get(k, 0) < 65536), 1252
        )

    def _read(self, entry: list[str]) -> bytes:
        if self.ole.get_size("/".join(entry)) > _MAX_STREAM:
            raise InputError(f"{self.path}: a property of the message is too large / 属性过大")
        data: bytes = self.ole.openstream(entry).read()
        return data

    def _fixed(self, header: int) -> dict[int, int]:
        """PT_LONG and PT_SYSTIME values of the property stream (16-byte entries after a
        header of 32, 24 or 8 bytes: top message, attached message, recipient/attachment)."""
        entry = self.children.get("__properties_version1.0")
        if entry is None:
            return {}
        data = self._read(entry)
        out: dict[int, int] = {}
        for at in range(header, len(data) - 15, 16):
            tag, _, value = struct.unpack_from("<IIQ", data, at)
            if tag & 0xFFFF in (_LONG, _SYSTIME):
                out[tag >> 16] = value & 0xFFFFFFFF if tag & 0xFFFF == _LONG else value
        return out

    def text(self, prop: int) -> str:
        """A string property, UTF-16 or 8-bit in the message's code page; '' if absent."""
        entry = self.streams.get((prop, _UNICODE))
        if entry is not None:
            return self._read(entry).decode("utf-16-le", errors="replace").rstrip("\x00")
        entry = self.streams.get((prop, _STRING8))
        if entry is None:
            return ""
        return decode_codepage(self._read(entry), self.codepage).rstrip("\x00")

    def binary(self, prop: int) -> bytes | None:
        entry = self.streams.get((prop, _BINARY))
        return None if entry is None else self._read(entry)

    def storage(self, prop: int) -> list[str] | None:
        return self.streams.get((prop, _OBJECT))

    def child(self, prefix: list[str], header: int) -> _Node:
        """A storage inside this one's file (a recipient, an attachment, an attached
        message), from the same listing of the file."""
        return _Node(self.ole, prefix, header, self.path, self.entries)

    def kids(self, kind: str) -> list[list[str]]:
        """The recipient (`recip`) or attachment (`attach`) storages, in order."""
        tag = f"__{kind}_version1.0_#"
        return [e for n, e in sorted(self.children.items()) if n.startswith(tag)]


def read_msg(path: Path) -> EmailMessage:
    """The message of an Outlook .msg file as an `email` message (see the module's
    docstring); InputError for a file that is not one, or cannot be read."""
    from tianping.privacy._legacy import open_ole

    try:
        with open_ole(path, "an Outlook .msg", "Outlook 邮件") as ole:
            if not ole.exists("__properties_version1.0"):
                raise InputError(
                    f"{path}: no message properties: not an Outlook message / 不是 Outlook 邮件"
                )
            entries = ole.listdir(streams=True, storages=True)  # listed once, for every node
            return _message(_Node(ole, [], 32, path, entries), 0)
    except (
        OSError,
        struct.error,
        IndexError,
        ValueError,
        OverflowError,
    ) as exc:  # olefile: OSError
        raise InputError(
            f"{path}: unreadable Outlook message ({type(exc).__name__}) / Outlook 邮件无法读取"
        ) from None


def _message(node: _Node, depth: int) -> EmailMessage:
    msg = EmailMessage(policy=email.policy.default)
    for key, value in _headers(node):
        if not _FIELD_NAME.fullmatch(key):  # damaged transport headers: not a header
            continue
        value = _UNFOLD.sub(" ", value)
        try:
            msg[key] = value
        except (ValueError, TypeError):  # a value `email` cannot parse: kept, encoded
            msg.set_raw(key, value if value.isascii() else Header(value, "utf-8").encode())
    body = node.text(_BODY)
    html = node.text(_HTML) if not body else ""
    if not body and not html:
        raw = node.binary(_HTML)
        html = decode_codepage(raw, node.codepage) if raw else ""
    if not body and not html:
        rtf = node.binary(_RTF)
        try:
            body = rtf_text(decompress_rtf(rtf)) if rtf else ""
        except ValueError as exc:
            raise InputError(
                f"{node.path}: the RTF body is unreadable ({exc}) / 正文无法读取"
            ) from None
    if html:
        msg.set_content(html, subtype="html")
    else:
        msg.set_content(body)
    for entry in node.kids("attach"):
        _attach(msg, node.child(entry, 8), depth)
    return msg


def _headers(node: _Node) -> list[tuple[str, str]]:
    """The transport headers where Outlook kept them, else headers built from properties;
    then the people who created and last edited the item (`X-Outlook-Creator`, read as
    address headers are: their names are names)."""
    editors = [
        (key, _address(node.text(prop), node.text(prop), ""))  # a name, or an address
        for key, prop in (("X-Outlook-Creator", _CREATOR), ("X-Outlook-Last-Modifier", _EDITOR))
        if node.text(prop).strip()
    ]
    raw = node.text(_HEADERS).strip()
    if raw:
        from email.parser import HeaderParser

        parsed = HeaderParser(policy=email.policy.compat32).parsestr(raw + "\n\n")
        keep = [
            (k, str(v))
            for k, v in parsed.items()
            if not k.lower().startswith(("content-", "mime-version"))
        ]
        if keep:
            return keep + editors
    out: list[tuple[str, str]] = []
    sender = _address(
        node.text(_SENDER_NAME) or node.text(_REPR_NAME),
        node.text(_SENDER_SMTP) or node.text(_REPR_SMTP),
        node.text(_SENDER_ADDR) or node.text(_REPR_ADDR),
    )
    if sender:
        out.append(("From", sender))
    by_kind: dict[int, list[str]] = {1: [], 2: [], 3: []}
    for entry in node.kids("recip"):
        recip = node.child(entry, 8)
        shown = _address(recip.text(_DISPLAY_NAME), recip.text(_SMTP_ADDR), recip.text(_EMAIL_ADDR))
        if shown:
            by_kind.get(recip.fixed.get(_RECIP_TYPE, 1) & 0xF, by_kind[1]).append(shown)
    for kind, key in ((1, "To"), (2, "Cc"), (3, "Bcc")):
        if by_kind[kind]:
            out.append((key, ", ".join(by_kind[kind])))
    subject = node.text(_SUBJECT)
    if subject:
        out.append(("Subject", subject))  # unfolded with every header
    when = node.fixed.get(_SUBMIT_TIME) or node.fixed.get(_DELIVERY_TIME)
    if when:
        try:  # FILETIME: 100 ns steps from 1601
            stamp = dt.datetime(1601, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=when // 10)
        except OverflowError:  # past year 9999: a damaged value, no date
            stamp = None
        if stamp is not None:
            out.append(("Date", email.utils.format_datetime(stamp)))
    return out + editors


def _address(name: str, smtp: str, other: str) -> str:
    """`name <address>` (quoted as RFC 5322 wants), the SMTP address preferred over an
    Exchange one (/O=…/CN=…, no '@'), which is dropped."""
    addr = smtp if "@" in smtp else other if "@" in other else ""
    name = _UNFOLD.sub(" ", name).strip()
    if name == addr:
        name = ""
    if not name:
        return addr
    if _SPECIALS.search(name):  # quoted as RFC 5322 wants ("Hergenroder, Christi")
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{addr}>"  # a name alone is still read as a display name (`name <>`)


def _attach(msg: EmailMessage, att: _Node, depth: int) -> None:
    inner = att.storage(_ATTACH_DATA)
    is_message = att.fixed.get(_ATTACH_METHOD, _EMBEDDED_MESSAGE) == _EMBEDDED_MESSAGE
    if inner is not None and is_message:  # an attached message: read as a forwarded .eml
        if depth >= _MAX_DEPTH:
            raise InputError(f"{att.path}: attached messages nested too deep / 邮件嵌套过深")
        sub = _message(att.child(inner, 24), depth + 1)
        msg.add_attachment(sub)
        return
    data = att.binary(_ATTACH_DATA)
    if not data:
        return
    name = att.text(_LONG_NAME) or att.text(_SHORT_NAME) or att.text(_DISPLAY_NAME)
    kind = att.text(_MIME_TAG).strip().lower()
    main, _, sub_kind = kind.partition("/")
    if not (main and sub_kind) or main in ("text", "multipart", "message"):
        main, sub_kind = "application", "octet-stream"  # raw bytes: read as the file they are
    msg.add_attachment(data, maintype=main, subtype=sub_kind, filename=name or None)


# --- compressed RTF ([MS-OXRTFCP]) -----------------------------------------------------------
_PREBUF = (
    b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern "
    b"\\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0"
    b"\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx"
)
_LZFU, _MELA = 0x75465A4C, 0x414C454D


def decompress_rtf(data: bytes) -> bytes:
    """The RTF of a PidTagRtfCompressed value (an Outlook message's, a TNEF body's): LZFu
    blocks expanded against the 4 KiB dictionary the spec primes with `_PREBUF`; MELA
    (stored) returned as is. ValueError for a value that is neither, or that fails its CRC
    and does not expand to RTF."""
    if len(data) < 16:
        raise ValueError("compressed RTF shorter than its header")
    size, raw_size, kind, crc = struct.unpack_from("<IIII", data)
    if kind == _MELA:
        return data[16 : 16 + raw_size]
    if kind != _LZFU:
        raise ValueError(f"unknown compressed RTF type {kind:#x}")
    end = min(len(data), size + 4)
    # the spec's CRC (no inversion); some writers get it wrong (a 1999 TNEF body does), so
    # a value that fails it is kept only if it still expands to RTF
    crc_ok = zlib.crc32(data[16:end], 0xFFFFFFFF) ^ 0xFFFFFFFF == crc
    out = _expand(data, end, raw_size)
    if not crc_ok and not out.startswith(b"{\\rtf"):
        raise ValueError("compressed RTF fails its CRC check and does not expand to RTF")
    return out


def _expand(data: bytes, end: int, raw_size: int) -> bytes:
    window = bytearray(_PREBUF.ljust(4096, b"\x00"))
    pos = len(_PREBUF)
    out = bytearray()
    at = 16
    while at < end:
        flags = data[at]
        at += 1
        for bit in range(8):
            if at >= end:
                break
            if not flags >> bit & 1:
                out.append(data[at])
                window[pos] = data[at]
                pos = (pos + 1) & 0xFFF
                at += 1
                continue
            if at + 1 >= end:
                break
            ref = data[at] << 8 | data[at + 1]
            at += 2
            offset, length = ref >> 4, (ref & 0xF) + 2
            if offset == pos:  # the end marker
                return bytes(out[:raw_size])
            for k in range(length):
                byte = window[(offset + k) & 0xFFF]
                out.append(byte)
                window[pos] = byte
                pos = (pos + 1) & 0xFFF
    return bytes(out[:raw_size])
