"""Zip archives: each member scanned as the file it is, named `a.zip!member`; members
that cannot be read are reported; nothing is extracted outside a private folder."""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path

import pytest

from tianping.privacy import _archive
from tianping.privacy._scan import ScanOptions, scan_paths

MOBILE, EMAIL = "13812345678", "li.lei@example.com"


def _zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("export/customers.csv", f"id,phone\n1,{MOBILE}\n2,x\n")
        zf.writestr("export/events.jsonl.gz", gzip.compress(json.dumps({"m": EMAIL}).encode()))
        zf.writestr("export/notes.txt", f"第一行\n请致电 {MOBILE}\n")
        zf.writestr("../../escape.txt", f"tel {MOBILE}\n")  # a name that points outside
        zf.writestr("__MACOSX/export/._customers.csv", f"{MOBILE}")  # resource forks
        zf.writestr("inner.zip", b"PK\x05\x06" + b"\x00" * 18)
        zf.writestr("secret.csv", f"phone\n{MOBILE}\n")
    # mark secret.csv encrypted in the central directory (zipfile cannot write encryption)
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        n = int.from_bytes(data[at + 28 : at + 30], "little")
        if data[at + 46 : at + 46 + n] == b"secret.csv":
            data[at + 8] |= 0x1
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("workers", [1, 2])
def test_zip_members_are_scanned_as_files(tmp_path: Path, workers: int) -> None:
    path = _zip(tmp_path / "delivery.zip")
    sizes: list[int] = []
    rep = scan_paths([tmp_path], ScanOptions(workers=workers), on_bytes=sizes.append)
    assert sum(sizes) == path.stat().st_size
    files = {f.path.split("!", 1)[1]: f for f in rep.files}
    assert set(files) == {
        "export/customers.csv", "export/events.jsonl.gz", "export/notes.txt",
        "../../escape.txt", "inner.zip", "secret.csv",
    }  # fmt: skip
    assert files["export/customers.csv"].format == "csv"
    assert files["export/customers.csv"].counts == {"cn_mobile": 1}
    assert files["export/events.jsonl.gz"].counts == {"email": 1}
    assert files["../../escape.txt"].counts == {"cn_mobile": 1}
    assert not (tmp_path.parent / "escape.txt").exists()
    assert files["inner.zip"].status == "skipped" and "zip inside" in str(
        files["inner.zip"].message
    )
    assert files["secret.csv"].status == "skipped" and "encrypted" in str(
        files["secret.csv"].message
    )
    notes = [f for f in rep.findings if f.file.endswith("!export/notes.txt")]
    assert [(f.row, f.start) for f in notes] == [(2, 4)]
    assert rep.counts == {"cn_mobile": 3, "email": 1}


def test_bad_and_oversized_archives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not a zip " + MOBILE.encode())
    rep = scan_paths([tmp_path / "broken.zip"])
    assert rep.files[0].status == "error" and "not a readable zip" in str(rep.files[0].message)
    assert MOBILE not in str(rep.files[0].message)
    monkeypatch.setattr(_archive, "MAX_ARCHIVE_BYTES", 10)
    path = _zip(tmp_path / "big.zip")
    rep = scan_paths([path])
    assert rep.files[0].status == "error" and "unpacks to" in str(rep.files[0].message)


def test_zip_archives_deid_member_by_member(tmp_path: Path) -> None:
    """Into a zip of the same member names, each de-identified as the file it is; members
    that cannot be (encrypted, nested, not UTF-8 without --encoding) are reported and left
    out, never copied as they were."""
    from tianping.privacy._deid import deid_path
    from tianping.privacy._policy import parse_policy

    src = _zip(tmp_path / "delivery.zip")
    with zipfile.ZipFile(src, "a") as zf:
        zf.writestr("export/gbk.txt", f"手机{MOBILE}\n".encode("gbk"))
    pol = parse_policy(
        "types:\n  cn_mobile: {action: mask, keep_start: 3}\n  '*': {action: redact}\n"
    )
    out = tmp_path / "out" / "clean.zip"
    rep = deid_path(src, out, pol)
    by = {f.input.split("!", 1)[1]: f for f in rep.files}
    assert {k for k, f in by.items() if f.status == "skipped"} == {
        "inner.zip", "secret.csv", "export/gbk.txt"
    }  # fmt: skip
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        csv = zf.read("export/customers.csv").decode()
        packed = zf.read("export/events.jsonl.gz")
    assert names == {"export/customers.csv", "export/events.jsonl.gz", "export/notes.txt",
                     "../../escape.txt"}  # fmt: skip
    assert csv == "id,phone\n1,138********\n2,x\n"
    assert json.loads(gzip.decompress(packed)) == {"m": "[EMAIL]"}
    assert by["export/customers.csv"].output == f"{out}!export/customers.csv"
    with zipfile.ZipFile(out) as zf:
        assert not any(MOBILE.encode() in zf.read(n) for n in zf.namelist())  # none left
    with pytest.raises(Exception, match=r"into a \.zip"):
        deid_path(src, tmp_path / "clean.csv", pol)
