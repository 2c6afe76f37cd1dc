"""Implicit labels in audio files: MP3, WAV, FLAC, Ogg Vorbis/Opus; registers on import.

Locations follow the TC260 audio practice guide as quoted by implementers (research FMT-05..07,
confidence M): MP3 an ID3v2 ``TXXX`` frame with description ``AIGC``; WAV a RIFF sub-chunk
with ID ``AIGC``; FLAC and Ogg a Vorbis comment ``AIGC=<json>``.

Choices where the research is silent (most interoperable option, readers accept the rest):

- The value is stored exactly as given (bare 7-key object or ``{"AIGC": {...}}`` wrapper,
  GBM-14): the handler never rewraps it.
- Any field whose name contains ``AIGC`` (GB 45438 App. E a), case-insensitive) is read as a
  record; writing removes every such field and writes one field named ``AIGC``.
- WAV: the ``AIGC`` chunk is placed just before the ``data`` chunk (where ffmpeg puts
  ``LIST/INFO``), or replaces an existing one in place. A ``LIST/INFO/AIGC`` sub-chunk (the
  AVI form of FMT-04, also seen in WAV) is read too and removed on write.
- MP3: a new ID3 tag is written as ID3v2.4 (ffmpeg's default); an existing tag keeps its
  version (2.3 stays 2.3).

Nothing but metadata is rewritten: WAV chunks are edited with ``struct`` so every other byte
stays; mutagen rewrites only the tag/metadata blocks of MP3, FLAC and Ogg (Ogg pages of the
comment header are re-paginated, audio packets are untouched).
"""

from __future__ import annotations

import importlib
import shutil
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from tianping.labels._formats._common import KEY, Buf, bad, copy_range, is_aigc, mapped, output_file
from tianping.labels._handler import FormatHandler, FoundLabel, register_handler


def _copy_to(path: Path, out: Path) -> None:
    if Path(out).resolve() != Path(path).resolve():
        shutil.copyfile(path, out)


def _mutagen(module: str) -> Any:
    """A mutagen module, typed as Any (mutagen ships no annotations for its classes)."""
    return importlib.import_module(module)


def _read_all(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise bad(path, f"cannot read file ({exc.strerror})") from exc


# --------------------------------------------------------------------------- MP3 (ID3v2)


def _syncsafe(b: bytes) -> int:
    return (b[0] << 21) | (b[1] << 14) | (b[2] << 7) | b[3]


def _mp3_bounds(path: Path, data: bytes) -> tuple[int, int]:
    """(start, end) of the MPEG audio frames: after ID3v2 tag(s), before ID3v1/APE."""
    pos = 0
    while data[pos : pos + 3] == b"ID3":
        if len(data) < pos + 10:
            raise bad(path, "truncated ID3v2 header")
        if any(b & 0x80 for b in data[pos + 6 : pos + 10]):
            raise bad(path, "corrupt ID3v2 header (size is not sync-safe)")
        size = _syncsafe(data[pos + 6 : pos + 10]) + 10
        if data[pos + 5] & 0x10:  # footer present
            size += 10
        if pos + size > len(data):
            raise bad(
                path, f"truncated ID3v2 tag (declares {size} bytes, file has {len(data) - pos})"
            )
        pos += size
    end = len(data)
    if end - pos >= 128 and data[end - 128 : end - 125] == b"TAG":
        end -= 128
    if end - pos >= 32 and data[end - 32 : end - 24] == b"APETAGEX":
        ape_size = int.from_bytes(data[end - 20 : end - 16], "little")  # items + footer
        end = max(pos, end - ape_size)
        if data[end - 32 : end - 24] == b"APETAGEX":  # optional APE header
            end -= 32
    # skip leading zero padding some encoders leave after the tag
    while pos < end and data[pos] == 0:
        pos += 1
    if end - pos < 4 or not (data[pos] == 0xFF and data[pos + 1] & 0xE0 == 0xE0):
        raise bad(path, "no MPEG audio frame after the ID3 tag (not an MP3 or corrupt)")
    return pos, end


class Mp3Handler(FormatHandler):
    """MP3: ID3v2 ``TXXX`` frame with description ``AIGC``."""

    name: ClassVar[str] = "mp3"
    extensions: ClassVar[tuple[str, ...]] = (".mp3",)
    media_types: ClassVar[tuple[str, ...]] = ("audio/mpeg",)

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        if head[:3] == b"ID3":
            return head[3:4] in (b"\x02", b"\x03", b"\x04") and b"fLaC" not in head
        # MPEG-1/2/2.5 Layer III frame sync
        return (
            len(head) >= 2
            and head[0] == 0xFF
            and head[1] & 0xE0 == 0xE0
            and ((head[1] >> 1) & 3) == 1
        )

    def _tags(self, path: Path) -> Any:
        id3 = _mutagen("mutagen.id3")
        _mp3_bounds(path, _read_all(path))
        try:
            _mutagen("mutagen.mp3").MP3(path)
        except Exception as exc:
            raise bad(path, f"not a valid MP3 ({exc})") from exc
        try:
            return id3.ID3(path)
        except id3.ID3NoHeaderError:
            return None
        except Exception as exc:
            raise bad(path, f"corrupt ID3v2 tag ({exc})") from exc

    def read(self, path: Path) -> list[FoundLabel]:
        tags = self._tags(path)
        if tags is None:
            return []
        found: list[FoundLabel] = []
        for frame in tags.getall("TXXX"):
            if is_aigc(frame.desc):
                found.extend(FoundLabel(str(t), f"id3:TXXX:{frame.desc}") for t in frame.text)
        return found

    def write(self, path: Path, raw_json: str, out: Path) -> None:
        id3 = _mutagen("mutagen.id3")
        tags = self._tags(path)
        version = 4 if tags is None else max(3, tags.version[1])
        _copy_to(path, out)
        tags = id3.ID3() if tags is None else id3.ID3(out)
        for key in [k for k in tags if k.startswith("TXXX:") and is_aigc(k[5:])]:
            del tags[key]
        tags.add(id3.TXXX(encoding=3, desc=KEY, text=[raw_json]))
        tags.save(out, v2_version=version, v1=1)

    def payload_ranges(self, path: Path) -> list[tuple[int, int]] | None:
        with mapped(path) as data:
            return [_mp3_bounds(path, data)]  # type: ignore[arg-type]


# --------------------------------------------------------------------------- WAV (RIFF)


def _riff_chunks(path: Path, data: Buf, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(id, data_start, data_size) of each chunk in data[start:end]."""
    pos = start
    while pos + 8 <= end:
        cid = data[pos : pos + 4]
        (size,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        if pos + 8 + size > end:
            raise bad(
                path,
                f"truncated or corrupt RIFF chunk {cid!r} at offset {pos} "
                f"(declares {size} bytes, {end - pos - 8} left)",
            )
        yield cid, pos + 8, size
        pos += 8 + size + (size & 1)
    if pos < end and any(data[pos:end]):
        raise bad(path, f"garbage after the last RIFF chunk at offset {pos}")


def _wav_check(path: Path, data: Buf) -> int:
    """Validate the RIFF/WAVE header; return the end of the RIFF body."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise bad(path, "not a RIFF/WAVE file")
    size = int.from_bytes(data[4:8], "little")
    if 8 + size > len(data):
        raise bad(path, f"truncated WAV (RIFF declares {size + 8} bytes, file has {len(data)})")
    return 8 + size


def _chunk(cid: bytes, body: bytes) -> bytes:
    return cid + struct.pack("<I", len(body)) + body + (b"\x00" if len(body) & 1 else b"")


def _text(body: bytes) -> str:
    return body.rstrip(b"\x00").decode("utf-8", errors="replace")


class WavHandler(FormatHandler):
    """WAV: a RIFF chunk with ID ``AIGC`` (also reads ``LIST/INFO/AIGC``)."""

    name: ClassVar[str] = "wav"
    extensions: ClassVar[tuple[str, ...]] = (".wav", ".wave")
    media_types: ClassVar[tuple[str, ...]] = ("audio/wav", "audio/x-wav")

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return head[:4] == b"RIFF" and head[8:12] == b"WAVE"

    def _scan(self, path: Path, data: Buf) -> tuple[list[FoundLabel], tuple[int, int]]:
        """The records found and the (start, end) of the samples."""
        end = _wav_check(path, data)
        found: list[FoundLabel] = []
        samples: tuple[int, int] | None = None
        has_fmt = False
        for cid, start, size in _riff_chunks(path, data, 12, end):
            if cid == b"fmt ":
                has_fmt = True
            elif cid == b"data":
                samples = (start, start + size)
            elif is_aigc(cid.decode("latin-1")):
                found.append(FoundLabel(_text(data[start : start + size]), f"riff:{cid.decode()}"))
            elif cid == b"LIST" and data[start : start + 4] == b"INFO":
                for sid, s2, n2 in _riff_chunks(path, data, start + 4, start + size):
                    if is_aigc(sid.decode("latin-1")):
                        form = f"riff:LIST/INFO/{sid.decode('latin-1')}"
                        found.append(FoundLabel(_text(data[s2 : s2 + n2]), form))
        if not has_fmt or samples is None:
            raise bad(path, "corrupt WAV: missing 'fmt ' or 'data' chunk")
        return found, samples

    def read(self, path: Path) -> list[FoundLabel]:
        with mapped(path) as data:
            return self._scan(path, data)[0]

    def write(self, path: Path, raw_json: str, out: Path) -> None:
        with mapped(path) as data:
            self._write(path, data, raw_json, out)

    def _write(self, path: Path, data: Buf, raw_json: str, out: Path) -> None:
        self._scan(path, data)
        end = _wav_check(path, data)
        new = _chunk(KEY.encode(), raw_json.encode("utf-8"))
        parts: list[bytes | tuple[int, int]] = []  # bytes, or a range copied verbatim
        placed = False
        pos = 12
        for cid, start, size in _riff_chunks(path, data, 12, end):
            nxt = min(start + size + (size & 1), end)
            if is_aigc(cid.decode("latin-1")):
                if not placed:
                    parts.append(new)
                    placed = True
            elif cid == b"LIST" and data[start : start + 4] == b"INFO":
                subs = list(_riff_chunks(path, data, start + 4, start + size))
                keep = [
                    data[s2 - 8 : min(s2 + n2 + (n2 & 1), start + size)]
                    for sid, s2, n2 in subs
                    if not is_aigc(sid.decode("latin-1"))
                ]
                if len(keep) == len(subs):
                    parts.append((pos, nxt))  # untouched
                elif keep:
                    parts.append(_chunk(b"LIST", b"INFO" + b"".join(keep)))
            else:
                if cid == b"data" and not placed:
                    parts.append(new)
                    placed = True
                parts.append((pos, nxt))
            pos = nxt
        size = 4 + sum(p[1] - p[0] if isinstance(p, tuple) else len(p) for p in parts)
        if size > 0xFFFFFFFF:
            raise bad(path, "WAV larger than 4 GiB (RF64 is not supported)")
        with output_file(path, out) as fh:
            fh.write(b"RIFF" + struct.pack("<I", size) + b"WAVE")
            for part in parts:
                if isinstance(part, tuple):
                    copy_range(fh, data, part[0], part[1])
                else:
                    fh.write(part)
            copy_range(fh, data, end, len(data))

    def payload_ranges(self, path: Path) -> list[tuple[int, int]] | None:
        with mapped(path) as data:
            start, stop = self._scan(path, data)[1]
            return [(start, stop)]


# --------------------------------------------------------------------------- FLAC


def _flac_audio_start(path: Path, data: bytes) -> int:
    pos = 0
    if data[:3] == b"ID3" and len(data) >= 10:
        pos = _syncsafe(data[6:10]) + 10
    if data[pos : pos + 4] != b"fLaC":
        raise bad(path, "not a FLAC file (no 'fLaC' marker)")
    pos += 4
    while True:
        if pos + 4 > len(data):
            raise bad(path, "truncated FLAC metadata block header")
        last = data[pos] & 0x80
        size = int.from_bytes(data[pos + 1 : pos + 4], "big")
        pos += 4 + size
        if pos > len(data):
            raise bad(path, "truncated FLAC metadata block")
        if last:
            break
    if pos < len(data) and (data[pos] != 0xFF or data[pos + 1 : pos + 2] < b"\xf8"):
        raise bad(path, f"corrupt FLAC: no frame sync after the metadata (offset {pos})")
    return pos


def _vorbis_found(tags: Any, prefix: str) -> list[FoundLabel]:
    if tags is None:
        return []
    return [FoundLabel(str(v), f"{prefix}:{k}") for k, v in tags if is_aigc(k)]


def _vorbis_replace(tags: Any, raw_json: str) -> None:
    for key in {k for k, _ in tags if is_aigc(k)}:
        del tags[key]
    tags[KEY] = [raw_json]


class FlacHandler(FormatHandler):
    """FLAC: Vorbis comment ``AIGC=<json>``."""

    name: ClassVar[str] = "flac"
    extensions: ClassVar[tuple[str, ...]] = (".flac",)
    media_types: ClassVar[tuple[str, ...]] = ("audio/flac",)

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return head[:4] == b"fLaC"

    def _open(self, path: Path) -> Any:
        _flac_audio_start(path, _read_all(path))
        try:
            return _mutagen("mutagen.flac").FLAC(path)
        except Exception as exc:
            raise bad(path, f"corrupt FLAC ({exc})") from exc

    def read(self, path: Path) -> list[FoundLabel]:
        return _vorbis_found(self._open(path).tags, "vorbis")

    def write(self, path: Path, raw_json: str, out: Path) -> None:
        self._open(path)
        _copy_to(path, out)
        f = _mutagen("mutagen.flac").FLAC(out)
        if f.tags is None:
            f.add_tags()
        _vorbis_replace(f.tags, raw_json)
        f.save()

    def payload_ranges(self, path: Path) -> list[tuple[int, int]] | None:
        with mapped(path) as data:
            return [(_flac_audio_start(path, data), len(data))]  # type: ignore[arg-type]


# --------------------------------------------------------------------------- Ogg


def _ogg_packets(path: Path, data: bytes) -> Iterator[tuple[int, int, bytes]]:
    """(serial, packet index within its stream, packet) for every complete packet."""
    pos = 0
    partial: dict[int, bytes] = {}
    index: dict[int, int] = {}
    if data[:4] != b"OggS":
        raise bad(path, "not an Ogg file (no 'OggS' capture pattern)")
    while pos < len(data):
        if data[pos : pos + 4] != b"OggS":
            raise bad(path, f"corrupt Ogg page at offset {pos} (no capture pattern)")
        if pos + 27 > len(data):
            raise bad(path, f"truncated Ogg page header at offset {pos}")
        (serial,) = struct.unpack("<I", data[pos + 14 : pos + 18])
        nseg = data[pos + 26]
        lacing = data[pos + 27 : pos + 27 + nseg]
        body = pos + 27 + nseg
        if len(lacing) < nseg or body + sum(lacing) > len(data):
            raise bad(path, f"truncated Ogg page at offset {pos}")
        buf = partial.pop(serial, b"")
        cur = body
        start = body
        for lace in lacing:
            cur += lace
            if lace < 255:
                pkt = buf + data[start:cur]
                buf = b""
                i = index.get(serial, 0)
                index[serial] = i + 1
                yield serial, i, pkt
                start = cur
        if start < cur:
            partial[serial] = buf + data[start:cur]
        elif buf:
            partial[serial] = buf
        pos = cur


class OggHandler(FormatHandler):
    """Ogg Vorbis and Ogg Opus: Vorbis comment ``AIGC=<json>``."""

    name: ClassVar[str] = "ogg"
    extensions: ClassVar[tuple[str, ...]] = (".ogg", ".oga", ".opus")
    media_types: ClassVar[tuple[str, ...]] = ("audio/ogg", "audio/opus")

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return head[:4] == b"OggS" and (b"\x01vorbis" in head or b"OpusHead" in head)

    def _open(self, path: Path) -> Any:
        data = _read_all(path)
        packets = _ogg_packets(path, data)
        first = next(packets, None)
        if first is None:
            raise bad(path, "empty Ogg stream")
        for _ in packets:  # walk every page: detects truncation anywhere
            pass
        if first[2].startswith(b"\x01vorbis"):
            cls: Any = _mutagen("mutagen.oggvorbis").OggVorbis
        elif first[2].startswith(b"OpusHead"):
            cls = _mutagen("mutagen.oggopus").OggOpus
        else:
            raise bad(path, "unsupported Ogg codec (only Vorbis and Opus carry labels here)")
        try:
            return cls(path)
        except Exception as exc:
            raise bad(path, f"corrupt Ogg ({exc})") from exc

    def read(self, path: Path) -> list[FoundLabel]:
        return _vorbis_found(self._open(path).tags, "vorbis")

    def write(self, path: Path, raw_json: str, out: Path) -> None:
        f = self._open(path)
        _copy_to(path, out)
        f = type(f)(out)
        _vorbis_replace(f.tags, raw_json)
        f.save()

    def payload(self, path: Path) -> bytes | None:
        # every packet except each stream's comment header (packet 1), length-prefixed
        self._open(path)
        parts = [
            struct.pack("<II", serial, len(pkt)) + pkt
            for serial, i, pkt in _ogg_packets(path, _read_all(path))
            if i != 1
        ]
        return b"".join(parts)


register_handler(Mp3Handler())
register_handler(WavHandler())
register_handler(FlacHandler())
register_handler(OggHandler())
