"""Explicit labels: text notices, image overlays, video opening-frame overlays, audio cues.

Rules and their confidence (research §2a):
- Text (GBL-01, conf. M): an AI element ("人工智能" or "AI") and a generation element
  ("生成" and/or "合成"), at the start, end or middle of the text.
- Image (GBL-02, conf. M, secondary sources only): near an edge or corner, text height
  >= 5 % of the image's shortest side.
- Video (GBL-04, conf. M-H): on the opening frame, text height >= 5 % of the frame's
  shortest side, shown >= 2 s at normal speed.
- Audio (GBL-03, conf. M): a voice prompt or the rhythm "short-long-short-short" (Morse "AI").

Whether an arbitrary image carries a visible label is not decidable without OCR; Tianping
verifies overlays it drew itself, from the box it records in the SecurityData Extension.
"""

from __future__ import annotations

import math
import re
import shutil
import struct
import subprocess
import wave
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from tianping.errors import InputError

MIN_HEIGHT_RATIO = 0.05  # GBL-02 / GBL-04
VIDEO_MIN_SECONDS = 2.0  # GBL-04
TEXT_NOTICE = "本内容由AI生成"
IMAGE_NOTICE = "AI生成"
_AI_GEN = re.compile(r"(人工智能|(?<![A-Za-z])AI(?![A-Za-z]))[^\n]{0,10}?(生成|合成)")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n.*?\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)

Position = Literal["start", "end", "inline"]
Corner = Literal["top-left", "top-right", "bottom-left", "bottom-right"]


# --- text -------------------------------------------------------------------------------------
class TextNotice(BaseModel):
    found: bool
    position: Position | None = None
    snippet: str | None = None


def _body(text: str) -> str:
    return _FRONT_MATTER.sub("", text, count=1)


def find_text_notice(text: str) -> TextNotice:
    """The first notice with both elements; its position (start/end: first/last 10 % or line)."""
    body = _body(text).strip()
    m = _AI_GEN.search(body)
    if m is None:
        return TextNotice(found=False)
    n = max(len(body), 1)
    first_nl = body.find("\n")
    last_nl = body.rfind("\n")
    if m.start() <= max(n // 10, 0) or (first_nl < 0 or m.end() <= first_nl):
        pos: Position = "start"
    elif m.start() >= min(n - n // 10, n) or m.start() > last_nl:
        pos = "end"
    else:
        pos = "inline"
    return TextNotice(found=True, position=pos, snippet=m.group(0)[:40])


def add_text_notice(text: str, position: Position = "end", notice: str = TEXT_NOTICE) -> str:
    """Add the notice unless one is already there (keeps YAML front matter first)."""
    if not _AI_GEN.search(notice):
        raise InputError("the notice needs an AI element and a generation element (GBL-01)")
    if find_text_notice(text).found:
        return text
    m = _FRONT_MATTER.match(text)
    head, body = (text[: m.end()], text[m.end() :]) if m else ("", text)
    if position == "start":
        return f"{head}{notice}\n\n{body}"
    if position == "inline":
        paras = body.split("\n\n")
        mid = max(1, len(paras) // 2)
        return head + "\n\n".join([*paras[:mid], notice, *paras[mid:]])
    sep = "" if body.endswith("\n") else "\n"
    return f"{head}{body}{sep}\n{notice}\n"


# --- images -----------------------------------------------------------------------------------
class OverlayBox(BaseModel):
    """Where Tianping drew an image label: box, text height and a coarse fingerprint."""

    box: tuple[int, int, int, int]  # x, y, width, height
    text_height: int
    image_size: tuple[int, int]
    fingerprint: str = Field(description="8x8 grey levels of the box, hex")

    def to_extension(self) -> dict[str, Any]:
        return {
            "Kind": "image-overlay",
            "Box": list(self.box),
            "TextH": self.text_height,
            "Size": list(self.image_size),
            "FP": self.fingerprint,
        }

    @classmethod
    def from_extension(cls, ext: dict[str, Any]) -> OverlayBox | None:
        try:
            x, y, w, h = (int(v) for v in ext["Box"])
            iw, ih = (int(v) for v in ext["Size"])
            return cls(
                box=(x, y, w, h),
                text_height=int(ext["TextH"]),
                image_size=(iw, ih),
                fingerprint=str(ext["FP"]),
            )
        except (KeyError, TypeError, ValueError):
            return None


class ExplicitCheck(BaseModel):
    ok: bool
    kind: str
    reasons: list[str] = Field(default_factory=list)


def _font(size: int, font_path: str | None) -> tuple[Any, bool]:
    from PIL import ImageFont

    for cand in ([font_path] if font_path else []) + list(_FONT_CANDIDATES):
        if cand and Path(cand).exists():
            return ImageFont.truetype(cand, size), True
    return ImageFont.load_default(size=size), False


def find_cjk_font() -> str | None:
    return next((c for c in _FONT_CANDIDATES if Path(c).exists()), None)


def _fingerprint(img: Any, box: tuple[int, int, int, int]) -> str:
    x, y, w, h = box
    region = img.convert("L").crop((x, y, x + w, y + h)).resize((8, 8))
    return bytes(region.tobytes()).hex()


def add_image_notice(
    src: Path,
    dst: Path,
    text: str = IMAGE_NOTICE,
    corner: Corner = "bottom-right",
    height_ratio: float = 0.06,
    font_path: str | None = None,
) -> OverlayBox:
    """Draw the label into the pixels (this re-encodes the image: do it before metadata)."""
    from PIL import Image, ImageDraw

    if height_ratio < MIN_HEIGHT_RATIO:
        raise InputError(f"height_ratio must be >= {MIN_HEIGHT_RATIO} (GB 45438, GBL-02)")
    try:
        img = Image.open(src)
        img.load()
    except (OSError, SyntaxError) as exc:
        raise InputError(f"{src}: cannot decode the image ({exc})") from None
    fmt = img.format or "PNG"
    info: dict[str, Any] = {k: img.info[k] for k in ("icc_profile", "exif") if k in img.info}
    if getattr(img, "n_frames", 1) > 1:
        raise InputError(f"{src}: animated images are not supported for overlays")
    base = img.convert("RGBA")
    w, h = base.size
    target = math.ceil(height_ratio * min(w, h))
    size, (font, cjk) = target, _font(target, font_path)
    label = text if cjk else "AI generated"
    for _ in range(40):
        l_, t_, r_, b_ = font.getbbox(label)
        if b_ - t_ >= target:
            break
        size += max(1, size // 10)
        font, _ = _font(size, font_path)
    l_, t_, r_, b_ = font.getbbox(label)
    text_h = b_ - t_
    pad = max(2, text_h // 4)
    bw, bh = (r_ - l_) + 2 * pad, text_h + 2 * pad
    if bw > w or bh > h:
        raise InputError(f"{src}: image is too small for a readable label")
    margin = max(1, min(w, h) // 50)
    x = margin if corner.endswith("left") else w - bw - margin
    y = margin if corner.startswith("top") else h - bh - margin
    layer = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    draw.rectangle((x, y, x + bw, y + bh), fill=(0, 0, 0, 150))
    draw.text((x + pad - l_, y + pad - t_), label, font=font, fill=(255, 255, 255, 255))
    out = Image.alpha_composite(base, layer)
    if img.mode not in ("RGBA", "LA") or fmt == "JPEG":
        out = out.convert("RGB")
    save_kw: dict[str, Any] = dict(info)
    if fmt == "JPEG":
        save_kw.update(quality=95)
    out.save(dst, format=fmt, **save_kw)
    box = (x, y, bw, bh)
    with Image.open(dst) as again:
        fp = _fingerprint(again, box)
    return OverlayBox(box=box, text_height=text_h, image_size=(w, h), fingerprint=fp)


def verify_image_notice(path: Path, overlay: OverlayBox, tolerance: float = 24.0) -> ExplicitCheck:
    """Is the recorded overlay still there, big enough, at an edge or corner?"""
    from PIL import Image

    reasons: list[str] = []
    try:
        with Image.open(path) as img:
            img.load()
            size = img.size
            fp = _fingerprint(img, overlay.box) if size == overlay.image_size else None
    except (OSError, SyntaxError) as exc:
        return ExplicitCheck(ok=False, kind="image-overlay", reasons=[f"cannot decode: {exc}"])
    w, h = size
    x, y, bw, bh = overlay.box
    if size != tuple(overlay.image_size):
        reasons.append(f"image size changed from {overlay.image_size} to {size}")
    if overlay.text_height < MIN_HEIGHT_RATIO * min(w, h):
        reasons.append(
            f"text height {overlay.text_height}px < 5% of the shortest side ({min(w, h)}px)"
        )
    near = 0.1 * min(w, h)
    if not (x <= near or y <= near or w - (x + bw) <= near or h - (y + bh) <= near):
        reasons.append("label is not near an edge or corner")
    if fp is not None:
        a, b = bytes.fromhex(fp), bytes.fromhex(overlay.fingerprint)
        diff = sum(abs(p - q) for p, q in zip(a, b, strict=False)) / max(len(a), 1)
        if len(a) != len(b) or diff > tolerance:
            reasons.append(f"label region changed (mean grey difference {diff:.1f})")
    return ExplicitCheck(ok=not reasons, kind="image-overlay", reasons=reasons)


# --- video ------------------------------------------------------------------------------------
def ffmpeg_available() -> bool:
    return shutil.which("ffmpeg") is not None and shutil.which("ffprobe") is not None


def add_video_notice(
    src: Path,
    dst: Path,
    text: str = IMAGE_NOTICE,
    seconds: float = 2.5,
    height_ratio: float = 0.06,
    font_path: str | None = None,
) -> dict[str, Any]:
    """Overlay the opening frames for `seconds` (>= 2 s) with ffmpeg's drawtext."""
    if not ffmpeg_available():
        raise InputError("video labels need ffmpeg and ffprobe on PATH / 需要 ffmpeg")
    if seconds < VIDEO_MIN_SECONDS or height_ratio < MIN_HEIGHT_RATIO:
        raise InputError("video label must last >= 2 s with text >= 5% of the shortest side")
    probe = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=width,height:format=duration",
            "-of",
            "csv=p=0",
            str(src),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = probe.stdout.split()
    try:
        w, h = (int(v) for v in lines[0].split(",")[:2])
        duration = float(lines[1]) if len(lines) > 1 else None
    except (ValueError, IndexError):
        raise InputError(f"{src}: ffprobe found no video stream") from None
    font = font_path or find_cjk_font()
    label = text if font else "AI generated"
    # drawtext's fontsize is the em size; CJK glyphs fill ~0.9 em, so scale up to keep >= 5 %
    px = math.ceil(height_ratio * min(w, h) / 0.85)
    esc = label.replace(":", r"\:").replace("'", r"\'")
    draw = (
        f"drawtext=text='{esc}':fontsize={px}:fontcolor=white:box=1:boxcolor=black@0.6:"
        f"boxborderw={max(2, px // 4)}:x=w-tw-{px // 2}:y=h-th-{px // 2}:"
        f"enable='between(t,0,{seconds})'"
    )
    if font:
        draw += f":fontfile='{font}'"
    cmd = ["ffmpeg", "-v", "error", "-y", "-i", str(src), "-vf", draw, "-c:a", "copy", str(dst)]
    run = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if run.returncode != 0:
        raise InputError(f"{src}: ffmpeg failed: {run.stderr.strip()[-300:]}")
    return {
        "Kind": "video-overlay",
        "Seconds": seconds,
        "FontPx": px,
        "Size": [w, h],
        "Duration": duration,
    }


# --- audio ------------------------------------------------------------------------------------
def rhythm_cue_samples(
    rate: int = 16000, unit_ms: int = 120, freq: float = 1000.0, amplitude: float = 0.5
) -> list[int]:
    """PCM16 samples of "short-long-short-short" (· − · ·): dot 1 unit, dash 3, gaps 1/3."""
    unit = rate * unit_ms // 1000

    def tone(units: int) -> list[int]:
        n = unit * units
        ramp = max(1, rate // 200)  # 5 ms fade avoids clicks
        out = []
        for i in range(n):
            env = min(1.0, i / ramp, (n - 1 - i) / ramp)
            out.append(int(32767 * amplitude * env * math.sin(2 * math.pi * freq * i / rate)))
        return out

    silence = [0] * unit
    a = tone(1) + silence + tone(3)  # A: · −
    i = tone(1) + silence + tone(1)  # I: · ·
    return a + silence * 3 + i + silence * 3


def write_rhythm_cue(path: Path, rate: int = 16000, unit_ms: int = 120) -> Path:
    """A mono 16-bit WAV with the rhythm cue (GBL-03)."""
    samples = rhythm_cue_samples(rate, unit_ms)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    return path


def detect_rhythm_cue(path: Path, window_ms: int = 10) -> bool:
    """True if a mono/stereo PCM16 WAV opens with short-long-short-short tone bursts."""
    try:
        with wave.open(str(path), "rb") as w:
            if w.getsampwidth() != 2:
                return False
            rate, ch = w.getframerate(), w.getnchannels()
            frames = w.readframes(min(w.getnframes(), rate * 5))
    except (wave.Error, EOFError, OSError):
        return False
    samples = struct.unpack(f"<{len(frames) // 2}h", frames)[::ch]
    win = max(1, rate * window_ms // 1000)
    loud = [
        max((abs(s) for s in samples[i : i + win]), default=0) > 2000
        for i in range(0, len(samples), win)
    ]
    runs: list[tuple[bool, int]] = []
    for v in loud:
        if runs and runs[-1][0] == v:
            runs[-1] = (v, runs[-1][1] + 1)
        else:
            runs.append((v, 1))
    tones = [n for v, n in runs if v][:4]
    if len(tones) < 4:
        return False
    s = min(tones[0], tones[2], tones[3])
    return s > 0 and tones[1] >= 2 * s and max(tones[0], tones[2], tones[3]) <= 1.5 * s
