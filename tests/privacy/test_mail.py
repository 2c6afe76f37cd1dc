"""E-mail files: real MIME messages written by the standard library's generator (GBK text
in base64, RFC 2047 names, HTML alternatives, attachments, a forwarded message), scanned
with their attachments read as the files they are."""

from __future__ import annotations

import base64
import email
import email.policy
import mailbox
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest

from tianping.errors import InputError
from tianping.privacy._mail import messages
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


def _mailbox(tmp_path: Path) -> Path:
    """An .mbox of two messages, written by the standard library's mailbox module."""
    path = tmp_path / "export.mbox"
    box = mailbox.mbox(str(path))
    for k in (1, 2):
        box.add(_message(tmp_path, k))
    box.flush()
    box.close()
    return path


def test_a_mailbox_is_read_message_by_message(tmp_path: Path) -> None:
    path = _mailbox(tmp_path)
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
    msg = tmp_path / "x.msg"  # an OLE signature and nothing of a compound file after it
    msg.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    rep, _ = scan_one(msg, ScanOptions())[0]
    assert rep.status == "error" and "unreadable Outlook message" in (rep.message or "")


def test_mail_is_deidentified_with_its_attachments(tmp_path: Path) -> None:
    """Headers (decoded, written back encoded), the GBK base64 body, the HTML body and its
    tel: link, the attached workbook and the forwarded message lose their PI; a message
    without PI comes out byte for byte; a PDF attachment that cannot be read is copied and
    named."""
    import io

    import openpyxl

    from tianping.privacy._deid import deid_path
    from tianping.privacy._mail import messages
    from tianping.privacy._policy import parse_policy

    msg = _message(tmp_path)
    fwd = EmailMessage(policy=SMTP)
    fwd["Subject"] = "Fwd"
    fwd.set_content("手机 13912345678")
    msg.add_attachment(fwd)
    msg.add_attachment(b"%PDF-1.4 " + MOBILE.encode(), maintype="application",
                       subtype="pdf", filename="scan.pdf")  # fmt: skip
    src = tmp_path / "mail.eml"
    src.write_bytes(msg.as_bytes())
    out = tmp_path / "clean.eml"
    pol = parse_policy("types:\n  '*': {action: redact}\n")
    f = deid_path(src, out, pol).files[0]
    assert f.format == "mail" and f.records == 1
    # the body, its HTML copy, the forwarded message; the workbook names its author; the
    # sender's display name is a name
    assert f.replaced == {
        "cn_mobile": 3,
        "cn_resident_id": 1,
        "document_author": 1,
        "email": 2,
        "ipv4": 1,
        "person_name_zh": 1,
    }
    assert [w.split(":")[0] for w in f.warnings] == ["scan.pdf"]
    headers, body, files = next(messages(out))
    raw = out.read_bytes()  # name and address go; the header still parses
    assert b'From: "[PERSON_NAME_ZH]" <EMAIL@invalid>' in raw and b"To: EMAIL@invalid" in raw
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    sender = parsed["From"]
    assert not sender.defects
    assert [(a.display_name, a.addr_spec) for a in sender.addresses] == [
        ("[PERSON_NAME_ZH]", "EMAIL@invalid")
    ]
    assert "[IPV4]" in headers and EMAIL.encode() not in raw
    assert MOBILE not in body and "王经理您好，我的手机 [CN_MOBILE]，请回电。" in body
    assert "tel:[CN_MOBILE]" in body
    attached = dict(files)
    book = openpyxl.load_workbook(io.BytesIO(attached["报销单.xlsx"]))
    assert [list(r) for r in book.active.values][1] == ["韩梅梅", "[CN_RESIDENT_ID]"]
    assert b"[CN_MOBILE]" in attached["message2.eml"]
    assert attached["scan.pdf"].endswith(MOBILE.encode())  # copied, and said so
    after = {rep.path: rep.counts for rep, _ in scan_one(out, ScanOptions())}
    # a name only the sheet's header marks: left, as in a workbook de-identified alone
    assert after == {str(out): {}, f"{out}!报销单.xlsx": {"person_name_zh": 1},
                     f"{out}!message2.eml": {}, f"{out}!scan.pdf": {}}  # fmt: skip
    assert f.left == {"attachment:Sheet!姓名": {"person_name_zh": 1}}
    # the body is still GBK in base64, as it was
    text_part = next(p for p in _parsed(out).walk() if p.get_content_type() == "text/plain")
    assert text_part.get_content_charset() == "gbk"
    assert text_part["Content-Transfer-Encoding"] == "base64"

    plain = EmailMessage(policy=SMTP)
    plain["Subject"] = "周报"
    plain.set_content("本周无事。", charset="gbk", cte="base64")
    quiet = tmp_path / "quiet.eml"
    quiet.write_bytes(plain.as_bytes())
    deid_path(quiet, tmp_path / "quiet-out.eml", pol)
    assert (tmp_path / "quiet-out.eml").read_bytes() == quiet.read_bytes()


def test_pdf_attachments_are_deidentified_others_named(tmp_path: Path) -> None:
    """A real PDF attachment (fpdf2, a text layer) is de-identified as a PDF file is; a
    voice memo is copied and named; a broken PDF is kept with the reason it was."""
    fpdf = pytest.importorskip("fpdf")
    from tianping.privacy._deid import deid_path
    from tianping.privacy._policy import parse_policy

    pdf = fpdf.FPDF()
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.cell(0, 10, f"Mobile {MOBILE}, e-mail {EMAIL}", new_x="LMARGIN", new_y="NEXT")
    contract = tmp_path / "contract.pdf"
    pdf.output(str(contract))
    msg = EmailMessage(policy=SMTP)
    msg["Subject"] = "contract"
    msg.set_content("see attached")
    msg.add_attachment(contract.read_bytes(), maintype="application", subtype="pdf",
                       filename="contract.pdf")  # fmt: skip
    msg.add_attachment(b"#!AMR\n" + MOBILE.encode(), maintype="audio", subtype="amr",
                       filename="voice.amr")  # fmt: skip
    msg.add_attachment(b"%PDF-1.4 broken", maintype="application", subtype="pdf",
                       filename="broken.pdf")  # fmt: skip
    src, out = tmp_path / "mail.eml", tmp_path / "clean.eml"
    src.write_bytes(msg.as_bytes())
    before = {rep.path: rep.counts for rep, _ in scan_one(src, ScanOptions())}
    assert before[f"{src}!contract.pdf"] == {"cn_mobile": 1, "email": 1}
    f = deid_path(src, out, parse_policy("types:\n  '*': {action: redact}\n")).files[0]
    assert f.replaced == {"cn_mobile": 1, "email": 1}
    named = {w.split(": ")[0]: w for w in f.warnings}
    assert set(named) == {"contract.pdf", "voice.amr", "broken.pdf"}
    assert "redrawn as pictures" in named["contract.pdf"]  # the PDF rewrite's own warning
    assert "copied as it was" in named["voice.amr"]
    assert "not de-identified" in named["broken.pdf"]
    after = {rep.path: rep.counts for rep, _ in scan_one(out, ScanOptions())}
    assert after[f"{out}!contract.pdf"] == {}
    attached = dict(next(messages(out))[2])
    assert attached["contract.pdf"].startswith(b"%PDF") and f.left == {}


def test_directory_names_and_system_senders(tmp_path: Path) -> None:
    """An address book's "Last, First" is a person's name, read and replaced whole; a
    system sender (Mail Delivery Subsystem, Microsoft Outlook) is not a name."""
    from tianping.privacy._deid import deid_path
    from tianping.privacy._policy import parse_policy

    msg = EmailMessage(policy=SMTP)
    msg["From"] = '"Hergenroder, Christi" <c.hergenroder@example.com>'
    msg["To"] = "Mail Delivery Subsystem <mailer-daemon@example.com>"
    msg["Cc"] = "Microsoft Outlook <outlook@example.com>, noreply github <n@example.com>"
    msg["Reply-To"] = "zhang wei <zw@example.com>"  # typed in lower case: a name all the same
    msg["Subject"] = "undeliverable"
    msg.set_content("see below")
    src, out = tmp_path / "bounce.eml", tmp_path / "clean.eml"
    src.write_bytes(msg.as_bytes())
    _, found = scan_one(src, ScanOptions())[0]
    names = [f for f in found if f.column == "names"]
    assert [(f.pi_type, f.preview) for f in names] == [
        ("person_name_en", "C****** H**********"), ("person_name_en", "Z**** W**")
    ]  # fmt: skip
    f = deid_path(src, out, parse_policy("types:\n  '*': {action: redact}\n")).files[0]
    assert f.replaced == {"email": 5, "person_name_en": 2}
    parsed = _parsed(out)
    assert str(parsed["From"]) == '"[PERSON_NAME_EN]" <EMAIL@invalid>'
    assert str(parsed["To"]).startswith("Mail Delivery Subsystem <")
    assert str(parsed["Reply-To"]) == '"[PERSON_NAME_EN]" <EMAIL@invalid>'
    assert "noreply github <" in str(parsed["Cc"])


def _parsed(path: Path) -> EmailMessage:
    import email
    from email.policy import default

    msg = email.message_from_bytes(path.read_bytes(), policy=default)
    assert isinstance(msg, EmailMessage)
    return msg


def test_a_mailbox_is_deidentified_message_by_message(tmp_path: Path) -> None:
    from tianping.privacy._deid import deid_path
    from tianping.privacy._mail import messages
    from tianping.privacy._policy import parse_policy

    src = _mailbox(tmp_path)
    out = tmp_path / "clean.mbox"
    f = deid_path(src, out, parse_policy("types:\n  '*': {action: redact}\n")).files[0]
    assert f.records == 2 and f.replaced["cn_resident_id"] == 2
    bodies = [body for _, body, _ in messages(out)]
    assert len(bodies) == 2 and all("[CN_MOBILE]" in b and MOBILE not in b for b in bodies)
    with pytest.raises(InputError, match="no columns"):
        deid_path(src, tmp_path / "x.mbox", parse_policy("columns:\n  a: {action: redact}\n"))


def test_address_headers_names_and_addresses_stay_mail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Display names in From/To/Cc are people: scans read them (`names`), de-identification
    replaces them, and a replaced address is written so the header still parses (a
    pseudonym or mark at the reserved domain `invalid`); organisations stay; a subject in
    encoded words is read decoded."""
    from tianping.privacy._deid import deid_path
    from tianping.privacy._policy import parse_policy

    msg = EmailMessage(policy=SMTP)
    msg["From"] = "韩梅梅 <hmm@example.cn>"
    msg["To"] = '"Lei, Li" <li@example.com>, Zhang San <zs@163.com>, 京东客服 <jd@jd.com>'
    msg["Cc"] = "Alipay Service <service@alipay.com>"
    msg["Subject"] = "x"
    msg.set_content("ok")
    src = tmp_path / "a.eml"
    subject = base64.b64encode("回电 13812345678".encode()).decode()  # one encoded word
    src.write_bytes(
        msg.as_bytes().replace(b"Subject: x", f"Subject: =?utf-8?b?{subject}?=".encode())
    )
    assert b"13812345678" not in src.read_bytes()  # encoded in the source
    rep, found = scan_one(src, ScanOptions())[0]
    names = {c.column: c.types for c in rep.columns}["names"]
    assert names == {"person_name_zh": 1, "person_name_en": 2}  # "Lei, Li" read as Li Lei
    assert "韩梅梅" not in rep.model_dump_json() + "".join(f.model_dump_json() for f in found)
    for action, mark in (("redact", "[EMAIL]"), ("pseudonymise", "EMAIL_"), ("mask", "***")):
        out = tmp_path / f"{action}.eml"
        pol = parse_policy(
            f"key: {{env: TIANPING_TEST_KEY}}\ntypes:\n  '*': {{action: {action}}}\n"
        )
        monkeypatch.setenv("TIANPING_TEST_KEY", "k" * 20)
        f = deid_path(src, out, pol).files[0]
        assert f.replaced["person_name_zh"] == 1 and f.replaced["email"] == 5, action
        assert f.replaced["cn_mobile"] == 1 and f.left == {}, action
        parsed = email.message_from_bytes(out.read_bytes(), policy=email.policy.default)
        for header in ("From", "To", "Cc"):
            value = parsed[header]
            assert not value.defects, (action, header, str(value))
            for a in value.addresses:
                assert a.domain in ("invalid", "example.cn", "example.com", "163.com",
                                    "jd.com", "alipay.com"), (action, a)  # fmt: skip
                assert mark.strip("[]") in a.addr_spec or "*" in a.addr_spec, (action, a)
        shown = {a.display_name for h in ("From", "To", "Cc") for a in parsed[h].addresses}
        assert not {"韩梅梅", "Zhang San", "Lei, Li"} & shown, action
        assert {"京东客服", "Alipay Service"} <= shown, action
        assert "13812345678" not in str(parsed["Subject"]), action


def test_a_zip_attachment_is_deidentified_member_by_member(tmp_path: Path) -> None:
    import io
    import zipfile

    from tianping.privacy._deid import deid_path
    from tianping.privacy._policy import parse_policy

    box = io.BytesIO()
    with zipfile.ZipFile(box, "w") as zf:
        zf.writestr("报销/名单.csv", f"姓名,手机\n韩梅梅,{MOBILE}\n")
        zf.writestr("报销/blob.bin", b"\x00\x01\x02" + MOBILE.encode())
    msg = EmailMessage(policy=SMTP)
    msg["Subject"] = "材料"
    msg.set_content("见附件")
    msg.add_attachment(box.getvalue(), maintype="application", subtype="zip",
                       filename="材料.zip")  # fmt: skip
    src, out = tmp_path / "mail.eml", tmp_path / "clean.eml"
    src.write_bytes(msg.as_bytes())
    f = deid_path(src, out, parse_policy("types:\n  '*': {action: redact}\n")).files[0]
    assert f.replaced["cn_mobile"] == 1
    assert any(w.startswith("材料.zip: 报销/blob.bin: left out of the archive") for w in f.warnings)
    attached = dict(next(messages(out))[2])
    with zipfile.ZipFile(io.BytesIO(attached["材料.zip"])) as zf:
        assert zf.namelist() == ["报销/名单.csv"]  # the unreadable member is not copied
        assert MOBILE.encode() not in zf.read("报销/名单.csv")


def test_attachments_without_a_suffix(tmp_path: Path) -> None:
    """Text without a suffix (AUTHORS) is de-identified as text; a PGP signature, which
    any change would break, is copied as it was and named."""
    from tianping.privacy._deid import deid_path
    from tianping.privacy._policy import parse_policy

    msg = EmailMessage(policy=SMTP)
    msg["Subject"] = "release"
    msg.set_content("see attached")
    msg.add_attachment(f"maintainer {EMAIL}\n".encode(), maintype="application",
                       subtype="octet-stream", filename="AUTHORS")  # fmt: skip
    signature = f"-----BEGIN PGP SIGNATURE-----\n{MOBILE}abc\n-----END PGP SIGNATURE-----\n"
    msg.add_attachment(signature.encode(), maintype="application", subtype="pgp-signature")
    src = tmp_path / "m.eml"
    src.write_bytes(msg.as_bytes())
    out = tmp_path / "out.eml"
    f = deid_path(src, out, parse_policy("types:\n  '*': {action: redact}\n")).files[0]
    parsed = email.message_from_bytes(out.read_bytes(), policy=email.policy.default)
    parts = list(parsed.iter_attachments())
    assert parts[0].get_content() == b"maintainer [EMAIL]\n"
    assert parts[1].get_content() == signature.encode()  # left whole
    assert [w.split(":")[0] for w in f.warnings] == ["part3"]
