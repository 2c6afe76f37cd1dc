"""Streaming scans of files and folders for personal information, in bounded memory.

Formats: CSV/TSV (pyarrow streaming reader, every column read as text), Parquet (row-group
batches), Excel and ODS workbooks (every sheet, cells as text, columns `sheet!header`; the
fastexcel package, part of the privacy extra), JSONL (one JSON object per line, leaves
flattened to `a.b.c` columns; a `.json` document's top-level array elements as rows) and plain
text (line by line; lines longer than `max_line_chars` are cut into pieces that keep their
line number and offset). Encodings: UTF-8 (with or without BOM), UTF-16 by BOM or by NUL
pattern, else GB18030 (a superset of GBK); binary files are skipped and reported.

A file that cannot be read is reported with a located message and the run goes on. Counts
cover every finding; at most `max_examples` findings per file, column and type are kept with
their location and a masked preview. Raw values never leave this module.

Tables can be classified by column only (`columns_only`): the first `sample_rows` values of
every column are scanned, and only columns where PI was seen are confirmed on all rows.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import json
import os
import re
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import polars as pl
from pydantic import BaseModel, Field, PrivateAttr, field_serializer

from tianping.errors import InputError
from tianping.privacy import _kernel
from tianping.privacy._compressed import compression_of, file_pos, inner_path, open_binary
from tianping.privacy._detect import (
    DEFAULT_MIN_CONFIDENCE,
    detect_batch,
    detect_by_header,
    mask_preview,
)
from tianping.privacy._formats import (
    CONVERT,
    EXCEL_SUFFIXES,
    IMAGE_ERRORS,
    IMAGE_SUFFIXES,
    MAIL_SUFFIXES,
    OFFICE_TEXT_SUFFIXES,
    PACKAGES,
    format_suffix,
)
from tianping.privacy._shown import (
    bare_name_spans,
    bare_names,
    masked,
    names_a_person,
    shown_path,
    shown_text,
)
from tianping.privacy._tnef import is_tnef_file

TABLE_SUFFIXES = {".csv": ",", ".tsv": "\t"}
JSONL_SUFFIXES = {".jsonl", ".ndjson", ".json"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
_SNIFF = 65536


class Finding(BaseModel):
    """One piece of PI at a location, shown only as a masked preview."""

    file: str
    row: int = Field(description="1-based line (text, JSONL) or data row (CSV, Parquet)")
    key: str | None = Field(
        default=None,
        description="A database row's primary key (`col=value`; masked where it holds PI)",
    )
    column: str | None = None
    start: int = Field(description="Code-point offset in the cell or line")
    end: int
    pi_type: str
    pipl_class: str
    category: str = ""
    confidence: float
    preview: str

    @field_serializer("file")
    def _shown_file(self, file: str) -> str:  # a file named after a person: masked
        return shown_path(file)


class ColumnReport(BaseModel):
    column: str
    values_scanned: int = 0
    values_with_pi: int = 0
    types: dict[str, int] = Field(default_factory=dict)
    label: str | None = Field(None, description="Dominant PI type when it covers >= 50%")
    confirmed: bool = True


MAX_PROBLEMS = 20  # located problems kept per file; the counts cover all of them


class Problem(BaseModel):
    """A located problem in a file that was scanned anyway (the record was skipped).

    The message says what was expected; it never quotes the file's content."""

    row: int | None = Field(
        None, description="1-based line (text, JSONL) or data row (CSV), as in findings"
    )
    message: str


class FileReport(BaseModel):
    path: str
    format: str
    status: Literal["ok", "skipped", "error"] = "ok"
    message: str | None = None
    encoding: str | None = None
    bytes: int = 0
    rows: int = 0
    malformed_rows: int = 0
    long_lines: int = 0
    partial: bool = Field(
        False, description="Only the first `max_rows` rows or lines were scanned (a survey)"
    )
    problems: list[Problem] = Field(
        default_factory=list, description=f"The first {MAX_PROBLEMS} malformed records, located"
    )
    counts: dict[str, int] = Field(default_factory=dict)
    sensitive: int = Field(0, description="Findings of sensitive PI (Art. 28, incl. minors)")
    minors: int = Field(0, description="Findings that show a person under 14")
    columns: list[ColumnReport] = Field(default_factory=list)
    _read: int = PrivateAttr(0)  # bytes of the file the reader has consumed (for progress)
    _sent: int = PrivateAttr(0)  # of which reported to on_bytes
    # PI found outside text (a face, a GPS position): (column, row, PI type, preview), and
    # the pictures looked at, by column
    _objects: list[tuple[str, int, str, str]] = PrivateAttr(default_factory=list)
    _looked: Counter[str] = PrivateAttr(default_factory=Counter)

    @field_serializer("path")
    def _shown_path(self, path: str) -> str:  # a file named after a person: masked
        return shown_path(path)

    @field_serializer("message")
    def _shown_message(self, message: str | None) -> str | None:
        return None if message is None else shown_text(message, self.path)

    def note(self, row: int | None, message: str) -> None:
        """Keep a located problem (the first MAX_PROBLEMS of them)."""
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(row=row, message=message))


class ScanReport(BaseModel):
    files: list[FileReport] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list, description="Examples (masked)")
    counts: dict[str, int] = Field(default_factory=dict)
    seconds: float = 0.0

    @property
    def files_scanned(self) -> int:
        return sum(1 for f in self.files if f.status == "ok")

    @property
    def files_failed(self) -> int:
        return sum(1 for f in self.files if f.status != "ok")

    @property
    def bytes(self) -> int:
        return sum(f.bytes for f in self.files)

    @property
    def findings_total(self) -> int:
        return sum(self.counts.values())

    @property
    def sensitive_findings(self) -> int:
        return sum(f.sensitive for f in self.files)

    @property
    def minor_findings(self) -> int:
        return sum(f.minors for f in self.files)

    def add(self, rep: FileReport, examples: list[Finding]) -> None:
        """Add one file's (or table's) report, its examples and its counts."""
        self.files.append(rep)
        self.findings.extend(examples)
        for t, c in rep.counts.items():
            self.counts[t] = self.counts.get(t, 0) + c

    def extend(self, other: ScanReport) -> None:
        """Add another scan's files, examples, counts and time (files and databases)."""
        for rep in other.files:
            self.add(rep, [])
        self.findings.extend(other.findings)
        self.seconds += other.seconds

    def types_found(self) -> list[str]:
        return sorted(t for t, c in self.counts.items() if c)

    def summary(self) -> dict[str, Any]:
        return {
            "files_scanned": self.files_scanned,
            "files_failed": self.files_failed,
            "bytes": self.bytes,
            "findings_total": self.findings_total,
            "sensitive_findings": self.sensitive_findings,
            "minor_findings": self.minor_findings,
            "seconds": round(self.seconds, 3),
            "counts": dict(sorted(self.counts.items())),
        }


@dataclass
class ScanOptions:
    """Parameters of a scan (stored only; `scan_paths` does the work)."""

    min_confidence: float = DEFAULT_MIN_CONFIDENCE
    max_examples: int = 3
    batch_rows: int = 50_000
    batch_chars: int = 8_000_000
    max_line_chars: int = 1_000_000
    columns_only: bool = False
    sample_rows: int = 2_000
    max_rows: int | None = None  # a survey: the first rows (lines) of each file or table only
    workers: int = 1
    include_hidden: bool = False
    max_json_bytes: int = 256_000_000  # a .json document is parsed whole up to this size
    types: frozenset[str] | None = None
    ocr: bool = False  # read images and scanned PDF pages with Tesseract (`_ocr.py`)
    extra: dict[str, Any] = field(default_factory=dict)


# --- discovery and encodings ---------------------------------------------------------------
def iter_files(paths: Iterable[str | Path], include_hidden: bool = False) -> Iterator[Path]:
    """Files under `paths` (folders recursively, sorted); a missing path is an InputError."""
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise InputError(f"{p}: no such file or folder / 路径不存在")
        if p.is_file():
            yield p
            continue
        for f in sorted(p.rglob("*")):
            rel = f.relative_to(p).parts
            if not include_hidden and any(part.startswith(".") for part in rel):
                continue
            if f.is_file():
                yield f


def sniff_encoding(head: bytes) -> str | None:
    """The text encoding of a file's first bytes, or None for binary data."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        even, odd = head[0::2], head[1::2]
        if odd.count(0) > 0.3 * len(odd) and even.count(0) < 0.05 * len(even):
            return "utf-16-le"
        if even.count(0) > 0.3 * len(even) and odd.count(0) < 0.05 * len(odd):
            return "utf-16-be"
        return None
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(head, final=False)
        return "gb18030"
    except UnicodeDecodeError:
        return None


def file_format(path: Path) -> str:
    suf = inner_path(path).suffix.lower()  # a.csv.gz is CSV
    if suf in TABLE_SUFFIXES:
        return "csv"
    if suf in PARQUET_SUFFIXES:
        return "parquet"
    if suf in JSONL_SUFFIXES:
        return "jsonl"
    if suf in EXCEL_SUFFIXES:
        return "excel"
    if suf in OFFICE_TEXT_SUFFIXES:
        return OFFICE_TEXT_SUFFIXES[suf]
    if suf in MAIL_SUFFIXES or is_tnef_file(inner_path(path)):
        return "mail"
    if suf in IMAGE_SUFFIXES:
        return "image"
    return "text"


# --- readers: each yields (row offset, {column: values}) batches ----------------------------
Batch = tuple[int, dict[str | None, pl.Series], list[int] | None]


def _read_text(path: Path, enc: str, opts: ScanOptions, rep: FileReport) -> Iterator[Batch]:
    """Lines of a text file in batches of about `batch_chars` characters.

    Blocks are split into lines by polars (no Python object per line); a block with a line
    longer than `max_line_chars` or old-Mac line ends ("\r" alone) takes the per-line path,
    which cuts long lines into pieces and keeps each piece's offset in its line.
    """
    if enc in ("utf-8", "utf-8-sig"):
        yield from _read_utf8(path, enc, opts, rep)
        return
    lines = _PerLine(opts, rep)
    with _open_text(path, enc, newline="") as fh:
        while True:
            block = fh.read(opts.batch_chars)
            if not block:
                break
            if not block.endswith(("\n", "\r")):
                block += fh.readline(opts.max_line_chars)  # finish the last line
            rep._read = file_pos(fh.buffer)
            batches = _split_block(block, lines.state, opts) if lines.at_line_start() else None
            if batches is not None:
                yield from batches
                continue
            yield from lines.batches(block)
    yield from lines.batches("", final=True)
    rep.rows = lines.state.lines


def _read_utf8(path: Path, enc: str, opts: ScanOptions, rep: FileReport) -> Iterator[Batch]:
    """`_read_text` for UTF-8 files: blocks stay bytes until polars checks and splits them, so
    no Python string is built for the text (about 4x faster to read than decoding it).

    A block with bytes that are not UTF-8, or that needs the per-line path, is decoded by one
    incremental decoder with errors replaced, as the text-mode reader does; a character cut
    at a block's end waits for the next block.
    """
    lines = _PerLine(opts, rep)
    dec = codecs.getincrementaldecoder("utf-8")(errors="replace")
    with _open_utf8(path, enc) as fh:
        while True:
            block = fh.read(opts.batch_chars)
            if not block:
                break
            if not block.endswith((b"\n", b"\r")):
                # finish the last line, or read at least max_line_chars more characters
                block += fh.readline(4 * opts.max_line_chars + 4)
            if block.endswith(b"\r") and fh.peek(1)[:1] == b"\n":
                block += fh.read(1)  # keep a CRLF pair in one block
            rep._read = file_pos(fh)
            if lines.at_line_start() and not dec.getstate()[0]:
                # the file's last line needs no line end of its own (most editors leave
                # it out): the end of the file ends it, as on the per-line path
                whole = block if block.endswith(b"\n") or fh.peek(1) else block + b"\n"
                batches = _split_utf8(whole, lines.state, opts)
                if batches is not None:
                    yield from batches
                    continue
            yield from lines.batches(dec.decode(block))
    yield from lines.batches(dec.decode(b"", final=True), final=True)
    rep.rows = lines.state.lines


def _open_utf8(path: Path, enc: str) -> Any:
    """A UTF-8 file (decompressed, if it is) opened for bytes, past its BOM when `enc`
    says it has one."""
    fh = open_binary(path)
    if enc == "utf-8-sig" and fh.peek(len(codecs.BOM_UTF8))[:3] == codecs.BOM_UTF8:  # type: ignore[attr-defined]
        fh.read(len(codecs.BOM_UTF8))
    return fh


def _open_text(path: Path, enc: str, newline: str | None = None) -> io.TextIOWrapper:
    """A file (decompressed, if it is) as text in `enc`, undecodable bytes replaced."""
    return io.TextIOWrapper(open_binary(path), encoding=enc, errors="replace", newline=newline)


class _Prefixed(io.RawIOBase):
    """Bytes already read, then the rest of a stream: going back without seeking (a
    decompressing stream cannot)."""

    def __init__(self, head: bytes, rest: Any) -> None:
        self.head, self.rest = memoryview(head), rest

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        if len(self.head):
            n = min(len(b), len(self.head))
            b[:n] = self.head[:n]
            self.head = self.head[n:]
            return n
        data = self.rest.read(len(b))
        b[: len(data)] = data
        return len(data)


class _PerLine:
    """The per-line path of the text readers. Long lines are cut into pieces of exactly
    `max_line_chars` characters from the line's start, wherever the blocks end: the rest of
    an unfinished line waits for the next block, so only the fixed cuts can split a value."""

    def __init__(self, opts: ScanOptions, rep: FileReport) -> None:
        self.state = _LineState()
        self.opts, self.rep = opts, rep
        self.carry = ""

    def at_line_start(self) -> bool:
        return self.state.piece_off == 0 and not self.carry

    def batches(self, text: str, final: bool = False) -> Iterator[Batch]:
        text, self.carry = self.carry + text, ""
        if not final and text and not text.endswith(("\n", "\r")):
            start = max(text.rfind("\n"), text.rfind("\r")) + 1  # 0: the line goes on
            keep = (len(text) - start) % self.opts.max_line_chars
            if keep:
                text, self.carry = text[:-keep], text[-keep:]
        if not text:
            return
        lines, line_no, offsets = _cut_lines(text, self.state, self.opts, self.rep)
        for i in range(0, len(lines), self.opts.batch_rows):
            j = i + self.opts.batch_rows
            s = pl.Series(lines[i:j], dtype=pl.String)
            yield 0, {None: s}, line_no[i:j] + offsets[i:j]


def _split_utf8(block: bytes, state: _LineState, opts: ScanOptions) -> list[Batch] | None:
    """`_split_block` for bytes: None unless the block is valid UTF-8 and whole lines."""
    if not block.endswith(b"\n"):
        return None
    views = _line_views(block, opts.max_line_chars)
    if views is not None:
        return _batches_of_lines(views, state, opts, split=False)
    if b"\r" in block and block.count(b"\r") != block.count(b"\r\n"):
        return None
    try:
        s = pl.Series("t", [block[:-1]], dtype=pl.Binary).cast(pl.String)
    except (pl.exceptions.ComputeError, pl.exceptions.InvalidOperationError):  # not UTF-8
        return None
    return _batches_of_lines(s, state, opts)


@dataclass
class _LineState:
    lines: int = 0  # lines started so far
    piece_off: int = 0  # offset of the next piece within an unfinished long line


def _split_block(block: str, state: _LineState, opts: ScanOptions) -> list[Batch] | None:
    """The whole lines of `block` as batches, or None when the per-line path is needed."""
    if not block.endswith("\n") or ("\r" in block and block.count("\r") != block.count("\r\n")):
        return None
    return _batches_of_lines(pl.Series("t", [block[:-1]]), state, opts)


def _line_views(block: bytes, max_chars: int) -> pl.Series | None:
    """The lines of a UTF-8 block ending in '\n' as a series of string views over the
    block's own bytes (split by `_celltok.lines`); None where the block is not UTF-8 or
    `lines` says no (a lone '\r', a line over `max_chars`), or where it cannot run (built
    without a C compiler, pyarrow before string views)."""
    from tianping.privacy._cellfiles import _celltok

    if _celltok is None:
        return None
    try:
        import pyarrow as pa

        kind = pa.string_view()
    except (ImportError, AttributeError):
        return None
    try:  # UTF-8 is checked by polars' cast (SIMD), the split is C's
        pl.Series("t", [block], dtype=pl.Binary).cast(pl.String)
    except (pl.exceptions.ComputeError, pl.exceptions.InvalidOperationError):
        return None
    views = _celltok.lines(block, max_chars)
    if views is None:
        return None
    arr = pa.Array.from_buffers(
        kind, len(views) // 16, [None, pa.py_buffer(views), pa.py_buffer(block)]
    )
    return pl.Series("t", arr)  # no copy: polars holds strings as views too


def _batches_of_lines(
    block: pl.Series, state: _LineState, opts: ScanOptions, split: bool = True
) -> list[Batch] | None:
    """The lines of a one-string series as batches (None: a line needs cutting); with
    `split=False`, `block` holds the lines already (checked by `_line_views`)."""
    s = block
    if split:
        s = block.str.split("\n").explode().str.strip_suffix("\r")
        if (s.str.len_chars().max() or 0) > opts.max_line_chars:  # type: ignore[operator]
            return None
    out: list[Batch] = []
    for i in range(0, s.len(), opts.batch_rows):
        part = s.slice(i, opts.batch_rows)
        k = part.len()
        # whole lines in order: line numbers follow from row0, no list of them is needed
        out.append((state.lines, {None: part}, None))
        state.lines += k
    return out


def _cut_lines(
    block: str, state: _LineState, opts: ScanOptions, rep: FileReport
) -> tuple[list[str], list[int], list[int]]:
    """Per-line path: universal line ends, long lines cut at `max_line_chars`."""
    lines: list[str] = []
    line_no: list[int] = []
    offsets: list[int] = []
    fh = io.StringIO(block, newline="")
    while True:
        piece = fh.readline(opts.max_line_chars)
        if not piece:
            break
        complete = piece.endswith(("\n", "\r"))
        if not complete and len(piece) >= opts.max_line_chars and state.piece_off == 0:
            rep.long_lines += 1
        if state.piece_off == 0:
            state.lines += 1
        lines.append(piece.rstrip("\r\n"))
        line_no.append(state.lines)
        offsets.append(state.piece_off)
        state.piece_off = 0 if complete else state.piece_off + len(piece)
    return lines, line_no, offsets


class _Records:
    """Parsed JSON records gathered into column batches (leaves flattened to `a.b.c`)."""

    def __init__(self, opts: ScanOptions) -> None:
        self.opts = opts
        self.cols: dict[str | None, list[str | None]] = defaultdict(list)
        self.line_nos: list[int] = []
        self.rows = 0

    def flush(self) -> Batch:
        k = len(self.line_nos)
        data = {
            c: pl.Series(v + [None] * (k - len(v)), dtype=pl.String) for c, v in self.cols.items()
        }
        batch = (0, data, self.line_nos + [0] * k)
        self.cols = defaultdict(list)
        self.line_nos = []
        return batch

    def add(self, obj: Any, n: int) -> Batch | None:
        """One record's leaves as a row (line or element number n); a full batch, if any.
        A path with several values in the record (the elements of an array) takes one row
        per value, all numbered n: each value is scanned as a cell of its own."""
        k = len(self.line_nos)
        depth = 1
        for key, val in _leaves(obj, ""):
            col = self.cols[key]
            if len(col) < k:
                col.extend([None] * (k - len(col)))
            col.append(val)
            depth = max(depth, len(col) - k)
        self.line_nos.extend([n] * depth)
        self.rows += 1
        return self.flush() if len(self.line_nos) >= self.opts.batch_rows else None

    def lines(self, fh: Iterable[str], first: int, rep: FileReport) -> Iterator[Batch]:
        """JSON lines from `fh` (line numbers from `first`); malformed ones are counted."""
        for n, line in enumerate(fh, start=first):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:  # its msg names what was expected, no content
                rep.malformed_rows += 1
                rep.note(
                    n,
                    f"not valid JSON: {exc.msg} (column {exc.colno}) / "
                    f"不是有效的 JSON（第 {exc.colno} 列）",
                )
                continue
            except ValueError:
                rep.malformed_rows += 1
                rep.note(n, "not valid JSON / 不是有效的 JSON")
                continue
            if (full := self.add(obj, n)) is not None:
                yield full


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _read_jsonl(path: Path, enc: str, opts: ScanOptions, rep: FileReport) -> Iterator[Batch]:
    rec = _Records(opts)
    try:
        if path.suffix.lower() == ".json":
            # a whole JSON document: each element of a top-level list is one row
            with _open_text(path, enc) as fh:
                head = fh.read(1024).lstrip()
                if "\n" not in head:
                    head += fh.readline(1 << 20)
            # an array, or an object that its first line does not close (JSON Lines hold
            # one whole object per line)
            document = head.startswith("[") or (
                head.startswith("{") and "\n" in head.rstrip() and not _is_json(head.split("\n")[0])
            )
            too_big = InputError(
                f"a JSON document over {opts.max_json_bytes:,} bytes is not parsed whole; "
                "convert it to JSON Lines (one record per line) / "
                "JSON 文档过大，请转换为 JSON Lines"
            )
            if document and path.stat().st_size > opts.max_json_bytes:
                raise too_big
            if document:
                with open_binary(path) as fh:  # decompressed, it may be larger
                    raw = fh.read(opts.max_json_bytes + 1)
                if len(raw) > opts.max_json_bytes:
                    raise too_big
                try:
                    doc = json.loads(raw.decode(enc, errors="replace"))
                except ValueError:
                    doc = None
                if doc is not None:
                    items = doc if isinstance(doc, list) else [doc]
                    for n, obj in enumerate(items, start=1):
                        if (full := rec.add(obj, n)) is not None:
                            yield full
                    if rec.line_nos:
                        yield rec.flush()
                    return
        if enc in ("utf-8", "utf-8-sig"):
            yield from _jsonl_blocks(path, enc, opts, rep, rec)
        else:
            with _open_text(path, enc) as fh:
                yield from rec.lines(fh, 1, rep)
        if rec.line_nos:
            yield rec.flush()
    finally:
        rep.rows += rec.rows


def _jsonl_blocks(
    path: Path, enc: str, opts: ScanOptions, rep: FileReport, rec: _Records
) -> Iterator[Batch]:
    """UTF-8 JSONL in blocks of whole lines. A block of flat records whose fields are all
    strings or integers (the common export) is parsed by pyarrow's JSON reader, which
    rejects what the line-by-line path would treat differently (a field that changes type,
    a key given twice, nested values, floats, booleans, bad bytes); such blocks, and blocks
    with blank lines, malformed records or lone-CR line ends, go line by line. A line longer
    than `4 * max_line_chars` bytes sends the rest of the file line by line, as text."""
    line = 0  # lines consumed so far
    with _open_utf8(path, enc) as fh:
        while True:
            block = fh.read(opts.batch_chars)
            if not block:
                break
            if not block.endswith(b"\n"):
                block += fh.readline(4 * opts.max_line_chars)
                if not block.endswith(b"\n") and fh.peek(1):  # a huge line, or CR line ends
                    again = io.BufferedReader(_Prefixed(block, fh))  # this block, then the rest
                    text = io.TextIOWrapper(again, encoding="utf-8", errors="replace")
                    yield from rec.lines(text, line + 1, rep)
                    return
            rep._read = file_pos(fh)
            lines = _count_lines(block)
            batches = _flat_jsonl(block, line, lines, opts) if _FAST_JSONL else None
            if batches is None:
                text_lines = io.StringIO(block.decode("utf-8", errors="replace"), newline=None)
                yield from rec.lines(text_lines, line + 1, rep)
                if rec.line_nos:
                    yield rec.flush()
            else:
                rec.rows += lines
                yield from batches
            line += lines


def _count_lines(block: bytes) -> int:
    """Lines in a block as universal newlines count them (a final line may lack its end)."""
    n = block.count(b"\n")
    if b"\r" in block:  # a search that stops at the first: most files have no CR at all
        n += block.count(b"\r") - block.count(b"\r\n")
    return n + (not block.endswith((b"\n", b"\r")))


_FAST_JSONL = True  # tests switch it off to compare both paths


def _flat_jsonl(block: bytes, line: int, lines: int, opts: ScanOptions) -> list[Batch] | None:
    import pyarrow as pa
    import pyarrow.json as pajson

    if b"\r" in block and block.count(b"\r") != block.count(b"\r\n"):
        return None  # lone CR line ends: the line-by-line path counts lines as Python does
    try:
        table = pajson.read_json(
            io.BytesIO(block),
            read_options=pajson.ReadOptions(use_threads=False, block_size=len(block) + 1),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    if table.num_rows != lines:  # blank lines are skipped by the reader
        return None
    if any(_key_holds_pi(name) for name in table.column_names):
        return None  # keys that hold PI: the line path reads them as values
    cols: dict[str | None, pl.Series] = {}
    for name, col in zip(table.column_names, table.columns, strict=True):
        t = col.type
        if pa.types.is_null(t) or col.null_count == len(col):
            continue  # the line path makes no column of nulls
        if not (pa.types.is_string(t) or pa.types.is_int64(t)):
            return None
        cols[name] = pl.Series(name, col.cast(pa.string()))
    out: list[Batch] = []
    for i in range(0, lines, opts.batch_rows):
        k = min(opts.batch_rows, lines - i)
        data: dict[str | None, pl.Series] = {c: v.slice(i, k) for c, v in cols.items()}
        out.append((line + i, data, None))  # one record a line: line numbers by row0
    return out


def _leaves(obj: Any, prefix: str) -> Iterator[tuple[str, str]]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            pi = _KEY_PI.get(k)  # inlined: this runs for every key of every record
            if pi is None:
                pi = _key_holds_pi(k)
            if pi:  # an object keyed by phone or e-mail: the key is a value
                yield (f"{prefix}.<key>" if prefix else "<key>"), k
                k = "*"  # and never part of a column name
            yield from _leaves(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(obj, list):
        for v in obj:
            yield from _leaves(v, prefix + "[]")
    elif isinstance(obj, str | int) and not isinstance(obj, bool):
        yield prefix or "$", str(obj)


_KEY_PI: dict[str, bool] = {}
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z_ -]*")  # no digit, '@' or CJK: not PI


def _key_holds_pi(key: str) -> bool:
    """Whether a JSON key holds PI (cached: keys repeat from record to record)."""
    found = _KEY_PI.get(key)  # one dict lookup for the keys every record repeats
    if found is None:
        if len(_KEY_PI) > 100_000:
            _KEY_PI.clear()
        found = False
        if not _PLAIN_KEY.fullmatch(key):
            from tianping.privacy._detect import detect_batch

            found = detect_batch([key], previews=False).height > 0
        _KEY_PI[key] = found
    return found


_HEADLESS = (
    "the first row holds personal information: read as a record, columns numbered / "
    "首行含个人信息，按数据读取，列按序号命名"
)


def header_holds_pi(names: Sequence[str], min_confidence: float) -> bool:
    """Whether a table's header row holds PI (a phone, an e-mail, an ID number): then the
    table has no header, and the row is a record (its cells would otherwise be neither
    scanned nor kept out of reports, where column names are shown as they are)."""
    from tianping.privacy._detect import detect_batch

    cells = [n for n in names if n and n.strip()]
    if not cells:
        return False
    return detect_batch(cells, min_confidence=min_confidence, previews=False).height > 0


def _read_csv(path: Path, enc: str, opts: ScanOptions, rep: FileReport) -> Iterator[Batch]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    with _open_text(path, enc, newline="") as fh:
        header_line = fh.readline()
    delim = TABLE_SUFFIXES.get(inner_path(path).suffix.lower(), ",")
    if delim == "," and header_line.count(",") == 0:
        delim = max(";\t|", key=header_line.count) if any(c in header_line for c in ";\t|") else ","
    import csv as _csv

    names = next(_csv.reader([header_line.rstrip("\r\n")], delimiter=delim), [])
    if not names:
        raise InputError(f"{path}: no header line / 缺少表头")
    headless = header_holds_pi(names, opts.min_confidence)
    if headless:  # the first line is a record: scanned, and never shown as column names
        names = [f"column{k}" for k in range(1, len(names) + 1)]
        rep.note(None, _HEADLESS)
    bad = 0

    def on_invalid(row: Any) -> str:
        nonlocal bad
        bad += 1
        # row.text is the raw record: only its position and shape go into the report;
        # row.number counts records from the header's 1 (known on one thread)
        at = row.number - 1 if isinstance(row.number, int) and row.number > 1 else None
        rep.note(
            at,
            f"expected {row.expected_columns} columns, got {row.actual_columns} / "
            f"应为 {row.expected_columns} 列，实为 {row.actual_columns} 列",
        )
        return "skip"

    stream = open_binary(path) if compression_of(path) else None
    # its position tells progress: on disk, so in compressed bytes for a compressed file
    source = pa.OSFile(str(path)) if stream is None else pa.PythonFile(stream, mode="r")
    reader = pacsv.open_csv(
        source,
        read_options=pacsv.ReadOptions(
            encoding="utf8" if enc in ("utf-8", "utf-8-sig") else enc,
            block_size=min(opts.batch_chars, 16 << 20),
            use_threads=False,  # workers split files; one thread also numbers bad rows
            column_names=names if headless else None,
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=delim, newlines_in_values=True, invalid_row_handler=on_invalid
        ),
        convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string())),
    )
    row0 = 0
    with source:
        for batch in reader:
            data: dict[str | None, pl.Series] = {}
            for name, col in zip(batch.schema.names, batch.columns, strict=True):
                data[name] = pl.Series(name, col)
            rep._read = source.tell() if stream is None else file_pos(stream)
            yield row0, data, None
            row0 += batch.num_rows
    rep.rows = row0
    rep.malformed_rows = bad


def _read_parquet(path: Path, enc: str, opts: ScanOptions, rep: FileReport) -> Iterator[Batch]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from tianping.privacy._arrow_text import holds_text, text_leaves

    pf = pq.ParquetFile(path)
    row0 = 0
    total = max(1, pf.metadata.num_rows)
    for batch in pf.iter_batches(batch_size=opts.batch_rows):
        rep._read = rep.bytes * min(total, row0 + batch.num_rows) // total  # rows stand in
        data: dict[str | None, pl.Series] = {}
        nested: list[Batch] = []
        for name, col in zip(batch.schema.names, batch.columns, strict=True):
            t = col.type
            if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_integer(t):
                data[name] = pl.Series(name, col).cast(pl.String)
                continue
            if not holds_text(t):
                continue
            # dictionary-encoded and view strings: a value per row; nested ones (lists,
            # structs, maps): a cell per value, on the row it belongs to
            for leaf, values, rows in text_leaves(col, name):
                series = pl.Series(leaf, values).cast(pl.String)
                if leaf == name:
                    data[name] = series
                elif len(values):
                    at = (rows + (row0 + 1)).tolist()
                    nested.append((0, {leaf: series}, at + [0] * len(at)))
        yield row0, data, None
        yield from nested
        row0 += batch.num_rows
    rep.rows = row0


def _read_excel(path: Path, enc: str, opts: ScanOptions, rep: FileReport) -> Iterator[Batch]:
    """Every sheet of a workbook, each cell as text (numbers as Excel shows them, long ones
    already rounded by Excel's doubles), columns named `sheet!header`; rows are data rows
    of their sheet. A sheet calamine cannot read is noted and passed over."""
    import fastexcel

    reader = fastexcel.read_excel(str(path))
    names = reader.sheet_names
    for k, name in enumerate(names):
        try:
            batch = reader.load_sheet(name, dtypes="string").to_arrow()
            if header_holds_pi(batch.schema.names, opts.min_confidence):
                batch = reader.load_sheet(name, header_row=None, dtypes="string").to_arrow()
                batch = batch.rename_columns([f"column{k + 1}" for k in range(batch.num_columns)])
                rep.note(None, f"sheet {masked(name)!r}: {_HEADLESS}")
        except fastexcel.FastExcelError:  # its words may quote cells: not shown
            rep.note(
                None,
                f"sheet {masked(name)!r}: no header row or unreadable / 工作表无表头或无法读取",
            )
            continue
        cols = {
            f"{name}!{c}": pl.Series(f"{name}!{c}", batch.column(c)) for c in batch.schema.names
        }
        for i in range(0, batch.num_rows, opts.batch_rows):
            part: dict[str | None, pl.Series] = {
                c: v.slice(i, opts.batch_rows) for c, v in cols.items()
            }
            yield i, part, None
        rep.rows += batch.num_rows
        rep._read = rep.bytes * (k + 1) // max(1, len(names))
    if format_suffix(path.suffix) in (".xlsx", ".xlsm"):  # what cells do not show: comments,
        from tianping.privacy._office import paragraphs  # link targets, authors

        for label, paras in paragraphs(path, "xlsx"):
            series = pl.Series(label, paras, dtype=pl.String)
            for i in range(0, len(paras), opts.batch_rows):
                yield i, {label: series.slice(i, opts.batch_rows)}, None
        from tianping.privacy._pivot import pivot_tables  # pivot caches copy source rows

        for _, table in pivot_tables(path):
            frame = {c: pl.Series(c, v, dtype=pl.String) for c, v in table.items()}
            height = max((len(v) for v in table.values()), default=0)
            for i in range(0, height, opts.batch_rows):
                yield i, {c: v.slice(i, opts.batch_rows) for c, v in frame.items()}, None
    if format_suffix(path.suffix) == ".ods":  # comments, drawings, headers, links, authors
        from tianping.privacy._odf import odf_paragraphs

        for label, paras in odf_paragraphs(path, "ods"):
            series = pl.Series(label, paras, dtype=pl.String)
            for i in range(0, len(paras), opts.batch_rows):
                yield i, {label: series.slice(i, opts.batch_rows)}, None


def _read_office(path: Path, enc: str, opts: ScanOptions, rep: FileReport) -> Iterator[Batch]:
    """A Word, PowerPoint or OpenDocument file's paragraphs, part by part: the column is
    the part (`document`, `comments`, `slide3`), the row the paragraph's number in it."""
    from tianping.privacy._office import paragraphs, pdf_pages

    pdf = rep.format == "pdf"
    on_faces = None
    if pdf and opts.ocr and _wants(opts, "face_image"):

        def on_faces(page: int, boxes: list[tuple[int, int, int, int]]) -> None:
            _faces_seen(rep, "faces", page, boxes)

    parts = list(pdf_pages(path, opts.ocr, on_faces) if pdf else paragraphs(path, rep.format))
    if pdf and parts and not any(line.strip() for _, p in parts for line in p):
        rep.note(
            None,
            "no text layer (scanned pages?): nothing read; --ocr reads the page images / "
            "无文字层（扫描件？），可加 --ocr 识别"
            if not opts.ocr
            else "no text found, OCR included / 未识别到文字",
        )
    for k, (part, paras) in enumerate(parts):
        series = pl.Series(part, paras, dtype=pl.String)
        for i in range(0, len(paras), opts.batch_rows):
            yield i, {part: series.slice(i, opts.batch_rows)}, None
        rep.rows += len(paras)
        rep._read = rep.bytes * (k + 1) // max(1, len(parts))


def _read_mail(path: Path, enc: str, opts: ScanOptions, rep: FileReport) -> Iterator[Batch]:
    """Each message's headers and body text, a message a row (`headers`, `body`), and the
    display names of its senders and recipients (`names`, each read as a name after a
    context word: the header says it is one); the attachments are scanned as files of
    their own (`scan_one`)."""
    from tianping.privacy._mail import messages

    heads: list[str] = []
    bodies: list[str] = []
    for headers, body, _ in messages(path):
        heads.append(headers)
        bodies.append(body)
        if len(heads) == opts.batch_rows:
            yield _mail_batch(heads, bodies, rep)
            heads, bodies = [], []
    if heads:
        yield _mail_batch(heads, bodies, rep)


def _mail_batch(heads: list[str], bodies: list[str], rep: FileReport) -> Batch:
    """Messages as one batch, rows from `rep.rows` on (which it moves past them)."""
    from tianping.privacy._mail import address_names

    start, rep.rows = rep.rows, rep.rows + len(heads)
    data: dict[str | None, pl.Series] = {
        "headers": pl.Series("headers", heads),
        "body": pl.Series("body", bodies),
        "names": pl.Series("names", [address_names(h) for h in heads], dtype=pl.String),
    }
    return start, data, None


def _read_image(path: Path, enc: str, opts: ScanOptions, rep: FileReport) -> Iterator[Batch]:
    """The lines OCR reads in an image, a line a row (column `ocr`), and where OpenCV is
    installed the faces in it (`faces`, row 1) and what its QR codes hold (`qr`); its
    metadata is read after (`_record_metadata`), with or without OCR."""
    from PIL import Image, ImageOps

    from tianping.privacy._faces import FACES_ADVICE, available
    from tianping.privacy._ocr import ocr_image

    lines = ocr_image(path)
    rep.rows = len(lines)
    codes: list[str] = []
    if available():
        from tianping.privacy._codes import codes_in_image, readable
        from tianping.privacy._faces import faces_in_image

        try:
            with Image.open(path) as img:
                upright = ImageOps.exif_transpose(img)
                if _wants(opts, "face_image"):
                    _faces_seen(rep, "faces", 1, faces_in_image(upright))
                codes = [line for text, _ in codes_in_image(upright) for line in readable(text)]
        except IMAGE_ERRORS as exc:  # Tesseract read it; Pillow cannot
            why = type(exc).__name__
            rep.note(None, f"faces and QR codes not read: {why} / 未能识别人脸与二维码")
    else:
        rep.note(None, FACES_ADVICE)
    if lines:
        yield 0, {"ocr": pl.Series("ocr", lines, dtype=pl.String)}, None
    if codes:  # what QR codes hold (a vCard's name, phone, e-mail), a line a row
        rep.rows += len(codes)
        yield 0, {"qr": pl.Series("qr", codes, dtype=pl.String)}, None


def _wants(opts: ScanOptions, pi_type: str) -> bool:
    return opts.types is None or pi_type in opts.types


def _faces_seen(
    rep: FileReport, column: str, row: int, boxes: list[tuple[int, int, int, int]]
) -> None:
    rep._looked[column] += 1
    for left, top, right, bottom in boxes:
        shown = f"[face {right - left}x{bottom - top} px at {left},{top}]"
        rep._objects.append((column, row, "face_image", shown))


def _record_objects(rep: FileReport, examples: list[Finding], opts: ScanOptions) -> None:
    """The faces readers found (biometric PI, not text), per column, with the pictures
    looked at; previews say where a face is, never its pixels."""
    for column, looked in rep._looked.items():
        found = [(row, 0, 0, t, 0.8, shown) for col, row, t, shown in rep._objects if col == column]
        _add_findings(rep, examples, column, looked, found, opts, always=True)


_READERS: dict[str, Callable[[Path, str, ScanOptions, FileReport], Iterator[Batch]]] = {
    "text": _read_text,
    "jsonl": _read_jsonl,
    "csv": _read_csv,
    "parquet": _read_parquet,
    "excel": _read_excel,
    "docx": _read_office,
    "pptx": _read_office,
    "odp": _read_office,
    "rtf": _read_office,
    "odt": _read_office,
    "doc": _read_office,
    "ppt": _read_office,
    "pdf": _read_office,
    "mail": _read_mail,
    "image": _read_image,
}


def _has_fastexcel() -> bool:
    import importlib.util

    return importlib.util.find_spec("fastexcel") is not None


_IMAGE_ADVICE = (
    "an image: only its metadata read; scan with --ocr to read its text (needs Tesseract "
    "OCR), faces and QR codes / 仅读取图片元数据，可加 --ocr 识别文字、人脸与二维码"
)


def _binary_message(path: Path) -> str:
    """Why a binary file was skipped; for office formats, how to get it scanned."""
    known = CONVERT.get(path.suffix.lower())
    if known is None:
        return "binary or undecodable file / 二进制或无法解码"
    en, zh = known
    return (
        f"{en}: not read directly; export it as CSV or text and scan that / "
        f"{zh}不直接读取，请导出为 CSV 或文本后扫描"
    )


def _safe_message(exc: BaseException) -> str:
    """An error message that cannot carry file content (parsers quote the bad row)."""
    import re

    text = str(exc)
    m = re.search(r"Expected \d+ columns?, got \d+", text)
    if m:
        return f"malformed CSV: {m.group(0)}"
    if isinstance(exc, InputError):
        return text[:300]
    if isinstance(exc, UnicodeDecodeError):
        return f"undecodable bytes at offset {exc.start} ({exc.encoding})"
    first = text.split(":", 1)[0].split("\n", 1)[0][:120]  # no SQL, parameters or DETAIL
    # quoted literals may be values (MySQL: "Duplicate entry '…' for key 'PRIMARY'")
    first = re.sub(r"'[^']*'?", "'…'", re.sub(r'"[^"]*"?', '"…"', first))
    return f"{type(exc).__name__}: {first}"


# --- scanning ------------------------------------------------------------------------------
def scan_file(
    path: str | Path,
    opts: ScanOptions | None = None,
    threads: int = 1,
    on_bytes: Callable[[int], None] | None = None,
) -> tuple[FileReport, list[Finding]]:
    """Scan one file; problems become the report's status and message, never an exception.

    `threads` > 1 detects batches of the file on that many threads while the next batches
    are read (the compiled kernel releases the GIL; at most 2 x threads batches in memory).
    `on_bytes(n)`: n more bytes of the file are done, as the batches are scanned (for a
    progress bar); the calls add up to the file's size.
    """
    opts = opts or ScanOptions()
    rep, examples = _scan_content(Path(path), opts, threads, on_bytes)
    if rep.format == "image" and rep.status != "error":  # read with or without --ocr
        _record_metadata(rep, examples, opts)
    _record_name(rep, examples, opts)
    return rep, examples


def _scan_content(
    path: Path,
    opts: ScanOptions,
    threads: int,
    on_bytes: Callable[[int], None] | None,
) -> tuple[FileReport, list[Finding]]:
    fmt = file_format(path)
    rep = FileReport(path=str(path), format=fmt)
    examples: list[Finding] = []
    try:
        rep.bytes = path.stat().st_size
        if rep.bytes == 0:
            rep.status, rep.message = "skipped", "empty file / 空文件"
            return rep, examples
        enc = "binary"
        if path.suffix.lower() in CONVERT:  # zip or OLE containers: never text
            rep.status, rep.message = "skipped", _binary_message(path)
            return rep, examples
        if fmt == "excel" and not _has_fastexcel():
            rep.status, rep.message = (
                "skipped",
                (
                    "Excel workbook: needs fastexcel (pip install 'tianping[privacy]') or an "
                    "export as CSV / 读取 Excel 需安装 fastexcel，或导出为 CSV"
                ),
            )
            return rep, examples
        if fmt == "image" and not opts.ocr:
            rep.status, rep.message = "skipped", _IMAGE_ADVICE
            return rep, examples
        binary = fmt in ("parquet", "excel", "image", *OFFICE_TEXT_SUFFIXES.values())
        inner = inner_path(path)  # an OLE .msg and a TNEF winmail.dat: not text mail
        binary = binary or inner.suffix.lower() == ".msg" or is_tnef_file(inner)
        if binary and compression_of(path):
            rep.status, rep.message = (
                "skipped",
                f"a compressed {fmt} file: decompress it first (Parquet compresses inside) / "
                "请先解压",
            )
            return rep, examples
        if not binary:
            with open_binary(path) as fh:
                head = fh.read(_SNIFF)
            sniffed = sniff_encoding(head)
            if sniffed is None:
                rep.status, rep.message = "skipped", _binary_message(path)
                return rep, examples
            enc = sniffed
            rep.encoding = enc
        batches = _READERS[fmt](path, enc, opts, rep)
        if on_bytes is not None:
            batches = _reporting(batches, rep, on_bytes)
        if threads > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=threads) as pool:
                _scan_batches(batches, rep, examples, opts, pool, 2 * threads)
        else:
            _scan_batches(batches, rep, examples, opts)
        _record_objects(rep, examples, opts)
    except Exception as exc:  # one bad file must not stop the run
        rep.status = "error"
        rep.message = _safe_message(exc)
    finally:
        if on_bytes is not None and rep.bytes > rep._sent:
            on_bytes(rep.bytes - rep._sent)  # the rest: skipped, failed, or read ahead
            rep._sent = rep.bytes
    return rep, examples


NAME_COLUMN = "<file name>"


def _record_name(rep: FileReport, examples: list[Finding], opts: ScanOptions) -> None:
    """PI in the file's own name (`韩梅梅_11010519491231002X.jpg`), whatever became of its
    content: findings of the column `<file name>`, row 0, masked as any are. What detection
    finds (`_` read as a space), and bare names where the path names a personal document
    or the name holds a value (confidence 0.6: the path is their only context)."""
    from tianping.privacy._detect import mask_preview

    name = re.split(r"[/\\!]", rep.path)[-1]
    found = [
        (0, a, b, t, c, mask_preview(name[a:b], t))
        for a, b, t, c in name_findings(rep.path, opts.min_confidence, opts.types)
    ]
    _add_findings(rep, examples, NAME_COLUMN, 1, found, opts)


def _record_metadata(rep: FileReport, examples: list[Finding], opts: ScanOptions) -> None:
    """An image's EXIF and XMP (no pixels decoded, so also when it is skipped for want of
    `--ocr`): its GPS position and the names and numbers in its text fields (`metadata`)."""
    from PIL import Image

    from tianping.privacy._detect import detect_text, mask_preview
    from tianping.privacy._exif import gps_position, gps_preview, metadata_lines

    try:
        with Image.open(rep.path) as img:
            lines, where = metadata_lines(img), gps_position(img)
    except IMAGE_ERRORS:
        return  # not an image Pillow reads: OCR's reading or the skip says enough
    found = [
        (
            row,
            m.start,
            m.end,
            m.pi_type,
            m.confidence,
            mask_preview(line[m.start : m.end], m.pi_type),
        )
        for row, line in enumerate(lines, start=1)
        for m in detect_text(line, min_confidence=opts.min_confidence)
        if _wants(opts, m.pi_type)
    ]
    if where is not None and _wants(opts, "gps_location"):
        found.append((1, 0, 0, "gps_location", 0.8, gps_preview(*where)))
    _add_findings(rep, examples, "metadata", len(lines), found, opts)


def _add_findings(
    rep: FileReport,
    examples: list[Finding],
    column: str,
    scanned: int,
    found: list[tuple[int, int, int, str, float, str]],
    opts: ScanOptions,
    always: bool = False,
) -> None:
    """Findings made outside the batch pipeline, (row, start, end, type, confidence,
    masked preview) each: counted in the file's totals and in a column of their own (made
    without findings too, with `always`), the first few of each type kept as examples."""
    from tianping.privacy._types import PI_TYPES

    if not found and not always:
        return
    cr = ColumnReport(column=column, values_scanned=max(scanned, 1))
    kept: Counter[str] = Counter()
    for row, start, end, kind, confidence, shown in sorted(found):
        info = PI_TYPES.get(kind)
        sensitive = info is not None and info.art28 is not None
        cr.types[kind] = cr.types.get(kind, 0) + 1
        rep.counts[kind] = rep.counts.get(kind, 0) + 1
        rep.sensitive += int(sensitive)
        kept[kind] += 1
        if kept[kind] <= opts.max_examples:
            finding = Finding(
                file=rep.path, row=row, column=column, start=start, end=end, pi_type=kind,
                pipl_class="sensitive" if sensitive else "general",
                category=(info.art28 or "") if info else "", confidence=confidence,
                preview=shown,
            )  # fmt: skip
            examples.append(finding)
    if found:
        cr.values_with_pi = len({row for row, *_ in found})
        top, n = max(cr.types.items(), key=lambda kv: kv[1])
        cr.label = top if n >= 0.5 * cr.values_scanned else None
    rep.columns.append(cr)


def name_findings(
    path: str, min_confidence: float = DEFAULT_MIN_CONFIDENCE, types: frozenset[str] | None = None
) -> list[tuple[int, int, str, float]]:
    """(start, end, PI type, confidence) of the PI in the last part of `path` (a file's
    or an archive member's name), as `_record_name` reports it."""
    from tianping.privacy._detect import detect_text

    name = re.split(r"[/\\!]", path)[-1]
    if not name or _PLAIN_NAME.fullmatch(name):
        return []
    found = [
        (m.start, m.end, m.pi_type, m.confidence)
        for m in detect_text(name.replace("_", " "), min_confidence=min_confidence)
    ]
    if found or names_a_person(path):
        taken = [(a, b) for a, b, _, _ in found]
        found += [
            (a, b, kind, 0.6)
            for a, b, kind in bare_name_spans(name)
            if min_confidence <= 0.6 and not any(a < y and x < b for x, y in taken)
        ]
    return sorted(f for f in found if types is None or f[2] in types)


_PLAIN_NAME = re.compile(r"[A-Za-z_.\- ]*(?:\d{1,5}[A-Za-z_.\- ]+)*\d{0,5}")


def _reporting(
    batches: Iterator[Batch], rep: FileReport, on_bytes: Callable[[int], None]
) -> Iterator[Batch]:
    """`batches`, telling `on_bytes` how far the reader got each time one is taken."""
    for batch in batches:
        now = min(rep._read, rep.bytes)
        if now > rep._sent:
            on_bytes(now - rep._sent)
            rep._sent = now
        yield batch


def _detect_column(col: str | None, s: pl.Series, opts: ScanOptions) -> pl.DataFrame:
    hdr = detect_by_header(col, s) if col else None
    if _kernel.wanted(None) and (hdr is None or not hdr.height):
        # the kernel's type codes come along: a scan counts types by them (`_type_counts`)
        return _kernel.scan_series(
            s, min_confidence=opts.min_confidence, today=dt.date.today(), types=opts.types,
            codes=True,
        )  # fmt: skip
    df = detect_batch(s, min_confidence=opts.min_confidence, types=opts.types, previews=False)
    if hdr is not None and hdr.height:
        df = pl.concat([df, hdr], how="vertical_relaxed") if df.height else hdr
    return df


def _type_counts(df: pl.DataFrame) -> list[tuple[str, int]]:
    """Findings per PI type, types in the order they first occur (so a tie between two
    types gives the same column label on every run)."""
    if "type_code" not in df.columns:
        by_type = df.group_by("pi_type", maintain_order=True).len()
        return list(zip(by_type["pi_type"], by_type["len"], strict=True))
    import numpy as np

    codes = df["type_code"].to_numpy()
    counts = np.bincount(codes)
    present = np.flatnonzero(counts)
    first = [int(np.argmax(codes == c)) for c in present]  # a byte compare per type
    names = _kernel.type_names()
    return [(names[c], int(counts[c])) for _, c in sorted(zip(first, present, strict=True))]


def _scan_batches(
    batches: Iterator[Batch],
    rep: FileReport,
    examples: list[Finding],
    opts: ScanOptions,
    pool: Executor | None = None,
    in_flight: int = 1,
) -> None:
    cols: dict[str | None, ColumnReport] = {}
    kept: Counter[tuple[str | None, str]] = Counter()
    counts: Counter[str] = Counter()
    candidates: set[str | None] | None = None  # columns-only: columns confirmed after sampling
    seen_rows = 0
    # detections under way on the pool, finished in submission order (reports stay stable)
    pending: deque[tuple[Future[pl.DataFrame], str | None, pl.Series, int, list[int] | None, int]]
    pending = deque()

    def scan(col: str | None, s: pl.Series, row0: int, locs: list[int] | None, skip: int) -> None:
        if pool is None:
            record(_detect_column(col, s, opts), col, s, row0, locs, skip)
            return
        pending.append((pool.submit(_detect_column, col, s, opts), col, s, row0, locs, skip))
        while len(pending) > in_flight:
            drain_one()

    def drain_one() -> None:
        fut, col, s, row0, locs, skip = pending.popleft()
        record(fut.result(), col, s, row0, locs, skip)

    def record(
        df: pl.DataFrame,
        col: str | None,
        s: pl.Series,
        row0: int,
        locs: list[int] | None,
        skip: int,
    ) -> None:
        cr = cols.setdefault(col, ColumnReport(column=col or ""))
        cr.values_scanned += int(s.len() - s.null_count())
        if not df.height:
            return
        cr.values_with_pi += int(df["row"].n_unique())
        by_type = _type_counts(df)
        for t, c in by_type:
            cr.types[t] = cr.types.get(t, 0) + int(c)
            counts[t] += int(c)
        rep.sensitive += int((df["pipl_class"] != "general").sum())
        rep.minors += int((df["pipl_class"] == "minor").sum())
        # examples come from the first findings of each type: once every type of this
        # batch has its share, the batch has none to give
        need = [t for t, _ in by_type if kept[(col, t)] < opts.max_examples]
        if need:
            if len(need) < len(by_type):
                df = df.filter(pl.col("pi_type").is_in(need))
            _keep_examples(df, s, col, row0, locs, skip, rep, examples, kept, opts)

    if opts.max_rows is not None:
        batches = _at_most(batches, opts.max_rows, rep)
    for row0, data, locs in batches:
        n_rows = max((x.len() for x in data.values()), default=0)
        if opts.columns_only and candidates is None:
            k = max(0, opts.sample_rows - seen_rows)
            for col, series in data.items():
                scan(col, series.head(k), row0, locs, 0)
            seen_rows += min(k, n_rows)
            if seen_rows >= opts.sample_rows:
                while pending:  # the sample decides which columns go on
                    drain_one()
                candidates = {c for c, r in cols.items() if r.values_with_pi}
                for c, r in cols.items():
                    r.confirmed = c in candidates
                for col, series in data.items():
                    if col in candidates and series.len() > k:
                        scan(col, series.slice(k), row0, locs, k)
            continue
        for col, series in data.items():
            if candidates is None or col in candidates:
                scan(col, series, row0, locs, 0)
        seen_rows += n_rows
    while pending:
        drain_one()
    for cr in cols.values():
        if cr.types and cr.values_scanned:
            top, n = max(cr.types.items(), key=lambda kv: kv[1])
            cr.label = top if n >= 0.5 * cr.values_scanned else None
    personal = names_a_person(rep.path)  # 员工档案.xlsx: a sheet named 张伟 is a person
    for cr in cols.values():  # a column name is shown as it is, unless it holds PI
        cr.column = shown_column(cr.column, personal)
    for ex in examples:
        if ex.column is not None and ex.file == rep.path:
            ex.column = shown_column(ex.column, personal)
    rep.columns = list(cols.values())
    rep.counts = dict(counts)


def shown_column(name: str, personal: bool = False) -> str:
    """A column name as reports show it: masked where it holds PI (a Parquet file written
    from a CSV whose first row was data, a database column named after a person's e-mail);
    headers and keys that are data are read as such before this (`header_holds_pi`,
    `_key_holds_pi`). `personal`: the file is a person's (`names_a_person`), so bare
    names in it (a sheet named 张伟) are masked too."""
    if personal and name:
        name = bare_names(name)
    if not name or _PLAIN_KEY.fullmatch(name) or not _key_holds_pi(name):
        return name
    return masked(name)


def _at_most(batches: Iterator[Batch], limit: int, rep: FileReport) -> Iterator[Batch]:
    """The first `limit` rows of `batches`; the reader is closed after them and the report
    marked partial (when there were more)."""
    seen = 0
    for row0, data, locs in batches:
        n = max((x.len() for x in data.values()), default=0)
        if seen + n <= limit:
            yield row0, data, locs
            seen += n
            continue
        keep = limit - seen
        if keep > 0:
            data = {c: s.head(keep) for c, s in data.items()}
            yield row0, data, None if locs is None else locs[:keep] + locs[n : n + keep]
        close = getattr(batches, "close", None)
        if close is not None:  # the reader's own clean-up (and row count) first
            close()
        rep.partial = True
        rep.rows = limit
        return
    rep.rows = min(rep.rows, limit) if rep.rows else seen


def _keep_examples(
    df: pl.DataFrame,
    s: pl.Series,
    col: str | None,
    row0: int,
    locs: list[int] | None,
    skip: int,
    rep: FileReport,
    examples: list[Finding],
    kept: Counter[tuple[str | None, str]],
    opts: ScanOptions,
) -> None:
    if opts.max_examples <= 0:
        return
    head = df.filter(pl.int_range(pl.len()).over("pi_type") < opts.max_examples)
    values = s.gather(head["row"]).to_list()
    half = len(locs) // 2 if locs is not None else 0
    for rec, text in zip(head.iter_rows(named=True), values, strict=True):
        key = (col, rec["pi_type"])
        if kept[key] >= opts.max_examples or text is None:
            continue
        kept[key] += 1
        r = int(rec["row"]) + skip
        if locs is None:
            row, extra = row0 + r + 1, 0
        else:
            row, extra = locs[r], locs[half + r]
        raw = text[rec["start"] : rec["end"]]
        examples.append(
            Finding(
                file=rep.path,
                row=row,
                column=col,
                start=extra + int(rec["start"]),
                end=extra + int(rec["end"]),
                pi_type=rec["pi_type"],
                pipl_class=rec["pipl_class"],
                category=rec["category"],
                confidence=float(rec["confidence"]),
                preview=mask_preview(raw, rec["pi_type"]),
            )
        )


def _scan_attachments(
    path: Path, opts: ScanOptions, threads: int
) -> list[tuple[FileReport, list[Finding]]]:
    """Each attachment of a mail or PDF file scanned as the file it is
    (`a.eml!报销单.xlsx`, `contract.pdf!名单.csv`)."""
    from tianping.privacy._archive import rename_reports
    from tianping.privacy._mail import attachments
    from tianping.privacy._office import pdf_attachments

    pdf = path.suffix.lower() == ".pdf"
    out: list[tuple[FileReport, list[Finding]]] = []
    try:
        for name, extracted in pdf_attachments(path) if pdf else attachments(path):
            for rep, examples in scan_one(extracted, opts, threads):
                inner = rep.path[len(str(extracted)) :]
                rename_reports([(rep, examples)], f"{path}!{name}{inner}")
                out.append((rep, examples))
    except InputError as exc:
        out.append((FileReport(path=str(path), format="pdf" if pdf else "mail",
                               status="error", message=exc.message), []))  # fmt: skip
    return out


def scan_one(
    path: Path,
    opts: ScanOptions,
    threads: int = 1,
    on_bytes: Callable[[int], None] | None = None,
) -> list[tuple[FileReport, list[Finding]]]:
    """`scan_file`, or for a zip archive one report per member (`a.zip!b/c.csv`); an office
    package's embedded files (a chart's workbook, an inserted document) are scanned as
    members of it too (`a.docx!word/embeddings/Sheet1.xlsx`)."""
    from tianping.privacy._archive import is_archive, scan_archive

    if path.suffix.lower() in PACKAGES:
        results = [scan_file(path, opts, threads, on_bytes)]
        if results[0][0].status == "ok":
            results += scan_archive(path, opts, threads, scan_one, FileReport, embedded=True)
        return results
    if path.suffix.lower() in (*MAIL_SUFFIXES, ".pdf") or is_tnef_file(path):
        results = [scan_file(path, opts, threads, on_bytes)]
        if results[0][0].status == "ok":
            results += _scan_attachments(path, opts, threads)
        return results
    if not is_archive(path):
        return [scan_file(path, opts, threads, on_bytes)]
    results = scan_archive(path, opts, threads, scan_one, FileReport)
    if on_bytes is not None:
        on_bytes(path.stat().st_size)
    return results


def scan_paths(
    paths: Iterable[str | Path],
    opts: ScanOptions | None = None,
    progress: Callable[[FileReport], None] | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> ScanReport:
    """Scan files and folders.

    `opts.workers` > 1 spreads several files over threads (compiled kernel) or processes
    (polars engine), or the batches of a single file over threads. `progress(report)` is
    called as each file ends; `on_bytes(n)` as n more bytes are done (batch by batch, or
    file by file from worker processes), adding up to the files' total size.
    """
    opts = opts or ScanOptions()
    files = list(iter_files(paths, opts.include_hidden))
    report = ScanReport()
    t0 = time.perf_counter()
    if opts.workers > 1 and len(files) > 1 and _kernel.wanted(None):
        # the compiled kernel releases the GIL: threads, no process start-up or pickling
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=opts.workers) as threads:
            jobs = [threads.submit(scan_one, f, opts, 1, on_bytes) for f in files]
            for rep, ex in (one for job in jobs for one in job.result()):
                report.add(rep, ex)
                if progress:
                    progress(rep)
    elif opts.workers > 1 and len(files) > 1:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        old = os.environ.get("POLARS_MAX_THREADS")
        os.environ["POLARS_MAX_THREADS"] = "1"  # one core per worker process
        try:
            ctx = mp.get_context("spawn")
            with ProcessPoolExecutor(max_workers=opts.workers, mp_context=ctx) as pool:
                for f, results in zip(files, pool.map(scan_one, files, [opts] * len(files)),
                                      strict=True):  # fmt: skip
                    for rep, ex in results:
                        report.add(rep, ex)
                        if progress:
                            progress(rep)
                    if on_bytes:
                        on_bytes(f.stat().st_size)
        finally:
            if old is None:
                os.environ.pop("POLARS_MAX_THREADS", None)
            else:
                os.environ["POLARS_MAX_THREADS"] = old
    else:
        for f in files:
            for rep, ex in scan_one(f, opts, threads=opts.workers, on_bytes=on_bytes):
                report.add(rep, ex)
                if progress:
                    progress(rep)
    report.seconds = time.perf_counter() - t0
    return report
