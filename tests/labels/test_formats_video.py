"""Video implicit labels: MP4/MOV (moov/udta/meta mdta key) and Matroska/WebM (SimpleTag).

Real encoded fixtures (tests/labels/fixtures, made by make_fixtures.py with ffmpeg and
mkvmerge); independent readers: ffprobe/ffmpeg (tags, bit-identical decode), exiftool,
mkvinfo/mkvextract/mkvmerge, mutagen (iTunes freeform form).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tianping.errors import InputError
from tianping.labels._formats._video import MkvHandler, Mp4Handler
from tianping.labels._handler import FormatHandler, handler_for

from .conftest import assert_replaces, label_record

FIX = Path(__file__).parent / "fixtures"
FFMPEG = shutil.which("ffmpeg")
FFPROBE = shutil.which("ffprobe")
EXIFTOOL = shutil.which("exiftool")
MKVMERGE = shutil.which("mkvmerge")
MKVEXTRACT = shutil.which("mkvextract")
NEED_FF = pytest.mark.skipif(FFPROBE is None or FFMPEG is None, reason="ffmpeg not installed")


def record(label: str = "1", pid: str = "video-0001") -> str:
    return label_record(label, pid)


NAMES = ["clip.mp4", "clip_faststart.mp4", "clip.mov", "clip.mkv", "clip.webm"]
if (FIX / "clip_mkvmerge.mkv").exists():
    NAMES.append("clip_mkvmerge.mkv")
FORMS = {".mp4": "mp4:moov/udta/meta/keys:AIGC", ".mov": "mp4:moov/udta/meta/keys:AIGC"}


def _copy(name: str, tmp_path: Path) -> tuple[FormatHandler, Path]:
    src = tmp_path / name
    shutil.copyfile(FIX / name, src)
    handler = handler_for(src, src.read_bytes()[:64])
    assert handler is not None
    return handler, src


def _probe(path: Path) -> dict[str, str]:
    assert FFPROBE is not None
    res = subprocess.run(
        [FFPROBE, "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0 and res.stderr == "", res.stderr
    tags: dict[str, str] = json.loads(res.stdout)["format"].get("tags", {})
    return {k.upper(): v for k, v in tags.items()}


def _decoded_md5(path: Path) -> str:
    assert FFMPEG is not None
    res = subprocess.run(
        [FFMPEG, "-v", "error", "-i", str(path), "-map", "0:v", "-f", "md5", "-"],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0 and res.stderr == "", res.stderr
    return res.stdout


@pytest.mark.parametrize("name", NAMES)
def test_embed_read_payload_and_replace(name: str, tmp_path: Path) -> None:
    handler, src = _copy(name, tmp_path)
    before = src.read_bytes()
    assert handler.read(src) == []
    out = tmp_path / ("out" + src.suffix)
    handler.write(src, record("1"), out)
    assert src.read_bytes() == before
    found = handler.read(out)
    form = FORMS.get(src.suffix, "mkv:Tags/Tag/SimpleTag:AIGC")
    assert [(f.raw, f.form) for f in found] == [(record("1"), form)]
    assert handler.payload(out) == handler.payload(src)
    again = tmp_path / ("again" + src.suffix)
    handler.write(out, record("2", "video-0002"), again)
    assert [f.raw for f in handler.read(again)] == [record("2", "video-0002")]
    assert handler.payload(again) == handler.payload(src)
    handler.write(again, record("3"), again)  # in place
    assert [f.raw for f in handler.read(again)] == [record("3")]


@NEED_FF
@pytest.mark.parametrize("name", NAMES)
def test_ffprobe_sees_label_and_decoding_is_bit_identical(name: str, tmp_path: Path) -> None:
    handler, src = _copy(name, tmp_path)
    out = tmp_path / ("out" + src.suffix)
    handler.write(src, record(), out)
    tags = _probe(out)
    assert tags["AIGC"] == record()
    assert tags["TITLE"] == "Tianping fixture"  # other metadata kept
    assert _decoded_md5(out) == _decoded_md5(src)
    again = tmp_path / ("again" + src.suffix)
    handler.write(out, record("2"), again)
    assert _probe(again)["AIGC"] == record("2")
    assert _decoded_md5(again) == _decoded_md5(src)


def test_faststart_chunk_offsets_are_shifted(tmp_path: Path) -> None:
    handler, src = _copy("clip_faststart.mp4", tmp_path)
    data = src.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")  # moov first: growth shifts mdat
    out = tmp_path / "out.mp4"
    handler.write(src, record(), out)
    new = out.read_bytes()
    delta = new.index(b"mdat") - data.index(b"mdat")
    assert delta > 0

    def offsets(buf: bytes) -> list[int]:
        at = buf.index(b"stco")
        count = int.from_bytes(buf[at + 8 : at + 12], "big")
        return [int.from_bytes(buf[at + 12 + 4 * i : at + 16 + 4 * i], "big") for i in range(count)]

    assert offsets(new) == [o + delta for o in offsets(data)]


@pytest.mark.skipif(EXIFTOOL is None, reason="exiftool not installed")
@pytest.mark.parametrize("name", ["clip.mp4", "clip.mov", "clip.mkv"])
def test_exiftool_reads_label(name: str, tmp_path: Path) -> None:
    assert EXIFTOOL is not None
    handler, src = _copy(name, tmp_path)
    out = tmp_path / ("out" + src.suffix)
    handler.write(src, record(), out)
    res = subprocess.run([EXIFTOOL, "-j", "-a", str(out)], capture_output=True, text=True)
    assert record() in json.loads(res.stdout)[0].values()


@pytest.mark.skipif(MKVEXTRACT is None or MKVMERGE is None, reason="mkvtoolnix not installed")
@pytest.mark.parametrize("name", ["clip.mkv", "clip.webm"])
def test_mkvtoolnix_reads_label(name: str, tmp_path: Path) -> None:
    assert MKVEXTRACT is not None and MKVMERGE is not None
    handler, src = _copy(name, tmp_path)
    out = tmp_path / ("out" + src.suffix)
    handler.write(src, record(), out)
    ident = subprocess.run([MKVMERGE, "-J", str(out)], capture_output=True, text=True)
    assert ident.returncode == 0 and json.loads(ident.stdout)["container"]["recognized"]
    xml = subprocess.run(
        [MKVEXTRACT, str(out), "tags", "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "<Name>AIGC</Name>" in xml
    assert "<String>" + record().replace('"', "&quot;") in xml or record() in xml


@pytest.mark.skipif(MKVMERGE is None or FFPROBE is None, reason="mkvmerge/ffprobe missing")
def test_mkv_without_tags_gets_tags_and_seek_entry(tmp_path: Path) -> None:
    assert MKVMERGE is not None
    src = tmp_path / "bare.mkv"
    no_tags = ["--no-global-tags", "--no-track-tags", "--disable-track-statistics-tags"]
    subprocess.run(
        [MKVMERGE, "-q", *no_tags, "-o", str(src), str(FIX / "clip.mkv")],
        check=True,
    )
    assert b"\x12\x54\xc3\x67" not in src.read_bytes()  # no Tags element at all
    out = tmp_path / "out.mkv"
    MkvHandler().write(src, record(), out)
    assert [f.raw for f in MkvHandler().read(out)] == [record()]
    assert _probe(out)["AIGC"] == record()
    assert _decoded_md5(out) == _decoded_md5(src)
    assert MkvHandler().payload(out) == MkvHandler().payload(src)


@NEED_FF
@pytest.mark.parametrize("name", ["clip.mp4", "clip.mkv"])
def test_reads_and_replaces_the_ffmpeg_guide_form(name: str, tmp_path: Path) -> None:
    """TC260 video guide: ffmpeg -metadata AIGC=... (-movflags use_metadata_tags for MP4)."""
    assert FFMPEG is not None
    src = tmp_path / ("guide" + Path(name).suffix)
    flags = ["-movflags", "use_metadata_tags"] if name.endswith(".mp4") else []
    meta = ["-metadata", "AIGC=" + record("3", "old")]
    subprocess.run(
        [FFMPEG, "-v", "error", "-i", str(FIX / name), "-c", "copy", *meta, *flags, str(src)],
        check=True,
    )
    out = assert_replaces(src, record("3", "old"), record())
    assert _probe(out)["AIGC"] == record()
    assert _probe(out)["TITLE"] == "Tianping fixture"


def test_itunes_freeform_form_and_conflict(tmp_path: Path) -> None:
    from mutagen.mp4 import MP4, MP4FreeForm

    src = tmp_path / "ff.mp4"
    shutil.copyfile(FIX / "clip.mp4", src)
    Mp4Handler().write(src, record("1"), src)  # mdta key ...
    m = MP4(src)  # ... plus an iTunes freeform item written by mutagen: two records
    m["----:com.apple.iTunes:AIGC"] = [MP4FreeForm(record("2").encode())]
    m.save()
    found = Mp4Handler().read(src)
    assert sorted(f.raw for f in found) == [record("1"), record("2")]
    assert "mp4:moov/udta/meta/ilst/----:AIGC" in {f.form for f in found}
    out = tmp_path / "out.mp4"
    Mp4Handler().write(src, record("3"), out)
    assert [f.raw for f in Mp4Handler().read(out)] == [record("3")]
    assert "----:com.apple.iTunes:AIGC" not in MP4(out).tags  # type: ignore[operator]


@NEED_FF
def test_mkv_conflicting_records_are_all_reported(tmp_path: Path) -> None:
    assert FFMPEG is not None
    src = tmp_path / "two.mkv"
    meta = ["-metadata", "AIGC=" + record("1"), "-metadata:s:v:0", "AIGC=" + record("2")]
    subprocess.run(
        [FFMPEG, "-v", "error", "-i", str(FIX / "clip.mkv"), "-c", "copy", *meta, str(src)],
        check=True,
    )
    assert sorted(f.raw for f in MkvHandler().read(src)) == [record("1"), record("2")]
    out = tmp_path / "out.mkv"
    MkvHandler().write(src, record("3"), out)
    assert [f.raw for f in MkvHandler().read(out)] == [record("3")]
    assert _decoded_md5(out) == _decoded_md5(src)


def test_payload_covers_the_media(tmp_path: Path) -> None:
    for name in ("clip.mp4", "clip.mkv"):
        handler, src = _copy(name, tmp_path)
        data = bytearray(src.read_bytes())
        marker = b"mdat" if name.endswith(".mp4") else b"\x1f\x43\xb6\x75"  # Cluster
        at = data.index(marker) + 30
        data[at] ^= 0x55
        bad = tmp_path / ("t" + src.suffix)
        bad.write_bytes(bytes(data))
        assert handler.payload(bad) != handler.payload(src)


@pytest.mark.parametrize("name", ["clip.mp4", "clip_faststart.mp4", "clip.mkv", "clip.webm"])
def test_truncated_and_garbage_give_input_error(name: str, tmp_path: Path) -> None:
    handler, src = _copy(name, tmp_path)
    cut = tmp_path / ("cut" + src.suffix)
    cut.write_bytes(src.read_bytes()[: len(src.read_bytes()) * 2 // 3])
    with pytest.raises(InputError, match="cut"):
        handler.read(cut)
    with pytest.raises(InputError):
        handler.write(cut, record(), tmp_path / ("o" + src.suffix))
    junk = tmp_path / ("junk" + src.suffix)
    junk.write_bytes(b"\x00\x00\x00\x10ftypisom" + b"\xff" * 300 if "mp4" in name else b"x" * 300)
    with pytest.raises(InputError, match="junk"):
        handler.read(junk)
    with pytest.raises(InputError):
        handler.payload(junk)


def test_sniffing() -> None:
    assert Mp4Handler.sniff((FIX / "clip.mp4").read_bytes()[:64])
    assert Mp4Handler.sniff((FIX / "clip.mov").read_bytes()[:64])
    assert not Mp4Handler.sniff(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic")
    assert MkvHandler.sniff((FIX / "clip.webm").read_bytes()[:64])
    assert MkvHandler.sniff((FIX / "clip.mkv").read_bytes()[:64])
    assert not MkvHandler.sniff((FIX / "clip.mp4").read_bytes()[:64])


@NEED_FF
def test_live_webm_with_unknown_segment_size(tmp_path: Path) -> None:
    assert FFMPEG is not None
    src = tmp_path / "live.webm"
    with src.open("wb") as fh:  # written to a pipe: the Segment size is "unknown"
        subprocess.run(
            [FFMPEG, "-v", "error", "-i", str(FIX / "clip.webm"), "-c", "copy", "-f", "webm", "-"],
            stdout=fh,
            check=True,
        )
    assert src.read_bytes()[src.read_bytes().index(b"\x18\x53\x80\x67") + 4] == 0x01
    out = tmp_path / "out.webm"
    MkvHandler().write(src, record(), out)
    assert [f.raw for f in MkvHandler().read(out)] == [record()]
    assert _probe(out)["AIGC"] == record()
    assert _decoded_md5(out) == _decoded_md5(src)


def _box(btype: bytes, payload: bytes) -> bytes:
    return (len(payload) + 8).to_bytes(4, "big") + btype + payload


def _children(data: bytes) -> list[tuple[bytes, bytes]]:
    out, pos = [], 0
    while pos < len(data):
        size = int.from_bytes(data[pos : pos + 4], "big")
        out.append((data[pos + 4 : pos + 8], data[pos + 8 : pos + size]))
        pos += size
    return out


@NEED_FF
def test_quicktime_moov_meta_form(tmp_path: Path) -> None:
    """Apple's layout: an mdta 'meta' atom (no version/flags) directly in 'moov'."""
    assert FFMPEG is not None
    guide = tmp_path / "guide.mp4"
    meta_args = ["-metadata", "AIGC=" + record("3", "old"), "-movflags", "use_metadata_tags"]
    subprocess.run(
        [FFMPEG, "-v", "error", "-i", str(FIX / "clip.mp4"), "-c", "copy", *meta_args, str(guide)],
        check=True,
    )
    data = guide.read_bytes()
    at = data.index(b"moov") - 4
    assert at > data.index(b"mdat")  # moov last: moving boxes shifts no media
    kids = []
    for btype, body in _children(data[at + 8 :]):
        if btype == b"udta":
            metas = [b for t, b in _children(body) if t == b"meta"]
            kids.append(_box(b"meta", metas[0][4:]))  # drop the FullBox version/flags
        else:
            kids.append(_box(btype, body))
    src = tmp_path / "qt.mov"
    src.write_bytes(data[:at] + _box(b"moov", b"".join(kids)))
    assert [(f.raw, f.form) for f in Mp4Handler().read(src)] == [
        (record("3", "old"), "mp4:moov/meta/keys:AIGC")
    ]
    out = tmp_path / "out.mov"
    Mp4Handler().write(src, record(), out)
    assert [(f.raw, f.form) for f in Mp4Handler().read(out)] == [
        (record(), "mp4:moov/meta/keys:AIGC")
    ]
    assert _probe(out)["AIGC"] == record()
    assert _decoded_md5(out) == _decoded_md5(src)


def _ebml(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    """(id, body start, body end) of the EBML elements in data[start:end] (test-side walker)."""
    out, pos = [], start
    while pos < end:
        n = 1
        while not data[pos] & (0x80 >> (n - 1)):
            n += 1
        eid = int.from_bytes(data[pos : pos + n], "big")
        m = 1
        while not data[pos + n] & (0x80 >> (m - 1)):
            m += 1
        size = int.from_bytes(data[pos + n : pos + n + m], "big") & ((1 << (7 * m)) - 1)
        if size == (1 << (7 * m)) - 1:
            size = end - pos - n - m
        out.append((eid, pos + n + m, pos + n + m + size))
        pos += n + m + size
    return out


@pytest.mark.parametrize("name", [n for n in NAMES if n.endswith((".mkv", ".webm"))])
def test_mkv_seek_and_cue_positions_point_at_elements(name: str, tmp_path: Path) -> None:
    handler, src = _copy(name, tmp_path)
    out = tmp_path / ("out" + src.suffix)
    handler.write(src, record(), out)
    data = out.read_bytes()
    (_, _, _), (seg_id, seg_body, seg_end) = _ebml(data, 0, len(data))[:2]
    assert seg_id == 0x18538067
    checked = 0
    for eid, body, end in _ebml(data, seg_body, seg_end):
        if eid == 0x114D9B74:  # SeekHead: every SeekPosition holds its SeekID
            for sid, sbody, send in _ebml(data, body, end):
                if sid != 0x4DBB:
                    continue
                kids = {k: data[b:e] for k, b, e in _ebml(data, sbody, send)}
                pos = seg_body + int.from_bytes(kids[0x53AC], "big")
                assert data[pos : pos + len(kids[0x53AB])] == kids[0x53AB]
                checked += 1
        if eid == 0x1C53BB6B:  # Cues: every CueClusterPosition is a Cluster
            for _cid, cbody, cend in _ebml(data, body, end):
                for tid, tbody, tend in _ebml(data, cbody, cend):
                    if tid != 0xB7:
                        continue
                    for k, b, e in _ebml(data, tbody, tend):
                        if k == 0xF1:
                            pos = seg_body + int.from_bytes(data[b:e], "big")
                            assert data[pos : pos + 4] == b"\x1f\x43\xb6\x75"
                            checked += 1
    assert checked >= 2
    assert b"\x12\x54\xc3\x67" in data  # Tags present
