"""Image XMP handlers: byte-level round trips, independent readers, corrupt files."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tianping.errors import InputError
from tianping.labels import AIGCRecord, embed, read, verify
from tianping.labels._formats._image import TC260_NS, xmp_find, xmp_update
from tianping.labels._handler import handler_for

from .conftest import IMAGE_FORMATS, PROVIDER_CODE, image_name, pixels, tool

EXTRA_XMP = (
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
    'xmp:CreatorTool="KeepMe 1.0"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)


def handler(path: Path):  # type: ignore[no-untyped-def]
    h = handler_for(path, path.read_bytes()[:64])
    assert h is not None
    return h


@pytest.mark.parametrize("fmt", [*IMAGE_FORMATS, "lossless.webp", "bigendian.tif"])
def test_round_trip_keeps_pixels_and_payload(
    fmt: str, fresh: Callable[[str], Path], ed25519_key
) -> None:  # type: ignore[no-untyped-def]
    path = fresh(image_name(fmt) if fmt in IMAGE_FORMATS else fmt)
    before_pixels, before_payload = pixels(path), handler(path).payload(path)
    [rep] = embed([path], PROVIDER_CODE, key=ed25519_key)
    assert rep.status == "conformant" and rep.written
    assert pixels(path) == before_pixels
    assert handler(path).payload(path) == before_payload
    [v] = verify([path], trusted=[ed25519_key.public], provider_code=PROVIDER_CODE)
    assert v.status == "conformant", v.problems
    assert v.form == "xmp:TC260:AIGC" and v.wrapper == "bare"
    assert [s.status for s in v.seals] == ["valid"]


@pytest.mark.parametrize("fmt", IMAGE_FORMATS)
def test_reembed_replaces_the_record(fmt: str, fresh: Callable[[str], Path]) -> None:
    path = fresh(image_name(fmt))
    embed([path], PROVIDER_CODE, produce_id="FIRST")
    size1 = path.stat().st_size
    embed([path], PROVIDER_CODE, produce_id="SECOND", wrapper="wrapped")
    found = handler(path).read(path)
    assert len(found) == 1
    assert json.loads(found[0].raw)["AIGC"]["ProduceID"] == "SECOND"
    assert b"FIRST" not in path.read_bytes()
    assert path.stat().st_size <= size1 + 200  # no growing pile of old packets
    [r] = read([path])
    assert r.wrapper == "wrapped" and r.status == "conformant"


@pytest.mark.parametrize("fmt", IMAGE_FORMATS)
def test_exiftool_sees_our_xmp(fmt: str, fresh: Callable[[str], Path]) -> None:
    exiftool = tool("exiftool")
    path = fresh(image_name(fmt))
    [rep] = embed([path], PROVIDER_CODE, produce_id="EXIF-RT")
    out = subprocess.run(
        [exiftool, "-b", "-XMP-TC260:AIGC", str(path)], capture_output=True, check=True
    ).stdout.decode()
    assert json.loads(out) == rep.record
    errors = subprocess.run(
        [exiftool, "-validate", "-error", "-s3", str(path)], capture_output=True, text=True
    ).stdout
    assert "rror" not in errors


def test_existing_metadata_is_kept(tmp_path: Path) -> None:
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    from .conftest import make_image

    jpg = make_image(tmp_path / "exif.jpg", "jpeg")
    with Image.open(jpg) as im:
        exif = im.getexif()
        exif[0x010E] = "keep this description"
        im.save(jpg, exif=exif, comment=b"keep comment", xmp=EXTRA_XMP.encode())
    png = make_image(tmp_path / "text.png", "png")
    with Image.open(png) as im:
        info = PngInfo()
        info.add_text("Comment", "keep me")
        info.add_itxt("XML:com.adobe.xmp", EXTRA_XMP)
        im.save(png, pnginfo=info)
    webp = make_image(tmp_path / "x.webp", "webp", xmp=EXTRA_XMP.encode())
    tif = make_image(tmp_path / "x.tif", "tiff", tiffinfo={270: "tiff description"})
    embed([jpg, png, webp, tif], PROVIDER_CODE)
    with Image.open(jpg) as im:
        assert im.getexif()[0x010E] == "keep this description"
        assert im.info.get("comment") == b"keep comment"
    with Image.open(png) as im:
        assert im.info["Comment"] == "keep me"
    with Image.open(tif) as im:
        assert im.tag_v2[270] == "tiff description"
    for p in (jpg, png, webp):
        [block] = handler(p).xmp(p)
        assert b"KeepMe 1.0" in block and b"TC260:AIGC" in block
    assert all(r.status == "conformant" for r in verify([jpg, png, webp, tif]))


def test_attribute_form_is_updated_in_place() -> None:
    xmp = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description rdf:about="" xmlns:T="{TC260_NS}" '
        'T:AIGC=\'{"Label":"1"}\'/></rdf:RDF></x:xmpmeta>'
    ).encode()
    [found] = xmp_find(xmp)
    assert found.form == "xmp:TC260:AIGC" and json.loads(found.raw) == {"Label": "1"}
    new = xmp_update(xmp, '{"Label":"3"}')
    assert [f.raw for f in xmp_find(new)] == ['{"Label":"3"}']


def test_conflicting_records_are_reported(fresh: Callable[[str], Path]) -> None:
    path = fresh("sample.png")
    a = AIGCRecord.first_write(PROVIDER_CODE, "A").to_json()
    b = AIGCRecord.first_write(PROVIDER_CODE, "B").to_json()
    two = EXTRA_XMP.replace(
        "</rdf:RDF>",
        f'<rdf:Description rdf:about="" xmlns:TC260="{TC260_NS}"><TC260:AIGC>{a}</TC260:AIGC>'
        f'</rdf:Description><rdf:Description rdf:about="" xmlns:X="{TC260_NS}">'
        f"<X:AIGC>{b}</X:AIGC></rdf:Description></rdf:RDF>",
    )
    h = handler(path)
    path.write_bytes(h._with_xmp(path.read_bytes(), two.encode(), path))
    [v] = verify([path])
    assert v.status == "non_conformant" and v.has("multiple-records")
    assert "conflicting" in v.message.en
    embed([path], PROVIDER_CODE, produce_id="ONE")  # rewriting leaves exactly one
    assert [json.loads(f.raw)["ProduceID"] for f in h.read(path)] == ["ONE"]


@pytest.mark.parametrize("fmt", [*IMAGE_FORMATS, "bigendian.tif"])
def test_truncated_files_get_an_error_verdict_and_stay_untouched(
    fmt: str, fresh: Callable[[str], Path]
) -> None:
    path = fresh(image_name(fmt) if fmt in IMAGE_FORMATS else fmt)
    embed([path], PROVIDER_CODE)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    cut = path.read_bytes()
    for report in (*verify([path]), *embed([path], PROVIDER_CODE), *read([path])):
        assert report.status == "error", (report.status, report.message.en)
        assert report.problems[0].code == "corrupt"
    assert path.read_bytes() == cut


def test_png_crc_damage_and_garbage(fresh: Callable[[str], Path]) -> None:
    path = fresh("sample.png")
    data = bytearray(path.read_bytes())
    data[40] ^= 0xFF
    path.write_bytes(bytes(data))
    [v] = verify([path])
    assert v.status == "error" and "CRC" in v.message.en
    with pytest.raises(InputError):
        handler(path).read(path)


def test_not_well_formed_xmp_is_an_error(fresh: Callable[[str], Path]) -> None:
    path = fresh("sample.jpg")
    h = handler(path)
    path.write_bytes(h._with_xmp(path.read_bytes(), b"<x:xmpmeta><unclosed>", path))
    [v] = verify([path])
    assert v.status == "error" and "well-formed" in v.message.en


def test_unlabelled_image_is_reported_unlabelled(fresh: Callable[[str], Path]) -> None:
    [v] = verify([fresh("sample.webp")])
    assert v.status == "unlabelled" and v.has("implicit-missing")


@pytest.mark.parametrize("fmt", ["jpeg", "png", "webp", "tiff"])
def test_label_survives_exiftool_editing_other_metadata(
    fmt: str, fresh: Callable[[str], Path], ed25519_key
) -> None:  # type: ignore[no-untyped-def]
    exiftool = tool("exiftool")
    path = fresh(image_name(fmt))
    [rep] = embed([path], PROVIDER_CODE, key=ed25519_key)
    subprocess.run(
        [exiftool, "-q", "-overwrite_original", "-XMP-dc:Title=edited elsewhere", str(path)],
        check=True,
    )
    [v] = verify([path], trusted=[ed25519_key.public])
    assert v.status == "conformant", [p.message.en for p in v.problems]
    assert v.record == rep.record
    [block] = handler(path).xmp(path)
    assert b"edited elsewhere" in block
