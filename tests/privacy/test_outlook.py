"""Outlook .msg files: two real messages written by Outlook 16.0 (`data/outlook/`, from
msg_parser's test files, BSD), read as the e-mail they are, scanned with their attachments
(an attached message, a PDF inside it) and de-identified into .eml; compressed RTF bodies
checked against the plain-text bodies Outlook stored beside them."""

from __future__ import annotations

import email
import email.policy
import json
import re
import shutil
import struct
from pathlib import Path

import pytest

from tianping.errors import InputError
from tianping.privacy._outlook import decompress_rtf, read_msg
from tianping.privacy._rtf import rtf_text
from tianping.privacy._scan import ScanOptions, scan_one, scan_paths

DATA = Path(__file__).parent / "data" / "outlook"
OTHER, OUTER = DATA / "other.msg", DATA / "outer.msg"
# values the messages hold, which no report may show
RAW = ("hp_lsz@tjdpf.org.cn", "yosipnps@model.com", "mailer-daemon@tjdpf.org.cn",
       "outer@foo.bar", "christi_hergenroder@mentor.com")  # fmt: skip


def _streams(name: str) -> list[tuple[bytes, str]]:
    """(compressed RTF, plain body) of every message in other.msg."""
    import olefile

    out = []
    with olefile.OleFileIO(str(OTHER)) as ole:
        for entry in ole.listdir():
            if entry[-1] == name:
                body = ole.openstream([*entry[:-1], "__substg1.0_1000001F"]).read()
                out.append((ole.openstream(entry).read(), body.decode("utf-16-le")))
    return out


def test_transport_headers_body_and_attached_message_are_read() -> None:
    msg = read_msg(OTHER)
    assert msg["From"] == "Mail Delivery Subsystem <mailer-daemon@tjdpf.org.cn>"
    assert msg["To"] == "yosipnps@model.com"
    assert msg["Subject"] == "投递状态通知 (Failure Notice)"
    assert len(msg.get_all("Received") or []) >= 2  # relays kept, their addresses with them
    assert "到以下收信人地址的邮件投递失败" in msg.get_body().get_content()
    (attached,) = msg.iter_attachments()
    assert attached.get_content_type() == "message/rfc822"
    inner = attached.get_payload()[0]
    assert inner["From"] == "Meredith chen <yosipnps@model.com>"
    assert inner["X-Outlook-Creator"] == '"Hergenroder, Christi" <>'
    assert inner["X-Outlook-Last-Modifier"] == "christi_hergenroder@mentor.com"
    (pdf,) = inner.iter_attachments()
    assert pdf.get_filename() == "北京 2017年12月02-03日 销售主管 确认n.pdf"
    assert pdf.get_content().startswith(b"%PDF")


def test_headers_from_properties_when_outlook_kept_none() -> None:
    msg = read_msg(OUTER)  # composed in Outlook, never sent: no transport headers
    assert (msg["To"], msg["Subject"]) == ("outer@foo.bar", "outer subject")
    assert msg["Date"] == "Tue, 15 Nov 2016 23:29:05 +0000"  # PidTagClientSubmitTime
    assert msg.get_body().get_content().strip() == "Outer body"
    inner = next(msg.iter_attachments()).get_payload()[0]
    assert (inner["To"], inner["Subject"]) == ("test@foobar.com", "test")


def test_compressed_rtf_gives_the_plain_body() -> None:
    found = _streams("__substg1.0_10090102")
    assert len(found) == 2  # both messages: HTML in RTF, code pages 936 and 1252 + GB fonts
    squash = re.compile(r"\s+")
    for packed, body in found:
        rtf = decompress_rtf(packed)
        assert rtf.startswith(b"{\\rtf1") and b"\\fromhtml1" in rtf
        text = squash.sub("", rtf_text(rtf))
        lines = [squash.sub("", line) for line in body.splitlines() if line.strip()]
        assert lines and all(line in text for line in lines), body
        broken = bytearray(packed)
        broken[16] ^= 0xFF  # the first flag byte: what it expands to is no RTF
        with pytest.raises(ValueError, match="CRC"):
            decompress_rtf(bytes(broken))
        wrong = bytearray(packed)
        wrong[12:16] = b"\0\0\0\0"  # only the CRC wrong, as some writers leave it: kept
        assert decompress_rtf(bytes(wrong)) == rtf
    stored = struct.pack("<IIII", 12 + 5, 5, 0x414C454D, 0) + b"{\\rtf1 x}"[:5]
    assert decompress_rtf(stored) == b"{\\rtf"  # MELA: stored, not compressed


def test_msg_files_are_scanned_with_their_attachments(tmp_path: Path) -> None:
    for src in (OTHER, OUTER):
        shutil.copy(src, tmp_path / src.name)
    report = scan_paths([tmp_path], ScanOptions())
    by_path = {f.path: f for f in report.files}
    assert all(f.status == "ok" for f in report.files), [f.message for f in report.files]
    other = by_path[str(tmp_path / "other.msg")]
    assert {"headers", "body", "names"} <= {c.column for c in other.columns}
    assert other.counts["email"] >= 3 and other.counts["ipv4"] >= 1  # Received: relays
    pdf = f"{tmp_path / 'other.msg'}!message1.eml!北京 2017年12月02-03日 销售主管 确认n.pdf"
    assert by_path[pdf].counts["cn_mobile"] == 1 and by_path[pdf].counts["cn_landline"] == 1
    assert by_path[str(tmp_path / "outer.msg!message1.eml")].counts["email"] == 1
    shown = json.dumps(report.model_dump(mode="json"), ensure_ascii=False)
    assert not [raw for raw in RAW if raw in shown]


def test_msg_is_deidentified_into_eml(tmp_path: Path) -> None:
    from tianping.privacy._deid import deid_path
    from tianping.privacy._policy import parse_policy

    policy = parse_policy("types:\n  '*': {action: redact}\n")
    refused = tmp_path / "out.msg"
    with pytest.raises(InputError, match=r"ending in \.eml"):
        deid_path(OTHER, refused, policy)
    assert not refused.exists()
    out = tmp_path / "out.eml"
    rep = deid_path(OTHER, out, policy).files[0]
    assert "written as an .eml" in rep.warnings[0]
    raw = out.read_bytes()
    assert not [v for v in RAW if v.encode() in raw]
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Subject"] == "投递状态通知 (Failure Notice)"
    assert not msg["From"].defects and msg["From"].addresses[0].domain == "invalid"
    inner = next(msg.iter_attachments()).get_payload()[0]
    assert str(inner["X-Outlook-Last-Modifier"]).endswith("@invalid")  # read as an address


def test_a_folder_of_msg_files_is_deidentified_into_eml(tmp_path: Path) -> None:
    from tianping.privacy._deid import deid_path
    from tianping.privacy._policy import parse_policy

    src, out = tmp_path / "export", tmp_path / "clean"
    (src / "2016").mkdir(parents=True)
    shutil.copy(OTHER, src / "other.msg")
    shutil.copy(OUTER, src / "2016" / "outer.msg")
    report = deid_path(src, out, parse_policy("types:\n  '*': {action: redact}\n"))
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "2016/outer.eml", "other.eml"
    ]  # fmt: skip
    assert all(f.status == "ok" for f in report.files)
    assert b"outer@foo.bar" not in (out / "2016" / "outer.eml").read_bytes()


def test_msg_in_a_zip_archive_becomes_eml(tmp_path: Path) -> None:
    import zipfile

    from tianping.privacy._deid import deid_path
    from tianping.privacy._policy import parse_policy

    box, out = tmp_path / "box.zip", tmp_path / "clean.zip"
    with zipfile.ZipFile(box, "w") as zf:
        zf.write(OUTER, "mail/outer.msg")
    report = deid_path(box, out, parse_policy("types:\n  '*': {action: redact}\n"))
    assert [(f.status, f.output) for f in report.files] == [("ok", f"{out}!mail/outer.eml")]
    with zipfile.ZipFile(out) as zf:
        assert zf.namelist() == ["mail/outer.eml"]
        assert b"outer@foo.bar" not in zf.read("mail/outer.eml")


def test_broken_msg_files_are_reported(tmp_path: Path) -> None:
    cut = tmp_path / "cut.msg"
    cut.write_bytes(OTHER.read_bytes()[:3000])  # a compound file cut short
    text = tmp_path / "note.msg"
    text.write_text("Subject: not an Outlook file\n\nhello\n", encoding="utf-8")
    good = tmp_path / "outer.msg"
    shutil.copy(OUTER, good)
    report = scan_paths([tmp_path], ScanOptions())
    by_path = {f.path: f for f in report.files}
    assert by_path[str(cut)].status == "error"
    assert "unreadable Outlook message" in (by_path[str(cut)].message or "")
    assert "not an OLE compound file" in (by_path[str(text)].message or "")
    assert by_path[str(good)].status == "ok"  # the run went on
    with pytest.raises(InputError, match="not an OLE"):
        read_msg(text)
    assert scan_one(good, ScanOptions())[0][0].rows == 1


def test_damaged_msg_files_fail_cleanly_or_read(tmp_path: Path) -> None:
    """Bytes of the real messages flipped at random (past the compound file's header):
    each is read, scanned and written as .eml, or refused with a located InputError."""
    import random

    from tianping.privacy._mail import _read, message_bytes

    rng = random.Random(5)
    outcomes = {"read": 0, "refused": 0}
    for k in range(120):
        data = bytearray((OTHER if k % 2 else OUTER).read_bytes())
        for _ in range(rng.choice([1, 5, 50, 300])):
            data[rng.randrange(512, len(data))] = rng.randrange(256)
        path = tmp_path / f"m{k}.msg"
        path.write_bytes(bytes(data))
        try:
            msg = read_msg(path)
        except InputError as exc:
            assert exc.message.startswith(str(path)), exc.message
            outcomes["refused"] += 1
            continue
        _read(msg)  # attached messages are written as .eml bytes here
        written = email.message_from_bytes(message_bytes(msg), policy=email.policy.default)
        assert len(list(written.iter_attachments())) == len(list(msg.iter_attachments()))
        outcomes["read"] += 1
    assert outcomes["read"] > 60 and outcomes["refused"] > 0, outcomes
