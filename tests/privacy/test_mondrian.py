"""Mondrian reaches the requested k (and l) on the real Adult data and keeps other columns."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tianping.errors import InputError
from tianping.privacy._anonymity import k_anonymity, l_diversity, load_table
from tianping.privacy._mondrian import mondrian

from .test_anonymity import ADULT, COLUMNS

QI = ["age", "sex", "race", "native-country"]


@pytest.fixture(scope="module")
def adult() -> pl.DataFrame:
    return load_table(Path(ADULT), columns=COLUMNS, has_header=False)


@pytest.mark.parametrize("k", [2, 10, 50])
def test_reaches_k(adult: pl.DataFrame, k: int) -> None:
    assert k_anonymity(adult, QI) == 1
    out, res = mondrian(adult, QI, k)
    assert res.k_achieved >= k
    assert k_anonymity(out, QI) >= k
    assert out.height == adult.height
    # Non-QI columns are untouched, row order kept.
    assert out.drop(QI).equals(adult.drop(QI))
    assert 0.0 <= res.ncp <= 1.0


def test_larger_k_costs_more_information(adult: pl.DataFrame) -> None:
    _, small = mondrian(adult, QI, 2)
    _, large = mondrian(adult, QI, 100)
    assert large.ncp > small.ncp and large.partitions < small.partitions


def test_ranges_cover_original_values(adult: pl.DataFrame) -> None:
    out, _ = mondrian(adult, QI, 10)
    for orig, gen in zip(adult["age"].to_list()[:500], out["age"].to_list()[:500], strict=True):
        if "-" in gen:
            lo, hi = (int(x) for x in gen.split("-"))
            assert lo <= orig <= hi
        else:
            assert int(gen) == orig


def test_l_diverse_variant(adult: pl.DataFrame) -> None:
    out, res = mondrian(adult, QI, 5, sensitive="income", l=2)
    assert res.k_achieved >= 5
    assert l_diversity(out, QI, ["income"]) >= 2


def test_impossible_requests() -> None:
    df = pl.DataFrame({"a": [1, 2, 3], "s": ["x", "x", "x"]})
    with pytest.raises(InputError, match="fewer than k=5"):
        mondrian(df, ["a"], 5)
    with pytest.raises(InputError, match="fewer than l=2"):
        mondrian(df, ["a"], 1, sensitive="s", l=2)


def test_missing_values_are_shown_in_generalised_sets() -> None:
    one_gap = pl.DataFrame({"q": [1, 2, 3, 4, None, 6, 7, 8]})
    out, res = mondrian(one_gap, ["q"], 2)
    labels = out["q"].to_list()
    assert res.k_achieved >= 2 and k_anonymity(out, ["q"]) >= 2
    assert [x for x in labels if "(missing)" in str(x)] and "" not in labels
    many = pl.DataFrame({"q": [1, 2, 3, 4, None, 6, 7, 8, None, None]})
    out, _ = mondrian(many, ["q"], 2)
    assert out["q"].null_count() == 3  # a class of gaps only stays missing
