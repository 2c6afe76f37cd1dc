"""Office formats that hold PI: which ones scans read, and what to say about the others.

Shared by the scanner and de-identification, without the import cost of either."""

from __future__ import annotations

# workbooks read by calamine (the fastexcel package) when scanning
EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"})

# documents whose text scans read (`_office.py`; 97-2003 and WPS files: `_legacy.py`)
OFFICE_TEXT_SUFFIXES = {
    ".docx": "docx", ".pptx": "pptx", ".odt": "odt", ".pdf": "pdf", ".doc": "doc",
    ".wps": "doc", ".ppt": "ppt",
}  # fmt: skip

# e-mail: saved messages, mailbox exports (`_mail.py`) and Outlook messages (`_outlook.py`),
# attachments read as files
MAIL_SUFFIXES = frozenset({".eml", ".mbox", ".msg"})

# images: their text is read by OCR when a scan asks for it (`_ocr.py`, `--ocr`)
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".gif"})

# other office files: never read as text; the scan says what to export them as
CONVERT: dict[str, tuple[str, str]] = {
    ".et": ("WPS spreadsheet", "WPS 表格"),
}

# scanned; de-identification rewrites only the OOXML and OpenDocument ones (`_deid.py`)
OFFICE_SUFFIXES = EXCEL_SUFFIXES | frozenset(CONVERT) | frozenset(OFFICE_TEXT_SUFFIXES)
