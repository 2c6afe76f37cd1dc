"""Anonymity metrics: equal to pycanon on the real Adult data, exact on hand-computed tables."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

from tianping.errors import InputError
from tianping.privacy._anonymity import (
    entropy_l_diversity,
    k_anonymity,
    l_diversity,
    load_table,
    measure,
    reidentification_risk,
    t_closeness,
)

REPO = Path(__file__).resolve().parents[2]
ADULT = REPO / "examples" / "data" / "adult" / "adult.data"
COLUMNS = [
    "age", "workclass", "fnlwgt", "education", "education-num", "marital-status",
    "occupation", "relationship", "race", "sex", "capital-gain", "capital-loss",
    "hours-per-week", "native-country", "income",
]  # fmt: skip


@pytest.fixture(scope="module")
def adult() -> pl.DataFrame:
    return load_table(ADULT, columns=COLUMNS, has_header=False)


def test_adult_loads_typed(adult: pl.DataFrame) -> None:
    assert adult.height == 32561
    assert adult.schema["age"] == pl.Int64 and adult.schema["occupation"] == pl.String
    assert adult["sex"].unique().sort().to_list() == ["Female", "Male"]  # spaces trimmed


@pytest.mark.parametrize(
    ("qi", "sa"),
    [
        (["age", "sex", "race", "native-country"], "occupation"),
        (["age", "sex", "race", "native-country"], "income"),
        (["race", "sex"], "occupation"),
        (["race", "sex"], "hours-per-week"),  # numeric: ordered-distance EMD
        (["education", "sex"], "income"),
    ],
)
def test_equals_pycanon_on_adult(adult: pl.DataFrame, qi: list[str], sa: str) -> None:
    from pycanon import anonymity as pc

    # pycanon re-slices per class in Python: a 2,000-row slice keeps the test quick.
    part = adult.head(2000)
    pdf = part.to_pandas()
    rep = measure(part, qi, [sa])
    assert rep.k == pc.k_anonymity(pdf, qi)
    assert rep.l_distinct == pc.l_diversity(pdf, qi, [sa])
    assert int(rep.l_entropy or 0) == pc.entropy_l_diversity(pdf, qi, [sa])
    assert rep.t_closeness == pytest.approx(pc.t_closeness(pdf, qi, [sa]), abs=1e-12)
    assert rep.per_sensitive[0].numeric == (sa == "hours-per-week")


def test_full_adult_k_and_l_equal_pycanon(adult: pl.DataFrame) -> None:
    from pycanon import anonymity as pc

    qi = ["race", "sex"]
    pdf = adult.to_pandas()
    assert k_anonymity(adult, qi) == pc.k_anonymity(pdf, qi)
    assert l_diversity(adult, qi, ["income"]) == pc.l_diversity(pdf, qi, ["income"])


def _toy() -> pd.DataFrame:
    # Two classes: (30, F) x3 with diseases a, a, b; (40, M) x2 with a, c.
    return pd.DataFrame(
        {
            "age": [30, 30, 30, 40, 40],
            "sex": ["F", "F", "F", "M", "M"],
            "disease": ["a", "a", "b", "a", "c"],
            "salary": [1, 2, 3, 3, 5],
        }
    )


def test_hand_computed_values() -> None:
    df = _toy()
    qi = ["age", "sex"]
    assert k_anonymity(df, qi) == 2
    assert l_diversity(df, qi, ["disease"]) == 2
    # Entropy of class 1: -(2/3 ln 2/3 + 1/3 ln 1/3) = 0.6365 (the minimum); class 2: ln 2.
    h1 = -(2 / 3 * math.log(2 / 3) + 1 / 3 * math.log(1 / 3))
    assert entropy_l_diversity(df, qi, ["disease"]) == pytest.approx(math.exp(h1))
    # Categorical EMD: p = (a 3/5, b 1/5, c 1/5); class 2 q = (1/2, 0, 1/2):
    # 0.5 * (0.1 + 0.2 + 0.3) = 0.3; class 1 q = (2/3, 1/3, 0): 0.5*(1/15+2/15+1/5) = 0.2.
    assert t_closeness(df, qi, ["disease"]) == pytest.approx(0.3)
    # Ordered EMD on salary values (1,2,3,5), p = (.2,.2,.4,.2); class 2 q = (0,0,.5,.5):
    # cumulative r = (-.2,-.4,-.3,0) -> sum |.| = .9 / 3 = .3
    assert t_closeness(df, qi, ["salary"]) == pytest.approx(0.3)
    # Forcing categorical treatment of a numeric column uses equal distance instead.
    assert t_closeness(df, qi, ["salary"], numeric={"salary": False}) == pytest.approx(0.4)


def test_risk_models_with_population() -> None:
    df = _toy()
    risk = reidentification_risk(df, ["age", "sex"])
    assert risk["prosecutor_risk_max"] == pytest.approx(0.5)
    assert risk["prosecutor_risk_avg"] == pytest.approx(2 / 5)
    assert risk["marketer_risk"] == pytest.approx(2 / 5)
    assert risk["records_unique"] == 0
    pop = pd.DataFrame({"age": [30, 40], "sex": ["F", "M"], "n": [30, 4]})
    risk = reidentification_risk(df, ["age", "sex"], population=pop, population_count="n")
    assert risk["journalist_risk_max"] == pytest.approx(1 / 4)
    # marketer: (3/30 + 2/4) / 5
    assert risk["marketer_risk"] == pytest.approx((3 / 30 + 2 / 4) / 5)


def test_missing_values_form_their_own_class() -> None:
    df = pl.DataFrame({"zip": ["1", "1", None], "s": ["a", "b", "a"]})
    assert k_anonymity(df, ["zip"]) == 1


def test_missing_sensitive_values_are_one_more_value() -> None:
    # as if the gaps held a value below every other one (numeric) or a category of their own
    df = pl.DataFrame({"q": ["a", "a", None, None, "b", "b"], "s": [1, None, 2, 2, None, 5]})
    filled = df.with_columns(pl.col("s").fill_null(-1))
    for sa_numeric in (True, False):
        got = measure(df, ["q"], ["s"], numeric={"s": sa_numeric}).per_sensitive[0]
        want = measure(filled, ["q"], ["s"], numeric={"s": sa_numeric}).per_sensitive[0]
        assert got == want and got.distinct_values == 4


def test_ragged_csv_rows_are_located_not_dropped(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("zip,phone\n100080,13812345678\n100081\n100082,13912345678,x\n")
    with pytest.raises(InputError) as err:
        load_table(path)
    msg = str(err.value)
    assert "2 malformed row(s)" in msg and "data row 2: expected 2 fields, got 1" in msg
    assert "data row 3: expected 2 fields, got 3" in msg and "139" not in msg
    # with a line skipped before the header the rows keep their numbers
    path.write_text("exported 2026\nzip,phone\n1,2\n3\n")
    with pytest.raises(InputError, match="data row 2: expected 2 fields, got 1"):
        load_table(path, skip_rows=1)


def test_bad_columns_are_located_errors() -> None:
    with pytest.raises(InputError, match=r"quasi-identifiers \['nope'\] are not columns"):
        measure(_toy(), ["nope"], [])
    with pytest.raises(InputError, match="no rows"):
        measure(pl.DataFrame({"a": []}), ["a"], [])
