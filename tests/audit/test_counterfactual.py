"""Counterfactual probe: models that do and do not use the protected attribute."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from tianping.adapters import ModelAdapter, from_callable
from tianping.audit import _counterfactual as cf
from tianping.audit._inputs import AuditData, group_labels

RECODE = {"A91": "male", "A92": "female", "A93": "male", "A94": "male", "A95": "female"}


def _frame(n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "pss": rng.choice(list(RECODE), size=n),
            "age": rng.integers(19, 70, size=n),
            "income": rng.normal(size=n),
            "postcode": rng.choice(["p1", "p2"], size=n),
        }
    )


def test_model_using_sex_flips_every_row_and_ignores_same_group_values() -> None:
    X = _frame()
    groups = group_labels(X["pss"], recode=RECODE)
    female = lambda d: d["pss"].isin(["A92", "A95"]).astype(float)  # noqa: E731
    m = from_callable(female, list(X.columns))
    r = cf.direct_flip(m, X, m.predict(X), "pss", groups, None)
    assert r.flip_rate == 1.0
    assert r.by_group == {"female": 1.0, "male": 1.0}
    # a model that only tells A91 from A93 (both male) is not changed by a sex flip to... A91
    # or A93 for females, but males coded A93 moved to female codes do flip: by group
    only_a93 = from_callable(lambda d: (d["pss"] == "A93").astype(float), list(X.columns))
    r2 = cf.direct_flip(only_a93, X, only_a93.predict(X), "pss", groups, None)
    assert r2.by_group["female"] == 1.0  # every female row can move to A93
    male = groups == "male"
    expected_male = float((X.loc[male, "pss"] == "A93").mean())
    assert r2.by_group["male"] == pytest.approx(expected_male)


def test_age_bins_and_unused_attribute() -> None:
    X = _frame()
    edges = [18, 25, 35, 50, 65, 120]
    groups = group_labels(X["age"], edges=edges)
    m = from_callable(lambda d: (d["income"] > 0).astype(float), list(X.columns))
    r = cf.direct_flip(m, X, m.predict(X), "age", groups, edges)
    assert r.flip_rate == 0.0
    assert r.alternatives == 5
    old = from_callable(lambda d: (d["age"] >= 50).astype(float), list(X.columns))
    r2 = cf.direct_flip(old, X, old.predict(X), "age", groups, edges)
    assert r2.flip_rate == 1.0


def test_proxy_resampling_from_other_groups() -> None:
    X = _frame()
    groups = pd.Series(np.where(X["postcode"] == "p1", "g1", "g2"), index=X.index)
    m = from_callable(lambda d: (d["postcode"] == "p1").astype(float), list(X.columns))
    r = cf.proxy_flip(m, X, m.predict(X), "ethnicity", ["postcode"], groups, seed=0)
    assert r.mode == "proxies"
    assert r.flip_rate == 1.0  # every donor comes from the other group
    same = cf.proxy_flip(m, X, m.predict(X), "ethnicity", ["income"], groups, seed=0)
    assert same.flip_rate == 0.0


def test_real_credit_model(credit_model: ModelAdapter, credit_data: AuditData) -> None:
    X = credit_data.X
    base = credit_model.predict(X)
    ds = credit_data.dataset
    r = cf.direct_flip(
        credit_model,
        X,
        base,
        "personal_status_sex",
        credit_data.sensitive["personal_status_sex"],
        None,
    )
    assert set(r.by_group) == {"female", "male"}
    assert 0.0 <= r.flip_rate <= 1.0
    a: Any = cf.direct_flip(
        credit_model, X, base, "age", credit_data.sensitive["age"], ds.bins.get("age")
    )
    assert a.alternatives == len(set(credit_data.sensitive["age"]))
