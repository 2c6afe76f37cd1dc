"""E-mail files for scans: a mailbox export (.mbox) or saved messages (.eml) hold names,
addresses, phone numbers and ID numbers in headers, bodies and attachments alike.

Each message gives two texts: its headers (decoded: `=?GBK?B?…?=` names read as the
characters they are; `Received:` lines keep the relays' IP addresses) and its body (the
text parts, decoded from base64 or quoted-printable in their own charsets; HTML reduced to
its text, link targets kept). Attachments are files of their own: the scan extracts each
to a private temporary folder and reads it as what it is (`mail.eml!报销单.xlsx`). Only the
standard library is used (Outlook .msg files: olefile, `_outlook.py`).
"""

from __future__ import annotations

import email
import email.policy
import mailbox
import re
import shutil
import tempfile
from collections.abc import Iterator
from email.header import Header
from email.message import Message
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath

from tianping.errors import InputError
from tianping.privacy._patterns import HAN
from tianping.privacy._tnef import is_tnef, is_tnef_file, unpack

__all__ = [
    "ADDRESS_HEADERS",
    "MAX_MESSAGE_BYTES",
    "address_names",
    "attachments",
    "display_names",
    "html_text",
    "leaves",
    "message_bytes",
    "messages",
    "name_context",
    "name_line",
    "part_text",
]

MAX_MESSAGE_BYTES = 256 << 20  # a message past this is refused (a mailbox is read by message)


def messages(path: Path) -> Iterator[tuple[str, str, list[tuple[str, bytes]]]]:
    """(headers, body text, attachments as (file name, bytes)) of each message of an .eml,
    .mbox or Outlook .msg file, or of a winmail.dat, in order. InputError for a file that
    holds no message."""
    if path.suffix.lower() == ".mbox":
        box = mailbox.mbox(str(path), create=False)
        try:
            for k, key in enumerate(box.iterkeys(), start=1):
                raw = box.get_bytes(key)
                if len(raw) > MAX_MESSAGE_BYTES:
                    raise InputError(f"{path}: message {k} is too large / 邮件过大")
                yield _read(email.message_from_bytes(raw, policy=email.policy.default))
        finally:
            box.close()
        return
    if path.stat().st_size > MAX_MESSAGE_BYTES:
        raise InputError(f"{path}: a message past {MAX_MESSAGE_BYTES:,} bytes / 邮件过大")
    if path.suffix.lower() == ".msg":
        from tianping.privacy._outlook import read_msg

        yield _read(read_msg(path))
        return
    if is_tnef_file(path):  # a winmail.dat saved on its own: its subject, body and files
        tnef = unpack(path.read_bytes(), str(path))
        yield (f"Subject: {tnef.subject}" if tnef.subject else ""), tnef.body, tnef.files
        return
    with path.open("rb") as fh:
        msg = email.message_from_binary_file(fh, policy=email.policy.default)
    if not msg.keys():
        raise InputError(f"{path}: no e-mail headers: not an .eml message / 不是邮件文件")
    yield _read(msg)


# headers that are structure, not content: a boundary's digits are no card number, a
# Message-ID's `<…@mail.example.com>` no one's address; rewriting them would break the mail
STRUCTURE = frozenset(
    {"content-type", "content-transfer-encoding", "mime-version", "content-id", "message-id",
     "in-reply-to", "references", "dkim-signature", "arc-seal", "arc-message-signature",
     "domainkey-signature", "x-google-dkim-signature", "thread-index"}
)  # fmt: skip


# headers that list people: the display name of each address is a person's (or an
# organisation's) name, which detection reads after `name_context`
ADDRESS_HEADERS = frozenset(
    {"from", "to", "cc", "bcc", "reply-to", "sender", "resent-from", "resent-to", "resent-cc",
     "resent-bcc", "resent-sender", "disposition-notification-to", "return-receipt-to",
     "x-outlook-creator", "x-outlook-last-modifier"}
)  # fmt: skip
_HAN = re.compile(f"[{HAN}]")


def name_context(name: str) -> str:
    """The words detection reads a name after: 姓名： for Chinese, Name: for others."""
    return "姓名：" if _HAN.search(name) else "Name: "


# a directory's "Last, First" (Exchange address books write names so)
_LAST_FIRST = re.compile(r"([A-Z][a-z]+), ([A-Z][a-z]+(?: [A-Z][a-z]+)?)")


# two or three Latin words, not all capitalised ("zhang wei", "Meredith chen", "LI LEI")
_LOWER_WORDS = re.compile(r"[A-Za-z]+(?: [A-Za-z]+){1,2}")


def name_line(name: str) -> tuple[str, bool]:
    """A display name as detection reads it, after `name_context`: "Hergenroder, Christi"
    as "Christi Hergenroder"; "zhang wei" and "LI LEI" as "Zhang Wei" and "Li Lei" (people
    type their own names so; the length stays, so offsets hold); and whether it was turned
    around (a finding then covers the whole name)."""
    turned = _LAST_FIRST.fullmatch(name)
    if turned:
        return f"{name_context(name)}{turned.group(2)} {turned.group(1)}", True
    if _LOWER_WORDS.fullmatch(name) and not name.istitle():
        name = " ".join(w.capitalize() for w in name.split(" "))
    return name_context(name) + name, False


# a display name: quoted ("Li, Lei") or bare words, before an address in angle brackets
_DISPLAY = re.compile(r'(?:^|,)\s*(?:"((?:[^"\\]|\\.)*)"|([^",<>@]*[^",<>@\s]))\s*<')


def display_names(value: str) -> list[tuple[int, int]]:
    """(start, end) of each display name in a decoded address header's value."""
    spans = []
    for m in _DISPLAY.finditer(value):
        group = 1 if m.group(1) is not None else 2
        start, end = m.span(group)
        if value[start:end].strip():
            spans.append((start, end))
    return spans


def address_names(headers: str) -> str:
    """The display names of a message's address headers (`headers` as `messages` gives
    them), a line each, each after `name_context`: the `names` column of mail scans."""
    lines = []
    for line in headers.split("\n"):
        key, sep, value = line.partition(": ")
        if sep and key.lower() in ADDRESS_HEADERS:
            lines += [name_line(value[a:b])[0] for a, b in display_names(value)]
    return "\n".join(lines)


def _read(msg: Message) -> tuple[str, str, list[tuple[str, bytes]]]:
    headers = "\n".join(f"{k}: {_header(v)}" for k, v in msg.items() if k.lower() not in STRUCTURE)
    body: list[str] = []
    files: list[tuple[str, bytes]] = []
    for part in leaves(msg):
        kind = part.get_content_type()
        name = part.get_filename()
        if name is None and part.get_content_disposition() != "attachment":
            if kind == "text/plain":
                body.append(part_text(part))
                continue
            if kind == "text/html":
                body.append(html_text(part_text(part)))
                continue
        if kind == "message/rfc822":  # a forwarded message: read as an .eml of its own
            inner = part.get_payload()
            first = inner[0] if isinstance(inner, list) and inner else None
            forwarded = message_bytes(first) if isinstance(first, Message) else b""
            files.append((name or f"message{len(files) + 1}.eml", forwarded))
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes) and is_tnef(payload, name, kind):
            try:  # winmail.dat: the real body and attachments are inside
                text, inside, _ = unpack(payload, name or "winmail.dat")
            except InputError:
                pass  # kept as the file it is, which scans report as unread
            else:
                body.append(text)
                files += [(f"{name or 'winmail.dat'}!{n}", data) for n, data in inside]
                continue
        if isinstance(payload, bytes) and payload:
            files.append((name or f"part{len(files) + 1}{_suffix(kind)}", payload))
    return headers, "\n".join(b for b in body if b), files


def message_bytes(msg: Message) -> bytes:
    """A message as the bytes of an .eml. Headers the library cannot fold (damaged text in
    a rebuilt Outlook message, an encoded word in an unknown charset) are written as their
    decoded text in UTF-8 encoded words instead."""
    try:
        return msg.as_bytes()
    except (UnicodeError, ValueError):
        pass
    for part in msg.walk():
        for key in dict.fromkeys(k for k in part if not k.lower().startswith("content-")):
            values = [_header(v) for v in part.get_all(key) or []]
            del part[key]
            for text in values:
                part.set_raw(key, text if text.isascii() else Header(text, "utf-8").encode())
    return msg.as_bytes()


def leaves(msg: Message) -> Iterator[Message]:
    """The parts that hold content, in order; a forwarded message is one part (`walk`
    would go into it, and its text would count as this message's)."""
    if msg.get_content_type() == "message/rfc822" or not msg.is_multipart():
        yield msg
        return
    payload = msg.get_payload()
    for sub in payload if isinstance(payload, list) else []:
        if isinstance(sub, Message):
            yield from leaves(sub)


def _header(value: object) -> str:
    try:
        return str(value)
    except (UnicodeError, LookupError):  # an unknown charset: its raw words
        return str(getattr(value, "_parse_tree", value))


def part_text(part: Message) -> str:
    """A text part decoded in its charset (GBK mail is common), undecodable bytes marked."""
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return str(data or "")
    charset = part.get_content_charset() or "utf-8"
    for name in (charset, "gb18030") if charset.lower() in ("gbk", "gb2312") else (charset,):
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", errors="replace")


def _suffix(kind: str) -> str:
    return {"text/plain": ".txt", "text/html": ".html", "text/csv": ".csv"}.get(kind, ".bin")


class _Text(HTMLParser):
    """An HTML body's text: block elements end lines; link targets (mailto:, tel:) kept."""

    _BLOCKS = frozenset({"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table", "td"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        if tag in self._BLOCKS:
            self.out.append("\n" if tag != "td" else "\t")
        for key, value in attrs:
            if key == "href" and value and re.match(r"(?i)(mailto|tel|sms):", value):
                self.out.append(f" {value} ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        if tag in self._BLOCKS:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.out.append(data)


def html_text(markup: str) -> str:
    """An HTML body's text: block elements end lines, link targets kept."""
    parser = _Text()
    parser.feed(markup)
    parser.close()
    return re.sub(r"\n\s*\n+", "\n", "".join(parser.out)).strip()


def attachments(path: Path) -> Iterator[tuple[str, Path]]:
    """(`name` as reports show it, extracted path) for each attachment of each message, one
    at a time in a private temporary folder (removed once the caller moves on); names are
    not trusted: each file goes under its own numbered folder by its base name. An .mbox
    names them by message (`message3/报销单.xlsx`)."""
    many = path.suffix.lower() == ".mbox"
    with tempfile.TemporaryDirectory(prefix="tianping-mail-") as tmp:
        k = 0
        for m, (_, _, files) in enumerate(messages(path), start=1):
            for name, data in files:
                k += 1
                base = PurePosixPath(name.replace("\\", "/")).name or f"part{k}"
                target = Path(tmp) / str(k) / base
                target.parent.mkdir()
                target.write_bytes(data)
                try:
                    yield (f"message{m}/{base}" if many else base), target
                finally:
                    shutil.rmtree(target.parent, ignore_errors=True)
