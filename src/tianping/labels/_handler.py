"""Per-format handlers for implicit labels (metadata) and the registry that picks one.

A handler knows one container family (JPEG, MP3, DOCX, ...). It never re-encodes
pixels or samples: it rewrites metadata only, keeps all other metadata, and replaces an
existing AIGC record instead of adding a second one.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar


@dataclass(frozen=True)
class FoundLabel:
    """One AIGC record as found in a file, before validation.

    `raw` is the JSON text exactly as stored; `form` names where and how it was stored
    (e.g. "xmp:TC260:AIGC", "id3:TXXX:AIGC", "pdf:Info/AIGC"), so the reader can report
    which of the forms seen in the wild it met.
    """

    raw: str
    form: str


class FormatHandler(ABC):
    """Read and write the implicit label of one file format."""

    name: ClassVar[str]
    extensions: ClassVar[tuple[str, ...]]  # lower-case, with the dot: (".jpg", ".jpeg")
    media_types: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        """True if the first bytes (up to 64) look like this format."""
        return False

    @abstractmethod
    def read(self, path: Path) -> list[FoundLabel]:
        """Every AIGC record in the file (0, 1, or more if the file is non-conformant).

        Raise `tianping.errors.InputError` for a truncated or corrupt file.
        """

    @abstractmethod
    def write(self, path: Path, raw_json: str, out: Path) -> None:
        """Write `path` with the record set to `raw_json` into `out` (may equal `path`).

        Callers pass a temporary `out` and rename it afterwards, so a handler may write
        `out` non-atomically but must never modify `path` itself when `out != path`.
        """

    def payload_ranges(self, path: Path) -> list[tuple[int, int]] | None:
        """Byte ranges [start, end) of the file whose concatenation is `payload(path)`.

        Lets the caller hash large media in one streaming pass without loading them; None
        means the payload is not a set of file ranges (then `payload` is used).
        """
        return None

    def payload(self, path: Path) -> bytes | None:
        """The content bytes the anti-tamper hash covers (pixels/samples/body, not the
        label), or None if the handler cannot separate them (then the whole file minus
        the record is hashed by the caller). By default, the `payload_ranges` joined."""
        ranges = self.payload_ranges(path)
        if ranges is None:
            return None
        with Path(path).open("rb") as fh:
            parts = []
            for start, end in ranges:
                fh.seek(start)
                parts.append(fh.read(end - start))
        return b"".join(parts)


_HANDLERS: dict[str, FormatHandler] = {}


def register_handler(handler: FormatHandler) -> FormatHandler:
    for ext in handler.extensions:
        _HANDLERS[ext] = handler
    return handler


def handler_for(path: Path, head: bytes | None = None) -> FormatHandler | None:
    """The handler by content sniffing first, then by extension."""
    if head:
        for h in dict.fromkeys(_HANDLERS.values()):
            if h.sniff(head):
                return h
    return _HANDLERS.get(path.suffix.lower())


def handlers() -> list[FormatHandler]:
    return list(dict.fromkeys(_HANDLERS.values()))
