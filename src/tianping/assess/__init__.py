"""The assessment: plan -> run -> findings -> report."""

from tianping.assess._findings import build_findings, decide_status
from tianping.assess._models import AssessmentReport, ObligationFinding
from tianping.assess._run import AssessOptions, load_system, run_assessment

__all__ = [
    "AssessOptions",
    "AssessmentReport",
    "ObligationFinding",
    "build_findings",
    "decide_status",
    "load_system",
    "run_assessment",
]
