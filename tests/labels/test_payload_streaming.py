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
def test_ranges_hash_like_the_payload_before_and_after_labelling(name: str, tmp_path: Path) -> None:
    src = tmp_path / name
    if name == "tone.wav":
        _wav(src)
    else:
        shutil.copy(FIXTURES / name, src)
    handler = handler_for(src, src.read_bytes()[:64])
    assert handler is not None
    ranges = handler.payload_ranges(src)
    assert ranges, f"{handler.name} should expose its payload as file ranges"
    payload = handler.payload(src)
    assert payload is not None
    assert digest_ranges(src, ranges) == digest(payload)
    out = tmp_path / ("labelled" + src.suffix)
    handler.write(src, label_record(), out)
    assert digest_ranges(out, handler.payload_ranges(out) or []) == digest(payload)


def test_a_range_past_the_end_is_a_clear_error(tmp_path: Path) -> None:
    from tianping.errors import InputError

    src = _wav(tmp_path / "short.wav", 0.1)
    with pytest.raises(InputError, match="ended inside its content"):
        digest_ranges(src, [(0, src.stat().st_size + 10)])
