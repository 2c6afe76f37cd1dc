"""Office formats that hold PI: which ones scans read, and what to say about the others.

Shared by the scanner and de-identification, without the import cost of either."""

from __future__ import annotations

# the same formats under other names (macro-enabled files, templates, slide shows, WPS
# files in Microsoft's formats): each is read and rewritten as the format it is, and keeps
# its own name and flavour (a .docm keeps its macros, a .pps stays a slide show)
TWINS = {
    ".docm": ".docx", ".dotx": ".docx", ".dotm": ".docx", ".pptm": ".pptx", ".ppsx": ".pptx",
    ".ppsm": ".pptx", ".potx": ".pptx", ".potm": ".pptx", ".xltx": ".xlsx", ".xltm": ".xlsm",
    ".ott": ".odt", ".ots": ".ods", ".dot": ".doc", ".wps": ".doc", ".pps": ".ppt",
    ".pot": ".ppt", ".xlt": ".xls", ".et": ".xls", ".dps": ".ppt",
}  # fmt: skip


def format_suffix(suffix: str) -> str:
    """The suffix of the format a file of `suffix` is in: `.docm` → `.docx`, `.pps` → `.ppt`."""
    suffix = suffix.lower()
    return TWINS.get(suffix, suffix)


# workbooks read by calamine (the fastexcel package) when scanning; a WPS spreadsheet
# (.et) is Excel's 97-2003 format in an OLE file, which calamine knows by its content
_EXCEL = frozenset({".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"})
EXCEL_SUFFIXES = _EXCEL | frozenset(t for t, f in TWINS.items() if f in _EXCEL)

# documents whose text scans read (`_office.py`; 97-2003 and WPS files: `_legacy.py`),
# each with the kind its reader takes
_TEXT = {
    ".docx": "docx", ".pptx": "pptx", ".odt": "odt", ".odp": "odp", ".pdf": "pdf",
    ".doc": "doc", ".ppt": "ppt", ".rtf": "rtf",
}  # fmt: skip
OFFICE_TEXT_SUFFIXES = _TEXT | {t: _TEXT[f] for t, f in TWINS.items() if f in _TEXT}

# zip packages whose parts de-identification edits in place (`_office_deid.py`,
# `_odf_deid.py`), with the kind of each; their embedded packages are scanned as members
_PACKAGES = {
    ".docx": "docx", ".pptx": "pptx", ".xlsx": "xlsx", ".xlsm": "xlsx", ".odt": "odt",
    ".ods": "ods", ".odp": "odp",
}  # fmt: skip
PACKAGES = _PACKAGES | {t: _PACKAGES[f] for t, f in TWINS.items() if f in _PACKAGES}

# e-mail: saved messages, mailbox exports (`_mail.py`) and Outlook messages (`_outlook.py`),
# attachments read as files
MAIL_SUFFIXES = frozenset({".eml", ".mbox", ".msg"})

# images: their text is read by OCR when a scan asks for it (`_ocr.py`, `--ocr`)
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".gif"})
# what Pillow raises on a damaged image: a broken PNG chunk is a SyntaxError, a truncated
# one an EOFError (found by fuzzing TNEF attachments, which hold pictures)
IMAGE_ERRORS: tuple[type[Exception], ...] = (OSError, ValueError, SyntaxError, EOFError)

# other office files: never read as text; the scan says what to export them as
CONVERT: dict[str, tuple[str, str]] = {
    ".pages": ("Apple Pages document", "Apple Pages 文稿"),
    ".numbers": ("Apple Numbers spreadsheet", "Apple Numbers 表格"),
}

# scanned; de-identification rewrites only the OOXML and OpenDocument ones (`_deid.py`)
OFFICE_SUFFIXES = EXCEL_SUFFIXES | frozenset(CONVERT) | frozenset(OFFICE_TEXT_SUFFIXES)
