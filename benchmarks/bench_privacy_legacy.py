"""Word 97-2003 (.doc) and RTF files: read natively (OLE streams; the RTF tokenizer), side
by side with what a user would otherwise do, convert them with LibreOffice and scan the
.docx; and RTF de-identified in place, side by side with the round trip through .docx.

Documents are written from the labelled zh/en corpus (python-docx, 60 records a document
as paragraphs), saved as .doc and as .rtf by LibreOffice, then scanned both ways on one
core: ours reads each file (`_legacy.py`, `_rtf.py`); the baseline converts the whole folder in one
`soffice --headless --convert-to docx` call (its start-up paid once) and scans the
results. The findings must be the same; time is the whole folder, best of the repeats.

    .venv/bin/python benchmarks/bench_privacy_legacy.py [--quick]

Needs LibreOffice (libreoffice-writer-nogui, Debian).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import _table

_row = _table.row


def _convert(soffice: str, files: list[Path], target: str, outdir: Path, profile: Path) -> None:
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to",
         target, "--outdir", str(outdir), *map(str, files)],
        capture_output=True, timeout=1800, check=True,
    )  # fmt: skip


def bench(quick: bool = False) -> list[dict[str, object]]:
    soffice = shutil.which("soffice")
    if soffice is None:
        return [_row(".doc scan", None, "files/s", note="LibreOffice is not installed")]
    import docx

    from tianping.privacy._corpus import generate

    n_docs = 10 if quick else 40
    records = list(generate(n_docs * 60, seed=11))
    with tempfile.TemporaryDirectory(prefix="tianping-bench-legacy-") as tmp:
        root = Path(tmp)
        (root / "docx").mkdir()
        sources = []
        for k in range(n_docs):
            doc = docx.Document()
            for r in records[k * 60 : (k + 1) * 60]:
                doc.add_paragraph(r.text)
            path = root / "docx" / f"d{k:03d}.docx"
            doc.save(str(path))
            sources.append(path)
        profile = root / "profile"
        rows = []
        for kind in ("doc", "rtf"):
            _convert(soffice, sources, kind, root / kind, profile)
            files = sorted((root / kind).glob(f"*.{kind}"))
            rows.append(_compare(soffice, kind, files, root, profile, 2 if quick else 3))
        rtf = sorted((root / "rtf").glob("*.rtf"))
        rows.append(_compare_deid(soffice, rtf, root, profile, 2 if quick else 3))
        return rows


def _compare(
    soffice: str, kind: str, files: list[Path], root: Path, profile: Path, repeats: int
) -> dict[str, object]:
    """`files` scanned as they are, and converted to .docx by LibreOffice then scanned."""
    from tianping.privacy._scan import scan_file

    size = sum(p.stat().st_size for p in files)
    ours, theirs = float("inf"), float("inf")
    ours_counts: dict[str, int] = {}
    their_counts: dict[str, int] = {}
    for i in range(repeats):
        t0 = time.perf_counter()
        ours_counts = {}
        for p in files:
            for t, c in scan_file(p)[0].counts.items():
                ours_counts[t] = ours_counts.get(t, 0) + c
        ours = min(ours, time.perf_counter() - t0)
        out = root / f"back-{kind}{i}"
        t0 = time.perf_counter()
        _convert(soffice, files, "docx", out, profile)
        their_counts = {}
        for p in sorted(out.glob("*.docx")):
            for t, c in scan_file(p)[0].counts.items():
                their_counts[t] = their_counts.get(t, 0) + c
        theirs = min(theirs, time.perf_counter() - t0)
    same = "same findings" if ours_counts == their_counts else "findings DIFFER"
    found = sum(ours_counts.values())
    n = len(files)
    return _row(
        f".{kind} scan, {n} files ({size / 1e6:.1f} MB), files/s",
        n / ours, "files/s", "LibreOffice to .docx, then scan", n / theirs,
        f"{same} ({found} findings); one core", theirs / ours,
    )  # fmt: skip


def _compare_deid(
    soffice: str, files: list[Path], root: Path, profile: Path, repeats: int
) -> dict[str, object]:
    """RTF `files` de-identified in place (`_rtf_deid.py`), and the way it was done before:
    LibreOffice to .docx (one call for the folder), the .docx de-identified, LibreOffice
    back to .rtf (one call)."""
    from tianping.privacy._deid import deid_path
    from tianping.privacy._policy import parse_policy

    policy = parse_policy("types:\n  '*': {action: redact}\n")
    ours, theirs = float("inf"), float("inf")
    ours_n = their_n = 0
    for i in range(repeats):
        out = root / f"deid-rtf{i}"
        out.mkdir()
        t0 = time.perf_counter()
        ours_n = sum(
            sum(f.replaced.values())
            for p in files
            for f in deid_path(p, out / p.name, policy).files
        )
        ours = min(ours, time.perf_counter() - t0)
        via, clean, back = root / f"via{i}", root / f"clean{i}", root / f"back{i}"
        clean.mkdir()
        t0 = time.perf_counter()
        _convert(soffice, files, "docx", via, profile)
        their_n = sum(
            sum(f.replaced.values())
            for p in sorted(via.glob("*.docx"))
            for f in deid_path(p, clean / p.name, policy).files
        )
        _convert(soffice, sorted(clean.glob("*.docx")), "rtf", back, profile)
        theirs = min(theirs, time.perf_counter() - t0)
    n = len(files)
    return _row(
        f".rtf de-identification, {n} files, files/s",
        n / ours, "files/s", "LibreOffice to .docx, de-identify, back to .rtf", n / theirs,
        f"{ours_n} values replaced in place, {their_n} through .docx; only the PI bytes "
        "change in place, LibreOffice writes every file anew; one core", theirs / ours,
    )  # fmt: skip


if __name__ == "__main__":
    import sys

    print(_table.markdown_table(bench(quick="--quick" in sys.argv)))
