"""OCR of images and scanned PDF pages with the real Tesseract (Debian's tesseract-ocr and
tesseract-ocr-chi-sim, installed here when missing, as browser tests install Chromium):
an ID-card-like image rendered with a real CJK font, the same image as a PDF page with no
text layer, and as a picture pasted into a Word file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tianping.privacy._scan import ScanOptions, scan_file, scan_one

ID, MOBILE, EMAIL = "11010519491231002X", "13812345678", "li.lei@example.com"
FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
LINES = ["姓名 王小明  性别 男", f"公民身份号码 {ID}", f"手机 {MOBILE}", f"Email: {EMAIL}"]


def _card(path: Path) -> Path:
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONT), 32)
    img = Image.new("L", (900, 60 * len(LINES) + 40), 255)
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(LINES):
        draw.text((20, 20 + 60 * i), line, fill=0, font=font)
    img.save(path)
    return path


def test_an_image_is_read_only_when_asked(tmp_path: Path, tesseract: str) -> None:
    card = _card(tmp_path / "card.png")
    rep, _ = scan_file(card)
    assert rep.status == "skipped" and "--ocr" in (rep.message or "")
    rep, found = scan_file(card, ScanOptions(ocr=True))
    assert rep.status == "ok" and rep.format == "image"
    assert rep.counts["cn_resident_id"] == 1 and rep.counts["cn_mobile"] == 1
    assert rep.counts["email"] == 1
    # OCR's spaces between Chinese characters are taken out: the name reads whole
    assert rep.counts["person_name_zh"] == 1
    assert {f.column for f in found} == {"ocr"}
    assert all(ID not in f.preview and MOBILE not in f.preview for f in found)


def test_a_scanned_pdf_page_is_read_by_ocr(tmp_path: Path, tesseract: str) -> None:
    from PIL import Image

    pdf = tmp_path / "scan.pdf"
    Image.open(_card(tmp_path / "card.png")).convert("RGB").save(pdf)  # no text layer
    rep, _ = scan_file(pdf)
    assert rep.counts == {} and "--ocr" in rep.problems[0].message
    rep, found = scan_file(pdf, ScanOptions(ocr=True))
    assert rep.counts["cn_resident_id"] == 1 and rep.counts["cn_mobile"] == 1
    assert {f.column for f in found} == {"page1"}


def test_pictures_in_documents_and_the_cli(tmp_path: Path, tesseract: str) -> None:
    import docx
    from typer.testing import CliRunner

    from tianping.cli import app

    card = _card(tmp_path / "card.png")
    d = docx.Document()
    d.add_paragraph("身份证复印件见下图")
    d.add_picture(str(card))
    src = tmp_path / "kyc.docx"
    d.save(str(src))
    plain = {rep.path for rep, _ in scan_one(src, ScanOptions())}
    assert plain == {str(src)}  # pictures are not read without --ocr
    reports = {rep.path: rep for rep, _ in scan_one(src, ScanOptions(ocr=True))}
    picture = reports[f"{src}!word/media/image1.png"]
    assert picture.counts["cn_resident_id"] == 1
    res = CliRunner().invoke(app, ["scan", str(card), "--ocr", "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["summary"]["counts"]["cn_resident_id"] == 1
    assert ID not in res.output and MOBILE not in res.output and EMAIL not in res.output


def test_without_tesseract_the_image_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("PIL")
    from PIL import Image

    img = tmp_path / "x.png"
    Image.new("L", (20, 20), 255).save(img)
    monkeypatch.setenv("TIANPING_TESSERACT", "no-such-tesseract")
    rep, _ = scan_file(img, ScanOptions(ocr=True))
    assert rep.status == "error" and "apt-get install tesseract-ocr" in (rep.message or "")


def test_images_are_redacted_with_boxes(tmp_path: Path, tesseract: str) -> None:
    """Each value a rule acts on gets a filled box: OCR of the result reads none of them
    (nothing is left), the labels beside them still read, and the image keeps its format,
    size, PNG text (where AI-content labels live) and EXIF, less the GPS position."""
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    from tianping.privacy._deid import deid_path
    from tianping.privacy._ocr import ocr_image
    from tianping.privacy._policy import parse_policy

    card = _card(tmp_path / "card.png")
    info = PngInfo()
    info.add_itxt("AIGC", '{"Label": "1"}')
    Image.open(card).save(card, pnginfo=info)
    photo = tmp_path / "card.jpg"
    exif = Image.Exif()
    exif[0x010F] = "Camera Co"  # make: kept
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0)}  # GPS: dropped
    Image.open(card).convert("RGB").save(photo, quality=92, exif=exif)
    pol = parse_policy("types:\n  '*': {action: mask}\n")  # any rule but keep: a box
    for src in (card, photo):
        out = tmp_path / f"clean{src.suffix}"
        f = deid_path(src, out, pol).files[0]
        assert f.format == "image" and f.left == {}, src
        assert {"cn_resident_id", "cn_mobile", "email", "person_name_zh"} <= set(f.replaced)
        read = "\n".join(ocr_image(out))
        for raw in (ID, MOBILE, EMAIL, "王小明"):
            assert raw not in read, (src, raw)
        before, after = Image.open(src), Image.open(out)
        assert (after.format, after.size, after.mode) == (before.format, before.size, before.mode)
        # the labels are not covered: 姓名, 公民…, 手机, Email at the left; 性别 男 on line 1
        for region in ((0, 0, 60, before.size[1]), (205, 15, 330, 65)):
            a, b = before.convert("L").crop(region), after.convert("L").crop(region)
            diff = sum(abs(x - y) for x, y in zip(a.tobytes(), b.tobytes(), strict=True))
            assert diff / (a.size[0] * a.size[1]) < 2, (src, region)  # JPEG noise at most
        covered = after.convert("L").crop((300, 85, 400, 110))  # inside the ID number's box
        assert max(covered.tobytes()) < 40
    assert Image.open(tmp_path / "clean.png").info.get("AIGC") == '{"Label": "1"}'
    kept = Image.open(tmp_path / "clean.jpg").getexif()
    assert kept.get(0x010F) == "Camera Co" and 0x8825 not in kept
    with pytest.raises(Exception, match="no columns"):
        deid_path(card, tmp_path / "x.png", parse_policy("columns:\n  a: {action: redact}\n"))
    # a phone photo stored sideways with an EXIF orientation: read and redacted upright
    turned = Image.open(card).convert("RGB").rotate(90, expand=True)
    orient = Image.Exif()
    orient[0x0112] = 6  # shown turned 90 degrees clockwise
    turned.save(tmp_path / "phone.jpg", exif=orient, quality=92)
    assert ID in "".join(ocr_image(tmp_path / "phone.jpg"))
    f = deid_path(tmp_path / "phone.jpg", tmp_path / "phone-out.jpg", pol).files[0]
    assert f.replaced["cn_resident_id"] == 1 and f.left == {}
    shown = Image.open(tmp_path / "phone-out.jpg")
    assert shown.size == Image.open(card).size and shown.getexif().get(0x0112) is None
    # a transparent PNG gets opaque boxes; a multi-page TIFF is refused, not cut to one page
    Image.open(card).convert("RGBA").save(tmp_path / "rgba.png")
    deid_path(tmp_path / "rgba.png", tmp_path / "rgba-out.png", pol)
    assert Image.open(tmp_path / "rgba-out.png").getpixel((400, 100)) == (0, 0, 0, 255)
    page = Image.open(card).convert("L")
    page.save(tmp_path / "fax.tif", save_all=True, append_images=[page])
    with pytest.raises(Exception, match="2 frames or pages"):
        deid_path(tmp_path / "fax.tif", tmp_path / "fax-out.tif", pol)
    assert not (tmp_path / "fax-out.tif").exists()
