"""Shared fixtures for the labels tests: real files in real formats, keys, tool lookups.

Session fixtures build pristine files once; tests copy them (`fresh`) before changing them.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

USCC = "91330106MA2CHAT73E"  # the public-chatbot example's (fictional, valid check character)
PROVIDER_CODE = "0011" + USCC + "10001"
IMAGE_FORMATS = ("jpeg", "png", "webp", "tiff", "gif")
_SUFFIX = {"jpeg": ".jpg", "png": ".png", "webp": ".webp", "tiff": ".tif", "gif": ".gif"}
PRODUCER = "001191110108MA01KPGD4X100000"  # the format tests' (fictional) provider code


def label_fields(label: str = "1", pid: str = "0001", code: str = PRODUCER) -> dict[str, str]:
    """The seven implicit-label fields; `code` both produced and propagated the content."""
    return {
        "Label": label,
        "ContentProducer": code,
        "ProduceID": pid,
        "ReservedCode1": "",
        "ContentPropagator": code,
        "PropagateID": pid,
        "ReservedCode2": "",
    }


def label_record(label: str = "1", pid: str = "0001") -> str:
    """The implicit label as the compact JSON the handlers write."""
    return json.dumps(label_fields(label, pid), separators=(",", ":"))


def assert_replaces(src: Path, old: str, new: str) -> Path:
    """The registry's handler reads exactly `old` in `src` and replaces it by `new` in a copy
    (out + suffix, beside `src`), which it returns."""
    from tianping.labels._handler import handler_for

    handler = handler_for(src, src.read_bytes()[:64])
    assert handler is not None
    assert [f.raw for f in handler.read(src)] == [old]
    out = src.with_name("out" + src.suffix)
    handler.write(src, new, out)
    assert [f.raw for f in handler.read(out)] == [new]
    return out


def make_image(path: Path, fmt: str, size: tuple[int, int] = (96, 64), **save: object) -> Path:
    """A small real image with structure (gradient + block), saved with Pillow."""
    from PIL import Image

    w, h = size
    img = Image.new("RGB", size)
    px = img.load()
    assert px is not None
    for y in range(h):
        for x in range(w):
            px[x, y] = (x * 255 // w, y * 255 // h, 128 if (x // 8 + y // 8) % 2 else 40)
    if fmt == "gif":
        img = img.convert("P", palette=Image.Palette.ADAPTIVE)
    img.save(path, format=fmt.upper(), **save)  # type: ignore[arg-type]
    return path


def pixels(path: Path) -> bytes:
    """Decoded pixels (RGBA), to prove metadata writes never touch the image."""
    from PIL import Image

    with Image.open(path) as img:
        return img.convert("RGBA").tobytes()


def tool(name: str) -> str:
    """The path of an external tool, or skip the test plainly."""
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed")
    return found


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Pristine sample files: one image per format plus variants. Never modify these."""
    d = tmp_path_factory.mktemp("label-samples")
    for fmt in IMAGE_FORMATS:
        make_image(d / f"sample{_SUFFIX[fmt]}", fmt)
    make_image(d / "lossless.webp", "webp", lossless=True)
    make_image(d / "big.png", "png", size=(640, 480))
    make_image(d / "big.jpg", "jpeg", size=(640, 480), quality=90)
    make_image(d / "bigendian.tif", "tiff")  # rewritten big-endian below
    from PIL import Image

    with Image.open(d / "bigendian.tif") as im:
        im.save(d / "bigendian.tif", format="TIFF", big_endian=True)
    (d / "answer.md").write_text("# Answer\n\nWater the plant weekly.\n", encoding="utf-8")
    (d / "notes.txt").write_text("plain text\n", encoding="utf-8")
    (d / "data.bin").write_bytes(b"\x00\x01\x02not a known format" * 4)
    return d


@pytest.fixture
def fresh(sample_dir: Path, tmp_path: Path) -> Callable[[str], Path]:
    """Copy a pristine sample into this test's folder and return the copy."""

    def copy(name: str) -> Path:
        dst = tmp_path / name
        shutil.copyfile(sample_dir / name, dst)
        return dst

    return copy


def image_name(fmt: str) -> str:
    return f"sample{_SUFFIX[fmt]}"


@pytest.fixture(scope="session")
def sm2_key():  # type: ignore[no-untyped-def]
    from tianping.labels import generate_key

    return generate_key("sm2-sm3")


@pytest.fixture(scope="session")
def ed25519_key():  # type: ignore[no-untyped-def]
    from tianping.labels import generate_key

    return generate_key("ed25519")
