"""PIPIA draft: Art. 55 triggers from the profile and scan findings, Art. 56 sections."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from tianping.checks._attestations import load_attestations
from tianping.privacy._inventory import build_inventory
from tianping.privacy._pipia import draft_pipia, render_markdown
from tianping.systems import SystemProfile, load_profile

REPO = Path(__file__).resolve().parents[2]
AS_OF = dt.date(2026, 6, 1)


def profile(**data: Any) -> SystemProfile:
    services = data.pop("services", [])
    return SystemProfile.model_validate(
        {
            "id": "p",
            "name": "p",
            "description": "demo",
            "provider": {"name": "P"},
            "services": services,
            "data": {"personal_information": True, **data},
        }
    )


def fired(draft: Any) -> set[str]:
    return {t.key for t in draft.triggers if t.fired}


def test_no_trigger_no_pipia() -> None:
    d = draft_pipia(profile(pi_categories=["contact"]), as_of=AS_OF)
    assert not d.required and fired(d) == set()


def test_each_trigger() -> None:
    assert fired(draft_pipia(profile(sensitive_categories=["medical_health"]), as_of=AS_OF)) == {
        "sensitive_pi"
    }
    assert fired(draft_pipia(profile(minors_under_14=True), as_of=AS_OF)) == {"sensitive_pi"}
    assert fired(draft_pipia(profile(services=["automated_decision"]), as_of=AS_OF)) == {
        "automated_decision"
    }
    assert fired(draft_pipia(profile(entrusted_processing=True), as_of=AS_OF)) == {
        "entrust_provide_disclose"
    }
    xb = [{"destination": "SG", "individuals": 10}]
    assert fired(draft_pipia(profile(cross_border=xb), as_of=AS_OF)) == {"cross_border"}
    five = draft_pipia(profile(public_place_capture=True), as_of=AS_OF)
    assert fired(five) == {"significant_impact"}
    assert five.triggers[4].confidence == "unverified"


def test_scan_findings_fire_sensitive_trigger_and_flag_undeclared() -> None:
    findings = [
        {"pi_type": "cn_resident_id", "file": "data/users.csv", "column": "id", "count": 12},
        {"pi_type": "bank_card", "file": "data/pay.csv", "column": "card"},
        {"pi_type": "email", "file": "data/users.csv", "column": "mail", "count": 4},
    ]
    p = profile(sensitive_categories=["financial_account"], pi_categories=["identity"])
    inv = build_inventory(p, findings)
    status = {i.category: i.status for i in inv.items}
    assert status == {
        "specific_identity": "found_undeclared",
        "financial_account": "declared_and_found",
    }
    assert inv.general_findings == {"email": 4}
    d = draft_pipia(p, findings=findings, as_of=AS_OF)
    assert "sensitive_pi" in fired(d)
    proc = next(s for s in d.sections if s.id == "processing")
    assert proc.status == "needs_input"
    assert any("specific_identity" in m.en for m in proc.missing)


def test_credit_scoring_example_draft() -> None:
    base = REPO / "examples" / "credit-scoring"
    p = load_profile(base / "tianping.yaml")
    att = dict(load_attestations(base / "attestations.yaml").answers)
    d = draft_pipia(p, attestations=att, as_of=AS_OF)
    assert d.required and {"sensitive_pi", "automated_decision", "cross_border"} <= fired(d)
    ids = [s.id for s in d.sections]
    assert ids[:5] == ["overview", "processing", "legality_necessity", "impact_risk", "measures"]
    assert "cross_border" in ids and ids[-2:] == ["retention", "sign_off"]
    # The example leaves the legal-basis register and cross-border consent unanswered.
    missing = {s.id for s in d.missing_sections}
    assert {"legality_necessity", "cross_border"} <= missing
    assert d.crossborder is not None
    assert d.crossborder.route == "standard_contract_or_certification"
    en, zh = render_markdown(d, "en"), render_markdown(d, "zh")
    assert "PIPL Art. 55 triggers" in en and "第五十五条触发事项" in zh
    assert "Art. 56(3)" in en and "待补充" in zh
    assert "until 2029" in en
    assert en.count("\n## ") == len(d.sections) + 1


def test_every_category_code_has_a_chinese_name() -> None:
    from typing import get_args

    from tianping.privacy._pipia import _ZH_CATEGORY, _zh_list
    from tianping.systems._profile import PICategory, SensitiveCategory

    codes = set(get_args(PICategory)) | set(get_args(SensitiveCategory))
    assert codes <= set(_ZH_CATEGORY)
    assert _zh_list(["financial_account", "x"]) == "金融账户（financial_account）、x"
