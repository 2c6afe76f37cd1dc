from __future__ import annotations

import pytest

from tianping.assess import decide_status
from tianping.assess._models import EvidenceRef
from tianping.checks import Verdict
from tianping.i18n import I18nText

A, D = "process.attestation", "data.profile"


def ref(check: str, verdict: Verdict) -> EvidenceRef:
    return EvidenceRef(
        task_key="k", check_id=check, verdict=verdict, message=I18nText(zh="x", en="x")
    )


@pytest.mark.parametrize(
    ("refs", "status"),
    [
        ([], "needs_attestation"),
        ([(A, Verdict.PASS), (D, Verdict.PASS)], "met"),
        ([(A, Verdict.SKIPPED), (D, Verdict.PASS)], "needs_attestation"),
        ([(A, Verdict.FAIL)], "gap"),
        ([(A, Verdict.FAIL), (D, Verdict.PASS)], "partial"),
        ([(A, Verdict.WARN)], "partial"),
        ([(D, Verdict.SKIPPED), (A, Verdict.SKIPPED)], "gap"),
        ([(D, Verdict.SKIPPED), (A, Verdict.PASS)], "partial"),
        ([(A, Verdict.PASS), (D, Verdict.ERROR)], "error"),
        ([(A, Verdict.NOT_APPLICABLE)], "not_applicable"),
        ([(A, Verdict.NOT_APPLICABLE), (D, Verdict.PASS)], "met"),
    ],
)
def test_status_rules(refs: list[tuple[str, Verdict]], status: str) -> None:
    assert decide_status([ref(c, v) for c, v in refs]) == status
