"""De-identification of Word, PowerPoint and Excel 97-2003 files (.doc, .ppt, .xls), and of
WPS files saved in those formats (.wps, .et), through LibreOffice, where it is installed.

Their binary formats cannot be edited in place as OOXML can (text sits in pieces that
tables of offsets point into), so the file is converted to its OOXML twin by LibreOffice
(`soffice --headless --convert-to`), de-identified there in place (`_office_deid.py`, the
same rules, counts and warnings) and converted back to its own format. The result keeps
the format but not the bytes: LibreOffice writes the whole file anew, so layout details,
macros and some formatting can change, which the report says every time. A scan of the
result (`_legacy.py` for Word and PowerPoint, calamine for Excel) reports what is left.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from tianping.errors import InputError

if TYPE_CHECKING:
    from tianping.privacy._deid import Deidentifier

__all__ = ["LEGACY_KINDS", "deid_legacy"]

# a legacy suffix: its OOXML twin, and the LibreOffice filter that writes it back
LEGACY_KINDS = {
    ".doc": ("docx", "doc:MS Word 97"),
    ".ppt": ("pptx", "ppt:MS PowerPoint 97"),
    ".xls": ("xlsx", "xls:MS Excel 97"),
    ".wps": ("docx", "wps:MS Word 97"),  # WPS files in Word's and Excel's 97 formats,
    ".et": ("xlsx", "et:MS Excel 97"),  # which LibreOffice reads by content
    ".dps": ("pptx", "dps:MS PowerPoint 97"),
    # templates and slide shows: written back as what they were
    ".dot": ("docx", "dot:MS Word 97 Vorlage"),
    ".pot": ("pptx", "pot:MS PowerPoint 97 Vorlage"),
    ".pps": ("pptx", "pps:MS PowerPoint 97 AutoPlay"),
    ".xlt": ("xlsx", "xlt:MS Excel 97 Vorlage/Template"),
    ".rtf": ("docx", "rtf:Rich Text Format"),  # only RTF that wraps HTML (`_rtf_deid.py`)
}
_TIMEOUT = 300  # seconds a conversion may take


def soffice() -> str | None:
    """LibreOffice's command, if installed (`TIANPING_SOFFICE` names another)."""
    import os

    named = os.environ.get("TIANPING_SOFFICE")
    return shutil.which(named) if named else shutil.which("soffice")


def deid_legacy(src: Path, tmp: Path, deid: Deidentifier, kind: str) -> tuple[int, list[str]]:
    """`src` (`kind` doc, ppt or xls) de-identified into `tmp` in its own format; the
    records read and what could not be rewritten (as `deid_ooxml` names them)."""
    from tianping.privacy._office_deid import deid_ooxml

    suffix = f".{kind}"
    twin, back = LEGACY_KINDS[suffix]
    binary = soffice()
    if binary is None:
        raise InputError(
            f"{src}: de-identifying {suffix} files needs LibreOffice (apt-get install "
            "libreoffice-writer-nogui libreoffice-impress-nogui libreoffice-calc-nogui), or "
            f"save it as .{twin} / 旧版 Office 文件去标识化需安装 LibreOffice，或另存为 .{twin}"
        )
    with tempfile.TemporaryDirectory(prefix="tianping-legacy-") as work:
        folder = Path(work)
        inner = folder / f"in{suffix}"
        shutil.copyfile(src, inner)
        profile = folder / "profile"  # its own: no clash with a LibreOffice the user runs
        opened = _convert(binary, inner, twin, folder / "open", src, profile)
        clean = folder / "clean" / f"in.{twin}"
        clean.parent.mkdir()
        records, kept = deid_ooxml(opened, clean, deid, twin)
        written = _convert(binary, clean, back, folder / "back", src, profile)
        shutil.copyfile(written, tmp)
    return records, kept


def _convert(binary: str, path: Path, target: str, outdir: Path, src: Path, profile: Path) -> Path:
    """`path` converted by LibreOffice into `outdir` as `target` (suffix[:filter])."""
    outdir.mkdir(exist_ok=True)
    try:
        done = subprocess.run(
            [binary, f"-env:UserInstallation={profile.as_uri()}", "--headless",
             "--convert-to", target, "--outdir", str(outdir), str(path)],
            capture_output=True, timeout=_TIMEOUT, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise InputError(f"{src}: LibreOffice took over {_TIMEOUT} s to convert it") from None
    out = outdir / f"{path.stem}.{target.split(':')[0]}"
    if done.returncode != 0 or not out.exists():  # its output names paths, never content
        raise InputError(
            f"{src}: LibreOffice could not convert it (exit {done.returncode}); is it a "
            "readable file? / LibreOffice 无法转换该文件"
        )
    return out
