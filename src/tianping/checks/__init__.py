"""The check contract, the registry and entry-point discovery.

A check knows nothing about regulations: the rulebook maps obligations to checks and
thresholds. Outside packages add checks through the `tianping.checks` entry-point group.
"""

from tianping.checks._contract import (
    Check,
    CheckContext,
    CheckResult,
    EvidenceArtefact,
    ThresholdComparison,
    Verdict,
    compare,
    execute,
    file_artefact,
)
from tianping.checks._registry import ENTRY_POINT_GROUP, CheckRegistry, register, registry

__all__ = [
    "ENTRY_POINT_GROUP",
    "Check",
    "CheckContext",
    "CheckRegistry",
    "CheckResult",
    "EvidenceArtefact",
    "ThresholdComparison",
    "Verdict",
    "compare",
    "execute",
    "file_artefact",
    "register",
    "registry",
]
