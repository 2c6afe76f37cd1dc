"""Renderers of the assessment report: terminal, JSON (with its schema), self-contained HTML."""

from tianping.reports._html import render_html
from tianping.reports._json import render_json, report_schema
from tianping.reports._text import render_text

__all__ = [
    "render_html",
    "render_json",
    "render_text",
    "report_schema",
]
