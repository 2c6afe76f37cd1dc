"""PDF implicit labels: /AIGC in the Info dictionary, written as an incremental update.

Real PDFs written here by hand (classic xref table) and by pypdf; independent readers: pypdf,
exiftool.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tianping.errors import InputError
from tianping.labels._formats._pdf import PdfHandler
from tianping.labels._handler import handler_for

from .conftest import label_record

EXIFTOOL = shutil.which("exiftool")


def record(label: str = "1", pid: str = "pdf-0001") -> str:
    return label_record(label, pid)


def make_pdf(path: Path, xmp_aigc: str | None = None, info_aigc: str | None = None) -> Path:
    """A one-page PDF with a text content stream, an Info dict and an optional XMP packet."""
    content = b"BT /F1 24 Tf 20 100 Td (AI generated) Tj ET"
    info = b"<< /Title (Tianping fixture) /Author (Tianping)"
    if info_aigc is not None:
        info += b" /AIGC (" + info_aigc.encode() + b")"
    info += b" >>"
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R" + (b" /Metadata 7 0 R" if xmp_aigc else b"") + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        info,
    ]
    if xmp_aigc is not None:
        value = xmp_aigc.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
        xmp = (
            '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
            '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
            'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            '<rdf:Description rdf:about="" xmlns:TC260="http://www.tc260.org.cn/ns/AIGC/1.0/">'
            f"<TC260:AIGC>{value}</TC260:AIGC></rdf:Description></rdf:RDF></x:xmpmeta>"
            '<?xpacket end="w"?>'
        ).encode()
        objs.append(
            b"<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n" % len(xmp)
            + xmp
            + b"\nendstream"
        )
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\n" % (len(objs) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    path.write_bytes(bytes(out))
    return path


def test_embed_read_payload_and_replace(tmp_path: Path) -> None:
    from pypdf import PdfReader

    h = PdfHandler()
    src = make_pdf(tmp_path / "a.pdf")
    before = src.read_bytes()
    assert h.read(src) == []
    out = tmp_path / "out.pdf"
    h.write(src, record("1"), out)
    assert src.read_bytes() == before
    assert out.read_bytes().startswith(before)  # incremental update: earlier bytes intact
    assert [(f.raw, f.form) for f in h.read(out)] == [(record("1"), "pdf:Info/AIGC")]
    assert h.payload(out) == h.payload(src)
    assert h.payload(src) is not None and b"(AI generated) Tj" in h.payload(src)  # type: ignore[operator]
    meta = PdfReader(out).metadata
    assert meta is not None
    assert meta["/AIGC"] == record("1")
    assert meta["/Title"] == "Tianping fixture" and meta["/Author"] == "Tianping"
    again = tmp_path / "again.pdf"
    h.write(out, record("2", "pdf-0002"), again)
    assert again.read_bytes().startswith(out.read_bytes())
    assert [f.raw for f in h.read(again)] == [record("2", "pdf-0002")]
    meta2 = PdfReader(again).metadata
    assert meta2 is not None and meta2["/AIGC"] == record("2", "pdf-0002")
    h.write(again, record("3"), again)  # in place
    assert [f.raw for f in h.read(again)] == [record("3")]
    assert PdfReader(again).pages[0].extract_text() == "AI generated"


def test_pypdf_written_pdf_and_unicode(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    w = PdfWriter()
    w.add_blank_page(72, 72)
    w.add_metadata({"/Title": "blank"})
    src = tmp_path / "w.pdf"
    with src.open("wb") as fh:
        w.write(fh)
    raw = '{"Label":"1","ContentProducer":"生成服务"}'
    PdfHandler().write(src, raw, tmp_path / "o.pdf")
    assert [f.raw for f in PdfHandler().read(tmp_path / "o.pdf")] == [raw]
    assert PdfReader(tmp_path / "o.pdf").metadata["/AIGC"] == raw  # type: ignore[index]


@pytest.mark.skipif(EXIFTOOL is None, reason="exiftool not installed")
def test_exiftool_reads_label(tmp_path: Path) -> None:
    assert EXIFTOOL is not None
    out = tmp_path / "out.pdf"
    PdfHandler().write(make_pdf(tmp_path / "a.pdf"), record(), out)
    res = subprocess.run([EXIFTOOL, "-j", str(out)], capture_output=True, text=True)
    tags = json.loads(res.stdout)[0]
    assert tags["AIGC"] == record()
    assert tags["Title"] == "Tianping fixture"


def test_xmp_form_read_conflict_reported_and_resolved(tmp_path: Path) -> None:
    h = PdfHandler()
    xmp_only = make_pdf(tmp_path / "x.pdf", xmp_aigc=record("3"))
    assert [(f.raw, f.form) for f in h.read(xmp_only)] == [(record("3"), "pdf:XMP:TC260:AIGC")]
    both = make_pdf(tmp_path / "both.pdf", xmp_aigc=record("3"), info_aigc=record("1"))
    found = h.read(both)
    assert sorted(f.form for f in found) == ["pdf:Info/AIGC", "pdf:XMP:TC260:AIGC"]
    assert {f.raw for f in found} == {record("1"), record("3")}
    out = tmp_path / "one.pdf"
    h.write(both, record("2"), out)
    assert [(f.raw, f.form) for f in h.read(out)] == [(record("2"), "pdf:Info/AIGC")]
    assert out.read_bytes().startswith(both.read_bytes())


def test_sniff_and_registry(tmp_path: Path) -> None:
    src = make_pdf(tmp_path / "a.pdf")
    head = src.read_bytes()[:64]
    assert PdfHandler.sniff(head)
    assert isinstance(handler_for(tmp_path / "a.bin", head), PdfHandler)


def test_corrupt_inputs_give_input_error(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    h = PdfHandler()
    src = make_pdf(tmp_path / "a.pdf")
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    with pytest.raises(InputError, match=r"cut\.pdf.*truncated"):
        h.read(cut)
    with pytest.raises(InputError):
        h.write(cut, record(), tmp_path / "o.pdf")
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"not a pdf at all\n" * 20)
    with pytest.raises(InputError, match="junk"):
        h.read(junk)
    garbled = tmp_path / "garbled.pdf"  # header and trailer present, body garbage
    garbled.write_bytes(b"%PDF-1.4\n" + b"\x00\xff" * 300 + b"\nstartxref\n9\n%%EOF\n")
    with pytest.raises(InputError, match="garbled"):
        h.read(garbled)
    w = PdfWriter()
    w.add_blank_page(72, 72)
    w.encrypt("secret")
    enc = tmp_path / "enc.pdf"
    with enc.open("wb") as fh:
        w.write(fh)
    with pytest.raises(InputError, match="encrypted"):
        h.write(enc, record(), tmp_path / "o2.pdf")
