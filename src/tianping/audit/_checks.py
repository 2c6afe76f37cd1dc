"""Checks of the audit domain, loaded through the `tianping.checks` entry point.

Keep these modules light: numpy, pandas, sklearn and matplotlib are imported inside `run`.
"""

from tianping.audit import _checks_core, _checks_mitigation, _checks_model

__all__ = ["_checks_core", "_checks_mitigation", "_checks_model"]
