"""embed / read / verify / check over batches: verdict per file, atomic writes, platforms."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from tianping.errors import InputError
from tianping.labels import check, collect_paths, embed, read, verify
from tianping.labels._formats._image import PngHandler

from .conftest import PROVIDER_CODE, label_fields, pixels


def test_batch_goes_on_past_bad_files(fresh: Callable[[str], Path], tmp_path: Path) -> None:
    good, corrupt, unsupported = fresh("sample.png"), fresh("sample.jpg"), fresh("data.bin")
    corrupt.write_bytes(corrupt.read_bytes()[:100])
    ro = fresh("sample.gif")
    ro.chmod(stat.S_IRUSR | stat.S_IRGRP)
    before = ro.read_bytes()
    missing = tmp_path / "missing.png"
    calls: list[int] = []
    reports = embed(
        [good, corrupt, unsupported, ro, missing],
        PROVIDER_CODE,
        progress=lambda done, total, _p: calls.append(done),
    )
    by = {Path(r.path).name: r for r in reports}
    assert by["sample.png"].status == "conformant"
    assert by["sample.jpg"].status == "error" and by["sample.jpg"].problems[0].code == "corrupt"
    assert by["data.bin"].status == "unsupported"
    assert by["sample.gif"].status == "error" and by["sample.gif"].problems[0].code == "read-only"
    assert ro.read_bytes() == before
    assert by["missing.png"].problems[0].code == "not-found"
    assert calls == [1, 2, 3, 4, 5]
    leftovers = [p.name for p in tmp_path.iterdir() if "tianping-tmp" in p.name]
    assert leftovers == []


def test_read_only_file_is_refused(
    fresh: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = fresh("sample.png")
    before = path.read_bytes()
    monkeypatch.setattr(os, "access", lambda p, mode: mode != os.W_OK)  # as for a non-root user
    [r] = embed([path], PROVIDER_CODE)
    assert r.status == "error" and r.problems[0].code == "read-only"
    assert path.read_bytes() == before


def test_failed_write_leaves_input_intact(
    fresh: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = fresh("sample.png")
    before = path.read_bytes()

    def broken_write(self, src, raw, out):  # type: ignore[no-untyped-def]
        out.write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(PngHandler, "write", broken_write)
    [r] = embed([path], PROVIDER_CODE)
    assert r.status == "error" and "disk full" in r.message.en
    assert path.read_bytes() == before
    assert not [p for p in path.parent.iterdir() if "tianping-tmp" in p.name]


def test_tamper_content_and_label(fresh: Callable[[str], Path], sm2_key) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image

    img, img2 = fresh("sample.png"), fresh("big.png")
    embed([img, img2], PROVIDER_CODE, key=sm2_key)
    # content: repaint one pixel and put the same label back
    raw = PngHandler().read(img)[0].raw
    with Image.open(img) as im:
        im = im.copy()
    im.putpixel((3, 3), (1, 2, 3))
    im.save(img)
    PngHandler().write(img, raw, img)
    # label: change ProduceID only
    rec = json.loads(PngHandler().read(img2)[0].raw)
    rec["ProduceID"] = "forged"
    PngHandler().write(img2, json.dumps(rec, separators=(",", ":")), img2)
    v1, v2 = verify([img, img2])
    assert v1.tampered and "content changed" in v1.message.en
    assert v2.tampered and "label fields changed" in v2.message.en


def test_markdown_explicit_and_implicit(fresh: Callable[[str], Path]) -> None:
    md = fresh("answer.md")
    [r] = embed([md], PROVIDER_CODE, explicit=True, text_position="start")
    assert r.status == "conformant"
    [v] = verify([md], require_explicit=True, provider_code=PROVIDER_CODE)
    assert v.status == "conformant" and v.text_notice and v.text_notice.position == "start"
    md2 = fresh("answer.md")
    embed([md2], PROVIDER_CODE)
    [v2] = verify([md2], require_explicit=True)
    assert v2.status == "non_conformant" and v2.has("explicit-missing")
    [v3] = verify([md2])
    assert v3.status == "conformant" and v3.has("explicit-missing")  # warning only


def test_image_explicit_embed_verifies_overlay(fresh: Callable[[str], Path], ed25519_key) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image, ImageDraw

    path = fresh("big.jpg")
    [r] = embed([path], PROVIDER_CODE, explicit=True, key=ed25519_key)
    assert r.status == "conformant"
    [v] = verify([path])
    assert v.explicit is not None and v.explicit.ok and v.status == "conformant"
    # someone crops the label off: implicit seal breaks AND the overlay check fails
    with Image.open(path) as im:
        im = im.convert("RGB")
    ImageDraw.Draw(im).rectangle((400, 400, 640, 480), fill=(0, 0, 0))
    from tianping.labels._formats._image import JpegHandler

    raw = JpegHandler().read(path)[0].raw
    im.save(path, quality=90)
    JpegHandler().write(path, raw, path)
    [v2] = verify([path])
    assert v2.tampered and v2.status == "non_conformant"
    assert v2.has("explicit-missing") and v2.explicit is not None and not v2.explicit.ok


def test_producer_checks(fresh: Callable[[str], Path]) -> None:
    a, b, c = fresh("sample.png"), fresh("sample.jpg"), fresh("sample.gif")
    embed([a], PROVIDER_CODE)
    embed([b], "Example Co")
    bad = PROVIDER_CODE[:21] + "F" + PROVIDER_CODE[22:]
    embed([c], bad)
    va, vb, vc = verify([a, b, c], provider_code=PROVIDER_CODE)
    assert va.status == "conformant" and va.provider_code_valid
    assert vb.has("producer-not-code") and vb.has("producer-mismatch") and not vb.ok
    assert vc.has("provider-code-uscc") and vc.provider_code_valid is False


def test_platform_check_classifies_and_writes(
    fresh: Callable[[str], Path], ed25519_key, sm2_key
) -> None:  # type: ignore[no-untyped-def]
    confirmed, plain, declared, noticed = (
        fresh("sample.png"),
        fresh("sample.jpg"),
        fresh("sample.webp"),
        fresh("answer.md"),
    )
    embed([confirmed], PROVIDER_CODE, key=ed25519_key)
    noticed.write_text("# A\n\n本回答由人工智能生成。\n", encoding="utf-8")
    pix = pixels(confirmed)
    reports = check([confirmed, plain, noticed], platform="PLATFORM01", write=True, key=sm2_key)
    cls = {Path(r.path).name: r.classification for r in reports}
    assert cls == {"sample.png": "confirmed", "sample.jpg": "unlabelled", "answer.md": "suspected"}
    [dr] = check([declared], platform="PLATFORM01", declared=[declared], write=True)
    assert dr.classification == "possibly" and dr.written
    # the producer's seal survives, the platform's seal verifies, the pixels are untouched
    [v] = verify([confirmed])
    assert v.status == "conformant" and [s.status for s in v.seals] == ["valid", "valid"]
    assert v.record and v.record["ContentPropagator"] == "PLATFORM01"
    assert v.record["ContentProducer"] == PROVIDER_CODE
    assert pixels(confirmed) == pix
    [p] = read([declared])
    assert p.record and p.record["Label"] == "2" and p.record["ContentProducer"] == ""
    [s] = read([noticed])
    assert s.record and s.record["Label"] == "3"
    [u] = read([plain])
    assert u.record is None  # unlabelled files are not written
    with pytest.raises(InputError):
        check([plain], write=True)


def test_iptc_digital_source_type_is_a_trace(fresh: Callable[[str], Path]) -> None:
    from PIL import Image

    path = fresh("sample.jpg")
    xmp = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
        'xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
        'Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/'
        'trainedAlgorithmicMedia"/></rdf:RDF></x:xmpmeta>'
    )
    with Image.open(path) as im:
        im.save(path, xmp=xmp.encode())
    [r] = check([path])
    assert r.classification == "suspected" and r.has("traces")


def test_collect_paths_dirs_globs_recursive(sample_dir: Path) -> None:
    top = collect_paths([sample_dir])
    assert sample_dir / "sample.png" in top
    assert collect_paths([str(sample_dir / "*.webp")]) == sorted(sample_dir.glob("*.webp"))
    nested = sample_dir.parent / "nested-probe"
    (nested / "a" / "b").mkdir(parents=True, exist_ok=True)
    (nested / "a" / "b" / "x.png").write_bytes((sample_dir / "sample.png").read_bytes())
    assert collect_paths([nested]) == []
    assert collect_paths([nested], recursive=True) == [nested / "a" / "b" / "x.png"]


def test_produce_id_only_for_one_file(fresh: Callable[[str], Path]) -> None:
    with pytest.raises(InputError, match="one file"):
        embed([fresh("sample.png"), fresh("sample.jpg")], PROVIDER_CODE, produce_id="X")


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ('{"Label":"1","ContentProducer":', "malformed-json"),
        ('"just a string"', "not-an-object"),
        ('{"Label":"9","ContentProducer":"P","ProduceID":"I"}', "label-value"),
    ],
)
def test_malformed_values_get_a_verdict(fresh: Callable[[str], Path], raw: str, code: str) -> None:
    path = fresh("sample.png")
    PngHandler().write(path, raw, path)
    [v] = verify([path])
    assert v.status == "non_conformant" and v.has(code)
    [r] = read([path])
    assert r.has(code) and r.status == "non_conformant"


def test_tencent_wrapped_form_is_read_and_reported(fresh: Callable[[str], Path]) -> None:
    path = fresh("sample.gif")
    inner = label_fields(pid="T-1", code=PROVIDER_CODE)
    from tianping.labels._formats._image import GifHandler

    GifHandler().write(path, json.dumps({"AIGC": inner}, separators=(",", ":")), path)
    [v] = verify([path])
    assert v.status == "conformant" and v.wrapper == "wrapped" and v.form == "xmp:TC260:AIGC"
    assert v.record == inner and v.seals == []


def test_video_explicit_and_implicit(tmp_path: Path) -> None:
    import subprocess

    from .conftest import tool

    ffmpeg = tool("ffmpeg")
    clip = tmp_path / "gen.mp4"
    subprocess.run(
        [
            ffmpeg,
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=s=128x96:d=3:r=10",
            "-pix_fmt",
            "yuv420p",
            str(clip),
        ],
        check=True,
    )
    [r] = embed([clip], PROVIDER_CODE, explicit=True)
    assert r.status == "conformant" and not r.has("explicit-short-video")
    [v] = verify([clip])
    assert v.status == "conformant" and v.record is not None
    sd = json.loads(v.record["ReservedCode1"])
    assert sd["Extension"]["Explicit"]["Kind"] == "video-overlay"
    assert sd["Extension"]["Explicit"]["Seconds"] >= 2
