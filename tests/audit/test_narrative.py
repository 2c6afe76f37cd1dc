"""Plain-language explanation of one decision (PIPL Art. 24(3))."""

from __future__ import annotations

from tianping.audit._narrative import explain_decision
from tianping.i18n import I18nText


def test_declined_decision_names_reasons_in_order() -> None:
    values = {"checking_status": "A11", "duration_months": 48, "age": 30, "savings_status": "A65"}
    contrib = {"checking_status": -0.7, "duration_months": -1.1, "age": 0.05, "savings_status": 0.3}
    text = explain_decision(values, contrib, score=0.21, threshold=0.5)
    assert "declined" in text.en and "0.21" in text.en and "0.50" in text.en
    assert text.en.index("loan duration") < text.en.index("checking account")
    assert "(yours: 48) lowered your score" in text.en
    assert "In your favour: (1) your savings (yours: A65) raised your score" in text.en
    assert "未获批准" in text.zh and "低于审批线" in text.zh and "人工复核" in text.zh
    assert "（您的值：A11）降低了评分" in text.zh


def test_approved_decision_and_custom_labels() -> None:
    text = explain_decision(
        {"x1": 3.25, "x2": float("nan")},
        {"x1": 0.4, "x2": -0.1},
        score=0.8,
        threshold=0.6,
        labels={"x1": I18nText(zh="月收入", en="monthly income")},
        favourable=I18nText(zh="通过", en="accepted"),
    )
    assert text.en.startswith("Your application was accepted")
    assert "monthly income (yours: 3.25) raised your score" in text.en
    assert "Working against you: (1) x2 (yours: —) lowered" in text.en
    assert "月收入" in text.zh and "达到审批线" in text.zh
    assert "x1" not in text.en  # the label replaces the column name


def test_only_own_values_appear() -> None:
    text = explain_decision({"a": "own-value"}, {"a": -1.0, "b": 0.0}, score=0.1, threshold=0.5)
    assert "own-value" in text.en
    assert " b " not in text.en  # zero contributions are not reasons
