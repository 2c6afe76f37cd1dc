"""Zip archives: data is often delivered as `export.zip`. Each member is extracted to a
private temporary folder, one at a time, and scanned (or de-identified) as the file it is;
reports name it `export.zip!folder/member.csv`.

Members are never written outside that folder (names are not trusted: each goes under
its own numbered subfolder by its base name), an archive that would unpack past
`max_bytes` or a member that is encrypted is reported rather than read, and a zip inside
the zip is left for the user to extract.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from tianping.errors import InputError

__all__ = ["MAX_ARCHIVE_BYTES", "is_archive", "members", "rename_reports", "scan_archive"]

MAX_ARCHIVE_BYTES = 64 << 30  # what an archive may unpack to in all


def is_archive(path: Path) -> bool:
    return path.suffix.lower() == ".zip"


def _hidden(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return any((p.startswith(".") and p not in (".", "..")) or p == "__MACOSX" for p in parts)


def members(
    path: Path,
    include_hidden: bool = False,
    max_bytes: int | None = None,
    select: Callable[[str], str | None] | None = None,
) -> Iterator[tuple[str, Path | None, str | None]]:
    """(member name, its extracted path, None) for each file member, one at a time (the
    file is removed once the caller moves on), or (member name, None, why) for one that is
    not extracted. `select(name)`: for a package's embedded files, "" to extract a member,
    a reason to report it unread, None to pass over it. InputError for a file that is not
    a readable zip archive, or one that unpacks past `max_bytes`."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{path}: not a readable zip archive ({type(exc).__name__})") from None
    with zf, tempfile.TemporaryDirectory(prefix="tianping-zip-") as tmp:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        chosen = {} if select is None else {i.filename: select(i.filename) for i in infos}
        if select is not None:
            infos = [i for i in infos if chosen[i.filename] is not None]
        if not include_hidden:
            infos = [i for i in infos if not _hidden(i.filename)]
        total = sum(i.file_size for i in infos)
        max_bytes = MAX_ARCHIVE_BYTES if max_bytes is None else max_bytes
        if total > max_bytes:
            raise InputError(
                f"{path}: unpacks to {total:,} bytes, past {max_bytes:,}; extract it and scan "
                "the folder / 压缩包过大"
            )
        for k, info in enumerate(infos):
            name = info.filename
            if chosen.get(name):
                yield name, None, chosen[name]
                continue
            if info.flag_bits & 0x1:
                yield name, None, "an encrypted member: not read / 加密文件未读取"
                continue
            if select is None and is_archive(Path(name)):
                yield name, None, "a zip inside the zip: extract it and scan that / 嵌套压缩包"
                continue
            target = Path(tmp) / str(k) / (PurePosixPath(name).name or "member")
            target.parent.mkdir()
            try:
                with zf.open(info) as src, target.open("wb") as out:
                    shutil.copyfileobj(src, out, 1 << 20)
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
                why = f"cannot extract ({type(exc).__name__}) / 无法解压"
                yield name, None, why
                continue
            try:
                yield name, target, None
            finally:
                shutil.rmtree(target.parent, ignore_errors=True)


def rename_reports(results: list[tuple[Any, list[Any]]], shown: str) -> None:
    """Name a member's report and its examples by archive and member."""
    for rep, examples in results:
        rep.path = shown
        for ex in examples:
            ex.file = shown


def embedded_file(name: str, ocr: bool = False) -> str | None:
    """`members`' selection of an office package's embedded files: packages (a chart's
    workbook, an inserted document) are extracted and read; other objects are reported;
    with `ocr`, pictures (a pasted photo of an ID card) are read too."""
    from tianping.privacy._formats import IMAGE_SUFFIXES
    from tianping.privacy._office import EMBEDDED, MEDIA, embedded_kind

    if ocr and MEDIA.fullmatch(name) and PurePosixPath(name).suffix.lower() in IMAGE_SUFFIXES:
        return ""
    if not EMBEDDED.fullmatch(name):
        return None
    if embedded_kind(name) is not None:
        return ""
    return (
        "an embedded object in a format that is not read (an OLE object): open it in its "
        "program and save it as a file to scan / 嵌入对象格式无法读取，请另存为文件后扫描"
    )


def scan_archive(
    path: Path, opts: Any, threads: int, scan_file: Callable[..., Any],
    report_type: Any, embedded: bool = False,
) -> list[tuple[Any, list[Any]]]:  # fmt: skip
    """Each member's (FileReport, examples), scanned by `scan_file` (which may return one
    result or a list of them); the archive itself as one error report when it cannot be
    opened. `embedded`: the members are an office package's embedded files."""
    out: list[tuple[Any, list[Any]]] = []
    ocr = bool(getattr(opts, "ocr", False))
    select = (lambda name: embedded_file(name, ocr)) if embedded else None
    try:
        for name, extracted, why in members(path, opts.include_hidden, select=select):
            shown = f"{path}!{name}"
            if extracted is None:
                rep = report_type(path=shown, format="zip", status="skipped", message=why)
                out.append((rep, []))
                continue
            result = scan_file(extracted, opts, threads)
            for rep, examples in result if isinstance(result, list) else [result]:
                inner = rep.path[len(str(extracted)) :]  # a package's own embedded files
                rename_reports([(rep, examples)], shown + inner)
                out.append((rep, examples))
    except InputError as exc:
        out.append((report_type(path=str(path), format="zip", status="error",
                                message=exc.message), []))  # fmt: skip
    return out
