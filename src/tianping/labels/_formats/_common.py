"""What the format handlers share: the label key, located errors and memory-mapped I/O."""

from __future__ import annotations

import mmap
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from tianping.errors import InputError, display_path

KEY = "AIGC"
Buf = bytes | mmap.mmap  # slices of both are bytes


def is_aigc(name: str) -> bool:
    return KEY in name.upper()


def bad(path: Path, what: str) -> InputError:
    return InputError(f"{display_path(path)}: {what}")


@contextmanager
def mapped(path: Path) -> Iterator[Buf]:
    """The file memory-mapped read-only (slices are bytes), so large media are not loaded."""
    try:
        with Path(path).open("rb") as fh:
            if os.fstat(fh.fileno()).st_size == 0:
                raise bad(path, "empty file")
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
                yield mm
    except OSError as exc:
        raise bad(path, f"cannot read file ({exc.strerror})") from exc


@contextmanager
def output_file(path: Path, out: Path) -> Iterator[BinaryIO]:
    """A file to write `out` to; a sibling temporary file when `out` is the mapped input."""
    same = Path(out).resolve() == Path(path).resolve()
    target = Path(out).with_name(Path(out).name + ".tianping-tmp") if same else Path(out)
    try:
        with target.open("wb") as fh:
            yield fh
    except BaseException:
        if same:
            target.unlink(missing_ok=True)
        raise
    if same:
        os.replace(target, out)


def copy_range(fh: BinaryIO, data: Buf, start: int, end: int) -> None:
    step = 1 << 24
    for pos in range(start, end, step):
        fh.write(data[pos : min(end, pos + step)])
