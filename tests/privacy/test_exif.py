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
    exif = {c.column: c.types for c in rep.columns}["exif"]
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
    assert {f.column for f in found} == {"exif"} and rep.sensitive == 2
    only = scan_file(_photo(tmp_path / "q.jpg"), ScanOptions(types=frozenset({"cn_mobile"})))[0]
    assert only.counts == {"cn_mobile": 1}
