"""Outlook's TNEF attachments (winmail.dat): the 19 real TNEF streams of tnefparse's test
data (Outlook and Exchange output, 1999-2017: RTF, HTML and plain bodies, attachments,
embedded objects, a bad checksum, garbage at the end), fetched from PyPI with the tnefparse
1.4.0 sdist at test time (LGPL test data, not copied into this repository), read on their
own and as winmail.dat attachments of real MIME messages."""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest

from tianping.errors import InputError
from tianping.privacy._mail import messages
from tianping.privacy._scan import ScanOptions, scan_one
from tianping.privacy._tnef import SIGNATURE, is_tnef, unpack

pytest.importorskip("tnefparse")


@pytest.fixture(scope="session")
def tnef_examples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """{file name: bytes} of tnefparse 1.4.0's tests/examples/*.tnef."""
    folder = tmp_path_factory.mktemp("tnefparse")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
         "tnefparse==1.4.0", "-d", str(folder), "-q"],
        capture_output=True, timeout=300, check=False,
    )  # fmt: skip
    sdists = list(folder.glob("tnefparse-1.4.0.tar.gz"))
    if done.returncode != 0 or not sdists:
        pytest.skip("the tnefparse 1.4.0 sdist (its TNEF test files) could not be fetched")
    with tarfile.open(sdists[0]) as tar:
        return {
            Path(m.name).name: tar.extractfile(m).read()  # type: ignore[union-attr]
            for m in tar.getmembers()
            if m.name.endswith(".tnef") and "/tests/examples/" in m.name
        }


def test_every_stream_gives_its_body_and_attachments(tnef_examples: dict[str, bytes]) -> None:
    assert len(tnef_examples) == 19
    bodies = {}
    empty = set()
    for name, data in tnef_examples.items():
        assert data[:4] == SIGNATURE and is_tnef(data, "winmail.dat", "application/octet-stream")
        try:
            body, files, _ = unpack(data, name)
        except InputError as exc:
            assert "nothing in it read" in exc.message
            empty.add(name)
            continue
        bodies[name] = (body, dict(files))
    # neither a body nor a file in these two: kept whole, so scans say they were not read
    assert empty == {"garbage-at-end.tnef", "multi-name-property.tnef"}
    # RTF bodies, compressed: a 1999 one whose CRC is wrong, Norwegian and German text
    assert "gallen@numega.com" in bodies["rtf.tnef"][0]
    assert "978-287-4494 (Office)" in bodies["rtf.tnef"][0]
    assert bodies["umlaut.tnef"][0] == "TEST äöü +-*/~"
    assert "bodødamene" in bodies["MAPI_ATTACH_DATA_OBJ.tnef"][0]
    assert bodies["body.tnef"][0].startswith("THE BILL OF RIGHTS")  # an HTML body
    assert "Przesyłam poprawiony plik" in bodies["unicode-mapi-attr-name.tnef"][0]
    authors = bodies["two-files.tnef"][1]["AUTHORS"]
    assert b"damned@world.std.com" in authors and set(bodies["two-files.tnef"][1]) == {
        "AUTHORS", "README"
    }  # fmt: skip
    assert set(bodies["umlaut.tnef"][1]) == {"TBZ PARIV GmbH.jpg", "image003.jpg",
                                             "UmlautAnhang-äüö.txt"}  # fmt: skip
    assert bodies["MAPI_ATTACH_DATA_OBJ.tnef"][1]["VIA_Nytt_1402.pdf"][:4] == b"%PDF"


def test_the_rtf_body_reads_as_the_plain_body_outlook_kept(
    tnef_examples: dict[str, bytes],
) -> None:
    """triples.tnef keeps both: our RTF reading of one is the other."""
    import tnefparse

    from tianping.privacy._outlook import decompress_rtf
    from tianping.privacy._rtf import rtf_text
    from tianping.privacy._tnef import _rtf_compressed

    tnef = tnefparse.TNEF(tnef_examples["triples.tnef"])
    plain = tnef.body.replace("\x00", "").strip()
    assert plain and rtf_text(decompress_rtf(_rtf_compressed(tnef))) == plain


def _mail_with(folder: Path, tnef: bytes) -> Path:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = "Greg Allen <gallen@example.com>"
    msg["To"] = "qa@example.com"
    msg["Subject"] = "license"
    msg.set_content("See the attached file.")  # what mail readers show without TNEF
    msg.add_attachment(tnef, maintype="application", subtype="ms-tnef", filename="winmail.dat")
    path = folder / "outlook.eml"
    path.write_bytes(msg.as_bytes())
    return path


def test_a_winmail_dat_attachment_is_scanned_inside(
    tmp_path: Path, tnef_examples: dict[str, bytes]
) -> None:
    path = _mail_with(tmp_path, tnef_examples["rtf.tnef"])
    _, body, files = next(messages(path))
    assert "gallen@numega.com" in body and not files  # the body inside, nothing else
    two = tmp_path / "two"
    two.mkdir()
    reports = {
        rep.path: rep.counts
        for rep, _ in scan_one(_mail_with(two, tnef_examples["two-files.tnef"]), ScanOptions())
    }
    assert reports[f"{two / 'outlook.eml'}!winmail.dat!AUTHORS"] == {
        "email": 2,
        "person_name_en": 1,
    }
    found = scan_one(path, ScanOptions())[0]
    assert found[0].counts["email"] >= 2 and found[0].counts["phone"] == 2
    shown = "".join(f.model_dump_json() for f in found[1])
    assert "gallen@numega.com" not in shown and not re.search(r"978-287-4494", shown)


def test_deid_turns_winmail_dat_into_plain_mime(
    tmp_path: Path, tnef_examples: dict[str, bytes]
) -> None:
    """winmail.dat becomes a multipart part in its place: the body, de-identified, as
    winmail-body.txt and each file as an attachment, de-identified as that file (AUTHORS,
    text with no suffix, included); a scan of the output finds no PI the policy acts on."""
    import email
    import email.policy

    from tianping.privacy._deid import deid_path
    from tianping.privacy._policy import parse_policy

    policy = parse_policy("types:\n  '*': {action: redact}\n")
    src = _mail_with(tmp_path, tnef_examples["rtf.tnef"])
    out = tmp_path / "clean.eml"
    f = deid_path(src, out, policy).files[0]
    assert any(
        w.startswith("winmail.dat: Outlook's TNEF turned into plain MIME") for w in f.warnings
    )
    parsed = email.message_from_bytes(out.read_bytes(), policy=email.policy.default)
    names = [p.get_filename() for p in parsed.iter_attachments()]
    assert names == [None]  # the winmail.dat part, now multipart/mixed
    (box,) = parsed.iter_attachments()
    assert box.get_content_type() == "multipart/mixed"
    (body,) = box.iter_parts()
    text = body.get_content()
    assert body.get_filename() == "winmail-body.txt" and "[EMAIL]" in text
    assert "gallen@numega.com" not in text and "978-287-4494" not in text
    assert "Compuware Corporation" in text  # the rest of the body is kept
    assert f.replaced["phone"] >= 2
    found = scan_one(out, ScanOptions())
    assert all(not r.counts.get("phone") and not r.counts.get("email") for r, _ in found[:1])

    two = tmp_path / "two"
    two.mkdir()
    g = deid_path(_mail_with(two, tnef_examples["two-files.tnef"]), two / "c.eml", policy)
    parsed = email.message_from_bytes((two / "c.eml").read_bytes(), policy=email.policy.default)
    files = {p.get_filename(): p.get_content() for p in parsed.walk() if p.get_filename()}
    assert set(files) == {"AUTHORS", "README"}
    authors = files["AUTHORS"]  # no suffix: sent as application/octet-stream
    assert isinstance(authors, bytes) and b"damned@world.std.com" not in authors
    assert b"* Mark Simpson            [EMAIL]" in authors
    assert g.files[0].replaced["email"] >= 2


def test_deid_keeps_a_winmail_dat_it_cannot_read(tmp_path: Path) -> None:
    import email
    import email.policy

    from tianping.privacy._deid import deid_path
    from tianping.privacy._policy import parse_policy

    broken = SIGNATURE + b"\x01\x00" + b"\xff" * 40
    out = tmp_path / "clean.eml"
    policy = parse_policy("types:\n  email: {action: redact}\n")
    f = deid_path(_mail_with(tmp_path, broken), out, policy).files[0]
    assert any("winmail.dat: Outlook's TNEF, not read (unreadable TNEF" in w for w in f.warnings)
    parsed = email.message_from_bytes(out.read_bytes(), policy=email.policy.default)
    (kept,) = parsed.iter_attachments()
    assert kept.get_content() == broken


def test_a_damaged_stream_is_kept_as_a_file(tmp_path: Path) -> None:
    broken = SIGNATURE + b"\x01\x00" + b"\xff" * 40
    with pytest.raises(InputError, match="unreadable TNEF"):
        unpack(broken, "winmail.dat")
    _, _, files = next(messages(_mail_with(tmp_path, broken)))
    assert files == [("winmail.dat", broken)]
    assert not is_tnef(b"not tnef", "winmail.dat", "application/ms-tnef")


def test_a_winmail_dat_saved_on_its_own(tmp_path: Path, tnef_examples: dict[str, bytes]) -> None:
    import email
    import email.policy

    from tianping.privacy._deid import deid_path
    from tianping.privacy._policy import parse_policy

    saved = tmp_path / "winmail.dat"
    saved.write_bytes(tnef_examples["two-files.tnef"])
    reports = {
        rep.path: (rep.status, rep.format, rep.counts) for rep, _ in scan_one(saved, ScanOptions())
    }
    assert reports[str(saved)][:2] == ("ok", "mail")
    assert reports[f"{saved}!AUTHORS"] == (
        "ok",
        "text",
        {"email": 2, "person_name_en": 1},
    )  # Thomas Boll
    policy = parse_policy("types:\n  '*': {action: redact}\n")
    with pytest.raises(InputError, match=r"give an output path ending in \.eml"):
        deid_path(saved, tmp_path / "out.dat", policy)
    # into an .eml message: its subject as the Subject, its files as attachments
    f = deid_path(saved, tmp_path / "out.eml", policy).files[0]
    assert f.status == "ok" and f.replaced["email"] >= 2
    parsed = email.message_from_bytes(
        (tmp_path / "out.eml").read_bytes(), policy=email.policy.default
    )
    assert parsed["Subject"] == "two files"
    files = {p.get_filename(): p.get_content() for p in parsed.walk() if p.get_filename()}
    assert set(files) == {"AUTHORS", "README"} and b"[EMAIL]" in files["AUTHORS"]
    # in a folder, written under the name of what it now is
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    (folder / "winmail.dat").write_bytes(tnef_examples["two-files.tnef"])
    rep = deid_path(folder, out, policy)
    assert [p.name for p in out.iterdir()] == ["winmail.eml"] and not rep.skipped


def test_every_real_stream_is_turned_into_mime(
    tmp_path: Path, tnef_examples: dict[str, bytes]
) -> None:
    """Each of the 19 real streams, as a winmail.dat attachment: the de-identified message
    parses, carries every file the stream held (by name) and the body where it had one,
    and no winmail.dat is left but those that could not be read."""
    import email
    import email.policy

    from tianping.privacy._deid import deid_path
    from tianping.privacy._policy import parse_policy

    policy = parse_policy("types:\n  '*': {action: redact}\n")
    for k, (name, data) in enumerate(sorted(tnef_examples.items())):
        folder = tmp_path / str(k)
        folder.mkdir()
        f = deid_path(_mail_with(folder, data), folder / "out.eml", policy).files[0]
        assert f.status == "ok", (name, f.reason)
        parsed = email.message_from_bytes(
            (folder / "out.eml").read_bytes(), policy=email.policy.default
        )
        names = [p.get_filename() for p in parsed.walk() if p.get_filename()]
        try:
            body, files, _ = unpack(data, name)
        except InputError:
            assert names == ["winmail.dat"], name  # kept as it was, and said so
            assert any("not read" in w for w in f.warnings), name
            continue
        expected = [n for n, _ in files] + (["winmail-body.txt"] if body.strip() else [])
        assert sorted(names) == sorted(expected), name
        assert "winmail.dat" not in names


def test_damaged_streams_and_pictures_do_not_stop_a_run(
    tmp_path: Path, tnef_examples: dict[str, bytes]
) -> None:
    """Mutated copies of the real streams, as winmail.dat attachments: each message is
    scanned and de-identified or refused with a reason. (Fuzzing found tnefparse raising
    UnboundLocalError, and Pillow a SyntaxError for a broken PNG chunk inside one.)"""
    import random

    from tianping.privacy._deid import deid_path
    from tianping.privacy._policy import parse_policy

    policy = parse_policy("types:\n  '*': {action: redact}\n")
    rng = random.Random(11)
    streams = [tnef_examples[k] for k in sorted(tnef_examples)]
    done = 0
    for i in range(40):
        x = bytearray(rng.choice(streams))
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(len(x))
            if rng.random() < 0.6:
                x[at] = rng.randrange(256)
            else:
                del x[at : at + rng.randint(1, 16)]
        folder = tmp_path / str(i)
        folder.mkdir()
        src = _mail_with(folder, bytes(x))
        try:
            deid_path(src, folder / "out.eml", policy)
            scan_one(src, ScanOptions())
            done += 1
        except InputError:
            continue
    assert done > 30


def test_a_broken_png_attachment_is_named_not_fatal(tmp_path: Path) -> None:
    import io

    from PIL import Image

    from tianping.privacy._deid import deid_path
    from tianping.privacy._policy import parse_policy

    buf = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(buf, format="PNG")
    png = bytearray(buf.getvalue())
    png[37:41] = b"}\x00\x00\xff"  # the chunk after IHDR: a broken type
    msg = EmailMessage(policy=SMTP)
    msg["Subject"] = "scan"
    msg.set_content("see the picture")
    msg.add_attachment(bytes(png), maintype="image", subtype="png", filename="id.png")
    src = tmp_path / "m.eml"
    src.write_bytes(msg.as_bytes())
    f = deid_path(src, tmp_path / "out.eml", parse_policy("types:\n  '*': {action: redact}\n"))
    assert any(w.startswith("id.png: not de-identified") for w in f.files[0].warnings)
    reports = scan_one(src, ScanOptions(ocr=True))
    assert reports and reports[0][0].status == "ok"
