"""Compressed files (`.gz`, `.bz2`, `.xz`, `.zst`): text, CSV and JSON Lines are read
through a streaming decompressor, so a corpus kept as `data.jsonl.gz` or `shard.jsonl.zst`
is scanned without unpacking it first, and de-identified into the same compression.

gzip, bz2 and xz come with Python; zstd is decompressed by pyarrow (installed with
`tianping[privacy]`). The format is that of the name without its compression suffix
(`a.csv.gz` is CSV). Progress is told in bytes of the compressed file, as it is on disk.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import IO, Any

from tianping.errors import InputError

__all__ = ["COMPRESSION", "compression_of", "file_pos", "inner_path", "open_binary", "open_write"]

COMPRESSION = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz", ".zst": "zstd"}


def compression_of(path: Path) -> str | None:
    return COMPRESSION.get(path.suffix.lower())


def inner_path(path: Path) -> Path:
    """The name that tells the format: without a compression suffix."""
    return path.with_suffix("") if compression_of(path) else path


class _Decompressed(io.RawIOBase):
    """A decompressing stream as a raw stream, for io.BufferedReader: peek, readline and
    tell on the uncompressed bytes; `on_disk()` is the position in the compressed file."""

    def __init__(self, inner: Any, raw: IO[bytes]) -> None:
        self.inner, self.raw, self.pos = inner, raw, 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        n = int(self.inner.readinto(b) or 0)
        self.pos += n
        return n

    def tell(self) -> int:
        return self.pos

    def on_disk(self) -> int:
        return self.raw.tell()

    def close(self) -> None:
        try:
            self.inner.close()
        finally:
            self.raw.close()
            super().close()


def open_binary(path: Path) -> IO[bytes]:
    """`path` for reading bytes, decompressed as its suffix says."""
    codec = compression_of(path)
    raw = path.open("rb")
    if codec is None:
        return raw
    try:
        inner: Any
        if codec == "gzip":
            import gzip

            inner = gzip.GzipFile(fileobj=raw, mode="rb")  # closed with raw
        elif codec == "bz2":
            import bz2

            inner = bz2.BZ2File(raw)
        elif codec == "xz":
            import lzma

            inner = lzma.LZMAFile(raw)  # noqa: SIM115
        else:
            inner = _zstd_reader(raw)
    except BaseException:
        raw.close()
        raise
    return io.BufferedReader(_Decompressed(inner, raw), buffer_size=1 << 20)


def _zstd_reader(raw: IO[bytes]) -> Any:
    try:
        import pyarrow as pa
    except ImportError:
        raise InputError(
            "a .zst file needs pyarrow to decompress (pip install 'tianping[privacy]') / "
            "读取 .zst 需安装 pyarrow"
        ) from None
    return pa.CompressedInputStream(pa.PythonFile(raw, mode="r"), "zstd")


def file_pos(fh: Any) -> int:
    """How far into the file on disk a reader is (the compressed bytes it consumed)."""
    raw = getattr(fh, "raw", None)
    if isinstance(raw, _Decompressed):
        return raw.on_disk()
    return int(fh.tell())


def open_write(path: Path, codec: str) -> Any:
    """`path` for writing bytes, compressed with `codec` (a file object)."""
    if codec == "gzip":
        import gzip

        return gzip.open(path, "wb")
    if codec == "bz2":
        import bz2

        return bz2.open(path, "wb")
    if codec == "xz":
        import lzma

        return lzma.open(path, "wb")
    import pyarrow as pa

    return pa.CompressedOutputStream(str(path), "zstd")
