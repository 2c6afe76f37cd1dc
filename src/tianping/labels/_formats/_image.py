"""Implicit labels in images through XMP (TC260-PG-20259A as quoted by implementers, FMT-08/09).

The record is the XMP property `TC260:AIGC` (namespace `http://www.tc260.org.cn/ns/AIGC/1.0/`).
Containers: JPEG APP1, PNG iTXt `XML:com.adobe.xmp`, WebP `XMP ` chunk (with VP8X), TIFF IFD0
tag 700 (type 7), GIF XMP application extension. Writers work on bytes: pixels are never
decoded or re-encoded, other metadata is kept, an existing XMP packet is updated (the AIGC
property replaced, not duplicated) rather than overwritten.
"""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path
from typing import ClassVar

from tianping.errors import InputError
from tianping.labels._handler import FormatHandler, FoundLabel, register_handler

TC260_NS = "http://www.tc260.org.cn/ns/AIGC/1.0/"
_RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_JPEG_XMP = b"http://ns.adobe.com/xap/1.0/\x00"
_PNG_XMP = b"XML:com.adobe.xmp"
_GIF_XMP = b"XMP DataXMP"
_GIF_TRAILER = bytes([1, *range(255, -1, -1), 0])
_XML_ESC = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _bad(path: Path | str, what: str) -> InputError:
    return InputError(f"{path}: {what} / 文件损坏或被截断")


# --- XMP packet -----------------------------------------------------------------------------
def xmp_packet(raw_json: str) -> bytes:
    body = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        f' <rdf:RDF xmlns:rdf="{_RDF_NS}">\n'
        f'  <rdf:Description rdf:about="" xmlns:TC260="{TC260_NS}">\n'
        f"   <TC260:AIGC>{raw_json.translate(_XML_ESC)}</TC260:AIGC>\n"
        "  </rdf:Description>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    )
    return body.encode("utf-8")


def xmp_find(xmp: bytes, where: str = "XMP") -> list[FoundLabel]:
    """Every property named AIGC in the packet (TC260 namespace, or any other, reported)."""
    text = xmp.rstrip(b"\x00 \t\r\n")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise InputError(f"{where}: XMP packet is not well-formed XML ({exc})") from None
    found: list[FoundLabel] = []
    for el in root.iter():
        for key, value in el.attrib.items():
            ns, _, local = key[1:].partition("}") if key.startswith("{") else ("", "", key)
            if local == "AIGC":
                form = "xmp:TC260:AIGC" if ns == TC260_NS else f"xmp:{{{ns}}}AIGC"
                found.append(FoundLabel(value, form))
        tag = el.tag if isinstance(el.tag, str) else ""
        ns, _, local = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
        if local == "AIGC":
            value = (el.text or "").strip()
            if not value:  # rdf:Alt / rdf:Seq wrapped value
                li = next((c for c in el.iter() if c.tag == f"{{{_RDF_NS}}}li"), None)
                value = (li.text or "").strip() if li is not None else ""
            form = "xmp:TC260:AIGC" if ns == TC260_NS else f"xmp:{{{ns}}}AIGC"
            found.append(FoundLabel(value, form))
    return found


def xmp_update(xmp: bytes | None, raw_json: str) -> bytes:
    """Set TC260:AIGC in an existing packet (replacing any copies), or make a new packet."""
    if not xmp:
        return xmp_packet(raw_json)
    try:
        text = xmp.rstrip(b"\x00").decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("existing XMP packet is not UTF-8; refusing to rewrite it") from None
    xmp_find(xmp)  # must be well-formed before we touch it
    prefixes = re.findall(
        r"xmlns:([A-Za-z_][\w.-]*)\s*=\s*[\"']" + re.escape(TC260_NS) + r"[\"']", text
    )
    value = raw_json.translate(_XML_ESC)
    placed = False
    for p in dict.fromkeys(prefixes):
        q = re.escape(p)
        element = re.compile(rf"<{q}:AIGC(?:\s[^>]*)?(?:/>|>.*?</{q}:AIGC>)", re.S)
        attribute = re.compile(rf"\s{q}:AIGC\s*=\s*(\"[^\"]*\"|'[^']*')")

        def put_element(m: re.Match[str], p: str = p) -> str:
            nonlocal placed
            if placed:
                return ""
            placed = True
            return f"<{p}:AIGC>{value}</{p}:AIGC>"

        def put_attribute(m: re.Match[str], p: str = p) -> str:
            nonlocal placed
            if placed:
                return ""
            placed = True
            return f' {p}:AIGC="{value.replace(chr(34), "&quot;")}"'

        text = element.sub(put_element, text)
        text = attribute.sub(put_attribute, text)
    if not placed:
        m = re.search(r"xmlns:([A-Za-z_][\w.-]*)\s*=\s*[\"']" + re.escape(_RDF_NS), text)
        rdf = m.group(1) if m else None
        close = text.rfind(f"</{rdf}:RDF>") if rdf else -1
        if close < 0:
            raise InputError("existing XMP packet has no rdf:RDF element; refusing to rewrite")
        desc = (
            f' <{rdf}:Description {rdf}:about="" xmlns:TC260="{TC260_NS}">'
            f"<TC260:AIGC>{value}</TC260:AIGC></{rdf}:Description>\n "
        )
        text = text[:close] + desc + text[close:]
    return text.encode("utf-8")


# --- base -----------------------------------------------------------------------------------
class _XmpImage(FormatHandler):
    """Shared read/write over `_xmp_blocks`, `_with_xmp` and `_content` of each container."""

    name: ClassVar[str] = "image"

    def _xmp_blocks(self, data: bytes, path: Path) -> list[bytes]:
        raise NotImplementedError

    def _with_xmp(self, data: bytes, xmp: bytes, path: Path) -> bytes:
        raise NotImplementedError

    def _content(self, data: bytes, path: Path) -> bytes:
        raise NotImplementedError

    def xmp(self, path: Path) -> list[bytes]:
        return self._xmp_blocks(path.read_bytes(), path)

    def read(self, path: Path) -> list[FoundLabel]:
        found: list[FoundLabel] = []
        for block in self.xmp(path):
            found.extend(xmp_find(block, str(path)))
        return found

    def write(self, path: Path, raw_json: str, out: Path) -> None:
        data = path.read_bytes()
        blocks = self._xmp_blocks(data, path)
        new = xmp_update(blocks[0] if blocks else None, raw_json)
        out.write_bytes(self._with_xmp(data, new, path))

    def payload(self, path: Path) -> bytes | None:
        data = path.read_bytes()
        return self._content(data, path)


# --- JPEG -----------------------------------------------------------------------------------
def _jpeg_segments(data: bytes, path: Path) -> tuple[list[tuple[int, int, int]], int]:
    """(marker, start, end) of each segment before the first SOS, and the SOS offset."""
    if data[:2] != b"\xff\xd8":
        raise _bad(path, "not a JPEG (no SOI marker)")
    segs: list[tuple[int, int, int]] = []
    i, n = 2, len(data)
    while True:
        if i + 4 > n:
            raise _bad(path, "JPEG ends before the image data (no SOS)")
        if data[i] != 0xFF:
            raise _bad(path, f"JPEG: expected a marker at byte {i}")
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0xD8 or 0xD0 <= marker <= 0xD7 or marker == 0x01:
            i += 2
            continue
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if length < 2 or i + 2 + length > n:
            raise _bad(path, f"JPEG segment 0x{marker:02X} at byte {i} runs past the end")
        if marker == 0xDA:
            if data.rfind(b"\xff\xd9", i) < 0:
                raise _bad(path, "JPEG image data is truncated (no EOI marker)")
            return segs, i
        if marker == 0xD9:
            raise _bad(path, "JPEG ends before the image data (EOI before SOS)")
        segs.append((marker, i, i + 2 + length))
        i += 2 + length


class JpegHandler(_XmpImage):
    name = "jpeg"
    extensions = (".jpg", ".jpeg", ".jpe", ".jfif")
    media_types = ("image/jpeg",)

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return head[:3] == b"\xff\xd8\xff"

    def _xmp_blocks(self, data: bytes, path: Path) -> list[bytes]:
        segs, _ = _jpeg_segments(data, path)
        k = len(_JPEG_XMP)
        return [
            data[s + 4 + k : e]
            for m, s, e in segs
            if m == 0xE1 and data[s + 4 : s + 4 + k] == _JPEG_XMP
        ]

    def _with_xmp(self, data: bytes, xmp: bytes, path: Path) -> bytes:
        segs, sos = _jpeg_segments(data, path)
        body = _JPEG_XMP + xmp
        if len(body) + 2 > 0xFFFF:
            raise InputError(f"{path}: XMP packet too large for one JPEG APP1 segment")
        seg = b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body
        k = len(_JPEG_XMP)
        xmp_idx = [
            j
            for j, (m, s, _) in enumerate(segs)
            if m == 0xE1 and data[s + 4 : s + 4 + k] == _JPEG_XMP
        ]
        if xmp_idx:
            insert_at = xmp_idx[0]
        else:  # after the leading APP0 (JFIF) / APP1 (Exif) run
            insert_at = 0
            while insert_at < len(segs) and segs[insert_at][0] in (0xE0, 0xE1):
                insert_at += 1
        parts = [data[:2]]
        for j, (_, s, e) in enumerate(segs):
            if j == insert_at:
                parts.append(seg)
            if j not in xmp_idx:
                parts.append(data[s:e])
        if insert_at >= len(segs):
            parts.append(seg)
        parts.append(data[sos:])
        return b"".join(parts)

    def _content(self, data: bytes, path: Path) -> bytes:
        segs, sos = _jpeg_segments(data, path)
        kept = [data[s:e] for m, s, e in segs if not (0xE0 <= m <= 0xEF or m == 0xFE)]
        return b"".join([*kept, data[sos:]])


# --- PNG ------------------------------------------------------------------------------------
_PNG_SIG = b"\x89PNG\r\n\x1a\n"
_PNG_META = {b"tEXt", b"zTXt", b"iTXt", b"tIME", b"eXIf"}


def _png_chunks(data: bytes, path: Path) -> list[tuple[bytes, int, int]]:
    """(type, start, end) of each chunk; CRCs checked, IEND required."""
    if data[:8] != _PNG_SIG:
        raise _bad(path, "not a PNG (bad signature)")
    chunks: list[tuple[bytes, int, int]] = []
    i, n = 8, len(data)
    while True:
        if i + 12 > n:
            raise _bad(path, "PNG ends before the IEND chunk")
        length = struct.unpack(">I", data[i : i + 4])[0]
        ctype = data[i + 4 : i + 8]
        end = i + 12 + length
        if end > n:
            raise _bad(path, f"PNG chunk {ctype!r} at byte {i} runs past the end")
        crc = struct.unpack(">I", data[end - 4 : end])[0]
        if zlib.crc32(data[i + 4 : end - 4]) != crc:
            raise _bad(path, f"PNG chunk {ctype!r} at byte {i} has a bad CRC")
        chunks.append((ctype, i, end))
        if ctype == b"IEND":
            return chunks
        i = end


def _png_itxt_text(body: bytes, path: Path) -> bytes:
    try:
        _, rest = body.split(b"\x00", 1)
        flag, method, rest = rest[0], rest[1], rest[2:]
        _, rest = rest.split(b"\x00", 1)  # language
        _, text = rest.split(b"\x00", 1)  # translated keyword
    except (ValueError, IndexError):
        raise _bad(path, "PNG iTXt XMP chunk is malformed") from None
    if flag == 1:
        if method != 0:
            raise _bad(path, "PNG iTXt XMP chunk uses an unknown compression method")
        try:
            return zlib.decompress(text)
        except zlib.error:
            raise _bad(path, "PNG iTXt XMP chunk does not decompress") from None
    return text


def _png_chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))


class PngHandler(_XmpImage):
    name = "png"
    extensions = (".png",)
    media_types = ("image/png",)

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return head[:8] == _PNG_SIG

    @staticmethod
    def _is_xmp(data: bytes, ctype: bytes, s: int) -> bool:
        return ctype == b"iTXt" and data[s + 8 : s + 8 + len(_PNG_XMP) + 1] == _PNG_XMP + b"\x00"

    def _xmp_blocks(self, data: bytes, path: Path) -> list[bytes]:
        return [
            _png_itxt_text(data[s + 8 : e - 4], path)
            for ctype, s, e in _png_chunks(data, path)
            if self._is_xmp(data, ctype, s)
        ]

    def _with_xmp(self, data: bytes, xmp: bytes, path: Path) -> bytes:
        chunks = _png_chunks(data, path)
        new = _png_chunk(b"iTXt", _PNG_XMP + b"\x00\x00\x00\x00\x00" + xmp)
        parts, placed = [data[:8]], False
        has_xmp = any(self._is_xmp(data, c, s) for c, s, _ in chunks)
        for ctype, s, e in chunks:
            if self._is_xmp(data, ctype, s):
                if not placed:
                    parts.append(new)
                    placed = True
                continue
            parts.append(data[s:e])
            if ctype == b"IHDR" and not has_xmp:
                parts.append(new)
                placed = True
        return b"".join(parts)

    def _content(self, data: bytes, path: Path) -> bytes:
        return b"".join(
            data[s + 4 : e - 4] for ctype, s, e in _png_chunks(data, path) if ctype not in _PNG_META
        )


# --- WebP -----------------------------------------------------------------------------------
def _webp_chunks(data: bytes, path: Path) -> list[tuple[bytes, int, int]]:
    """(fourcc, start, end-including-pad) of each chunk."""
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise _bad(path, "not a WebP (no RIFF/WEBP header)")
    riff_end = 8 + struct.unpack("<I", data[4:8])[0]
    if riff_end > len(data):
        raise _bad(path, "WebP RIFF size runs past the end of the file")
    chunks: list[tuple[bytes, int, int]] = []
    i = 12
    while i < riff_end:
        if i + 8 > riff_end:
            raise _bad(path, f"WebP chunk header at byte {i} is cut off")
        fourcc = data[i : i + 4]
        size = struct.unpack("<I", data[i + 4 : i + 8])[0]
        end = i + 8 + size + (size & 1)
        if i + 8 + size > riff_end:
            raise _bad(path, f"WebP chunk {fourcc!r} at byte {i} runs past the end")
        chunks.append((fourcc, i, min(end, riff_end)))
        i = end
    if not any(c[0] in (b"VP8 ", b"VP8L", b"ANMF") for c in chunks):
        raise _bad(path, "WebP has no image data chunk")
    return chunks


def _webp_chunk(fourcc: bytes, body: bytes) -> bytes:
    return fourcc + struct.pack("<I", len(body)) + body + (b"\x00" if len(body) & 1 else b"")


def _webp_vp8x(data: bytes, chunks: list[tuple[bytes, int, int]], path: Path) -> bytes:
    """A VP8X chunk for a simple (VP8/VP8L) file, with the XMP flag set."""
    fourcc, s, _ = chunks[0]
    body = data[s + 8 :]
    flags = 0x04
    if fourcc == b"VP8 ":
        if body[3:6] != b"\x9d\x01\x2a":
            raise _bad(path, "WebP VP8 frame header is invalid")
        w = struct.unpack("<H", body[6:8])[0] & 0x3FFF
        h = struct.unpack("<H", body[8:10])[0] & 0x3FFF
    elif fourcc == b"VP8L":
        if body[0] != 0x2F:
            raise _bad(path, "WebP VP8L signature is invalid")
        bits = struct.unpack("<I", body[1:5])[0]
        w, h = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        if (bits >> 28) & 1:
            flags |= 0x10
    else:
        raise _bad(path, f"WebP starts with an unexpected chunk {fourcc!r}")
    size = struct.pack("<I", w - 1)[:3] + struct.pack("<I", h - 1)[:3]
    return _webp_chunk(b"VP8X", bytes([flags, 0, 0, 0]) + size)


class WebpHandler(_XmpImage):
    name = "webp"
    extensions = (".webp",)
    media_types = ("image/webp",)

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"

    def _xmp_blocks(self, data: bytes, path: Path) -> list[bytes]:
        out = []
        for fourcc, s, _ in _webp_chunks(data, path):
            if fourcc == b"XMP ":
                size = struct.unpack("<I", data[s + 4 : s + 8])[0]
                out.append(data[s + 8 : s + 8 + size])
        return out

    def _with_xmp(self, data: bytes, xmp: bytes, path: Path) -> bytes:
        chunks = _webp_chunks(data, path)
        parts: list[bytes] = []
        if chunks[0][0] == b"VP8X":
            _, s, e = chunks[0]
            vp8x = bytearray(data[s:e])
            vp8x[8] |= 0x04
            parts.append(bytes(vp8x))
            rest = chunks[1:]
        else:
            parts.append(_webp_vp8x(data, chunks, path))
            rest = chunks
        parts.extend(data[s:e] for fourcc, s, e in rest if fourcc != b"XMP ")
        parts.append(_webp_chunk(b"XMP ", xmp))
        body = b"WEBP" + b"".join(parts)
        return b"RIFF" + struct.pack("<I", len(body)) + body

    def _content(self, data: bytes, path: Path) -> bytes:
        keep = (b"VP8 ", b"VP8L", b"ALPH", b"ANIM", b"ANMF")
        return b"".join(data[s:e] for fourcc, s, e in _webp_chunks(data, path) if fourcc in keep)


# --- TIFF -----------------------------------------------------------------------------------
_TIFF_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
_TIFF_STRUCT = {256, 257, 258, 259, 262, 266, 277, 284, 317, 320, 322, 323, 338, 339}
_XMP_TAG = 700


class _Ifd:
    def __init__(self, data: bytes, path: Path) -> None:
        if data[:4] not in (b"II*\x00", b"MM\x00*"):
            if data[:4] in (b"II+\x00", b"MM\x00+"):
                raise InputError(f"{path}: BigTIFF is not supported / 不支持 BigTIFF")
            raise _bad(path, "not a TIFF (bad header)")
        self.e = "<" if data[:2] == b"II" else ">"
        self.data, self.path = data, path
        self.offset = self.u32(4)
        if self.offset < 8 or self.offset + 2 > len(data):
            raise _bad(path, "TIFF IFD0 offset runs past the end")
        count = self.u16(self.offset)
        end = self.offset + 2 + 12 * count
        if end + 4 > len(data):
            raise _bad(path, "TIFF IFD0 runs past the end")
        self.next = self.u32(end)
        self.entries: list[tuple[int, int, int, int]] = []  # tag, type, count, entry offset
        for k in range(count):
            at = self.offset + 2 + 12 * k
            tag, typ, cnt = struct.unpack(self.e + "HHI", data[at : at + 8])
            self.entries.append((tag, typ, cnt, at))

    def u16(self, at: int) -> int:
        return int(struct.unpack(self.e + "H", self.data[at : at + 2])[0])

    def u32(self, at: int) -> int:
        return int(struct.unpack(self.e + "I", self.data[at : at + 4])[0])

    def value_span(self, typ: int, cnt: int, at: int) -> tuple[int, int]:
        size = _TIFF_SIZES.get(typ, 1) * cnt
        start = at + 8 if size <= 4 else self.u32(at + 8)
        if start + size > len(self.data):
            raise _bad(self.path, f"TIFF tag value at byte {start} runs past the end")
        return start, start + size

    def ints(self, tag: int) -> list[int]:
        for t, typ, cnt, at in self.entries:
            if t == tag:
                s, _ = self.value_span(typ, cnt, at)
                code = {3: "H", 4: "I", 16: "Q"}.get(typ)
                if code is None:
                    raise _bad(self.path, f"TIFF tag {tag} has an unexpected type {typ}")
                return list(
                    struct.unpack(
                        f"{self.e}{cnt}{code}", self.data[s : s + cnt * (2 if typ == 3 else 4)]
                    )
                )
        return []


class TiffHandler(_XmpImage):
    name = "tiff"
    extensions = (".tif", ".tiff")
    media_types = ("image/tiff",)

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return head[:4] in (b"II*\x00", b"MM\x00*")

    def _xmp_blocks(self, data: bytes, path: Path) -> list[bytes]:
        ifd = _Ifd(data, path)
        self._content(data, path)  # validates the strips/tiles too
        out = []
        for tag, typ, cnt, at in ifd.entries:
            if tag == _XMP_TAG:
                s, e = ifd.value_span(typ, cnt, at)
                out.append(data[s:e])
        return out

    def _with_xmp(self, data: bytes, xmp: bytes, path: Path) -> bytes:
        ifd = _Ifd(data, path)
        buf = bytearray(data)
        old = [(typ, cnt, at) for tag, typ, cnt, at in ifd.entries if tag == _XMP_TAG]
        for typ, cnt, at in old:
            s, e = ifd.value_span(typ, cnt, at)
            if e - s > 4:
                buf[s:e] = b"\x00" * (e - s)  # old packet: no stale copy left in the file
        if len(old) == 1 and len(xmp) <= old[0][1] and len(xmp) > 4:
            typ, cnt, at = old[0]
            s, _ = ifd.value_span(typ, cnt, at)
            buf[s : s + len(xmp)] = xmp
            buf[at + 2 : at + 8] = struct.pack(ifd.e + "HI", 7, len(xmp))
            return bytes(buf)
        if len(old) == 1:
            # Our own earlier write left packet + IFD0 at the tail: cut them off rather than
            # leave dead bytes, when nothing else lives past the old packet.
            s_old, _ = ifd.value_span(*old[0])
            spans = [
                ifd.value_span(typ, cnt, at)[1]
                for tag, typ, cnt, at in ifd.entries
                if tag != _XMP_TAG and _TIFF_SIZES.get(typ, 1) * cnt > 4
            ]
            strips = ifd.ints(273) or ifd.ints(324)
            counts = ifd.ints(279) or ifd.ints(325)
            spans += [o + c for o, c in zip(strips, counts, strict=False)]
            if ifd.offset >= s_old and ifd.next < s_old and all(e <= s_old for e in spans):
                del buf[s_old:]
        if len(buf) % 2:
            buf += b"\x00"
        xmp_at = len(buf)
        buf += xmp
        if len(buf) % 2:
            buf += b"\x00"
        entries = [bytes(data[at : at + 12]) for tag, _, _, at in ifd.entries if tag != _XMP_TAG]
        entries.append(struct.pack(ifd.e + "HHII", _XMP_TAG, 7, len(xmp), xmp_at))
        entries.sort(key=lambda b: struct.unpack(ifd.e + "H", b[:2])[0])
        ifd_at = len(buf)
        buf += struct.pack(ifd.e + "H", len(entries)) + b"".join(entries)
        buf += struct.pack(ifd.e + "I", ifd.next)
        buf[4:8] = struct.pack(ifd.e + "I", ifd_at)
        return bytes(buf)

    def _content(self, data: bytes, path: Path) -> bytes:
        ifd = _Ifd(data, path)
        parts: list[bytes] = []
        for tag, typ, cnt, at in ifd.entries:
            if tag in _TIFF_STRUCT:
                s, e = ifd.value_span(typ, cnt, at)
                parts.append(struct.pack(">HHI", tag, typ, cnt) + data[s:e])
        offsets, counts = ifd.ints(273), ifd.ints(279)
        if not offsets:
            offsets, counts = ifd.ints(324), ifd.ints(325)
        if not offsets or len(offsets) != len(counts):
            raise _bad(path, "TIFF has no strip or tile data")
        for off, cnt in zip(offsets, counts, strict=True):
            if off + cnt > len(data):
                raise _bad(path, f"TIFF image data at byte {off} runs past the end")
            parts.append(data[off : off + cnt])
        return b"".join(parts)


# --- GIF ------------------------------------------------------------------------------------
def _gif_blocks(data: bytes, path: Path) -> tuple[int, list[tuple[str, int, int]], int]:
    """(end of header+GCT, [(kind, start, end)], trailer offset)."""
    if data[:6] not in (b"GIF87a", b"GIF89a"):
        raise _bad(path, "not a GIF (bad header)")
    if len(data) < 13:
        raise _bad(path, "GIF header is cut off")
    packed = data[10]
    i = 13 + (3 * (2 ** ((packed & 7) + 1)) if packed & 0x80 else 0)
    head_end, n = i, len(data)
    blocks: list[tuple[str, int, int]] = []

    def sub_blocks(j: int) -> int:
        while True:
            if j >= n:
                raise _bad(path, "GIF data ends inside a block")
            size = data[j]
            j += 1
            if size == 0:
                return j
            j += size

    while True:
        if i >= n:
            raise _bad(path, "GIF ends without a trailer (truncated)")
        intro = data[i]
        if intro == 0x3B:
            return head_end, blocks, i
        if intro == 0x2C:
            if i + 10 > n:
                raise _bad(path, "GIF image descriptor is cut off")
            p = data[i + 9]
            j = i + 10 + (3 * (2 ** ((p & 7) + 1)) if p & 0x80 else 0)
            end = sub_blocks(j + 1)
            blocks.append(("image", i, end))
        elif intro == 0x21:
            if i + 2 > n:
                raise _bad(path, "GIF extension is cut off")
            label = data[i + 1]
            is_xmp = label == 0xFF and data[i + 2 : i + 3 + 11] == b"\x0b" + _GIF_XMP
            end = sub_blocks(i + 2)
            kind = "xmp" if is_xmp else ("comment" if label == 0xFE else "ext")
            blocks.append((kind, i, end))
        else:
            raise _bad(path, f"GIF has an unknown block 0x{intro:02X} at byte {i}")
        i = end


class GifHandler(_XmpImage):
    name = "gif"
    extensions = (".gif",)
    media_types = ("image/gif",)

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return head[:6] in (b"GIF87a", b"GIF89a")

    def _xmp_blocks(self, data: bytes, path: Path) -> list[bytes]:
        _, blocks, _ = _gif_blocks(data, path)
        out = []
        for kind, s, e in blocks:
            if kind == "xmp":
                if data[e - len(_GIF_TRAILER) : e] != _GIF_TRAILER:
                    raise _bad(path, "GIF XMP extension lacks the XMP magic trailer")
                out.append(data[s + 14 : e - len(_GIF_TRAILER)])
        return out

    def _with_xmp(self, data: bytes, xmp: bytes, path: Path) -> bytes:
        if b"\x00" in xmp:
            raise InputError(f"{path}: XMP for GIF must not contain NUL bytes")
        head_end, blocks, trailer = _gif_blocks(data, path)
        parts = [b"GIF89a", data[6:head_end]]  # extensions need the 89a version
        parts.extend(data[s:e] for kind, s, e in blocks if kind != "xmp")
        parts.append(b"\x21\xff\x0b" + _GIF_XMP + xmp + _GIF_TRAILER)
        parts.append(data[trailer:])
        return b"".join(parts)

    def _content(self, data: bytes, path: Path) -> bytes:
        head_end, blocks, _ = _gif_blocks(data, path)
        kept = [data[s:e] for kind, s, e in blocks if kind in ("image", "ext")]
        return b"".join([data[6:head_end], *kept])


for _h in (JpegHandler(), PngHandler(), WebpHandler(), TiffHandler(), GifHandler()):
    register_handler(_h)
