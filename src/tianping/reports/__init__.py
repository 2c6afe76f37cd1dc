"""Renderers of the assessment report: terminal summary and self-contained HTML."""

from tianping.reports._html import render_html
from tianping.reports._text import render_text

__all__ = [
    "render_html",
    "render_text",
]
