"""Implicit labels in video files: MP4/MOV (ISO BMFF) and Matroska/WebM; registers on import.

Locations follow the TC260 video practice guide as quoted by implementers (research FMT-01,
FMT-03, confidence M):

- MP4/MOV: ``moov/udta/meta`` with an ``mdta`` handler, the key ``AIGC`` in ``keys`` and the
  JSON in ``ilst``: exactly what ``ffmpeg -metadata AIGC=... -movflags use_metadata_tags``
  writes. The reader also accepts the key in ``moov/meta`` (Apple's location for ``mdta``) and
  an iTunes freeform ``----`` item whose name contains ``AIGC`` (what mutagen or exiftool
  would write); writing removes every such item and leaves one ``mdta`` key. When the file
  has no ``mdta`` metadata yet, a new ``meta`` box is appended to ``udta`` after any iTunes
  (``mdir``) ``meta``, so ffmpeg's reader keeps both.
- Matroska/WebM: ``Segment/Tags/Tag/SimpleTag`` with ``TagName=AIGC`` and the JSON in
  ``TagString``, in a global ``Tag`` (empty ``Targets``, i.e. the whole segment).

Only metadata boxes/elements are rewritten; ``mdat`` and clusters are copied unchanged.
MP4: when ``moov`` grows and media data follow it, ``stco``/``co64`` chunk offsets,
``tfhd`` base offsets and ``tfra`` moof offsets are shifted. Matroska: the segment is
re-laid out and every ``SeekPosition`` and ``CueClusterPosition`` is remapped (written as
8-byte integers), CRC-32 elements of rebuilt masters are recomputed, and the segment size is
rewritten (an unknown size stays unknown).
"""

from __future__ import annotations

import bisect
import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from tianping.labels._formats._common import KEY, Buf, bad, copy_range, is_aigc, mapped, output_file
from tianping.labels._handler import FormatHandler, FoundLabel, register_handler

# =========================================================================== MP4 / MOV


@dataclass(frozen=True)
class _Box:
    type: bytes
    start: int  # offset of the size field
    body: int  # offset of the payload
    end: int


def _boxes(path: Path, data: Buf, start: int, end: int) -> list[_Box]:
    out: list[_Box] = []
    pos = start
    while pos < end:
        if pos + 8 > end:
            if not any(data[pos:end]):
                break  # QuickTime 'udta' lists may end with a 32-bit zero terminator
            raise bad(path, f"truncated MP4 box header at offset {pos}")
        size, btype = struct.unpack(">I4s", data[pos : pos + 8])
        hdr = 8
        if size == 1:
            if pos + 16 > end:
                raise bad(path, f"truncated MP4 box header at offset {pos}")
            (size,) = struct.unpack(">Q", data[pos + 8 : pos + 16])
            hdr = 16
        elif size == 0:
            size = end - pos
        if size < hdr or pos + size > end:
            raise bad(
                path,
                f"truncated or corrupt MP4 box {btype!r} at offset {pos} "
                f"(declares {size} bytes, {end - pos} left)",
            )
        out.append(_Box(btype, pos, pos + hdr, pos + size))
        pos += size
    return out


def _box(btype: bytes, payload: bytes) -> bytes:
    if len(payload) + 8 > 0xFFFFFFFF:
        return struct.pack(">I4sQ", 1, btype, len(payload) + 16) + payload
    return struct.pack(">I4s", len(payload) + 8, btype) + payload


def _meta_children_offset(data: Buf, meta: _Box) -> int:
    # ISO 'meta' is a FullBox (4 bytes version/flags); QuickTime's is a plain atom.
    return meta.body if data[meta.body + 4 : meta.body + 8] == b"hdlr" else meta.body + 4


def _meta_handler(path: Path, data: Buf, meta: _Box) -> tuple[bytes, list[_Box]]:
    kids = _boxes(path, data, _meta_children_offset(data, meta), meta.end)
    handler = b""
    for k in kids:
        if k.type == b"hdlr":
            handler = data[k.body + 8 : k.body + 12]
    return handler, kids


def _mdta_keys(path: Path, data: Buf, keys: _Box) -> list[str]:
    (count,) = struct.unpack(">I", data[keys.body + 4 : keys.body + 8])
    names: list[str] = []
    pos = keys.body + 8
    for _ in range(count):
        if pos + 8 > keys.end:
            raise bad(path, "corrupt MP4 'keys' box (entry past its end)")
        (size,) = struct.unpack(">I", data[pos : pos + 4])
        if size < 8 or pos + size > keys.end:
            raise bad(path, "corrupt MP4 'keys' box (bad entry size)")
        names.append(data[pos + 8 : pos + size].decode("utf-8", errors="replace"))
        pos += size
    return names


def _data_values(path: Path, data: Buf, item: _Box) -> list[str]:
    return [
        data[d.body + 8 : d.end].decode("utf-8", errors="replace")
        for d in _boxes(path, data, item.body, item.end)
        if d.type == b"data"
    ]


def _freeform_name(path: Path, data: Buf, item: _Box) -> str:
    for d in _boxes(path, data, item.body, item.end):
        if d.type == b"name":
            return data[d.body + 4 : d.end].decode("utf-8", errors="replace")
    return ""


def _meta_records(path: Path, data: Buf, meta: _Box, where: str) -> list[FoundLabel]:
    handler, kids = _meta_handler(path, data, meta)
    keys: list[str] = []
    for k in kids:
        if k.type == b"keys":
            keys = _mdta_keys(path, data, k)
    found: list[FoundLabel] = []
    for ilst in (k for k in kids if k.type == b"ilst"):
        for item in _boxes(path, data, ilst.body, ilst.end):
            if item.type == b"----":
                name = _freeform_name(path, data, item)
                if is_aigc(name):
                    form = f"mp4:{where}/ilst/----:{name}"
                    found.extend(FoundLabel(v, form) for v in _data_values(path, data, item))
            elif handler == b"mdta":
                (index,) = struct.unpack(">I", item.type)
                if 1 <= index <= len(keys) and is_aigc(keys[index - 1]):
                    form = f"mp4:{where}/keys:{keys[index - 1]}"
                    found.extend(FoundLabel(v, form) for v in _data_values(path, data, item))
    return found


def _mdta_meta(keys: list[str], values: list[bytes]) -> bytes:
    """A full 'meta' box with an mdta handler, as ffmpeg writes it."""
    hdlr = _box(b"hdlr", b"\x00" * 8 + b"mdta" + b"\x00" * 12 + b"\x00")
    kbody = struct.pack(">II", 0, len(keys)) + b"".join(
        struct.pack(">I", 8 + len(k.encode())) + b"mdta" + k.encode() for k in keys
    )
    ilst = b"".join(
        _box(struct.pack(">I", i + 1), _box(b"data", struct.pack(">II", 1, 0) + v))
        for i, v in enumerate(values)
    )
    return _box(b"meta", b"\x00\x00\x00\x00" + hdlr + _box(b"keys", kbody) + _box(b"ilst", ilst))


def _rebuild_meta(path: Path, data: Buf, meta: _Box, add: str | None) -> bytes:
    """The meta box without AIGC items; with `add` as a new mdta key if given."""
    handler, kids = _meta_handler(path, data, meta)
    if handler == b"mdta":
        keys: list[str] = []
        for k in kids:
            if k.type == b"keys":
                keys = _mdta_keys(path, data, k)
        # rebuild keys/ilst: drop AIGC keys, renumber the items that stay
        items: list[tuple[str, bytes]] = []  # (key, item payload)
        extra: list[bytes] = []  # ilst children we keep verbatim (e.g. '----')
        for ilst in (k for k in kids if k.type == b"ilst"):
            for item in _boxes(path, data, ilst.body, ilst.end):
                if item.type == b"----":
                    if not is_aigc(_freeform_name(path, data, item)):
                        extra.append(data[item.start : item.end])
                    continue
                (index,) = struct.unpack(">I", item.type)
                name = keys[index - 1] if 1 <= index <= len(keys) else ""
                if name and not is_aigc(name):
                    items.append((name, data[item.body : item.end]))
        used = list(dict.fromkeys(name for name, _ in items))
        if add is not None:
            used.append(KEY)
            items.append((KEY, _box(b"data", struct.pack(">II", 1, 0) + add.encode())))
        kbody = struct.pack(">II", 0, len(used)) + b"".join(
            struct.pack(">I", 8 + len(k.encode())) + b"mdta" + k.encode() for k in used
        )
        ilst_body = b"".join(
            _box(struct.pack(">I", used.index(name) + 1), body) for name, body in items
        ) + b"".join(extra)
        parts: list[bytes] = []
        has_keys = any(k.type == b"keys" for k in kids)
        ilst_done = False
        for k in kids:
            if k.type == b"keys":
                parts.append(_box(b"keys", kbody))
            elif k.type == b"ilst":
                if not ilst_done:  # several ilst boxes are merged into the first
                    if not has_keys:  # readers need 'keys' before 'ilst'
                        parts.append(_box(b"keys", kbody))
                        has_keys = True
                    parts.append(_box(b"ilst", ilst_body))
                    ilst_done = True
            else:
                parts.append(data[k.start : k.end])
        if not has_keys:
            parts.append(_box(b"keys", kbody))
        if not ilst_done:
            parts.append(_box(b"ilst", ilst_body))
        prefix = data[meta.body : _meta_children_offset(data, meta)]
        return _box(b"meta", prefix + b"".join(parts))
    # other handlers (iTunes 'mdir'): drop AIGC freeform items only
    parts = []
    for k in kids:
        if k.type == b"ilst":
            keep = [
                data[i.start : i.end]
                for i in _boxes(path, data, k.body, k.end)
                if not (i.type == b"----" and is_aigc(_freeform_name(path, data, i)))
            ]
            parts.append(_box(b"ilst", b"".join(keep)))
        else:
            parts.append(data[k.start : k.end])
    prefix = data[meta.body : _meta_children_offset(data, meta)]
    return _box(b"meta", prefix + b"".join(parts))


def _shift_offsets(
    path: Path, buf: bytearray, start: int, end: int, limit: int, delta: int
) -> None:
    """Add `delta` to every absolute file offset >= `limit` in buf[start:end]."""
    data = bytes(buf)
    for b in _boxes(path, data, start, end):
        if b.type in (b"moov", b"trak", b"mdia", b"minf", b"stbl", b"moof", b"traf", b"mfra"):
            _shift_offsets(path, buf, b.body, b.end, limit, delta)
        elif b.type in (b"stco", b"co64"):
            (count,) = struct.unpack(">I", data[b.body + 4 : b.body + 8])
            fmt, width = (">I", 4) if b.type == b"stco" else (">Q", 8)
            if b.body + 8 + count * width > b.end:
                raise bad(path, f"corrupt MP4 '{b.type.decode()}' box (entry count too large)")
            for i in range(count):
                p = b.body + 8 + i * width
                (off,) = struct.unpack(fmt, data[p : p + width])
                if off >= limit:
                    if off + delta > 0xFFFFFFFF and width == 4:
                        raise bad(path, "chunk offset overflows 32 bits after growing 'moov'")
                    struct.pack_into(fmt, buf, p, off + delta)
        elif b.type == b"tfhd":
            flags = int.from_bytes(data[b.body + 1 : b.body + 4], "big")
            if flags & 0x1:
                p = b.body + 8
                (off,) = struct.unpack(">Q", data[p : p + 8])
                if off >= limit:
                    struct.pack_into(">Q", buf, p, off + delta)
        elif b.type == b"tfra":
            version = data[b.body]
            lens = int.from_bytes(data[b.body + 8 : b.body + 12], "big")
            skip = ((lens >> 4) & 3) + ((lens >> 2) & 3) + (lens & 3) + 3
            (count,) = struct.unpack(">I", data[b.body + 12 : b.body + 16])
            w = 8 if version == 1 else 4
            fmt = ">Q" if w == 8 else ">I"
            p = b.body + 16
            for _ in range(count):
                q = p + w
                if q + w > b.end:
                    raise bad(path, "corrupt MP4 'tfra' box")
                (off,) = struct.unpack(fmt, data[q : q + w])
                if off >= limit:
                    struct.pack_into(fmt, buf, q, off + delta)
                p = q + w + skip


_MP4_TOP = (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip", b"pnot", b"styp")
_NOT_VIDEO_BRANDS = (b"heic", b"heix", b"mif1", b"msf1", b"avif", b"avis", b"jp2 ", b"crx ")


class Mp4Handler(FormatHandler):
    """MP4/MOV/M4A: ``moov/udta/meta`` mdta key ``AIGC``."""

    name: ClassVar[str] = "mp4"
    extensions: ClassVar[tuple[str, ...]] = (".mp4", ".m4v", ".mov", ".m4a", ".3gp")
    media_types: ClassVar[tuple[str, ...]] = ("video/mp4", "video/quicktime", "audio/mp4")

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        if head[4:8] == b"ftyp":
            return head[8:12] not in _NOT_VIDEO_BRANDS
        return head[4:8] in _MP4_TOP

    def _top(self, path: Path, data: Buf) -> tuple[list[_Box], _Box]:
        if len(data) < 8 or data[4:8] not in _MP4_TOP:
            raise bad(path, "not an MP4/MOV file (no ftyp/moov/mdat box at the start)")
        top = _boxes(path, data, 0, len(data))
        moovs = [b for b in top if b.type == b"moov"]
        if len(moovs) != 1:
            raise bad(path, f"corrupt MP4: expected one 'moov' box, found {len(moovs)}")
        return top, moovs[0]

    def read(self, path: Path) -> list[FoundLabel]:
        with mapped(path) as data:
            return self._read(path, data)

    def _read(self, path: Path, data: Buf) -> list[FoundLabel]:
        _, moov = self._top(path, data)
        found: list[FoundLabel] = []
        for b in _boxes(path, data, moov.body, moov.end):
            if b.type == b"meta":
                found += _meta_records(path, data, b, "moov/meta")
            elif b.type == b"udta":
                for m in _boxes(path, data, b.body, b.end):
                    if m.type == b"meta":
                        found += _meta_records(path, data, m, "moov/udta/meta")
        return found

    def write(self, path: Path, raw_json: str, out: Path) -> None:
        with mapped(path) as data:
            self._write(path, data, raw_json, out)

    def _write(self, path: Path, data: Buf, raw_json: str, out: Path) -> None:
        top, moov = self._top(path, data)
        kids = _boxes(path, data, moov.body, moov.end)
        # where the record goes: an existing mdta meta (udta first, then moov), else a new one
        target: _Box | None = None
        udta = next((b for b in kids if b.type == b"udta"), None)
        candidates = (
            [m for m in _boxes(path, data, udta.body, udta.end) if m.type == b"meta"]
            if (udta)
            else []
        )
        candidates += [b for b in kids if b.type == b"meta"]
        for m in candidates:
            if _meta_handler(path, data, m)[0] == b"mdta":
                target = m
                break
        parts: list[bytes] = []
        for b in kids:
            if b.type == b"meta":
                add = raw_json if b == target else None
                parts.append(_rebuild_meta(path, data, b, add))
            elif b.type == b"udta":
                sub: list[bytes] = []
                for m in _boxes(path, data, b.body, b.end):
                    if m.type == b"meta":
                        sub.append(_rebuild_meta(path, data, m, raw_json if m == target else None))
                    else:
                        sub.append(data[m.start : m.end])
                if target is None:
                    sub.append(_mdta_meta([KEY], [raw_json.encode()]))
                parts.append(_box(b"udta", b"".join(sub)))
            else:
                parts.append(data[b.start : b.end])
        if udta is None and target is None:
            parts.append(_box(b"udta", _mdta_meta([KEY], [raw_json.encode()])))
        new_moov = bytearray(_box(b"moov", b"".join(parts)))
        delta = len(new_moov) - (moov.end - moov.start)
        if delta:
            _shift_offsets(path, new_moov, 0, len(new_moov), moov.end, delta)
        with output_file(path, out) as fh:
            copy_range(fh, data, 0, moov.start)
            fh.write(new_moov)
            for b in top:
                if b.start < moov.end:
                    continue
                if delta and b.type in (b"moof", b"mfra"):
                    # fragments after moov carry absolute offsets too
                    frag = bytearray(data[b.start : b.end])
                    _shift_offsets(path, frag, 0, len(frag), moov.end, delta)
                    fh.write(frag)
                else:
                    copy_range(fh, data, b.start, b.end)

    def payload_ranges(self, path: Path) -> list[tuple[int, int]] | None:
        with mapped(path) as data:
            top, _ = self._top(path, data)
            return [(b.body, b.end) for b in top if b.type == b"mdat"]


# =========================================================================== Matroska / WebM

_EBML = 0x1A45DFA3
_SEGMENT = 0x18538067
_SEEKHEAD = 0x114D9B74
_SEEK = 0x4DBB
_SEEKPOS = 0x53AC
_CLUSTER = 0x1F43B675
_CUES = 0x1C53BB6B
_CUEPOINT = 0xBB
_CUETRACKPOS = 0xB7
_CUECLUSTERPOS = 0xF1
_TAGS = 0x1254C367
_TAG = 0x7373
_TARGETS = 0x63C0
_SIMPLETAG = 0x67C8
_TAGNAME = 0x45A3
_TAGLANG = 0x447A
_TAGDEFAULT = 0x4484
_TAGSTRING = 0x4487
_TAGBINARY = 0x4485
_CRC32 = 0xBF
_VOID = 0xEC
_DOCTYPE = 0x4282
_SEEKID = 0x53AB
_LEVEL1 = {
    _SEEKHEAD,
    0x1549A966,  # Info
    0x1654AE6B,  # Tracks
    _CLUSTER,
    _CUES,
    0x1043A770,  # Chapters
    _TAGS,
    0x1941A469,  # Attachments
    _SEGMENT,
    _EBML,
}


@dataclass(frozen=True)
class _El:
    id: int
    start: int
    body: int
    end: int
    unknown: bool = False


def _vint(path: Path, data: Buf, pos: int, keep_marker: bool) -> tuple[int | None, int]:
    if pos >= len(data):
        raise bad(path, f"truncated EBML element at offset {pos}")
    first = data[pos]
    length = 1
    mask = 0x80
    while length <= 8 and not first & mask:
        mask >>= 1
        length += 1
    if length > 8:
        raise bad(path, f"corrupt EBML variable-length integer at offset {pos}")
    if pos + length > len(data):
        raise bad(path, f"truncated EBML element at offset {pos}")
    value = int.from_bytes(data[pos : pos + length], "big")
    if keep_marker:
        return value, length
    value &= (1 << (7 * length)) - 1
    if value == (1 << (7 * length)) - 1:
        return None, length  # unknown size
    return value, length


def _elements(path: Path, data: Buf, start: int, end: int) -> Iterator[_El]:
    pos = start
    while pos < end:
        eid, n1 = _vint(path, data, pos, True)
        size, n2 = _vint(path, data, pos + n1, False)
        assert eid is not None
        body = pos + n1 + n2
        if size is None:
            if eid != _CLUSTER:
                raise bad(path, f"unsupported unknown-size EBML element 0x{eid:X} at {pos}")
            q = body
            while q < end:
                cid, m1 = _vint(path, data, q, True)
                if cid in _LEVEL1:
                    break
                csize, m2 = _vint(path, data, q + m1, False)
                if csize is None:
                    raise bad(path, f"corrupt Matroska cluster child at offset {q}")
                q += m1 + m2 + csize
            if q > end:
                raise bad(path, f"truncated Matroska cluster at offset {pos}")
            yield _El(eid, pos, body, q, True)
            pos = q
            continue
        if body + size > end:
            raise bad(
                path,
                f"truncated or corrupt EBML element 0x{eid:X} at offset {pos} "
                f"(declares {size} bytes, {end - body} left)",
            )
        yield _El(eid, pos, body, body + size)
        pos = body + size


def _enc_size(n: int, width: int = 0) -> bytes:
    length = max(width, 1)
    while n >= (1 << (7 * length)) - 1:
        length += 1
    return ((1 << (7 * length)) | n).to_bytes(length, "big")


def _el(eid: int, payload: bytes) -> bytes:
    return eid.to_bytes((eid.bit_length() + 7) // 8, "big") + _enc_size(len(payload)) + payload


def _with_crc(children: list[tuple[int, bytes]]) -> bytes:
    """Concatenate children; a CRC-32 child is recomputed over what follows it."""
    if children and children[0][0] == _CRC32:
        rest = b"".join(b for _, b in children[1:])
        return _el(_CRC32, struct.pack("<I", zlib.crc32(rest))) + rest
    return b"".join(b for eid, b in children if eid != _CRC32)


def _simple_tag_name(path: Path, data: Buf, st: _El) -> tuple[str, str | None]:
    name = ""
    value: str | None = None
    for c in _elements(path, data, st.body, st.end):
        if c.id == _TAGNAME:
            name = data[c.body : c.end].decode("utf-8", errors="replace")
        elif c.id in (_TAGSTRING, _TAGBINARY):
            value = data[c.body : c.end].rstrip(b"\x00").decode("utf-8", errors="replace")
    return name, value


class MkvHandler(FormatHandler):
    """Matroska/WebM: global ``Tags/Tag/SimpleTag`` with ``TagName=AIGC``."""

    name: ClassVar[str] = "matroska"
    extensions: ClassVar[tuple[str, ...]] = (".mkv", ".webm", ".mka", ".mk3d")
    media_types: ClassVar[tuple[str, ...]] = ("video/x-matroska", "video/webm")

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return head[:4] == b"\x1a\x45\xdf\xa3" and (b"matroska" in head or b"webm" in head)

    def _parse(self, path: Path, data: Buf) -> tuple[_El, _El, list[_El]]:
        if data[:4] != b"\x1a\x45\xdf\xa3":
            raise bad(path, "not a Matroska/WebM file (no EBML header)")
        top = list(_elements_top(path, data))
        header = top[0]
        doctype = b""
        for c in _elements(path, data, header.body, header.end):
            if c.id == _DOCTYPE:
                doctype = data[c.body : c.end].rstrip(b"\x00")
        if doctype not in (b"matroska", b"webm"):
            raise bad(path, f"unsupported EBML document type {doctype!r}")
        segs = [e for e in top if e.id == _SEGMENT]
        if not segs:
            raise bad(path, "corrupt Matroska: no Segment element")
        seg = segs[0]
        return header, seg, list(_elements(path, data, seg.body, seg.end))

    def read(self, path: Path) -> list[FoundLabel]:
        with mapped(path) as data:
            return self._read(path, data)

    def _read(self, path: Path, data: Buf) -> list[FoundLabel]:
        _, _, kids = self._parse(path, data)
        found: list[FoundLabel] = []
        for tags in (k for k in kids if k.id == _TAGS):
            for tag in _elements(path, data, tags.body, tags.end):
                if tag.id != _TAG:
                    continue
                for st in _elements(path, data, tag.body, tag.end):
                    if st.id == _SIMPLETAG:
                        name, value = _simple_tag_name(path, data, st)
                        if is_aigc(name) and value is not None:
                            found.append(FoundLabel(value, f"mkv:Tags/Tag/SimpleTag:{name}"))
        return found

    def _filtered_tags(self, path: Path, data: Buf, tags: _El) -> list[tuple[int, bytes]]:
        """The children of a Tags element with AIGC SimpleTags (and emptied Tags) removed."""
        out: list[tuple[int, bytes]] = []
        for tag in _elements(path, data, tags.body, tags.end):
            if tag.id != _TAG:
                out.append((tag.id, data[tag.start : tag.end]))
                continue
            kids = list(_elements(path, data, tag.body, tag.end))
            keep = [
                c
                for c in kids
                if not (c.id == _SIMPLETAG and is_aigc(_simple_tag_name(path, data, c)[0]))
            ]
            if len(keep) == len(kids):
                out.append((tag.id, data[tag.start : tag.end]))
            elif any(c.id == _SIMPLETAG for c in keep):
                body = _with_crc([(c.id, data[c.start : c.end]) for c in keep])
                out.append((_TAG, _el(_TAG, body)))
        return out

    def write(self, path: Path, raw_json: str, out: Path) -> None:
        with mapped(path) as data:
            self._write(path, data, raw_json, out)

    def _write(self, path: Path, data: Buf, raw_json: str, out: Path) -> None:
        _header, seg, kids = self._parse(path, data)
        new_tag = _el(
            _TAG,
            _el(_TARGETS, b"")
            + _el(
                _SIMPLETAG,
                _el(_TAGNAME, KEY.encode())
                + _el(_TAGLANG, b"und")
                + _el(_TAGDEFAULT, b"\x01")
                + _el(_TAGSTRING, raw_json.encode("utf-8")),
            ),
        )
        # 1. the new Tags bodies (None = emptied, dropped); a new Tags element if none exists
        tag_bodies: dict[int, bytes | None] = {}
        placed = False
        for k in kids:
            if k.id == _TAGS:
                children = self._filtered_tags(path, data, k)
                if not placed:
                    children.append((_TAG, new_tag))
                    placed = True
                has_tag = any(eid == _TAG for eid, _ in children)
                tag_bodies[k.start] = _with_crc(children) if has_tag else None
        order: list[_El | None] = list(kids)
        if not placed:
            at = next((i for i, k in enumerate(kids) if k.id == _CLUSTER), len(kids))
            order.insert(at, None)  # None = the new Tags element
        seek_new = not placed and any(k.id == _SEEKHEAD for k in kids)
        ends = {k.start - seg.body: k.end - seg.body for k in kids}
        firsts = sorted(ends)
        kept = {
            k.start - seg.body for k in kids if k.id != _TAGS or tag_bodies[k.start] is not None
        }

        # 2. lay out twice: SeekHead/Cues sizes do not depend on the (8-byte) positions
        def render(
            starts: dict[int, int] | None, tags_pos: int | None
        ) -> tuple[list[bytes | tuple[int, int]], dict[int, int], int | None]:
            def remap(old: int) -> int | None:
                i = bisect.bisect_right(firsts, old) - 1  # the element holding `old`
                if i < 0 or old >= ends[firsts[i]] or firsts[i] not in kept:
                    return None
                return 0 if starts is None else starts[firsts[i]] + (old - firsts[i])

            chunks: list[bytes | tuple[int, int]] = []
            new_starts: dict[int, int] = {}
            new_tags_pos: int | None = None
            pos = 0
            for k in order:
                if k is None:
                    chunk = _el(_TAGS, new_tag)
                    new_tags_pos = pos
                elif k.id == _TAGS:
                    tbody = tag_bodies[k.start]
                    if tbody is None:
                        continue
                    chunk = _el(_TAGS, tbody)
                elif k.id in (_SEEKHEAD, _CUES):
                    extra = tags_pos if k.id == _SEEKHEAD and seek_new else None
                    chunk = _el(k.id, _remap_master(path, data, k, remap, extra) or b"")
                else:
                    chunks.append((k.start, k.end))  # copied verbatim, streamed
                    new_starts[k.start - seg.body] = pos
                    pos += k.end - k.start
                    continue
                if k is not None:
                    new_starts[k.start - seg.body] = pos
                chunks.append(chunk)
                pos += len(chunk)
            return chunks, new_starts, new_tags_pos

        _, starts, tpos = render(None, 0)
        chunks, starts2, tpos2 = render(starts, tpos)
        if starts2 != starts or tpos2 != tpos:
            raise bad(path, "internal error: Matroska layout did not converge")
        size = sum(c[1] - c[0] if isinstance(c, tuple) else len(c) for c in chunks)
        _, n1 = _vint(path, data, seg.start, True)
        old_size, n2 = _vint(path, data, seg.start + n1, False)
        seg_hdr = data[seg.start : seg.body]
        if old_size is not None:
            seg_hdr = data[seg.start : seg.start + n1] + _enc_size(size, n2)
        with output_file(path, out) as fh:
            copy_range(fh, data, 0, seg.start)
            fh.write(seg_hdr)
            for c in chunks:
                if isinstance(c, tuple):
                    copy_range(fh, data, c[0], c[1])
                else:
                    fh.write(c)
            copy_range(fh, data, seg.end, len(data))

    def payload_ranges(self, path: Path) -> list[tuple[int, int]] | None:
        with mapped(path) as data:
            _, _, kids = self._parse(path, data)
            return [(k.start, k.end) for k in kids if k.id == _CLUSTER]


def _elements_top(path: Path, data: Buf) -> Iterator[_El]:
    """Top-level elements; a Segment of unknown size runs to the end of the file."""
    pos = 0
    while pos < len(data):
        eid, n1 = _vint(path, data, pos, True)
        size, n2 = _vint(path, data, pos + n1, False)
        body = pos + n1 + n2
        end = len(data) if size is None else body + size
        if end > len(data):
            raise bad(
                path,
                f"truncated Matroska file: element 0x{eid or 0:X} at offset {pos} declares "
                f"{size} bytes, {len(data) - body} left",
            )
        yield _El(eid or 0, pos, body, end, size is None)
        pos = end


def _remap_master(
    path: Path,
    data: Buf,
    el: _El,
    remap: Callable[[int], int | None],
    tags_pos: int | None,
) -> bytes | None:
    """A SeekHead or Cues body with positions remapped; None drops `el` (dangling position)."""
    children: list[tuple[int, bytes]] = []
    for c in _elements(path, data, el.body, el.end):
        if c.id in (_SEEK, _CUEPOINT, _CUETRACKPOS):
            inner = _remap_master(path, data, c, remap, None)
            if inner is None:
                if el.id in (_SEEKHEAD, _CUES):
                    continue  # drop this Seek / CuePoint only
                return None
            children.append((c.id, _el(c.id, inner)))
        elif c.id in (_SEEKPOS, _CUECLUSTERPOS):
            new = remap(int.from_bytes(data[c.body : c.end], "big"))
            if new is None:
                return None
            children.append((c.id, _el(c.id, new.to_bytes(8, "big"))))
        else:
            children.append((c.id, data[c.start : c.end]))
    if el.id == _SEEKHEAD and tags_pos is not None:
        seek = _el(_SEEKID, _TAGS.to_bytes(4, "big")) + _el(_SEEKPOS, tags_pos.to_bytes(8, "big"))
        children.append((_SEEK, _el(_SEEK, seek)))
    return _with_crc(children)


register_handler(Mp4Handler())
register_handler(MkvHandler())
