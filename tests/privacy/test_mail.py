"""E-mail files: real MIME messages written by the standard library's generator (GBK text
in base64, RFC 2047 names, HTML alternatives, attachments, a forwarded message), scanned
with their attachments read as the files they are."""

from __future__ import annotations

import mailbox
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest

from tianping.errors import InputError
from tianping.privacy._scan import ScanOptions, scan_one, scan_paths

MOBILE, ID, EMAIL = "13812345678", "11010519491231002X", "li.lei@example.com"


def _message(tmp_path: Path, k: int = 1) -> EmailMessage:
    import openpyxl

    msg = EmailMessage(policy=SMTP)
    msg["From"] = f"李雷 <{EMAIL}>"  # a Chinese name: written as =?utf-8?b?…?=
    msg["To"] = "hr@example.cn"
    msg["Subject"] = f"报销单 {k}"
    msg["Received"] = "from mail.example.cn ([175.112.166.216]) by mx.example.cn"
    msg.set_content(f"王经理您好，我的手机 {MOBILE}，请回电。", charset="gbk", cte="base64")
    msg.add_alternative(
        f'<p>王经理您好</p><p>请回电 <a href="tel:{MOBILE}">我</a></p><style>p{{}}</style>',
        subtype="html",
    )
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["姓名", "身份证号"])
    ws.append(["韩梅梅", ID])
    book = tmp_path / f"book{k}.xlsx"
    wb.save(book)
    msg.add_attachment(
        book.read_bytes(),
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename="报销单.xlsx",
    )
    return msg


def test_a_saved_message_and_its_attachments_are_scanned(tmp_path: Path) -> None:
    msg = _message(tmp_path)
    fwd = EmailMessage(policy=SMTP)
    fwd["Subject"] = "Fwd"
    fwd.set_content("手机 13912345678")
    msg.add_attachment(fwd)  # a forwarded message, read as an .eml of its own
    path = tmp_path / "mail.eml"
    path.write_bytes(msg.as_bytes())
    assert b"13812345678" not in path.read_bytes()  # the body is base64 in the file

    results = scan_one(path, ScanOptions())
    reports = {rep.path: rep for rep, _ in results}
    top = reports[str(path)]
    assert top.status == "ok" and top.format == "mail"
    cols = {c.column: c.types for c in top.columns}
    assert cols["headers"] == {"email": 2, "ipv4": 1}  # sender, recipient, relay
    # the plain body (decoded from GBK) and the HTML one (its text and its tel: link)
    assert cols["body"] == {"cn_mobile": 2}
    sheet = reports[f"{path}!报销单.xlsx"]
    assert sheet.format == "excel" and sheet.counts["cn_resident_id"] == 1
    forwarded = reports[f"{path}!message2.eml"]
    assert forwarded.counts == {"cn_mobile": 1}
    shown = "".join(r.model_dump_json() for r in reports.values())
    shown += "".join(f.preview for _, ex in results for f in ex)
    for raw in (MOBILE, ID, EMAIL, "13912345678"):
        assert raw not in shown


def test_a_mailbox_is_read_message_by_message(tmp_path: Path) -> None:
    path = tmp_path / "export.mbox"
    box = mailbox.mbox(str(path))
    for k in (1, 2):
        box.add(_message(tmp_path, k))
    box.flush()
    box.close()
    report = scan_paths([path])
    by_path = {f.path: f for f in report.files}
    top = by_path[str(path)]
    assert top.rows == 2  # a message a row
    assert {c.column: c.types for c in top.columns}["body"] == {"cn_mobile": 4}
    assert by_path[f"{path}!message2/报销单.xlsx"].counts["cn_resident_id"] == 1
    assert f"{path}!message1/报销单.xlsx" in by_path


def test_not_mail_and_outlook_files(tmp_path: Path) -> None:
    bad = tmp_path / "notes.eml"
    bad.write_text("just a line of text, no headers\n", encoding="utf-8")
    rep, _ = scan_one(bad, ScanOptions())[0]
    assert rep.status == "error" and "not an .eml message" in (rep.message or "")
    msg = tmp_path / "x.msg"
    msg.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    rep, _ = scan_one(msg, ScanOptions())[0]
    assert rep.status == "skipped" and ".eml" in (rep.message or "")


def test_mail_is_not_rewritten_as_text(tmp_path: Path) -> None:
    """Read as text, a base64 body would pass through de-identification unread."""
    from tianping.privacy._deid import deid_path
    from tianping.privacy._policy import parse_policy

    path = tmp_path / "mail.eml"
    path.write_bytes(_message(tmp_path).as_bytes())
    with pytest.raises(InputError, match="not rewritten"):
        deid_path(path, tmp_path / "out.eml", parse_policy("types:\n  '*': {action: redact}\n"))
    assert not (tmp_path / "out.eml").exists()
