"""Scenario tests for the China data-protection and sector instruments (rulebook data).

Each scenario is a small system profile, the date it is judged on, the obligation ids that must
apply and those that must not, and the provision that justifies the expectation. Boundaries are
tested on both sides (99,999 / 100,000; 9,999 / 10,000; 999,999 / 1,000,000; 10,000,000 /
10,000,001; age 13 / 14; dates either side of an effective date).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ._profiles import shipped
from ._scenarios import (
    Scenario,
    assert_ids_known,
    check_scenario,
    merge,
    obligations_of,
)

# The instruments this suite covers (their files live in rules/data/instruments/cn/).
INSTRUMENTS = [
    "cn.pipl",
    "cn.pi-compliance-audit-measures",
    "cn.cross-border-data-provisions",
    "cn.standard-contract-measures",
    "cn.outbound-pi-certification-measures",
    "cn.data-export-security-assessment-measures",
    "cn.network-data-security-regulations",
    "cn.cybersecurity-incident-reporting-measures",
    "cn.data-security-law",
    "cn.jrt-0221-2021",
    "cn.jrt-0287-2023",
    "cn.nmpa-ai-medical-software-classification",
    "cn.gb-44495-2024",
    "cn.gb-44496-2024",
    "cn.gb-44497-2024",
]

XB_SA_CIIO = "cn.xb.art7-1-ciio-security-assessment"
XB_SA_IMPORTANT = "cn.xb.art7-2-important-data-security-assessment"
XB_SA_VOLUME = "cn.xb.art7-2-volume-security-assessment"
XB_SCC = "cn.xb.art8-standard-contract-or-certification"
XB_SMALL = "cn.xb.art5-4-small-volume-exemption"
XB_EXEMPT = "cn.xb.art3-6-exempt-scenario"
XB_SAM = "cn.xb-sam.declare-and-renew"
XB_SCC_FILING = "cn.xb-scc.art7-filing"
XB_CERT = "cn.xb-cert.scope-and-validity"
XB_ALL_ROUTES = [
    XB_SA_CIIO,
    XB_SA_IMPORTANT,
    XB_SA_VOLUME,
    XB_SCC,
    XB_SMALL,
    XB_SAM,
    XB_SCC_FILING,
    XB_CERT,
]
SA_ANY = [XB_SA_CIIO, XB_SA_IMPORTANT, XB_SA_VOLUME, XB_SAM]
JRT0221 = [
    "cn.jrt0221.s5-1-evaluation-framework",
    "cn.jrt0221.s6-1-objective-function",
    "cn.jrt0221.s6-2-attack-defence",
    "cn.jrt0221.s6-3-dependency-security",
    "cn.jrt0221.s6-4-traceability",
    "cn.jrt0221.s6-5-internal-control",
    "cn.jrt0221.s7-interpretability",
    "cn.jrt0221.s8-accuracy",
    "cn.jrt0221.s9-performance",
]
JRT0287 = ["cn.jrt0287.disclosure-content", "cn.jrt0287.disclosure-timing"]
GB_ALL = [
    "cn.gb44495.new-type-approval",
    "cn.gb44495.existing-type-approval",
    "cn.gb44496.software-update-management",
    "cn.gb44496.ota-update-safety",
    "cn.gb44497.dssad",
]
NMPA = ["cn.nmpa47.class-iii", "cn.nmpa47.class-ii", "cn.nmpa47.high-maturity-catalogue"]


BASE: dict[str, Any] = {
    "id": "scenario",
    "name": "Scenario system",
    "provider": {"name": "Example Co."},
    "lifecycle": "production",
    "public_facing": True,
    "deployments": [{"jurisdiction": "CN", "offered_to_public": True}],
    "data": {"personal_information": True, "pi_categories": ["identity"], "individuals": 5000},
}


def flow(
    individuals: int = 0, sensitive: int = 0, scenario: str = "ordinary", important: bool = False
) -> dict[str, Any]:
    return {
        "destination": "SG",
        "scenario": scenario,
        "individuals": individuals,
        "sensitive_individuals": sensitive,
        "important_data": important,
    }


def xb(*flows: dict[str, Any], ciio: bool = False) -> dict[str, Any]:
    return {"provider": {"is_ciio": ciio}, "data": {"cross_border": list(flows)}}


SCENARIOS = [
    # --- cross-border route (Cross-Border Data Provisions Arts. 5, 7, 8; PIPL Arts. 38-39) ---
    Scenario(
        "xb-99999-individuals",
        "XB Provisions Art. 5(4): < 100,000 by a non-CIIO is exempt",
        xb(flow(99_999)),
        must=[
            XB_SMALL,
            "cn.pipl.art38-transfer-mechanism",
            "cn.pipl.art39-xb-notice-consent",
            "cn.pipl.art55-pipia",
        ],
        must_not=[XB_SCC, XB_SA_VOLUME, XB_SAM, XB_SCC_FILING, XB_CERT],
    ),
    Scenario(
        "xb-100000-individuals",
        "XB Provisions Art. 8: 100,000 <= n < 1,000,000 -> SCC/cert",
        xb(flow(100_000)),
        must=[XB_SCC, XB_SCC_FILING, XB_CERT, "cn.pipl.art39-xb-notice-consent"],
        must_not=[XB_SMALL, XB_SA_VOLUME, XB_SAM],
    ),
    Scenario(
        "xb-999999-individuals",
        "XB Provisions Art. 8: 999,999 is still below 1,000,000",
        xb(flow(999_999)),
        must=[XB_SCC],
        must_not=[XB_SA_VOLUME, XB_SAM, XB_SMALL],
    ),
    Scenario(
        "xb-1000000-individuals",
        "XB Provisions Art. 7(2): >= 1,000,000 -> assessment",
        xb(flow(1_000_000)),
        must=[XB_SA_VOLUME, XB_SAM],
        must_not=[XB_SCC, XB_SCC_FILING, XB_CERT, XB_SMALL, XB_SA_CIIO],
    ),
    Scenario(
        "xb-1-sensitive",
        "XB Provisions Art. 8: 1 <= sensitive < 10,000 -> SCC/cert",
        xb(flow(0, sensitive=1)),
        must=[XB_SCC],
        must_not=[XB_SMALL, XB_SA_VOLUME],
    ),
    Scenario(
        "xb-9999-sensitive",
        "XB Provisions Art. 8: 9,999 sensitive is below 10,000",
        xb(flow(500, sensitive=9_999)),
        must=[XB_SCC, XB_SCC_FILING],
        must_not=[XB_SA_VOLUME, XB_SAM, XB_SMALL],
    ),
    Scenario(
        "xb-10000-sensitive",
        "XB Provisions Art. 7(2): >= 10,000 sensitive -> assessment",
        xb(flow(500, sensitive=10_000)),
        must=[XB_SA_VOLUME, XB_SAM],
        must_not=[XB_SCC, XB_SMALL],
    ),
    Scenario(
        "ciio-exports-1-individual",
        "XB Provisions Art. 7(1); PIPL Art. 40: a CIIO exporting any PI needs an assessment",
        xb(flow(1), ciio=True),
        must=[XB_SA_CIIO, XB_SAM, "cn.pipl.art40-localisation", "cn.incident.ciio-report-1h"],
        must_not=[XB_SMALL, XB_SCC, XB_SA_VOLUME, "cn.incident.operator-report-4h"],
    ),
    Scenario(
        "exempt-contract-necessity-2m",
        "XB Provisions Art. 5(1): contract necessity is "
        "exempt whatever the volume; PIPL Art. 39 still applies",
        xb(flow(2_000_000, scenario="contract_necessity")),
        must=[XB_EXEMPT, "cn.pipl.art38-transfer-mechanism", "cn.pipl.art39-xb-notice-consent"],
        must_not=[XB_SA_VOLUME, XB_SAM, XB_SCC, XB_SMALL],
    ),
    Scenario(
        "exempt-ciio-contract-necessity",
        "XB Provisions Art. 7: Arts. 3-6 prevail, even for a CIIO",
        xb(flow(50, scenario="contract_necessity"), ciio=True),
        must=[XB_EXEMPT, "cn.pipl.art40-localisation"],
        must_not=[XB_SA_CIIO, XB_SAM],
    ),
    Scenario(
        "exempt-plus-small-ordinary",
        "XB Provisions Arts. 5(1), 5(4): exempt flows do not count toward the thresholds",
        xb(flow(2_000_000, scenario="contract_necessity"), flow(50_000)),
        must=[XB_EXEMPT, XB_SMALL],
        must_not=[XB_SA_VOLUME, XB_SCC],
    ),
    Scenario(
        "two-ordinary-flows-sum",
        "XB Provisions Art. 8: volumes are cumulative (60,000 + 50,000 = 110,000)",
        xb(flow(60_000), flow(50_000)),
        must=[XB_SCC],
        must_not=[XB_SMALL, XB_SA_VOLUME],
    ),
    Scenario(
        "xb-important-data",
        "XB Provisions Art. 7(2): notified important data -> assessment",
        xb(flow(0, important=True)),
        must=[XB_SA_IMPORTANT, XB_SAM],
        must_not=[XB_SCC, XB_SMALL, XB_SA_VOLUME],
    ),
    Scenario(
        "trade-data-no-pi",
        "XB Provisions Art. 3: trade data without PI; PIPL Arts. 38-39 need PI",
        merge(xb(flow(0, scenario="trade_no_pi")), {"data": {"personal_information": False}}),
        must=[XB_EXEMPT],
        must_not=[
            "cn.pipl.art38-transfer-mechanism",
            "cn.pipl.art39-xb-notice-consent",
            *XB_ALL_ROUTES,
        ],
    ),
    Scenario(
        "certification-before-2026",
        "Outbound PI Certification Measures take effect "
        "2026-01-01; the Art. 8 route applies already",
        xb(flow(200_000)),
        must=[XB_SCC, XB_SCC_FILING],
        must_not=[XB_CERT],
        as_of=dt.date(2025, 12, 31),
    ),
    # --- sensitive PI and minors (PIPL Arts. 28-31) ---
    Scenario(
        "sensitive-processed-10000-not-exported",
        "PIPL Arts. 28-30 apply to processing; "
        "XB thresholds count exported people only (processed counts are superseded)",
        {"data": {"sensitive_categories": ["medical_health"], "sensitive_individuals": 10_000}},
        must=[
            "cn.pipl.art28-sensitive-pi",
            "cn.pipl.art29-separate-consent-sensitive",
            "cn.pipl.art30-sensitive-notice",
            "cn.pipl.art55-pipia",
            "cn.pipl.art56-pipia-content",
        ],
        must_not=[*XB_ALL_ROUTES, XB_EXEMPT, "cn.pipl.art38-transfer-mechanism"],
    ),
    Scenario(
        "sensitive-processed-9999-exported-9999",
        "XB Provisions Art. 8: 9,999 sensitive exported -> SCC/cert; PIPL Art. 29 separate consent",
        merge(
            xb(flow(0, sensitive=9_999)),
            {
                "data": {
                    "sensitive_categories": ["financial_account"],
                    "sensitive_individuals": 9_999,
                }
            },
        ),
        must=[XB_SCC, "cn.pipl.art29-separate-consent-sensitive"],
        must_not=[XB_SA_VOLUME],
    ),
    Scenario(
        "min-age-14",
        "PIPL Art. 31: 'under 14' — a 14-year-old is not covered",
        {"users": {"min_age": 14, "minors_allowed": True}},
        must=["cn.pipl.art13-legal-basis"],
        must_not=["cn.pipl.art31-minors-under-14", "cn.pipl.art28-sensitive-pi"],
    ),
    Scenario(
        "min-age-13",
        "PIPL Art. 31: a 13-year-old is under 14 -> guardian consent",
        {"users": {"min_age": 13, "minors_allowed": True}},
        must=["cn.pipl.art31-minors-under-14"],
    ),
    Scenario(
        "minors-under-14-flag",
        "PIPL Arts. 28 and 31: children's PI is sensitive",
        {"data": {"minors_under_14": True}},
        must=[
            "cn.pipl.art31-minors-under-14",
            "cn.pipl.art28-sensitive-pi",
            "cn.pipl.art29-separate-consent-sensitive",
        ],
    ),
    # --- officer, audits, NDSMR scale thresholds ---
    Scenario(
        "dpo-999999",
        "PIPL Art. 52 + Audit Measures Art. 12: officer from 1,000,000",
        {"data": {"individuals": 999_999}},
        must=["cn.pipl.art51-security-measures"],
        must_not=["cn.pipl.art52-dpo"],
    ),
    Scenario(
        "dpo-1000000",
        "PIPL Art. 52 + Audit Measures Art. 12: 1,000,000 is enough",
        {"data": {"individuals": 1_000_000}},
        must=["cn.pipl.art52-dpo"],
    ),
    Scenario(
        "audit-10000000",
        "Audit Measures: 'more than 10 million' — exactly 10M does not "
        "trigger; NDSMR Art. 28 ('10M or more') does",
        {"data": {"individuals": 10_000_000}},
        must=[
            "cn.ndsmr.art28-ten-million-processors",
            "cn.pipl.art52-dpo",
            "cn.pipl.art54-compliance-audit",
        ],
        must_not=["cn.pi-audit.biennial-audit"],
    ),
    Scenario(
        "audit-10000001",
        "Audit Measures: more than 10,000,000 -> audit every 2 years",
        {"data": {"individuals": 10_000_001}},
        must=["cn.pi-audit.biennial-audit"],
    ),
    Scenario(
        "audit-before-effective",
        "Audit Measures effective 2025-05-01",
        {"data": {"individuals": 20_000_000}},
        must=["cn.pipl.art54-compliance-audit"],
        must_not=["cn.pi-audit.biennial-audit"],
        as_of=dt.date(2025, 4, 30),
    ),
    # --- other PIPL and NDSMR triggers ---
    Scenario(
        "foreign-processor-serving-cn",
        "PIPL Arts. 3(2), 53: foreign processors appoint a representative in China",
        {"provider": {"country": "US"}},
        must=["cn.pipl.art53-local-representative"],
    ),
    Scenario(
        "domestic-processor",
        "PIPL Art. 53 is for foreign processors only",
        {},
        must=[
            "cn.pipl.art17-notice",
            "cn.pipl.art57-breach-notification",
            "cn.pipl.art47-deletion",
            "cn.pipl.art50-request-mechanism",
            "cn.incident.operator-report-4h",
            "cn.dsl.art29-risk-and-incidents",
        ],
        must_not=[
            "cn.pipl.art53-local-representative",
            "cn.pipl.art58-large-platform",
            "cn.pipl.art26-public-place-capture",
            "cn.pipl.art52-dpo",
            *GB_ALL,
            *NMPA,
        ],
    ),
    Scenario(
        "large-platform-recommendation",
        "PIPL Arts. 24(2), 58; NDSMR Ch. VI",
        {"provider": {"large_platform": True}, "services": ["recommendation"]},
        must=[
            "cn.pipl.art58-large-platform",
            "cn.pipl.art24-2-non-personalised-option",
            "cn.ndsmr.large-platform-recommendation-off",
            "cn.ndsmr.large-platform-social-responsibility-report",
        ],
    ),
    Scenario(
        "public-place-cameras",
        "PIPL Art. 26",
        {"data": {"public_place_capture": True}},
        must=["cn.pipl.art26-public-place-capture"],
    ),
    Scenario(
        "genai-without-pi",
        "NDSMR Art. 19 covers GenAI training data; PIPL needs PI",
        {"services": ["generative"], "data": {"personal_information": False}},
        must=["cn.ndsmr.art19-genai-training-data", "cn.ndsmr.art10-vulnerabilities"],
        must_not=[
            "cn.pipl.art13-legal-basis",
            "cn.pipl.art51-security-measures",
            "cn.ndsmr.art21-processing-rules",
        ],
    ),
    Scenario(
        "important-data-holder",
        "NDSMR: annual risk assessment for important data",
        {"data": {"important_data": True}},
        must=["cn.ndsmr.important-data-annual-risk-assessment"],
        must_not=[XB_SA_IMPORTANT],
    ),
    Scenario(
        "research-outside-cn",
        "Incident Reporting Measures and NDSMR Arts. 10-11 bind operators in China",
        {"lifecycle": "research", "deployments": [{"jurisdiction": "SG"}]},
        must=["cn.pipl.art13-legal-basis"],
        must_not=[
            "cn.incident.operator-report-4h",
            "cn.incident.ciio-report-1h",
            "cn.ndsmr.art10-vulnerabilities",
            "cn.dsl.art29-risk-and-incidents",
        ],
    ),
    Scenario(
        "incident-measures-before-effective",
        "Incident Reporting Measures effective 2025-11-01",
        {},
        must=["cn.ndsmr.art11-incident-response"],
        must_not=["cn.incident.operator-report-4h"],
        as_of=dt.date(2025, 10, 31),
    ),
    # --- finance (JR/T 0221-2021, JR/T 0287-2023) ---
    Scenario(
        "finance-credit-model",
        "JR/T 0221-2021 §5.1-§9 and JR/T 0287-2023 apply to AI algorithms in finance",
        {"sectors": ["finance"], "services": ["automated_decision"]},
        must=[*JRT0221, *JRT0287, "cn.pipl.art24-adm-fairness"],
    ),
    Scenario(
        "insurance-pricing",
        "JR/T 0221-2021 covers insurance as a financial sector",
        {"sectors": ["insurance"]},
        must=JRT0221,
    ),
    Scenario(
        "non-finance-ecommerce",
        "JR/T 0221-2021 is a financial-sector standard",
        {"sectors": ["e_commerce"], "services": ["recommendation"]},
        must=["cn.pipl.art24-2-non-personalised-option"],
        must_not=[*JRT0221, *JRT0287],
    ),
    # --- healthcare (NMPA 2021 No. 47) ---
    Scenario(
        "nmpa-class-iii",
        "NMPA 2021 No. 47: low maturity + decision support -> Class III",
        {
            "sectors": ["healthcare"],
            "healthcare": {
                "processes_device_data": True,
                "medical_purpose": True,
                "algorithm_maturity": "low",
                "decision_support": True,
            },
        },
        must=["cn.nmpa47.class-iii"],
        must_not=["cn.nmpa47.class-ii", "cn.nmpa47.high-maturity-catalogue"],
    ),
    Scenario(
        "nmpa-class-ii",
        "NMPA 2021 No. 47: low maturity, no decision support -> Class II",
        {
            "sectors": ["healthcare"],
            "healthcare": {
                "processes_device_data": True,
                "medical_purpose": True,
                "algorithm_maturity": "low",
                "decision_support": False,
            },
        },
        must=["cn.nmpa47.class-ii"],
        must_not=["cn.nmpa47.class-iii", "cn.nmpa47.high-maturity-catalogue"],
    ),
    Scenario(
        "nmpa-high-maturity",
        "NMPA 2021 No. 47: high maturity -> classification catalogue",
        {
            "sectors": ["healthcare"],
            "healthcare": {
                "processes_device_data": True,
                "medical_purpose": True,
                "algorithm_maturity": "high",
                "decision_support": True,
            },
        },
        must=["cn.nmpa47.high-maturity-catalogue"],
        must_not=["cn.nmpa47.class-iii", "cn.nmpa47.class-ii"],
    ),
    Scenario(
        "nmpa-not-a-device",
        "NMPA 2021 No. 47: no medical-device data -> not a device",
        {
            "sectors": ["healthcare"],
            "healthcare": {
                "processes_device_data": False,
                "medical_purpose": True,
                "decision_support": True,
            },
        },
        must=[],
        must_not=NMPA,
    ),
    Scenario(
        "no-healthcare-profile",
        "NMPA rules need the healthcare section",
        {},
        must=[],
        must_not=NMPA,
    ),
    # --- connected vehicles (GB 44495 / 44496 / 44497) ---
    Scenario(
        "gb44495-new-type-2026",
        "GB 44495-2024: new type approvals from 2026-01-01",
        {
            "sectors": ["automotive"],
            "services": ["driving_automation"],
            "automotive": {
                "automation_level": 3,
                "vehicle_category": "M",
                "new_type_approval": True,
                "ota_updates": True,
            },
        },
        must=[
            "cn.gb44495.new-type-approval",
            "cn.gb44496.software-update-management",
            "cn.gb44496.ota-update-safety",
            "cn.gb44497.dssad",
        ],
        must_not=["cn.gb44495.existing-type-approval"],
    ),
    Scenario(
        "gb44495-new-type-2025",
        "GB 44495/44496/44497 not yet in force on 2025-12-31",
        {
            "sectors": ["automotive"],
            "automotive": {"automation_level": 3, "new_type_approval": True},
        },
        must=[],
        must_not=[
            "cn.gb44495.new-type-approval",
            "cn.gb44497.dssad",
            "cn.gb44496.software-update-management",
        ],
        as_of=dt.date(2025, 12, 31),
    ),
    Scenario(
        "gb44495-existing-type-2027",
        "GB 44495-2024: approved types only from 2028-01-01",
        {
            "sectors": ["automotive"],
            "automotive": {
                "automation_level": 2,
                "vehicle_category": "N",
                "new_type_approval": False,
            },
        },
        must=["cn.gb44496.software-update-management"],
        must_not=[
            "cn.gb44495.existing-type-approval",
            "cn.gb44495.new-type-approval",
            "cn.gb44497.dssad",
            "cn.gb44496.ota-update-safety",
        ],
        as_of=dt.date(2027, 12, 31),
    ),
    Scenario(
        "gb44495-existing-type-2028",
        "GB 44495-2024: approved types from 2028-01-01",
        {
            "sectors": ["automotive"],
            "automotive": {
                "automation_level": 2,
                "vehicle_category": "N",
                "new_type_approval": False,
            },
        },
        must=["cn.gb44495.existing-type-approval"],
        must_not=["cn.gb44495.new-type-approval", "cn.gb44497.dssad"],
        as_of=dt.date(2028, 1, 1),
    ),
    Scenario(
        "gb44497-trailer-l4",
        "GB 44497-2024 covers M and N vehicles only",
        {"sectors": ["automotive"], "automotive": {"automation_level": 4, "vehicle_category": "O"}},
        must=["cn.gb44495.new-type-approval"],
        must_not=["cn.gb44497.dssad"],
    ),
]


def test_enough_scenarios() -> None:
    assert len(SCENARIOS) >= 22


def test_expected_ids_exist() -> None:
    assert_ids_known(SCENARIOS)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_scenario(scenario: Scenario) -> None:
    check_scenario(scenario, BASE)


def test_all_instruments_present() -> None:
    assert set(INSTRUMENTS) <= set(shipped().instruments)


def test_unverified_obligations_explain_why() -> None:
    for lo in obligations_of(INSTRUMENTS):
        ob = lo.obligation
        if ob.confidence != "verified" or ob.citation.article.startswith("whole"):
            assert ob.confidence_note or lo.instrument.notes, ob.id


def test_pipl_penalty_says_or_not_higher() -> None:
    ob = shipped().obligation("cn.pipl.art55-pipia")
    assert ob is not None and ob.obligation.penalty is not None
    assert "or up to 5%" in ob.obligation.penalty.en
    assert "50,000,000" in ob.obligation.penalty.en


def test_existing_pipl_ids_kept() -> None:
    for oid in (
        "cn.pipl.art24-adm-fairness",
        "cn.pipl.art24-adm-explanation",
        "cn.pipl.art55-pipia",
    ):
        assert shipped().obligation(oid) is not None, oid


def test_crosswalk_filled() -> None:
    for lo in obligations_of(INSTRUMENTS):
        assert lo.obligation.crosswalk, lo.obligation.id
