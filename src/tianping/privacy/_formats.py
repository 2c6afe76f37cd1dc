"""Office formats that hold PI: which ones scans read, and what to say about the others.

Shared by the scanner and de-identification, without the import cost of either."""

from __future__ import annotations

# workbooks read by calamine (the fastexcel package) when scanning; a WPS spreadsheet
# (.et) is Excel's 97-2003 format in an OLE file, which calamine knows by its content
EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".et"})

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
    ".dps": ("WPS presentation", "WPS 演示"),
    ".pages": ("Apple Pages document", "Apple Pages 文稿"),
    ".numbers": ("Apple Numbers spreadsheet", "Apple Numbers 表格"),
}

# scanned; de-identification rewrites only the OOXML and OpenDocument ones (`_deid.py`)
OFFICE_SUFFIXES = EXCEL_SUFFIXES | frozenset(CONVERT) | frozenset(OFFICE_TEXT_SUFFIXES)
