"""Scenario tests for the China content instruments (rulebook data).

Covers the GenAI Interim Measures, the Algorithmic Recommendation and Deep Synthesis
Provisions, the AI Labeling Measures with GB 45438-2025, TC260-003 with GB/T 45654/45652/45674,
the AI Safety Governance Framework, the 2025 Cybersecurity Law amendment, the Ethics Review
Measures and the anthropomorphic-AI draft.

Each scenario is a small system profile, the date it is judged on, the obligation ids that must
apply and those that must not, and the provision that justifies the expectation. Edges are
tested on both sides: public vs research/internal use (GenAI Art. 2), producer vs dissemination
platform (Labeling Measures Arts. 4-6), with and without public-opinion attributes (AlgRec
Art. 24), effective dates (2025-08-31 / 2025-09-01; 2025-10-31 / 2025-11-01), drafts, minors and
download/export.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tianping.checks import registry
from tianping.rules import make_plan

from ._profiles import shipped
from ._scenarios import (
    AS_OF,
    Scenario,
    assert_ids_known,
    build_profile,
    check_scenario,
    merge,
    obligations_of,
)

INSTRUMENTS = [
    "cn.genai-interim-measures",
    "cn.algorithmic-recommendation-provisions",
    "cn.deep-synthesis-provisions",
    "cn.ai-labeling-measures",
    "cn.gb-45438-2025",
    "cn.tc260-003",
    "cn.gb-t-45654-2025",
    "cn.gb-t-45652-2025",
    "cn.gb-t-45674-2025",
    "cn.ai-safety-governance-framework",
    "cn.cybersecurity-law-2025-amendment",
    "cn.ethics-review-measures",
    "cn.anthropomorphic-ai-draft",
]

# --- obligation id groups ------------------------------------------------------------------
GAI_CORE = [
    "cn.gai.art4-content-values",
    "cn.gai.art7-training-data",
    "cn.gai.art8-annotation",
    "cn.gai.art9-producer-responsibility",
    "cn.gai.art10-use-disclosure",
    "cn.gai.art11-user-input-protection",
    "cn.gai.art12-labeling",
    "cn.gai.art14-illegal-content-handling",
    "cn.gai.art15-complaints",
    "cn.gai.art19-supervision-cooperation",
]
GAI_PO = ["cn.gai.art17-assessment-filing", "cn.gai.art17-model-filing-practice"]
GAI_MINORS = "cn.gai.art10-minors"
ALG_PO = [
    "cn.alg.art24-filing",
    "cn.alg.art24-change-filing",
    "cn.alg.art24-cancel-filing",
    "cn.alg.art26-display-filing-number",
    "cn.alg.art27-security-assessment",
]
ALG_FEED = [
    "cn.alg.art10-user-tags",
    "cn.alg.art14-no-manipulation",
    "cn.alg.art16-transparency",
    "cn.alg.art17-user-choice",
    "cn.alg.art21-no-price-discrimination",
]
LBL_PRODUCER = [
    "cn.lbl.art5-implicit-metadata",
    "cn.lbl.art8-user-agreement",
    "cn.lbl.art9-unlabeled-output-logs",
    "cn.gb45438.6-1-producer-metadata",
    "cn.gb45438.e-first-write-equality",
]
LBL_PLATFORM = [
    "cn.lbl.art6-1-confirmed",
    "cn.lbl.art6-2-possible",
    "cn.lbl.art6-3-suspected",
    "cn.lbl.art6-4-declaration-function",
    "cn.lbl.art6-propagation-metadata",
    "cn.gb45438.e-platform-propagation",
]
LBL_EXPLICIT = {
    "text": ["cn.lbl.art4-1-text-explicit", "cn.gb45438.5-1-text-label-elements"],
    "audio": ["cn.lbl.art4-2-audio-explicit", "cn.gb45438.5-3-audio-label-rhythm"],
    "image": ["cn.lbl.art4-3-image-explicit", "cn.gb45438.5-2-image-label-size"],
    "video": ["cn.lbl.art4-4-video-explicit", "cn.gb45438.5-4-video-label"],
    "virtual_scene": ["cn.lbl.art4-5-virtual-scene-explicit", "cn.gb45438.5-virtual-scene-label"],
    "other": ["cn.lbl.art4-6-other-explicit"],
}
ALL_EXPLICIT = [oid for ids in LBL_EXPLICIT.values() for oid in ids]
LBL_DOWNLOAD = "cn.lbl.art4-download-explicit"
TC260 = [
    "cn.tc260003.5-1-corpus-source-5pct",
    "cn.tc260003.8-2-generation-test-bank",
    "cn.tc260003.8-3-refusal-banks",
    "cn.tc260003.9-2-corpus-manual-sampling",
    "cn.tc260003.9-3-generation-manual-sampling",
    "cn.tc260003.9-4-refusal-rate",
    "cn.tc260003.9-4-over-refusal-rate",
    "cn.tc260003.a-risk-coverage",
]
GBT = [
    "cn.gbt45654.a-risk-coverage",
    "cn.gbt45654.data-source-5pct",
    "cn.gbt45654.b-test-banks",
    "cn.gbt45654.b-assessment",
    "cn.gbt45652.training-data-security",
    "cn.gbt45674.annotation-security",
]
DS_CORE = [
    "cn.ds.art9-real-identity",
    "cn.ds.art10-input-output-review",
    "cn.ds.art16-implicit-labels-logs",
    "cn.ds.art17-conspicuous-labels",
    "cn.ds.art17-labeling-function",
    "cn.ds.art18-no-label-removal",
]
DS_BIOMETRIC = ["cn.ds.art14-biometric-consent", "cn.ds.art15-security-assessment"]
ANTHRO_CORE = [
    "cn.anthro.ai-disclosure",
    "cn.anthro.usage-reminder",
    "cn.anthro.self-harm-takeover",
    "cn.anthro.sandbox",
]
ETH_REREVIEW = [
    "cn.eth.rereview-human-machine-integration",
    "cn.eth.rereview-public-opinion",
    "cn.eth.rereview-autonomous-decisions",
]
AISGF_V1 = ["cn.aisgf.v1-3-risk-identification", "cn.aisgf.v1-5-tiered-management"]
AISGF_V2 = [
    "cn.aisgf.v2-derived-risks",
    "cn.aisgf.v2-full-process-grading",
    "cn.aisgf.v2-loss-of-control",
]
CSL = ["cn.csl.art20-ai-safety-governance", "cn.csl.penalties-raised"]

# --- profiles ------------------------------------------------------------------------------
BASE: dict[str, Any] = {
    "id": "content-scenario",
    "name": "Content scenario",
    "provider": {"name": "Example Co.", "roles": ["provider"]},
    "lifecycle": "production",
    "public_facing": True,
    "services": ["generative"],
    "modalities": ["text"],
    "deployments": [{"jurisdiction": "CN", "offered_to_public": True}],
}

PO = {"public_opinion": {"attributes": True}}
NOT_PUBLIC_IN_CN = {"deployments": [{"jurisdiction": "CN", "offered_to_public": False}]}


def feed(**over: Any) -> dict[str, Any]:
    """A personalised recommendation feed (no generation)."""
    return merge({"services": ["recommendation"], "modalities": []}, over)


def platform(**over: Any) -> dict[str, Any]:
    """A dissemination platform that hosts user posts and does not generate content itself."""
    return merge(
        {
            "provider": {"roles": ["dissemination_platform"]},
            "services": ["recommendation", "content_moderation"],
            "modalities": ["video", "image"],
        },
        over,
    )


def companion(**over: Any) -> dict[str, Any]:
    """An emotional-companion chatbot (anthropomorphic interaction)."""
    return merge({"services": ["generative", "anthropomorphic_interaction"]}, over)


SCENARIOS = [
    # --- GenAI Interim Measures: scope (Art. 2) and triggers --------------------------------
    Scenario(
        "genai-public-chatbot",
        "GenAI Measures Arts. 4-19 apply to public GenAI services "
        "in China; Art. 17 only with public-opinion attributes",
        {},
        must=[*GAI_CORE, "cn.alg.art7-primary-responsibility"],
        must_not=[*GAI_PO, GAI_MINORS, *ALG_PO, *ALG_FEED],
    ),
    Scenario(
        "genai-research-only",
        "GenAI Measures Art. 2: R&D not offered to the domestic "
        "public is out of scope (so are the labeling and TC260 rules built on it)",
        {"lifecycle": "research", "public_facing": False, "deployments": []},
        must=[],
        must_not=[
            *GAI_CORE,
            *GAI_PO,
            *LBL_PRODUCER,
            *TC260,
            *GBT,
            "cn.alg.art7-primary-responsibility",
        ],
    ),
    Scenario(
        "genai-internal-pilot-cn",
        "GenAI Measures Art. 2: internal use in China that is "
        "not offered to the public is out of scope",
        merge(NOT_PUBLIC_IN_CN, {"lifecycle": "internal_pilot"}),
        must=["cn.aisgf.v1-3-risk-identification"],
        must_not=[*GAI_CORE, *LBL_PRODUCER, *TC260],
    ),
    Scenario(
        "genai-offered-only-in-eu",
        "GenAI Measures Art. 2: only services offered in "
        "mainland China; the CN framework keys on a CN deployment",
        {"deployments": [{"jurisdiction": "EU", "offered_to_public": True}]},
        must=[],
        must_not=[*GAI_CORE, *LBL_PRODUCER, *AISGF_V1, *CSL],
    ),
    Scenario(
        "genai-public-opinion",
        "GenAI Measures Art. 17; AlgRec Arts. 24, 26, 27; "
        "Labeling Measures Art. 12; Ethics list AI item (b)",
        PO,
        must=[
            *GAI_CORE,
            *GAI_PO,
            *ALG_PO,
            "cn.lbl.art12-filing-materials",
            "cn.eth.rereview-public-opinion",
            "cn.eth.committee",
        ],
        must_not=["cn.eth.rereview-human-machine-integration"],
    ),
    Scenario(
        "genai-minors-allowed",
        "GenAI Measures Art. 10; AlgRec Art. 18: minors",
        {"users": {"minors_allowed": True}},
        must=[GAI_MINORS, "cn.alg.art18-minors"],
        must_not=["cn.alg.art19-elderly"],
    ),
    Scenario(
        "genai-min-age-17",
        "GenAI Measures Art. 10: a minimum age below 18 admits minors",
        {"users": {"min_age": 17}},
        must=[GAI_MINORS, "cn.alg.art18-minors"],
    ),
    Scenario(
        "genai-min-age-18",
        "GenAI Measures Art. 10: adults only, no minors duty",
        {"users": {"min_age": 18}},
        must=GAI_CORE,
        must_not=[GAI_MINORS, "cn.alg.art18-minors"],
    ),
    Scenario(
        "genai-before-measures",
        "GenAI Measures effective 2023-08-15",
        {},
        as_of=dt.date(2023, 8, 14),
        must=[],
        must_not=GAI_CORE,
    ),
    Scenario(
        "genai-measures-in-force",
        "GenAI Measures effective 2023-08-15",
        {},
        as_of=dt.date(2023, 8, 15),
        must=GAI_CORE,
        must_not=[*LBL_PRODUCER, *TC260],
    ),
    # --- Labeling Measures and GB 45438-2025: producers by modality --------------------------
    Scenario(
        "labels-text-producer",
        "Labeling Measures Arts. 4(1), 5, 8-10; GB 45438 §5.1, "
        "§6.1; a producer gets no platform duties (Art. 6)",
        {},
        must=[
            *LBL_EXPLICIT["text"],
            *LBL_PRODUCER,
            "cn.gb45438.5-interactive-label",
            "cn.lbl.art10-no-tampering",
        ],
        must_not=[
            *LBL_PLATFORM,
            "cn.lbl.art7-app-store-review",
            LBL_DOWNLOAD,
            *LBL_EXPLICIT["image"],
            *LBL_EXPLICIT["video"],
        ],
    ),
    Scenario(
        "labels-image-producer",
        "Labeling Measures Art. 4(3); GB 45438 §5.2 (>= 5 % of the shortest side)",
        {"modalities": ["image"]},
        must=[*LBL_EXPLICIT["image"], *LBL_PRODUCER],
        must_not=[*LBL_EXPLICIT["text"], "cn.gb45438.5-interactive-label", *LBL_PLATFORM],
    ),
    Scenario(
        "labels-video-audio-producer",
        "Labeling Measures Art. 4(2), 4(4); GB 45438 §5.3, §5.4 (opening frame >= 2 s)",
        {"services": ["deep_synthesis"], "modalities": ["video", "audio"]},
        must=[*LBL_EXPLICIT["video"], *LBL_EXPLICIT["audio"], *LBL_PRODUCER, *DS_CORE],
        must_not=[*LBL_EXPLICIT["text"], *LBL_EXPLICIT["image"], *GAI_CORE],
    ),
    Scenario(
        "labels-virtual-scene-and-other",
        "Labeling Measures Art. 4(5), 4(6)",
        {"modalities": ["virtual_scene", "other"]},
        must=[*LBL_EXPLICIT["virtual_scene"], *LBL_EXPLICIT["other"]],
        must_not=[*LBL_EXPLICIT["text"], *LBL_EXPLICIT["audio"]],
    ),
    Scenario(
        "labels-download-export",
        "Labeling Measures Art. 4 (last para.): downloaded, "
        "copied or exported files carry the explicit label",
        {"modalities": ["image"], "offers_download": True},
        must=[LBL_DOWNLOAD, *LBL_EXPLICIT["image"]],
    ),
    Scenario(
        "labels-no-download",
        "Labeling Measures Art. 4 (last para.) needs a download or export function",
        {"modalities": ["image"], "offers_download": False},
        must=LBL_EXPLICIT["image"],
        must_not=[LBL_DOWNLOAD],
    ),
    Scenario(
        "labels-day-before-effective",
        "Labeling Measures Art. 14 and GB 45438: effective 2025-09-01",
        {"modalities": ["image"]},
        as_of=dt.date(2025, 8, 31),
        must=["cn.gai.art12-labeling"],
        must_not=[*LBL_PRODUCER, *LBL_EXPLICIT["image"]],
    ),
    Scenario(
        "labels-effective-day",
        "Labeling Measures Art. 14 and GB 45438: effective 2025-09-01",
        {"modalities": ["image"]},
        as_of=dt.date(2025, 9, 1),
        must=[*LBL_PRODUCER, *LBL_EXPLICIT["image"]],
    ),
    # --- Labeling Measures: platforms -------------------------------------------------------
    Scenario(
        "labels-dissemination-platform",
        "Labeling Measures Art. 6: platforms detect and "
        "flag (confirmed / possible / suspected) and add propagation elements; producer "
        "duties (Arts. 4-5) do not bind them",
        platform(),
        must=[
            *LBL_PLATFORM,
            "cn.lbl.art10-no-tampering",
            "cn.gb45438.e-label-values",
            "cn.gb45438.6-1c-single-record",
            "cn.ds.art18-no-label-removal",
            *ALG_FEED,
        ],
        must_not=[
            *LBL_PRODUCER,
            *ALL_EXPLICIT,
            LBL_DOWNLOAD,
            *GAI_CORE,
            "cn.lbl.art7-app-store-review",
        ],
    ),
    Scenario(
        "labels-platform-that-also-generates",
        "Labeling Measures Arts. 4-6: a platform "
        "with its own generation service carries both sets of duties",
        {"provider": {"roles": ["provider", "dissemination_platform"]}, "modalities": ["video"]},
        must=[*LBL_PRODUCER, *LBL_PLATFORM, *LBL_EXPLICIT["video"]],
    ),
    Scenario(
        "labels-app-store",
        "Labeling Measures Art. 7: app distribution platforms review apps' labeling materials",
        {
            "provider": {"roles": ["app_distribution_platform"]},
            "services": ["other"],
            "modalities": [],
        },
        must=["cn.lbl.art7-app-store-review"],
        must_not=[*LBL_PLATFORM, *LBL_PRODUCER, "cn.lbl.art10-no-tampering"],
    ),
    Scenario(
        "labels-platform-not-public-in-cn",
        "Labeling Measures Art. 2: services to the domestic public only",
        platform(**NOT_PUBLIC_IN_CN),
        must=[],
        must_not=LBL_PLATFORM,
    ),
    # --- TC260-003 and GB/T 45654/45652/45674 ----------------------------------------------
    Scenario(
        "tc260-before-release",
        "TC260-003 released 2024-02-29",
        {},
        as_of=dt.date(2024, 2, 28),
        must=GAI_CORE,
        must_not=TC260,
    ),
    Scenario(
        "tc260-released",
        "TC260-003 released 2024-02-29",
        {},
        as_of=dt.date(2024, 2, 29),
        must=TC260,
        must_not=GBT,
    ),
    Scenario(
        "gbt45654-day-before",
        "GB/T 45654/45652/45674 effective 2025-11-01",
        {},
        as_of=dt.date(2025, 10, 31),
        must=TC260,
        must_not=GBT,
    ),
    Scenario(
        "gbt45654-effective-day",
        "GB/T 45654/45652/45674 effective 2025-11-01",
        {},
        as_of=dt.date(2025, 11, 1),
        must=[*TC260, *GBT],
    ),
    # --- Algorithmic Recommendation Provisions --------------------------------------------
    Scenario(
        "feed-without-public-opinion",
        "AlgRec Arts. 10, 14, 16, 17, 21 apply to "
        "recommendation; Art. 24 filing needs public-opinion attributes",
        feed(),
        must=[*ALG_FEED, "cn.alg.art22-complaints"],
        must_not=[*ALG_PO, *GAI_CORE, *LBL_PRODUCER, "cn.alg.art20-workers"],
    ),
    Scenario(
        "feed-with-mobilisation",
        "AlgRec Art. 24: social-mobilisation capacity triggers "
        "filing within 10 working days; Arts. 26-27",
        feed(public_opinion={"mobilisation": True}),
        must=[*ALG_FEED, *ALG_PO],
        must_not=GAI_PO,
    ),
    Scenario(
        "dispatch-platform",
        "AlgRec Art. 20: work dispatch protects workers; Art. 17 "
        "user choice is about personalised push",
        {"services": ["dispatch_scheduling"], "modalities": []},
        must=["cn.alg.art20-workers", "cn.alg.art21-no-price-discrimination"],
        must_not=["cn.alg.art17-user-choice", "cn.alg.art10-user-tags"],
    ),
    Scenario(
        "feed-serving-elderly",
        "AlgRec Art. 19: age-friendly services for the elderly",
        feed(users={"serves_elderly": True}),
        must=["cn.alg.art19-elderly"],
    ),
    Scenario(
        "feed-retired-with-filing",
        "AlgRec Art. 24: cancel the filing within 20 working days of ending the service",
        feed(
            lifecycle="retired",
            public_opinion={"attributes": True},
            deployments=[{"jurisdiction": "CN", "offered_to_public": False}],
        ),
        must=["cn.alg.art24-cancel-filing"],
        must_not=["cn.alg.art24-filing"],
    ),
    # --- Deep Synthesis Provisions ----------------------------------------------------------
    Scenario(
        "face-swap-app",
        "Deep Synthesis Arts. 14-15: editing faces or voices needs "
        "separate consent and a security assessment",
        {
            "services": ["deep_synthesis"],
            "modalities": ["image", "video"],
            "edits_face_or_voice": True,
        },
        must=[*DS_CORE, *DS_BIOMETRIC],
        must_not=["cn.ds.art19-filing"],
    ),
    Scenario(
        "deep-synthesis-no-biometrics",
        "Deep Synthesis Arts. 14-15 only for face/voice "
        "editing; Art. 19 filing with public-opinion attributes",
        merge(PO, {"services": ["deep_synthesis"], "modalities": ["image"]}),
        must=[*DS_CORE, "cn.ds.art19-filing", "cn.ds.art20-new-feature-assessment"],
        must_not=DS_BIOMETRIC,
    ),
    Scenario(
        "deep-synthesis-technical-supporter",
        "Deep Synthesis Art. 19(2): technical supporters file too",
        merge(
            NOT_PUBLIC_IN_CN,
            {"provider": {"roles": ["technical_supporter"]}, "services": ["deep_synthesis"]},
        ),
        must=["cn.ds.art19-supporter-filing"],
        must_not=["cn.ds.art19-filing", *DS_CORE],
    ),
    # --- drafts: the anthropomorphic AI measures (2025-12-27 draft) ------------------------
    Scenario(
        "companion-drafts-excluded",
        "Anthropomorphic AI draft: drafts are excluded by default",
        companion(),
        must=GAI_CORE,
        must_not=ANTHRO_CORE,
    ),
    Scenario(
        "companion-drafts-included",
        "Anthropomorphic AI draft: AI disclosure, 2-hour reminder, human takeover",
        companion(),
        include_drafts=True,
        must=ANTHRO_CORE,
        must_not=["cn.anthro.minors", "cn.anthro.elderly", "cn.anthro.large-service-assessment"],
    ),
    Scenario(
        "companion-minors-elderly",
        "Anthropomorphic AI draft: minors mode with guardian "
        "consent; emergency contact for the elderly",
        companion(users={"minors_allowed": True, "serves_elderly": True}),
        include_drafts=True,
        must=["cn.anthro.minors", "cn.anthro.elderly", GAI_MINORS],
    ),
    Scenario(
        "companion-999999-registered",
        "Anthropomorphic AI draft: assessment at >= 1M registered or >= 100k MAU (unverified)",
        companion(users={"registered": 999_999, "monthly_active": 99_999}),
        include_drafts=True,
        must=ANTHRO_CORE,
        must_not=["cn.anthro.large-service-assessment"],
    ),
    Scenario(
        "companion-1m-registered",
        "Anthropomorphic AI draft: assessment at >= 1M registered (unverified)",
        companion(users={"registered": 1_000_000}),
        include_drafts=True,
        must=["cn.anthro.large-service-assessment"],
    ),
    Scenario(
        "companion-100k-mau",
        "Anthropomorphic AI draft: assessment at >= 100k MAU (unverified)",
        companion(users={"monthly_active": 100_000}),
        include_drafts=True,
        must=["cn.anthro.large-service-assessment"],
    ),
    # --- Ethics Review Measures -------------------------------------------------------------
    Scenario(
        "ethics-human-machine-integration",
        "Ethics Review Measures: expert re-review list AI item (a)",
        {"ethics": {"human_machine_integration": True}},
        must=[
            "cn.eth.committee",
            "cn.eth.rereview-human-machine-integration",
            "cn.eth.follow-up-review",
            "cn.eth.rereview-timeline",
        ],
        must_not=["cn.eth.rereview-public-opinion", "cn.eth.rereview-autonomous-decisions"],
    ),
    Scenario(
        "ethics-autonomous-decisions",
        "Ethics Review Measures: expert re-review list AI item (c)",
        {"ethics": {"autonomous_decisions_in_safety_or_health": True}},
        must=["cn.eth.rereview-autonomous-decisions", "cn.eth.committee"],
        must_not=["cn.eth.rereview-human-machine-integration"],
    ),
    Scenario(
        "ethics-human-participants-only",
        "Ethics Review Measures: a committee for human participants, but no AI re-review item",
        {"ethics": {"involves_human_participants": True}},
        must=["cn.eth.committee", "cn.eth.committee-composition"],
        must_not=[*ETH_REREVIEW, "cn.eth.follow-up-review"],
    ),
    Scenario(
        "ethics-nothing-sensitive",
        "Ethics Review Measures: no sensitive activity, no committee duty",
        {},
        must=[],
        must_not=["cn.eth.committee", *ETH_REREVIEW],
    ),
    # --- AI Safety Governance Framework and the Cybersecurity Law amendment ---------------
    Scenario(
        "framework-v1-only",
        "AI Safety Governance Framework v2.0 released 2025-09-15",
        {},
        as_of=dt.date(2025, 9, 14),
        must=AISGF_V1,
        must_not=AISGF_V2,
    ),
    Scenario(
        "framework-v2",
        "AI Safety Governance Framework v2.0 released 2025-09-15",
        {"provider": {"roles": ["provider", "developer"]}},
        as_of=dt.date(2025, 9, 15),
        must=[
            *AISGF_V1,
            *AISGF_V2,
            "cn.aisgf.v2-open-source-risk",
            "cn.aisgf.v1-6-1-developer-guidelines",
        ],
    ),
    Scenario(
        "csl-before-amendment",
        "CSL amendment effective 2026-01-01",
        {},
        as_of=dt.date(2025, 12, 31),
        must=[],
        must_not=CSL,
    ),
    Scenario(
        "csl-amendment-in-force",
        "CSL amendment effective 2026-01-01",
        {},
        as_of=dt.date(2026, 1, 1),
        must=CSL,
    ),
]


def test_enough_scenarios() -> None:
    assert len(SCENARIOS) >= 22


def test_expected_ids_exist() -> None:
    assert_ids_known(SCENARIOS)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_scenario(scenario: Scenario) -> None:
    check_scenario(scenario, BASE)


def test_not_in_force_and_draft_statuses() -> None:
    """Dates and drafts are reported as such, not as a false condition."""
    rb = shipped()
    before = make_plan(build_profile(BASE, {}), rb, as_of=dt.date(2025, 8, 31))
    status = {a.obligation_id: a.status for a in before.applicability}
    assert status["cn.lbl.art5-implicit-metadata"] == "not_in_force"
    assert status["cn.gb45438.6-1-producer-metadata"] == "not_in_force"
    drafts = make_plan(build_profile(BASE, companion()), rb, as_of=AS_OF)
    status = {a.obligation_id: a.status for a in drafts.applicability}
    assert status["cn.anthro.ai-disclosure"] == "draft_excluded"


def test_alg_filing_deadline_is_ten_working_days() -> None:
    ob = shipped().obligation("cn.alg.art24-filing")
    assert ob is not None and ob.obligation.deadline is not None
    assert ob.obligation.deadline.working_days == 10
    cancel = shipped().obligation("cn.alg.art24-cancel-filing")
    assert cancel is not None and cancel.obligation.deadline is not None
    assert cancel.obligation.deadline.working_days == 20
    logs = shipped().obligation("cn.lbl.art9-unlabeled-output-logs")
    assert logs is not None and logs.obligation.deadline is not None
    assert logs.obligation.deadline.months == 6


def test_public_opinion_raises_tier_and_shares_filing_evidence() -> None:
    """Filing is one attestation task shared by GenAI Art. 17 and AlgRec Art. 24."""
    plan = make_plan(build_profile(BASE, PO), shipped(), as_of=AS_OF)
    assert plan.tier.level == "high"
    filing = [t for t in plan.tasks if t.params.get("question_id") == "alg-filing-number"]
    assert len(filing) == 1
    assert {"cn.gai.art17-assessment-filing", "cn.alg.art24-filing"} <= set(
        filing[0].obligation_ids
    )


def test_instruments_and_metadata() -> None:
    rb = shipped()
    assert set(INSTRUMENTS) <= set(rb.instruments)
    inst = rb.instruments
    assert inst["cn.ai-labeling-measures"].effective == dt.date(2025, 9, 1)
    assert inst["cn.gb-45438-2025"].kind == "mandatory_standard"
    assert inst["cn.gb-t-45654-2025"].kind == "recommended_standard"
    assert inst["cn.gb-t-45654-2025"].effective == dt.date(2025, 11, 1)
    assert inst["cn.tc260-003"].kind == "technical_document"
    assert inst["cn.tc260-003"].published == dt.date(2024, 2, 29)
    assert inst["cn.ai-safety-governance-framework"].binding is False
    assert inst["cn.cybersecurity-law-2025-amendment"].effective == dt.date(2026, 1, 1)
    assert inst["cn.ethics-review-measures"].effective == dt.date(2023, 12, 1)
    assert inst["cn.anthropomorphic-ai-draft"].status == "draft"
    for oid in ("cn.gai.art4-content-values", "cn.gai.art7-training-data", "cn.gai.art10-minors"):
        assert rb.obligation(oid) is not None, oid


def test_framework_items_are_low_severity_guidance() -> None:
    for lo in obligations_of(INSTRUMENTS):
        if lo.instrument.id == "cn.ai-safety-governance-framework":
            assert lo.obligation.severity == "low", lo.obligation.id


def test_ids_follow_the_convention() -> None:
    for lo in obligations_of(INSTRUMENTS):
        parts = lo.obligation.id.split(".")
        assert parts[0] == "cn" and len(parts) >= 3, lo.obligation.id


def test_unverified_obligations_explain_why() -> None:
    for lo in obligations_of(INSTRUMENTS):
        ob = lo.obligation
        if ob.confidence == "unverified":
            assert ob.confidence_note, ob.id


def test_crosswalk_filled() -> None:
    for lo in obligations_of(INSTRUMENTS):
        assert lo.obligation.crosswalk, lo.obligation.id


def test_evidence_uses_only_registered_checks() -> None:
    known = set(registry.ids())
    for lo in obligations_of(INSTRUMENTS):
        ob = lo.obligation
        assert ob.evidence.checks or ob.evidence.attestations, ob.id
        for req in ob.evidence.checks:
            assert req.id in known, f"{ob.id}: unregistered check {req.id}"
