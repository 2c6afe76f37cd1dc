"""Threshold comparisons: the rule every check's verdict follows."""

from __future__ import annotations

from tianping.checks import compare
from tianping.rules._schema import Bound


def test_min_and_max_bounds() -> None:
    got = compare(
        {"auc": 0.71, "ece": 0.2, "rate": 0.05},
        {"auc": Bound(min=0.7), "ece": Bound(max=0.1), "rate": Bound(min=0.0, max=0.05)},
    )
    assert {c.metric: c.passed for c in got} == {"auc": True, "ece": False, "rate": True}


def test_missing_or_text_metric_fails_unless_optional() -> None:
    got = compare(
        {"name": "tree", "none": None},
        {"name": Bound(min=0), "none": Bound(max=0), "absent": Bound(max=0)},
    )
    assert [c.passed for c in got] == [False, False, False]
    skipped = compare({"none": None}, {"none": Bound(max=0, optional=True)})
    assert skipped == []
    present = compare({"mono": 0.3}, {"mono": Bound(max=0.0, optional=True)})
    assert [c.passed for c in present] == [False]


def test_booleans_compare_as_numbers() -> None:
    assert compare({"ok": True}, {"ok": Bound(min=1)})[0].passed
    assert not compare({"ok": False}, {"ok": Bound(min=1)})[0].passed
