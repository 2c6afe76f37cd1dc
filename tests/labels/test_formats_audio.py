"""Audio implicit labels: MP3 (ID3 TXXX), WAV (RIFF chunk), FLAC and Ogg (Vorbis comment).

Real encoded files (tests/labels/fixtures, made by make_fixtures.py with ffmpeg) and WAV files
written with the wave module; independent readers: mutagen, ffprobe/ffmpeg, exiftool.
"""

from __future__ import annotations

import json
import math
import shutil
import struct
import subprocess
import wave
from pathlib import Path

import pytest

from tianping.errors import InputError
from tianping.labels._formats._audio import FlacHandler, Mp3Handler, OggHandler, WavHandler
from tianping.labels._handler import FormatHandler, handler_for

from .conftest import assert_replaces, label_record

FIX = Path(__file__).parent / "fixtures"
FFMPEG = shutil.which("ffmpeg")
FFPROBE = shutil.which("ffprobe")
EXIFTOOL = shutil.which("exiftool")


def record(label: str = "1", pid: str = "audio-0001") -> str:
    return label_record(label, pid)


def _chunk(cid: bytes, body: bytes) -> bytes:
    return cid + struct.pack("<I", len(body)) + body + (b"\x00" if len(body) % 2 else b"")


def make_wav(path: Path, extra_chunks: bytes = b"") -> Path:
    """A real 0.1 s 8 kHz tone via the wave module, plus a LIST/INFO title chunk."""
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / 8000))) for i in range(800)
    )
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(frames)
    data = path.read_bytes()
    info = _chunk(b"LIST", b"INFO" + _chunk(b"INAM", b"Tianping tone\x00"))
    body = data[12:36] + info + extra_chunks + data[36:]  # fmt chunk, LIST, extra, data
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body) + 4) + b"WAVE" + body)
    return path


CASES = {
    "mp3": (Mp3Handler, "tone.mp3", "id3:TXXX:AIGC"),
    "flac": (FlacHandler, "tone.flac", "vorbis:AIGC"),
    "ogg": (OggHandler, "tone.ogg", "vorbis:AIGC"),
    "opus": (OggHandler, "tone.opus", "vorbis:AIGC"),
    "wav": (WavHandler, "", "riff:AIGC"),
}


def source(name: str, tmp_path: Path) -> Path:
    """A fresh copy of fixture `name` (WAV files are written here instead)."""
    if name.endswith(".wav"):
        return make_wav(tmp_path / name)
    src = tmp_path / name
    shutil.copyfile(FIX / name, src)
    return src


def labelled(src: Path, out_name: str = "out") -> tuple[FormatHandler, Path]:
    """The handler the registry picks for `src`, and a labelled copy named `out_name`."""
    handler = handler_for(src, src.read_bytes()[:64])
    assert handler is not None
    out = src.with_name(out_name + src.suffix)
    handler.write(src, record(), out)
    return handler, out


@pytest.fixture(params=sorted(CASES))
def case(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[FormatHandler, Path, str]:
    cls, name, form = CASES[request.param]
    if name:
        src = tmp_path / name
        shutil.copyfile(FIX / name, src)
    else:
        src = make_wav(tmp_path / "tone.wav")
    return cls(), src, form


def test_embed_read_payload_and_replace(case: tuple[FormatHandler, Path, str]) -> None:
    handler, src, form = case
    before = src.read_bytes()
    assert handler.read(src) == []
    out = src.with_name("labelled" + src.suffix)
    handler.write(src, record("1"), out)
    assert src.read_bytes() == before  # the input is never touched
    found = handler.read(out)
    assert [(f.raw, f.form) for f in found] == [(record("1"), form)]
    assert handler.payload(out) == handler.payload(src)  # samples untouched
    again = src.with_name("again" + src.suffix)
    handler.write(out, record("2", "audio-0002"), again)
    assert [f.raw for f in handler.read(again)] == [record("2", "audio-0002")]
    assert handler.payload(again) == handler.payload(src)


def test_write_in_place(case: tuple[FormatHandler, Path, str]) -> None:
    handler, src, _ = case
    handler.write(src, record(), src)
    assert [f.raw for f in handler.read(src)] == [record()]


def test_payload_covers_the_audio(case: tuple[FormatHandler, Path, str]) -> None:
    handler, src, _ = case
    out = src.with_name("labelled" + src.suffix)
    handler.write(src, record(), out)
    data = bytearray(out.read_bytes())
    data[-5] ^= 0x55  # inside the last audio frame / page / the data chunk
    tampered = src.with_name("tampered" + src.suffix)
    tampered.write_bytes(bytes(data))
    assert handler.payload(tampered) != handler.payload(out)


def test_sniff_and_registry(case: tuple[FormatHandler, Path, str]) -> None:
    handler, src, _ = case
    head = src.read_bytes()[:64]
    assert type(handler).sniff(head)
    assert handler_for(src, head) is not None
    assert type(handler_for(Path("x" + src.suffix))) is type(handler)


@pytest.mark.parametrize("name", ["tone.mp3", "tone.flac", "tone.ogg", "tone.opus"])
def test_mutagen_sees_label_and_keeps_title(name: str, tmp_path: Path) -> None:
    import mutagen

    _, out = labelled(source(name, tmp_path))
    tags = mutagen.File(out).tags  # type: ignore[attr-defined]
    if name.endswith(".mp3"):
        assert tags["TXXX:AIGC"].text == [record()]
        assert str(tags["TIT2"]) == "Tianping fixture"
    else:
        assert tags["AIGC"] == [record()]
        assert tags["title"] == ["Tianping fixture"]


@pytest.mark.skipif(FFPROBE is None or FFMPEG is None, reason="ffprobe/ffmpeg not installed")
@pytest.mark.parametrize("name", ["tone.mp3", "tone.flac", "tone.ogg", "tone.opus", "tone.wav"])
def test_ffprobe_reads_and_decodes(name: str, tmp_path: Path) -> None:
    src = source(name, tmp_path)
    _, out = labelled(src)
    probe = subprocess.run(
        [FFPROBE, "-v", "error", "-show_format", "-show_streams", "-of", "json", str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    info = json.loads(probe.stdout)
    tags = {**info["format"].get("tags", {}), **info["streams"][0].get("tags", {})}
    if not name.endswith(".wav"):  # ffmpeg ignores unknown RIFF chunks
        assert {k.upper(): v for k, v in tags.items()}["AIGC"] == record()
    decode = subprocess.run(
        [FFMPEG, "-v", "error", "-i", str(out), "-f", "md5", "-"], capture_output=True, text=True
    )
    orig = subprocess.run(
        [FFMPEG, "-v", "error", "-i", str(src), "-f", "md5", "-"], capture_output=True, text=True
    )
    assert decode.returncode == 0 and decode.stderr == ""
    assert decode.stdout == orig.stdout  # bit-identical decoded samples


@pytest.mark.skipif(EXIFTOOL is None, reason="exiftool not installed")
@pytest.mark.parametrize("name", ["tone.mp3", "tone.flac", "tone.ogg"])
def test_exiftool_reads_label(name: str, tmp_path: Path) -> None:
    _, out = labelled(source(name, tmp_path))
    res = subprocess.run([EXIFTOOL, "-j", "-a", str(out)], capture_output=True, text=True)
    values = json.loads(res.stdout)[0].values()
    # exiftool shows an ID3 TXXX frame as "(description) value"
    assert record() in values or f"(AIGC) {record()}" in values


@pytest.mark.skipif(FFMPEG is None, reason="ffmpeg not installed")
@pytest.mark.parametrize("name", ["tone.mp3", "tone.flac", "tone.ogg"])
def test_reads_and_replaces_the_ffmpeg_guide_form(name: str, tmp_path: Path) -> None:
    """The TC260 guides show `ffmpeg -metadata AIGC=...`: read it, then replace it."""
    src = tmp_path / ("ff" + Path(name).suffix)
    meta = ["-metadata", "AIGC=" + record("3", "old")]
    subprocess.run(
        [FFMPEG, "-v", "error", "-i", str(FIX / name), "-c", "copy", *meta, str(src)],
        check=True,
    )
    assert_replaces(src, record("3", "old"), record())


def test_conflicting_records_are_all_reported(tmp_path: Path) -> None:
    from mutagen.flac import FLAC
    from mutagen.id3 import ID3, TXXX

    mp3 = tmp_path / "two.mp3"
    shutil.copyfile(FIX / "tone.mp3", mp3)
    tags = ID3(mp3)
    tags.add(TXXX(encoding=3, desc="AIGC", text=[record("1")]))
    tags.add(TXXX(encoding=3, desc="AIGC_copy", text=[record("3")]))
    tags.save(mp3)
    assert sorted(f.raw for f in Mp3Handler().read(mp3)) == sorted([record("1"), record("3")])
    Mp3Handler().write(mp3, record("2"), mp3)
    assert [f.raw for f in Mp3Handler().read(mp3)] == [record("2")]

    flac = tmp_path / "two.flac"
    shutil.copyfile(FIX / "tone.flac", flac)
    f = FLAC(flac)
    f["AIGC"] = [record("1"), record("2")]
    f.save()
    assert len(FlacHandler().read(flac)) == 2

    wav = make_wav(
        tmp_path / "two.wav",
        _chunk(b"AIGC", record("1").encode()) + _chunk(b"AIGC", record("2").encode()),
    )
    assert [f.raw for f in WavHandler().read(wav)] == [record("1"), record("2")]
    WavHandler().write(wav, record("3"), wav)
    assert [f.raw for f in WavHandler().read(wav)] == [record("3")]


def test_wav_list_info_form_and_chunk_bytes(tmp_path: Path) -> None:
    src = tmp_path / "info.wav"
    make_wav(src)
    data = src.read_bytes()
    # put an AIGC sub-chunk inside LIST/INFO (the AVI-guide form), beside INAM
    info = _chunk(b"INAM", b"Tianping tone\x00") + _chunk(b"AIGC", record("3").encode())
    at = data.index(b"LIST")
    end = at + 8 + struct.unpack("<I", data[at + 4 : at + 8])[0]
    body = data[12:at] + _chunk(b"LIST", b"INFO" + info) + data[end:]
    src.write_bytes(b"RIFF" + struct.pack("<I", len(body) + 4) + b"WAVE" + body)
    found = WavHandler().read(src)
    assert [(f.raw, f.form) for f in found] == [(record("3"), "riff:LIST/INFO/AIGC")]
    out = tmp_path / "out.wav"
    WavHandler().write(src, record(), out)
    assert [(f.raw, f.form) for f in WavHandler().read(out)] == [(record(), "riff:AIGC")]
    new = out.read_bytes()
    assert _chunk(b"LIST", b"INFO" + _chunk(b"INAM", b"Tianping tone\x00")) in new
    assert new.index(b"AIGC") < new.index(b"data")  # placed before the samples
    with wave.open(str(out)) as w:  # the stdlib reader still parses it
        assert w.getnframes() == 800
    assert struct.unpack("<I", new[4:8])[0] == len(new) - 8


@pytest.mark.parametrize("name", ["tone.mp3", "tone.flac", "tone.ogg", "tone.wav"])
def test_truncated_and_garbage_give_input_error(name: str, tmp_path: Path) -> None:
    src = source(name, tmp_path)
    handler, out = labelled(src, "l")
    data = out.read_bytes()
    cut = {"tone.mp3": 40, "tone.flac": 60}.get(name, len(data) // 2)
    bad = tmp_path / ("cut" + src.suffix)
    bad.write_bytes(data[:cut])
    with pytest.raises(InputError, match="cut"):
        handler.read(bad)
    with pytest.raises(InputError):
        handler.write(bad, record(), tmp_path / ("o" + src.suffix))
    junk = tmp_path / ("junk" + src.suffix)
    junk.write_bytes(b"\x13\x37garbage" * 50)
    with pytest.raises(InputError, match="junk"):
        handler.read(junk)
    with pytest.raises(InputError):
        handler.payload(junk)
