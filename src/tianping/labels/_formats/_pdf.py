"""Implicit labels in PDF documents; registers on import.

Location per the TC260 text/document practice guide as quoted by implementers (research
FMT-11, confidence L): an ``/AIGC`` key in the document Info dictionary holding the JSON as a
text string. The research is unverified here, so the reader also accepts any Info key that
contains ``AIGC`` and an XMP property whose name contains ``AIGC`` in the catalog's
``/Metadata`` stream (e.g. ``TC260:AIGC``, the image guide's form, FMT-08).

Writing is an incremental update (pypdf ``incremental=True``): the original bytes stay
untouched and a new Info object, cross-reference section and trailer are appended (pypdf
writes the new section as a cross-reference stream, valid from PDF 1.5). Every other Info key
is kept; other AIGC keys are removed, and so is an AIGC property already in the XMP packet, so
the file carries exactly one record. Encrypted PDFs are refused.

The anti-tamper payload is the decoded content stream of every page, in page order.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

from tianping.errors import InputError
from tianping.labels._formats._common import KEY, bad, is_aigc
from tianping.labels._handler import FormatHandler, FoundLabel, register_handler

_XMP_ELEM = re.compile(
    rb"<(?P<q>[\w.-]+:[\w.-]*AIGC[\w.-]*)(?P<a>\s[^>]*)?>(?P<v>.*?)</(?P=q)\s*>", re.S | re.I
)
_XMP_ATTR = re.compile(
    rb"(?P<q>[\w.-]+:[\w.-]*AIGC[\w.-]*)\s*=\s*(?P<d>[\"'])(?P<v>.*?)(?P=d)", re.I
)


@contextmanager
def _quiet() -> Iterator[None]:
    """pypdf logs recoverable oddities (e.g. objects redefined by an update) as warnings."""
    log = logging.getLogger("pypdf")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


def _check_bytes(path: Path) -> None:
    try:
        with Path(path).open("rb") as fh:
            head = fh.read(1024)
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(0, size - 2048))
            tail = fh.read()
    except OSError as exc:
        raise bad(path, f"cannot read file ({exc.strerror})") from exc
    if b"%PDF-" not in head:
        raise bad(path, "not a PDF file (no %PDF- header)")
    if b"%%EOF" not in tail or b"startxref" not in tail:
        raise bad(path, "truncated PDF (no startxref/%%EOF at the end)")


def _reader(path: Path) -> Any:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    _check_bytes(path)
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            raise bad(path, "encrypted PDF (cannot read or write its metadata)")
        reader.trailer["/Root"].get_object()
        _ = len(reader.pages)
    except InputError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise bad(path, f"corrupt PDF ({type(exc).__name__}: {exc})") from exc
    return reader


def _xmp_bytes(root: Any) -> tuple[Any, bytes] | None:
    meta = root.get("/Metadata")
    if meta is None:
        return None
    stream = meta.get_object()
    return stream, stream.get_data()


def _xmp_records(xmp: bytes) -> list[FoundLabel]:
    found: list[FoundLabel] = []
    for m in _XMP_ELEM.finditer(xmp):
        value = re.sub(rb"<[^>]+>", b"", m.group("v")).strip()  # rdf:Alt/li wrappers
        found.append(
            FoundLabel(
                html.unescape(value.decode("utf-8", "replace")), f"pdf:XMP:{m['q'].decode()}"
            )
        )
    for m in _XMP_ATTR.finditer(xmp):
        found.append(
            FoundLabel(
                html.unescape(m.group("v").decode("utf-8", "replace")), f"pdf:XMP:{m['q'].decode()}"
            )
        )
    return found


class PdfHandler(FormatHandler):
    """PDF: Info dictionary key ``/AIGC`` (also reads XMP ``*:AIGC``)."""

    name: ClassVar[str] = "pdf"
    extensions: ClassVar[tuple[str, ...]] = (".pdf",)
    media_types: ClassVar[tuple[str, ...]] = ("application/pdf",)

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return b"%PDF-" in head[:64]

    def read(self, path: Path) -> list[FoundLabel]:
        with _quiet():
            return self._read(path)

    def _read(self, path: Path) -> list[FoundLabel]:
        reader = _reader(path)
        found: list[FoundLabel] = []
        try:
            info = reader.trailer.get("/Info")
            if info is not None:
                for key, value in info.get_object().items():
                    if is_aigc(str(key)):
                        found.append(FoundLabel(str(value.get_object()), f"pdf:Info/{key[1:]}"))
            xmp = _xmp_bytes(reader.trailer["/Root"].get_object())
        except InputError:
            raise
        except Exception as exc:
            raise bad(path, f"corrupt PDF metadata ({type(exc).__name__}: {exc})") from exc
        if xmp is not None:
            found += _xmp_records(xmp[1])
        return found

    def write(self, path: Path, raw_json: str, out: Path) -> None:
        with _quiet():
            self._write(path, raw_json, out)

    def _write(self, path: Path, raw_json: str, out: Path) -> None:
        from pypdf import PdfWriter
        from pypdf.generic import NameObject, TextStringObject

        reader = _reader(path)
        try:
            writer = PdfWriter(reader, incremental=True)
            if writer._info is None:
                writer.add_metadata({})
            info: Any = writer._info.get_object()  # type: ignore[union-attr]
            for key in [k for k in info if is_aigc(str(k))]:
                del info[key]
            info[NameObject("/" + KEY)] = TextStringObject(raw_json)
            xmp = _xmp_bytes(writer.root_object)
            if xmp is not None and (_XMP_ELEM.search(xmp[1]) or _XMP_ATTR.search(xmp[1])):
                # one record per file (GB 45438 6.1 c): the Info key is the one we keep
                new = _XMP_ELEM.sub(b"", xmp[1])
                new = re.sub(rb"\s" + _XMP_ATTR.pattern, b"", new, flags=re.I)
                xmp[0].set_data(new)
            with Path(out).open("wb") as fh:
                writer.write(fh)
        except InputError:
            raise
        except Exception as exc:
            raise bad(path, f"cannot update PDF ({type(exc).__name__}: {exc})") from exc

    def payload(self, path: Path) -> bytes | None:
        with _quiet():
            return self._payload(path)

    def _payload(self, path: Path) -> bytes:
        reader = _reader(path)
        parts: list[bytes] = []
        try:
            for page in reader.pages:
                contents = page.get_contents()
                parts.append(b"" if contents is None else contents.get_data())
        except Exception as exc:
            raise bad(path, f"corrupt PDF page content ({type(exc).__name__}: {exc})") from exc
        return b"\n%page\n".join(parts)


register_handler(PdfHandler())
