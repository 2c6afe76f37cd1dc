"""A photo's EXIF metadata (`_exif.py`): GPS positions and the names and numbers people
type into its fields, scanned and removed; written by Pillow as cameras and Windows do."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from tianping.privacy._deid import deid_path
from tianping.privacy._exif import EXIF_IFD, GPS_IFD, exif_lines, gps_position
from tianping.privacy._policy import parse_policy
from tianping.privacy._scan import ScanOptions, scan_file

POLICY = parse_policy("types:\n  '*': {action: redact}\n")


def _photo(path: Path, fmt: str = "JPEG") -> Path:
    img = Image.new("RGB", (320, 240), (120, 160, 200))
    exif = img.getexif()
    exif[0x010F] = "Xiaomi"  # the make: no PI, kept
    exif[0x013B] = "Zhang Wei"  # artist
    exif[0x010E] = "call 13812345678"  # description
    exif[0x9C9D] = "韩梅梅".encode("utf-16-le") + b"\x00\x00"  # Windows' author
    exif[0x9C9C] = "身份证 11010519491231002X".encode("utf-16-le") + b"\x00\x00"  # comment
    exif.get_ifd(EXIF_IFD)[0xA430] = "Li Lei"  # camera owner
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2], gps[3], gps[4] = "N", (39.0, 54.0, 27.0), "E", (116.0, 23.0, 29.0)
    img.save(path, format=fmt, exif=exif)
    return path


def test_exif_text_and_gps_are_read(tmp_path: Path) -> None:
    photo = _photo(tmp_path / "p.jpg")
    with Image.open(photo) as img:
        assert gps_position(img) == pytest.approx((39.9075, 116.391389), abs=1e-6)
        assert exif_lines(img) == [
            "Name: Zhang Wei",
            "Name: Li Lei",
            "姓名：韩梅梅",
            "call 13812345678",
            "身份证 11010519491231002X",
        ]
    bare = tmp_path / "bare.jpg"
    Image.new("RGB", (32, 32)).save(bare)
    with Image.open(bare) as img:
        assert gps_position(img) is None and exif_lines(img) == []


def test_scans_report_a_photos_position_and_names(tmp_path: Path, tesseract: str) -> None:
    rep, found = scan_file(_photo(tmp_path / "p.jpg"), ScanOptions(ocr=True))
    exif = {c.column: c.types for c in rep.columns}["metadata"]
    assert exif == {
        "gps_location": 1,
        "person_name_en": 2,
        "person_name_zh": 1,
        "cn_mobile": 1,
        "cn_resident_id": 1,
    }
    (gps,) = [f for f in found if f.pi_type == "gps_location"]
    assert gps.preview == "[GPS ~40°N 116°E]" and gps.pipl_class == "sensitive"
    assert gps.category == "location_tracking"
    assert "39.9075" not in rep.model_dump_json() + str([f.preview for f in found])


def test_deid_removes_the_position_and_the_fields_that_hold_pi(
    tmp_path: Path, tesseract: str
) -> None:
    for fmt, name in (("JPEG", "p.jpg"), ("PNG", "p.png")):
        src = _photo(tmp_path / name, fmt)
        out = tmp_path / f"clean-{name}"
        f = deid_path(src, out, POLICY).files[0]
        assert f.replaced["cn_mobile"] == 1 and f.replaced["cn_resident_id"] == 1, fmt
        with Image.open(out) as img:
            exif = img.getexif()
            assert gps_position(img) is None and exif_lines(img) == [], fmt
            assert exif.get(0x010F) == "Xiaomi", fmt  # the rest of the metadata stays
            assert EXIF_IFD not in exif or 0xA430 not in exif.get_ifd(EXIF_IFD), fmt
        rep, _ = scan_file(out, ScanOptions(ocr=True))
        assert rep.counts == {}, fmt


def test_png_text_chunks_with_pi_are_rewritten(tmp_path: Path, tesseract: str) -> None:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_itxt("Author", "手机 13812345678")
    info.add_itxt("Software", "Tianping test")
    src = tmp_path / "t.png"
    Image.new("RGB", (64, 64), "white").save(src, pnginfo=info)
    out = tmp_path / "clean.png"
    f = deid_path(src, out, POLICY).files[0]
    assert f.replaced == {"cn_mobile": 1}
    with Image.open(out) as img:
        assert img.info["Author"] == "手机 [CN_MOBILE]" and img.info["Software"] == "Tianping test"


def test_without_ocr_an_images_metadata_is_still_read(tmp_path: Path) -> None:
    """No --ocr: the image is skipped (its pixels are not read) but its EXIF is, so a
    folder of geotagged photos is reported without OCR's cost."""
    rep, found = scan_file(_photo(tmp_path / "p.jpg"))
    assert rep.status == "skipped" and "only its metadata read" in (rep.message or "")
    assert rep.counts == {
        "gps_location": 1,
        "person_name_en": 2,
        "person_name_zh": 1,
        "cn_mobile": 1,
        "cn_resident_id": 1,
    }
    assert {f.column for f in found} == {"metadata"} and rep.sensitive == 2
    only = scan_file(_photo(tmp_path / "q.jpg"), ScanOptions(types=frozenset({"cn_mobile"})))[0]
    assert only.counts == {"cn_mobile": 1}


XMP = (
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/" '
    'xmlns:TC260="http://www.tc260.org.cn/ns/AIGC/1.0/" '
    'xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" photoshop:City="Beijing">'
    "<dc:creator><rdf:Seq><rdf:li>Zhang Wei</rdf:li></rdf:Seq></dc:creator>"
    '<Iptc4xmpCore:CreatorContactInfo Iptc4xmpCore:CiEmailWork="zhang.wei@example.com" '
    'Iptc4xmpCore:CiTelWork="13812345678"/>'
    '<TC260:AIGC>{"Label":"1","ContentProducer":"91110108MA01ABCD2X",'
    '"ProduceID":"13900001111"}</TC260:AIGC>'
    '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)


def test_xmp_creator_and_contacts_are_read_and_replaced_the_ai_label_kept(
    tmp_path: Path, tesseract: str
) -> None:
    """An XMP packet (IPTC creator contact info and the GB 45438 AIGC label): scans read the
    creator as a name and the contacts, never the label; `deid` replaces them in place and
    keeps the label byte for byte, in JPEG (where it used to drop the whole packet) and
    in PNG."""
    from PIL.PngImagePlugin import PngInfo

    from tianping.privacy._xmp import xmp_lines, xmp_of

    assert xmp_lines(XMP) == [
        "Beijing", "Name: Zhang Wei", "zhang.wei@example.com", "13812345678",
    ]  # fmt: skip
    label = XMP[XMP.index("<TC260:AIGC>") : XMP.index("</TC260:AIGC>")]
    jpg = tmp_path / "ai.jpg"
    Image.new("RGB", (64, 64), "white").save(jpg, xmp=XMP.encode())
    png = tmp_path / "ai.png"
    info = PngInfo()
    info.add_itxt("XML:com.adobe.xmp", XMP)
    Image.new("RGB", (64, 64), "white").save(png, pnginfo=info)
    for src in (jpg, png):
        rep, _ = scan_file(src)  # no --ocr: the metadata is read all the same
        assert rep.counts == {"person_name_en": 1, "email": 1, "cn_mobile": 1}, src.name
        out = tmp_path / f"clean-{src.name}"
        f = deid_path(src, out, POLICY).files[0]
        assert f.replaced == {"person_name_en": 1, "email": 1, "cn_mobile": 1}, src.name
        with Image.open(out) as img:
            packet = xmp_of(img)
        assert packet is not None and label in packet, src.name  # the label, unchanged
        assert "Zhang Wei" not in packet and "13812345678" not in packet, src.name
        assert "[PERSON_NAME_EN]" in packet and "Beijing" in packet, src.name
