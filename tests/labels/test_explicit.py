"""Explicit labels: text notices, image overlays (drawn and re-verified), video, audio cue."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tianping.errors import InputError
from tianping.labels import (
    add_image_notice,
    add_text_notice,
    add_video_notice,
    detect_rhythm_cue,
    find_text_notice,
    verify_image_notice,
    write_rhythm_cue,
)
from tianping.labels._explicit import ffmpeg_available, rhythm_cue_samples

from .conftest import tool


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("本内容由AI生成\n\n第一段。\n\n第二段。\n\n第三段。", "start"),
        ("第一段。\n\n第二段。\n\n第三段，很长的一段文字。\n\n（人工智能合成）", "end"),
        ("第一段很长的文字。" * 5 + "\n\n由 AI 辅助生成\n\n" + "第三段很长的文字。" * 5, "inline"),
    ],
)
def test_text_notice_positions(text: str, position: str) -> None:
    found = find_text_notice(text)
    assert found.found and found.position == position


@pytest.mark.parametrize(
    "text",
    [
        "No label here.",
        "MAIN 生成 a report",
        "AI is mentioned here.\n\n后来才生成了这一段",
        "人工智能很强大",
    ],
)
def test_text_without_both_elements(text: str) -> None:
    assert not find_text_notice(text).found


@pytest.mark.parametrize("position", ["start", "end", "inline"])
def test_add_text_notice_round_trip_and_idempotent(position: str) -> None:
    body = "---\ntitle: x\nAIGC: '{}'\n---\n# T\n\npara one\n\npara two\n\npara three\n"
    once = add_text_notice(body, position)  # type: ignore[arg-type]
    assert once.startswith("---\ntitle: x")  # front matter stays first
    assert find_text_notice(once).position == position
    assert add_text_notice(once, position) == once  # type: ignore[arg-type]
    with pytest.raises(InputError):
        add_text_notice(body, notice="Generated")


@pytest.mark.parametrize("name", ["big.png", "big.jpg", "sample.webp"])
def test_image_overlay_size_and_verification(
    name: str, fresh: Callable[[str], Path], tmp_path: Path
) -> None:
    from PIL import Image, ImageDraw

    src = fresh(name)
    out = tmp_path / f"labelled{src.suffix}"
    box = add_image_notice(src, out)
    w, h = box.image_size
    assert box.text_height >= 0.05 * min(w, h)
    x, y, bw, bh = box.box
    assert x + bw <= w and y + bh <= h and (w - x - bw) < 0.1 * min(w, h)
    assert verify_image_notice(out, box).ok
    # painting over the label is detected
    with Image.open(out) as im:
        im = im.convert("RGB")
        ImageDraw.Draw(im).rectangle((x, y, x + bw, y + bh), fill=(255, 255, 255))
        im.save(out)
    res = verify_image_notice(out, box)
    assert not res.ok and "changed" in res.reasons[0]
    # resizing is detected
    with Image.open(out) as im:
        im.resize((w // 2, h // 2)).save(out)
    assert not verify_image_notice(out, box).ok


def test_overlay_rejects_too_small_ratio(fresh: Callable[[str], Path], tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"0\.05"):
        add_image_notice(fresh("big.png"), tmp_path / "x.png", height_ratio=0.04)
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    with pytest.raises(InputError, match="cannot decode"):
        add_image_notice(bad, tmp_path / "y.png")


def test_rhythm_cue_is_short_long_short_short(tmp_path: Path) -> None:
    wav = write_rhythm_cue(tmp_path / "cue.wav")
    assert detect_rhythm_cue(wav)
    samples = rhythm_cue_samples()
    assert 0.8 < len(samples) / 16000 < 2.0  # about a second at the default unit
    import struct
    import wave

    silent = tmp_path / "silent.wav"
    with wave.open(str(silent), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(struct.pack("<16000h", *([0] * 16000)))
    assert not detect_rhythm_cue(silent)
    (tmp_path / "junk.wav").write_bytes(b"RIFFjunk")
    assert not detect_rhythm_cue(tmp_path / "junk.wav")


def test_video_opening_overlay(tmp_path: Path) -> None:
    ffmpeg = tool("ffmpeg")
    assert ffmpeg_available()
    src = tmp_path / "in.mp4"
    subprocess.run(
        [
            ffmpeg,
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "color=c=gray:s=160x120:d=4:r=10",
            "-pix_fmt",
            "yuv420p",
            str(src),
        ],
        check=True,
    )
    out = tmp_path / "out.mp4"
    info = add_video_notice(src, out, seconds=2.0)
    assert info["Seconds"] >= 2.0 and info["FontPx"] >= 0.05 * 120

    def frame(t: float, path: Path) -> bytes:
        return subprocess.run(
            [
                ffmpeg,
                "-v",
                "error",
                "-ss",
                str(t),
                "-i",
                str(path),
                "-frames:v",
                "1",
                "-f",
                "rawvideo",
                "-pix_fmt",
                "gray",
                "-",
            ],
            capture_output=True,
            check=True,
        ).stdout

    def diff(a: bytes, b: bytes) -> float:
        return sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(a)

    assert diff(frame(0.5, src), frame(0.5, out)) > 1.0  # label visible early
    assert diff(frame(1.8, src), frame(1.8, out)) > 1.0  # still there just before 2 s
    assert diff(frame(3.5, src), frame(3.5, out)) < 1.0  # gone later
    with pytest.raises(InputError):
        add_video_notice(src, tmp_path / "short.mp4", seconds=1.0)
