"""Large media are hashed in one streaming pass over file ranges, never loaded whole.

The ranges must hash exactly like the payload bytes, or seals written before would stop
verifying; a label written into the file must not move what the ranges cover.
"""

from __future__ import annotations

import shutil
import struct
import wave
from pathlib import Path

import pytest

from tianping.labels._formats import _audio, _video  # noqa: F401  (registers the handlers)
from tianping.labels._handler import handler_for
from tianping.labels._sign import digest, digest_ranges

from .conftest import label_record

FIXTURES = Path(__file__).parent / "fixtures"
MEDIA = ["tone.mp3", "tone.flac", "clip.mp4", "clip.mov", "clip.mkv", "clip.webm"]


def _wav(path: Path, seconds: float = 3.0) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        frames = int(16000 * seconds)
        w.writeframes(b"".join(struct.pack("<h", (i * 37) % 30000 - 15000) for i in range(frames)))
    return path


@pytest.mark.parametrize("name", [*MEDIA, "tone.wav"])
def test_ranges_cover_the_content_and_not_the_label(name: str, tmp_path: Path) -> None:
    src = tmp_path / name
    if name == "tone.wav":
        _wav(src)
    else:
        shutil.copy(FIXTURES / name, src)
    handler = handler_for(src, src.read_bytes()[:64])
    assert handler is not None
    ranges = handler.payload_ranges(src)
    assert ranges, f"{handler.name} should expose its payload as file ranges"
    before = digest_ranges(src, ranges)
    # labelling, then relabelling with another record, leaves the content hash alone
    once, twice = tmp_path / ("a" + src.suffix), tmp_path / ("b" + src.suffix)
    handler.write(src, label_record("1"), once)
    handler.write(once, label_record("2", "0002"), twice)
    for f in (once, twice):
        assert digest_ranges(f, handler.payload_ranges(f) or []) == before
    # a changed content byte changes it
    start, end = max(ranges, key=lambda r: r[1] - r[0])
    data = bytearray(src.read_bytes())
    data[(start + end) // 2] ^= 0xFF
    src.write_bytes(bytes(data))
    assert digest_ranges(src, ranges) != before
    assert digest(handler.payload(src) or b"") == digest_ranges(src, ranges)


def test_a_range_past_the_end_is_a_clear_error(tmp_path: Path) -> None:
    from tianping.errors import InputError

    src = _wav(tmp_path / "short.wav", 0.1)
    with pytest.raises(InputError, match="ended inside its content"):
        digest_ranges(src, [(0, src.stat().st_size + 10)])
