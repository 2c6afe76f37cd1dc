"""De-identification of e-mail (.eml, .mbox): customer-service mail is training data too.

A message is parsed and written back by the standard library with its source folding kept
(`refold_source="none"`), so a message without PI comes out byte for byte as it went in
(tested). Headers are read decoded (`=?GBK?B?…?=` names as the characters they are) and
those that change are written back encoded; a text part that changes is encoded again in
its own charset and transfer encoding (base64 stays base64); an attachment in a format
de-identification rewrites (CSV, JSON, text, Word, Excel, PowerPoint, OpenDocument, PDF,
pictures, zip archives member by member; 97-2003 and WPS files through LibreOffice) is
de-identified as that file and put back, and a forwarded message as a message; a file with
no suffix that holds text is read as text. Outlook's winmail.dat (TNEF) is turned into
plain MIME in its place: its body as a text attachment, its files as attachments, each
de-identified (no TNEF writer exists to check one against, and mail readers without
Outlook show plain MIME anyway). Other attachments (other archives, audio, video) are
copied and named in the warnings, as is one whose rewrite failed (a picture without OCR
installed), with the reason.
"""

from __future__ import annotations

import base64
import email
import email.policy
import io
import mailbox
import mimetypes
import quopri
import re
import tempfile
from collections.abc import Callable
from email.generator import BytesGenerator
from email.message import EmailMessage, Message
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from tianping.errors import InputError
from tianping.privacy._formats import IMAGE_SUFFIXES, PACKAGES
from tianping.privacy._legacy_deid import LEGACY_KINDS
from tianping.privacy._mail import leaves, part_text
from tianping.privacy._tnef import is_tnef, is_tnef_file, unpack

if TYPE_CHECKING:
    from tianping.privacy._deid import Deidentifier

__all__ = ["deid_mail"]

# attachments rewritten as the files they are (`_deid._deid_file`): PDFs and pictures
# redrawn where they hold PI, 97-2003 and WPS files through LibreOffice where installed
_REWRITTEN = frozenset(
    {".csv", ".tsv", ".txt", ".log", ".json", ".jsonl", ".ndjson", ".parquet", ".md",
     ".html", ".htm", ".xml", ".pdf", ".zip", *PACKAGES, *IMAGE_SUFFIXES, *LEGACY_KINDS}
)  # fmt: skip
FileRewriter = Callable[[Path, Path], list[str]]


def deid_mail(src: Path, tmp: Path, deid: Deidentifier, rewrite_file: FileRewriter) -> tuple[
    int, list[str]
]:  # fmt: skip
    """`src` (.eml or .mbox; an Outlook .msg or a winmail.dat is written as .eml)
    de-identified into `tmp`;
    the messages read, and the
    attachments that were copied unread (`message2/scan.pdf`). `rewrite_file(a, b)`
    de-identifies one attachment file into another and returns its warnings."""
    kept: list[str] = []
    if src.suffix.lower() != ".mbox":
        if src.suffix.lower() == ".msg":
            raw = _outlook_bytes(src)
        elif is_tnef_file(src):
            raw = _tnef_message(src.read_bytes())
        else:
            raw = src.read_bytes()
        msg = _parse(raw)
        if not msg.keys():
            raise InputError(f"{src}: no e-mail headers: not an .eml message / 不是邮件文件")
        _message(msg, deid, rewrite_file, kept, "")
        tmp.write_bytes(_flatten(msg))
        return 1, kept
    box = mailbox.mbox(str(src), create=False)
    out = mailbox.mbox(str(tmp), create=True)
    n = 0
    try:
        out.lock()
        for n, key in enumerate(box.iterkeys(), start=1):
            sep = box.get_message(key).get_from()
            msg = _parse(box.get_bytes(key))
            _message(msg, deid, rewrite_file, kept, f"message{n}/")
            new = mailbox.mboxMessage(_flatten(msg))
            new.set_from(sep)
            out.add(new)
        out.flush()
    finally:
        out.unlock()
        out.close()
        box.close()
    return n, kept


def _outlook_bytes(src: Path) -> bytes:
    """An Outlook .msg as the .eml it is written out as (`_outlook.py` rebuilds it)."""
    from tianping.privacy._mail import message_bytes
    from tianping.privacy._outlook import read_msg

    return message_bytes(read_msg(src))


def _tnef_message(data: bytes) -> bytes:
    """A winmail.dat saved on its own as a message that carries it (its subject, if it has
    one), for `_message` to turn into plain MIME (or to keep, where it cannot be read)."""
    try:
        title = unpack(data, "winmail.dat").subject
    except InputError:
        title = ""
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["Subject"] = title or "winmail.dat"
    msg.set_content("")
    msg.add_attachment(data, maintype="application", subtype="ms-tnef", filename="winmail.dat")
    return msg.as_bytes()


def _policy(raw: bytes) -> Any:
    crlf = b"\r\n" in raw[:4096]
    return email.policy.default.clone(refold_source="none", linesep="\r\n" if crlf else "\n")


def _parse(raw: bytes) -> Message:
    return email.message_from_bytes(raw, policy=_policy(raw))


def _flatten(msg: Message) -> bytes:
    buf = io.BytesIO()
    BytesGenerator(buf, policy=msg.policy, mangle_from_=False).flatten(msg)
    return buf.getvalue()


def _message(
    msg: Message, deid: Deidentifier, rewrite_file: FileRewriter, kept: list[str], where: str
) -> None:
    """One message de-identified in place: headers, text parts, attachments."""
    _headers(msg, deid)
    parts = list(leaves(msg))
    texts = [_text_of(p) for p in parts]  # decoded once: prefetched, then rewritten
    deid.prefetch(t for t in texts if t is not None)
    for k, part in enumerate(parts, start=1):
        name = part.get_filename()
        kind = part.get_content_type()
        if kind == "message/rfc822":
            inner = part.get_payload()
            for sub in inner if isinstance(inner, list) else []:
                if isinstance(sub, Message):
                    _message(sub, deid, rewrite_file, kept, f"{where}{name or f'part{k}'}/")
            continue
        text = texts[k - 1]
        if text is not None:
            new = _replaced(text, deid)
            if new != text:
                _set_text(part, new)
            continue
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes) or not data:
            continue
        label = f"{where}{PurePosixPath((name or f'part{k}').replace(chr(92), '/')).name}"
        if is_tnef(data, name, kind):
            _tnef_as_mime(part, data, label, deid, rewrite_file, kept)
            continue
        _name_warning(name or "", label, deid, kept)
        new_bytes = _file(data, name or "", kind, label, rewrite_file, kept)
        if new_bytes != data:
            _set_bytes(part, new_bytes)


def _file(
    data: bytes, name: str, kind: str, label: str, rewrite_file: FileRewriter, kept: list[str]
) -> bytes:
    """An attachment's bytes de-identified as the file it is, or as they were (named in
    `kept`, with the reason where a rewrite failed). One without a suffix is read as text
    where its type allows it (text, or bytes of no stated type) and it is UTF-8: README,
    AUTHORS, a log; not a PGP signature or key, which any change would break."""
    suffix = PurePosixPath(name).suffix.lower()
    plain = kind.startswith("text/") or kind == "application/octet-stream"
    if not suffix and plain and _is_text(data):
        suffix = ".txt"
    if suffix not in _REWRITTEN:
        kept.append(label)
        return data
    new_bytes, warnings = _attachment(data, suffix, rewrite_file)
    kept += [f"{label}: {w}" for w in warnings]
    return new_bytes


def _name_warning(name: str, label: str, deid: Deidentifier, kept: list[str]) -> None:
    """A warning where an attachment's file name holds PI the policy acts on: names are
    kept, as a file's own name is (`_deid._deid_file`)."""
    from tianping.privacy._scan import name_findings

    found = name_findings(name, deid.policy.min_confidence) if name else []
    acted = sorted({t for _, _, t, _ in found if deid.acts_on(t)})
    if acted:
        kept.append(
            f"{label}: the attachment's name holds PI ({', '.join(acted)}); de-identification "
            "keeps file names: rename it / 附件名含个人信息，请重命名"
        )


def _is_text(data: bytes) -> bool:
    if b"\x00" in data[:65536]:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _tnef_as_mime(
    part: Message,
    data: bytes,
    label: str,
    deid: Deidentifier,
    rewrite_file: FileRewriter,
    kept: list[str],
) -> None:
    """Outlook's winmail.dat turned into plain MIME where it was: a multipart/mixed part
    with its body, de-identified, as `winmail-body.txt` (an attachment, so that readers do
    not show the message's text twice) and each of its files, de-identified as that file.
    A stream that cannot be read is copied as it was and named."""
    try:
        body, files, _ = unpack(data, label)
    except InputError as exc:
        kept.append(
            f"{label}: Outlook's TNEF, not read ({exc.message.partition(': ')[2]}), copied as "
            "it was; check it or remove it / winmail.dat 无法读取，原样保留"
        )
        return
    policy = part.policy
    subs: list[EmailMessage] = []
    if body.strip():
        sub = EmailMessage(policy=policy)
        sub.set_content(
            _replaced(body, deid), subtype="plain", charset="utf-8", cte="base64",
            disposition="attachment", filename="winmail-body.txt",
        )  # fmt: skip
        subs.append(sub)
    for fname, raw in files:
        _name_warning(fname, f"{label}!{fname}", deid, kept)
        new = _file(raw, fname, "application/octet-stream", f"{label}!{fname}", rewrite_file, kept)
        kind = mimetypes.guess_type(fname)[0] or "application/octet-stream"
        sub = EmailMessage(policy=policy)
        sub.set_content(
            new, *kind.split("/", 1), disposition="attachment", filename=fname
        )  # fmt: skip
        subs.append(sub)
    part.clear_content()  # type: ignore[attr-defined]
    part.make_mixed()  # type: ignore[attr-defined]
    for sub in subs:
        del sub["MIME-Version"]
        part.attach(sub)
    del part["MIME-Version"]
    kept.append(
        f"{label}: Outlook's TNEF turned into plain MIME: its body as winmail-body.txt "
        "(text: the rich-text formatting is not kept) and its files as attachments, each "
        "de-identified / winmail.dat 已转为普通附件（正文为纯文本）并去标识化"
    )


def _text_of(part: Message) -> str | None:
    """A body text part's text (not an attachment), decoded; None for anything else."""
    if part.get_filename() is not None or part.get_content_disposition() == "attachment":
        return None
    if part.get_content_type() not in ("text/plain", "text/html"):
        return None
    return part_text(part)


def _replaced(text: str, deid: Deidentifier) -> str:
    for a, b, new in reversed(deid.replacements(text)):
        text = text[:a] + new + text[b:]
    return text


def _headers(msg: Message, deid: Deidentifier) -> None:
    """Each header whose decoded value holds PI, written again (encoded where it must be);
    the others keep their source bytes. In address headers the display names are read as
    names, and an address replaced by what is not one is written as one (`_as_address`),
    so the header still parses."""
    store: list[tuple[str, object]] = msg._headers  # type: ignore[attr-defined]  # in place: order kept
    from tianping.privacy._mail import ADDRESS_HEADERS, STRUCTURE

    for i, (name, value) in enumerate(store):
        if name.lower() in STRUCTURE:
            continue
        try:  # decoded: the store holds the source text, =?utf-8?b?…?= words and all
            text = str(msg.policy.header_fetch_parse(name, value))  # type: ignore[arg-type]
        except (UnicodeError, LookupError):
            continue
        if name.lower() in ADDRESS_HEADERS:
            new = _address_header(text, deid)
        else:
            new = _replaced(text, deid)
        if new != text:
            store[i] = msg.policy.header_store_parse(name, new)


def _address_header(text: str, deid: Deidentifier) -> str:
    from tianping.privacy._mail import display_names, name_context, name_line

    names = list(display_names(text))
    edits = []
    for a, b, new in deid.replacements(text):
        if "@" in text[a:b]:
            new = _as_address(new)
        else:  # a name the text scan found (Zhang San): still a display name, quoted if need be
            for start, end in names:
                if start <= a and b <= end:
                    new = _phrase(new, start > 0 and text[start - 1] == '"')
                    break
        edits.append((a, b, new))
    for start, end in names:
        if any(a < end and start < b for a, b, _ in edits):
            continue
        line, turned = name_line(text[start:end])
        shift = len(name_context(text[start:end]))
        quoted = start > 0 and text[start - 1] == '"'
        for a, b, new in deid.replacements(line):
            if turned and a <= shift and b >= len(line):  # "Last, First" read whole
                edits.append((start, end, _phrase(new, quoted)))
            elif a >= shift and not turned:  # within the name
                edits.append((start + a - shift, start + b - shift, _phrase(new, quoted)))
    for a, b, new in sorted(edits, reverse=True):
        text = text[:a] + new + text[b:]
    return text


_ATEXT = re.compile(r"[^A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+")


def _as_address(new: str) -> str:
    """A replaced e-mail address as an address still: a pseudonym or a redaction mark
    (EMAIL_3f…, [EMAIL]) becomes a local part at the reserved domain `invalid` (RFC 2606),
    so mail software reads the header; a masked address (z***@163.com) stays as it is."""
    local, at, domain = new.rpartition("@")
    if at and local and not _ATEXT.search(local) and re.fullmatch(r"[A-Za-z0-9.*-]+", domain):
        return new
    return (_ATEXT.sub("_", new).strip("._") or "redacted") + "@invalid"


def _phrase(new: str, quoted: bool) -> str:
    """A replaced display name that stays one: quoted where it has RFC 5322 specials,
    escaped inside the quotes it stands in."""
    escaped = new.replace("\\", "\\\\").replace('"', '\\"')
    if quoted:
        return escaped
    return f'"{escaped}"' if re.search(r'[()<>\[\]:;@\\,."]', new) else new


def _set_text(part: Message, text: str) -> None:
    """A text part's new text in its charset and transfer encoding (UTF-8 where its
    charset cannot hold the new text)."""
    charset = part.get_content_charset() or "us-ascii"
    try:
        data = text.encode(charset)
    except (UnicodeEncodeError, LookupError):
        charset, data = "utf-8", text.encode("utf-8")
        part.set_param("charset", "utf-8")
        if (part.get("Content-Transfer-Encoding") or "7bit").lower() in ("7bit", ""):
            del part["Content-Transfer-Encoding"]
            part["Content-Transfer-Encoding"] = "base64"
    _set_bytes(part, data)


def _set_bytes(part: Message, data: bytes) -> None:
    cte = (part.get("Content-Transfer-Encoding") or "7bit").lower().strip()
    if cte == "base64":
        payload = base64.encodebytes(data).decode("ascii")
    elif cte == "quoted-printable":
        payload = quopri.encodestring(data).decode("ascii")
    else:  # 7bit/8bit: the bytes as they go out (the parser keeps them so too)
        payload = data.decode("ascii", errors="surrogateescape")
    part.set_payload(payload)


def _attachment(data: bytes, suffix: str, rewrite_file: FileRewriter) -> tuple[bytes, list[str]]:
    with tempfile.TemporaryDirectory(prefix="tianping-mail-") as tmp:
        src, out = Path(tmp) / f"in{suffix}", Path(tmp) / f"out{suffix}"
        src.write_bytes(data)
        try:
            warnings = rewrite_file(src, out)
        except InputError as exc:
            return data, [f"not de-identified: {exc.message.replace(str(src), 'the file')}"]
        return out.read_bytes(), warnings
