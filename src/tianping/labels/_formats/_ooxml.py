"""Implicit labels in Office Open XML documents (DOCX, XLSX, PPTX); registers on import.

Location per the TC260 text/document practice guide as quoted by implementers (research
FMT-10, confidence M): a custom document property ``name="AIGC"`` in ``docProps/custom.xml``
with the JSON as ``vt:lpwstr``. The part is found through the package relationship of type
``.../custom-properties`` (falling back to ``docProps/custom.xml``); the reader accepts every
property whose name contains ``AIGC`` and any value type (``lpwstr``, ``lpstr``, ...).

Writing replaces every AIGC property by one ``AIGC`` property, creates the part, its package
relationship and its ``[Content_Types].xml`` override when missing, and rewrites the zip by
copying every other member's local record (compressed bytes, flags, timestamps) verbatim;
only the changed parts are newly deflated. ZIP64 archives are not supported (InputError).

The anti-tamper payload is every part except ``docProps/*``, ``[Content_Types].xml`` and
``_rels/.rels``, as sorted (name, uncompressed bytes) pairs: the document body without any
metadata that office suites rewrite.
"""

from __future__ import annotations

import re
import struct
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

from tianping.errors import InputError, display_path
from tianping.labels._formats._common import KEY, bad, is_aigc
from tianping.labels._handler import FormatHandler, FoundLabel, register_handler

_CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
_CT_CUSTOM = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
_DEFAULT_PART = "docProps/custom.xml"
_PROP_RE = re.compile(
    rb"<(?:\w+:)?property\b[^>]*?\bname\s*=\s*[\"'](?P<name>[^\"']*)[\"'][^>]*?"
    rb"(?:/>|>.*?</(?:\w+:)?property\s*>)",
    re.S,
)


@dataclass
class _Member:
    name: str
    local: bytes  # the whole local record: header, data, data descriptor
    central: bytes  # the central directory record (offset patched on write)


def _parse_zip(path: Path, data: bytes) -> tuple[list[_Member], bytes]:
    """Members in central-directory order and the archive comment."""
    eocd = data.rfind(b"PK\x05\x06", max(0, len(data) - 65557))
    if eocd < 0 or eocd + 22 > len(data):
        raise bad(path, "not a ZIP/OOXML file or truncated (no end-of-central-directory)")
    (_, _, _, count, cd_size, cd_off, clen) = struct.unpack("<4HIIH", data[eocd + 4 : eocd + 22])
    if count == 0xFFFF or cd_off == 0xFFFFFFFF:
        raise bad(path, "ZIP64 archives are not supported")
    if cd_off + cd_size > eocd:
        raise bad(path, "corrupt ZIP: central directory outside the file (truncated?)")
    members: list[_Member] = []
    pos = cd_off
    for _ in range(count):
        if data[pos : pos + 4] != b"PK\x01\x02":
            raise bad(path, f"corrupt ZIP central directory at offset {pos}")
        flags = struct.unpack("<H", data[pos + 8 : pos + 10])[0]
        csize = struct.unpack("<I", data[pos + 20 : pos + 24])[0]
        n, m, k = struct.unpack("<3H", data[pos + 28 : pos + 34])
        (off,) = struct.unpack("<I", data[pos + 42 : pos + 46])
        enc = "utf-8" if flags & 0x800 else "cp437"
        name = data[pos + 46 : pos + 46 + n].decode(enc)
        central = data[pos : pos + 46 + n + m + k]
        pos += 46 + n + m + k
        if data[off : off + 4] != b"PK\x03\x04":
            raise bad(path, f"corrupt ZIP: no local header for member {name!r}")
        ln, lm = struct.unpack("<2H", data[off + 26 : off + 30])
        end = off + 30 + ln + lm + csize
        if flags & 0x8:  # data descriptor follows the data
            end += 16 if data[end : end + 4] == b"PK\x07\x08" else 12
        if end > cd_off:
            raise bad(path, f"truncated or corrupt ZIP member {name!r}")
        members.append(_Member(name, data[off:end], central))
    return members, data[eocd + 22 : eocd + 22 + clen]


def _new_member(name: str, content: bytes) -> _Member:
    comp = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = comp.compress(content) + comp.flush()
    crc = zlib.crc32(content)
    t = time.localtime()
    dtime = (t.tm_hour << 11) | (t.tm_min << 5) | (t.tm_sec // 2)
    ddate = ((t.tm_year - 1980) << 9) | (t.tm_mon << 5) | t.tm_mday
    raw = name.encode("utf-8")
    fields = struct.pack("<HHHHIII", 0x800, 8, dtime, ddate, crc, len(body), len(content))
    local = b"PK\x03\x04" + struct.pack("<H", 20) + fields + struct.pack("<HH", len(raw), 0)
    # central: version made by, needed, flags..sizes, name len, extra, comment, disk, int attr,
    # ext attr (4), offset (patched)
    central = (
        b"PK\x01\x02"
        + struct.pack("<HH", 20, 20)
        + fields
        + struct.pack("<HHHHHI", len(raw), 0, 0, 0, 0, 0)
        + struct.pack("<I", 0)
        + raw
    )
    return _Member(name, local + raw + body, central)


def _write_zip(out: Path, members: list[_Member], comment: bytes) -> None:
    parts: list[bytes] = []
    central: list[bytes] = []
    pos = 0
    for m in members:
        c = bytearray(m.central)
        struct.pack_into("<I", c, 42, pos)
        central.append(bytes(c))
        parts.append(m.local)
        pos += len(m.local)
    cd = b"".join(central)
    if pos > 0xFFFFFFFF or len(members) >= 0xFFFF:
        raise InputError(f"{display_path(out)}: result would need ZIP64 (not supported)")
    eocd = b"PK\x05\x06" + struct.pack(
        "<4HIIH", 0, 0, len(members), len(members), len(cd), pos, len(comment)
    )
    with Path(out).open("wb") as fh:
        for p in parts:
            fh.write(p)
        fh.write(cd + eocd + comment)


def _parse_xml(path: Path, part: str, content: bytes) -> ET.Element:
    try:
        return ET.fromstring(content)
    except ET.ParseError as exc:
        raise bad(path, f"malformed XML in part '{part}' ({exc})") from exc


class OoxmlHandler(FormatHandler):
    """DOCX/XLSX/PPTX (and their templates): custom property ``AIGC``."""

    name: ClassVar[str] = "ooxml"
    extensions: ClassVar[tuple[str, ...]] = (
        ".docx", ".xlsx", ".pptx", ".docm", ".xlsm", ".pptm", ".dotx", ".xltx", ".potx",
    )  # fmt: skip
    media_types: ClassVar[tuple[str, ...]] = (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    )

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        # a zip whose first member is an OPC part (office suites write [Content_Types].xml first)
        opc = (b"[Content_Types].xml", b"_rels/", b"docProps/", b"word/", b"xl/", b"ppt/")
        return head[:4] == b"PK\x03\x04" and any(m in head for m in opc)

    def _open(self, path: Path) -> tuple[zipfile.ZipFile, str]:
        try:
            zf = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise bad(path, f"not a valid OOXML (zip) file ({exc})") from exc
        names = set(zf.namelist())
        if "[Content_Types].xml" not in names:
            zf.close()
            raise bad(path, "not an OOXML package (no [Content_Types].xml)")
        part = _DEFAULT_PART
        if "_rels/.rels" in names:
            rels = _parse_xml(path, "_rels/.rels", zf.read("_rels/.rels"))
            for rel in rels:
                if rel.get("Type") == _REL_TYPE and rel.get("TargetMode") != "External":
                    part = (rel.get("Target") or _DEFAULT_PART).lstrip("/")
        return zf, part

    def _records(self, path: Path, root: ET.Element, part: str) -> list[FoundLabel]:
        found: list[FoundLabel] = []
        for prop in root:
            name = prop.get("name") or ""
            if is_aigc(name):
                value = "".join(prop.itertext())
                found.append(FoundLabel(value, f"ooxml:{part}:{name}"))
        return found

    def read(self, path: Path) -> list[FoundLabel]:
        zf, part = self._open(path)
        with zf:
            try:
                if part not in zf.namelist():
                    return []
                content = zf.read(part)
            except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
                raise bad(path, f"corrupt ZIP member '{part}' ({exc})") from exc
        return self._records(path, _parse_xml(path, part, content), part)

    def write(self, path: Path, raw_json: str, out: Path) -> None:
        zf, part = self._open(path)
        with zf:
            names = zf.namelist()
            try:
                old_custom = zf.read(part) if part in names else None
                ct = zf.read("[Content_Types].xml")
                rels = zf.read("_rels/.rels") if "_rels/.rels" in names else None
            except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
                raise bad(path, f"corrupt ZIP member ({exc})") from exc
        data = Path(path).read_bytes()
        members, comment = _parse_zip(path, data)

        new_custom = self._custom_xml(path, part, old_custom, raw_json)
        changed: dict[str, bytes] = {part: new_custom}
        ct_root = _parse_xml(path, "[Content_Types].xml", ct)
        has_override = any((e.get("PartName") or "").lstrip("/") == part for e in ct_root)
        if not has_override:
            override = (
                f'<Override PartName="/{escape(part)}" ContentType="{_CT_CUSTOM}"/>'
            ).encode()
            changed["[Content_Types].xml"] = _insert_before_close(path, ct, b"Types", override)
        rels_root = _parse_xml(path, "_rels/.rels", rels) if rels is not None else None
        if rels_root is None or not any(r.get("Type") == _REL_TYPE for r in rels_root):
            ids = {r.get("Id") for r in rels_root} if rels_root is not None else set()
            n = 1
            while f"rIdAIGC{n}" in ids:
                n += 1
            rel = (
                f'<Relationship Id="rIdAIGC{n}" Type="{_REL_TYPE}" Target="{escape(part)}"/>'
            ).encode()
            if rels is None:
                changed["_rels/.rels"] = (
                    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    + f'<Relationships xmlns="{_REL_NS}">'.encode()
                    + rel
                    + b"</Relationships>"
                )
            else:
                changed["_rels/.rels"] = _insert_before_close(path, rels, b"Relationships", rel)

        result: list[_Member] = []
        for m in members:
            if m.name in changed:
                result.append(_new_member(m.name, changed.pop(m.name)))
            else:
                result.append(m)
        result.extend(_new_member(name, content) for name, content in changed.items())
        _write_zip(out, result, comment)

    def _custom_xml(self, path: Path, part: str, old: bytes | None, raw_json: str) -> bytes:
        head = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        prop = (
            f'<property fmtid="{_FMTID}" pid="{{pid}}" name="{KEY}">'
            f"<vt:lpwstr>{escape(raw_json)}</vt:lpwstr></property>"
        )
        if old is None:
            return (
                head
                + (
                    f'<Properties xmlns="{_CUSTOM_NS}" xmlns:vt="{_VT_NS}">'
                    + prop.replace("{pid}", "2")
                    + "</Properties>"
                ).encode()
            )
        root = _parse_xml(path, part, old)
        pids = [
            int(p.get("pid") or 0)
            for p in root
            if (p.get("pid") or "").isdigit() and not is_aigc(p.get("name") or "")
        ]
        pid = max([1, *pids]) + 1
        # text-level edit so every other byte of the part stays as it was
        text = old
        for m in reversed(list(_PROP_RE.finditer(old))):
            if is_aigc(m.group("name").decode("utf-8", "replace")):
                text = text[: m.start()] + text[m.end() :]
        root_m = re.search(rb"<(?:(\w+):)?Properties[\s>/]", text)
        pfx = root_m.group(1) + b":" if root_m and root_m.group(1) else b""
        root_tag = text[root_m.start() : text.index(b">", root_m.start()) + 1] if root_m else b""
        # only a declaration on the root is in scope for a new child
        vt_m = re.search(rb'xmlns:(\w+)\s*=\s*"' + _VT_NS.encode() + rb'"', root_tag)
        vt = vt_m.group(1) if vt_m else b"vt"
        decl = b"" if vt_m else b' xmlns:vt="' + _VT_NS.encode() + b'"'
        new = (
            b"<" + pfx + b'property fmtid="' + _FMTID.encode() + b'" pid="' + str(pid).encode()
            + b'" name="' + KEY.encode() + b'"' + decl + b"><" + vt + b":lpwstr>"
            + escape(raw_json).encode("utf-8") + b"</" + vt + b":lpwstr></" + pfx + b"property>"
        )  # fmt: skip
        result = _insert_before_close(path, text, b"Properties", new)
        check = _parse_xml(path, part, result)
        if sum(is_aigc(p.get("name") or "") for p in check) != 1:
            raise bad(path, f"cannot edit '{part}' safely (unusual property markup)")
        return result

    def payload(self, path: Path) -> bytes | None:
        zf, _ = self._open(path)
        parts: list[bytes] = []
        with zf:
            for name in sorted(zf.namelist()):
                if name.startswith("docProps/") or name in ("[Content_Types].xml", "_rels/.rels"):
                    continue
                try:
                    content = zf.read(name)
                except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
                    raise bad(path, f"corrupt ZIP member '{name}' ({exc})") from exc
                raw = name.encode()
                parts.append(struct.pack("<II", len(raw), len(content)) + raw + content)
        return b"".join(parts)


def _insert_before_close(path: Path, xml: bytes, tag: bytes, fragment: bytes) -> bytes:
    """Insert `fragment` before the closing root tag, keeping every other byte."""
    m = list(re.finditer(rb"</(?:\w+:)?" + tag + rb"\s*>", xml))
    if m:
        return xml[: m[-1].start()] + fragment + xml[m[-1].start() :]
    selfclose = re.search(rb"<((?:\w+:)?" + tag + rb")(\s[^>]*)?/>", xml)
    if selfclose:
        open_tag = xml[selfclose.start() : selfclose.end() - 2] + b">"
        close = b"</" + selfclose.group(1) + b">"
        return xml[: selfclose.start()] + open_tag + fragment + close + xml[selfclose.end() :]
    raise bad(path, f"malformed package part: no <{tag.decode()}> root")


register_handler(OoxmlHandler())
