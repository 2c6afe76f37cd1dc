"""Cross-border route at and around every threshold of the 2024 Provisions (Arts. 3-8)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tianping.privacy._crossborder import decide_route, reasoning_rows
from tianping.rules import load_rulebook
from tianping.systems import SystemProfile

AS_OF = dt.date(2026, 6, 1)


@pytest.fixture(scope="module")
def rulebook() -> Any:
    return load_rulebook()


def profile(flows: list[dict[str, Any]], ciio: bool = False) -> SystemProfile:
    return SystemProfile.model_validate(
        {
            "id": "xb",
            "name": "xb",
            "provider": {"name": "P", "is_ciio": ciio},
            "data": {"personal_information": True, "cross_border": flows},
        }
    )


def flow(n: int = 0, s: int = 0, imp: bool = False, scenario: str = "ordinary") -> dict[str, Any]:
    return {
        "destination": "SG",
        "scenario": scenario,
        "individuals": n,
        "sensitive_individuals": s,
        "important_data": imp,
    }


@pytest.mark.parametrize(
    ("flows", "ciio", "route"),
    [
        ([], False, "none"),
        ([flow(99_999)], False, "exempt"),
        ([flow(100_000)], False, "standard_contract_or_certification"),
        ([flow(60_000), flow(40_000)], False, "standard_contract_or_certification"),
        ([flow(999_999)], False, "standard_contract_or_certification"),
        ([flow(1_000_000)], False, "security_assessment"),
        ([flow(500_000), flow(500_000)], False, "security_assessment"),
        ([flow(0, 1)], False, "standard_contract_or_certification"),
        ([flow(0, 9_999)], False, "standard_contract_or_certification"),
        ([flow(0, 10_000)], False, "security_assessment"),
        ([flow(10, imp=True)], False, "security_assessment"),
        ([flow(1)], True, "security_assessment"),
        ([flow(5_000_000, 50_000, scenario="contract_necessity")], False, "exempt"),
        ([flow(5_000_000, scenario="cross_border_hr"), flow(50_000)], False, "exempt"),
        ([flow(5_000_000, scenario="emergency"), flow(150_000)], False,
         "standard_contract_or_certification"),
        ([flow(0)], False, "none"),
    ],
)  # fmt: skip
def test_route(flows: list[dict[str, Any]], ciio: bool, route: str, rulebook: Any) -> None:
    dec = decide_route(profile(flows, ciio), as_of=AS_OF, rulebook=rulebook)
    assert dec.route == route
    assert dec.needs_security_assessment == (route == "security_assessment")
    assert dec.needs_contract_or_certification == (route == "standard_contract_or_certification")
    assert dec.counting_from == dt.date(2026, 1, 1)
    assert len(dec.flows) == len(flows)


def test_per_flow_routes_and_citations(rulebook: Any) -> None:
    p = profile([flow(150_000), flow(10, scenario="contract_necessity"), flow(5, imp=True)])
    dec = decide_route(p, as_of=AS_OF, rulebook=rulebook)
    # Important data sends the processor to assessment; the other ordinary flow is read as
    # covered by it (marked unverified), the contract-necessity flow stays exempt.
    assert [f.route for f in dec.flows] == ["security_assessment", "exempt", "security_assessment"]
    assert dec.flows[0].reasoning[0].confidence == "unverified"
    assert dec.route == "security_assessment"
    assert "Art. 5(1)" in dec.flows[1].reasoning[0].citation.en
    assert "第" in dec.flows[1].reasoning[0].citation.zh
    cited = {s.obligation for s in dec.reasoning}
    assert "cn.xb.art7-2-important-data-security-assessment" in cited
    dec2 = decide_route(profile([flow(150_000)]), as_of=AS_OF, rulebook=rulebook)
    assert {s.obligation for s in dec2.reasoning} >= {
        "cn.xb.art8-standard-contract-or-certification"
    }
    also = {s.obligation for s in dec.also_required}
    assert {"cn.pipl.art39-xb-notice-consent", "cn.pipl.art55-pipia"} <= also
    # Chinese citations name articles as Chinese law does, not "Art. 39"
    zh = {s.obligation: s.citation.zh for s in dec.also_required}
    assert zh["cn.pipl.art39-xb-notice-consent"].endswith("第三十九条")
    assert not [c for c in zh.values() if "Art" in c]
    # The exempt-flow counting rule is Tianping's reading: marked below 'verified'.
    assert dec.reasoning[0].confidence == "secondary"
    rows = reasoning_rows(dec, "zh")
    assert rows[0]["scope"] == "overall" and any(r["scope"].startswith("flow 2") for r in rows)


def test_exempt_flows_not_counted(rulebook: Any) -> None:
    dec = decide_route(
        profile([flow(900_000, scenario="cross_border_hr"), flow(200_000)]),
        as_of=AS_OF,
        rulebook=rulebook,
    )
    assert dec.totals["ordinary_individuals"] == 200_000
    assert dec.totals["all_individuals"] == 1_100_000
    assert dec.route == "standard_contract_or_certification"


def test_certification_measures_date_note(rulebook: Any) -> None:
    p = profile([flow(200_000)])
    before = decide_route(p, as_of=dt.date(2025, 6, 1), rulebook=rulebook)
    after = decide_route(p, as_of=AS_OF, rulebook=rulebook)
    assert any("2026-01-01" in s.text.en for s in before.also_required)
    assert not any("2026-01-01" in s.text.en for s in after.also_required)


def test_chinese_article_numbers() -> None:
    from tianping.i18n import zh_article, zh_number

    assert [zh_number(n) for n in (1, 10, 13, 20, 38, 101, 110, 999)] == [
        "一", "十", "十三", "二十", "三十八", "一百零一", "一百一十", "九百九十九"
    ]  # fmt: skip
    assert zh_article("Art. 38") == "第三十八条"
    assert zh_article("Arts. 5, 7, 8") == "第五条、第七条、第八条"
    assert zh_article("Arts. 3-6") == "第三条至第六条"
    assert zh_article("Art. 13(1)") == "第十三条(1)"  # the mark as written: 款 or 项 is not known
    for kept in ("§5.1", "Art. 5 item 3", "Annex A"):
        assert zh_article(kept) == kept
