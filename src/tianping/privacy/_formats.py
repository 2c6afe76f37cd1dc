"""Office formats that hold PI: which ones scans read, and what to say about the others.

Shared by the scanner and de-identification, without the import cost of either."""

from __future__ import annotations

# workbooks read by calamine (the fastexcel package) when scanning
EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"})

# other office files: never read as text; the scan says what to export them as
CONVERT: dict[str, tuple[str, str]] = {
    ".et": ("WPS spreadsheet", "WPS 表格"),
    ".docx": ("Word document", "Word 文档"),
    ".doc": ("Word document", "Word 文档"),
    ".wps": ("WPS document", "WPS 文档"),
    ".pdf": ("PDF document", "PDF 文档"),
}

# neither is rewritten by de-identification
OFFICE_SUFFIXES = EXCEL_SUFFIXES | frozenset(CONVERT)
