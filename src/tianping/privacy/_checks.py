"""Checks of the privacy domain, loaded through the `tianping.checks` entry point.

Keep this module light: heavy dependencies are imported inside `run`.
"""

from tianping.privacy import _checks_pipl, _checks_scan

__all__ = ["_checks_pipl", "_checks_scan"]
