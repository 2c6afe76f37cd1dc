"""A real AssessmentReport, built from the shipped rulebook, a real profile and real check runs.

Until the assessment engine exists this assembles the report itself: load a profile from the
annotated template (edited into a finance automated-decision system with personal
information), plan against the shipped rulebook, execute every planned check for real, and
derive findings from the verdicts.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

import pytest

from tianping.assess import AssessOptions, run_assessment
from tianping.assess._models import (
    AssessmentReport,
)
from tianping.store import open_store
from tianping.systems import profile_template

AS_OF = dt.date(2025, 6, 30)

_EDITS = [
    ("sectors: [other]", "sectors: [finance]"),
    ("services: []", "services: [automated_decision]"),
    ("public_facing: false", "public_facing: true"),
    ("  is_ciio: false", "  is_ciio: false\n  contact_email: compliance@example.com"),
    ("  personal_information: false", "  personal_information: true"),
    ("  pi_categories: []", "  pi_categories: [identity, contact, financial]"),
    ("  individuals: 0                ", "  individuals: 120000           "),
    ("    offered_to_public: false", "    offered_to_public: true"),
    (
        "models: []",
        "models:\n  - id: scorer\n    kind: sklearn\n    path: artefacts/model.joblib\n"
        "    task: classification",
    ),
    (
        "datasets: []",
        "datasets:\n  - id: applicants\n    path: data/applicants.csv\n"
        "    target: approved\n    sensitive_attributes: [sex, age]\n"
        "    bins: {age: [18, 30, 45, 60]}",
    ),
]


def finance_profile_text(name: str) -> str:
    text = profile_template("credit-scoring", name).replace(
        "name_en: " + name, "name_en: Retail credit scoring"
    )
    for old, new in _EDITS:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def write_dataset(path: Path) -> None:
    rng = random.Random(7)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["age", "sex", "income", "approved"])
        for i in range(400):
            sex = "F" if i % 2 else "M"
            age = rng.randint(18, 59) if i < 390 else rng.randint(61, 75)  # 10 rows over 60
            income = "" if i % 37 == 0 else str(rng.randint(3000, 40000))
            w.writerow([age, sex, income, int(rng.random() < 0.6)])


def write_attestations(base: Path) -> Path:
    (base / "docs").mkdir(parents=True, exist_ok=True)
    (base / "docs" / "pipia-2025.pdf").write_bytes(b"%PDF-1.4\n% PIPIA report\n")
    path = base / "attestations.yaml"
    path.write_text(
        "answers:\n"
        "  pipl-pipia-done:\n"
        "    answer: 'yes'\n"
        "    evidence: [docs/pipia-2025.pdf]\n"
        "    answered_by: DPO\n"
        "    date: 2025-03-01\n"
        "  pipl-adm-fairness-review:\n"
        "    answer: partial\n"
        "    evidence: [RISK-2025-014]\n"
        "    note: quarterly review started in Q2\n"
        "    answered_by: model risk officer\n"
        "  pipl-legal-basis-register:\n"
        "    answer: 'yes'\n"
        "    evidence: [docs/pipia-2025.pdf]\n"
        "    answered_by: DPO\n",
        encoding="utf-8",
    )
    return path


def build_report(base: Path, name: str = "零售信贷评分") -> AssessmentReport:
    """A real assessment: the engine plans, runs every check and stores the results."""
    write_dataset(base / "data" / "applicants.csv")
    write_attestations(base)
    (base / "tianping.yaml").write_text(finance_profile_text(name), encoding="utf-8")
    store = open_store(f"sqlite:///{base / 'tianping.db'}")
    try:
        return run_assessment(base, store, AssessOptions(as_of=AS_OF))
    finally:
        store.close()


def mark_unverified(report: AssessmentReport, obligation_id: str) -> AssessmentReport:
    """A copy of the report in which one obligation's fact is marked unverified."""
    return report.model_copy(
        update={
            "obligations": [
                o.model_copy(update={"confidence": "unverified"}) if o.id == obligation_id else o
                for o in report.obligations
            ]
        }
    )


@pytest.fixture(scope="session")
def report(tmp_path_factory: pytest.TempPathFactory) -> AssessmentReport:
    return build_report(tmp_path_factory.mktemp("assess"))


@pytest.fixture(scope="session")
def hostile_report(tmp_path_factory: pytest.TempPathFactory) -> AssessmentReport:
    return build_report(tmp_path_factory.mktemp("hostile"), name='<script>alert(1)</script> & "co"')
