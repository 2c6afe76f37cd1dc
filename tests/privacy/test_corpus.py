"""The corpus generator: seeded, labelled, with valid identifiers and invalid decoys."""

from __future__ import annotations

import datetime as dt

from tianping.privacy import _validators as V
from tianping.privacy._corpus import evaluate, generate, generate_size


def test_same_seed_same_corpus() -> None:
    a = [r.text for r in generate(200, seed=3)]
    b = [r.text for r in generate(200, seed=3)]
    c = [r.text for r in generate(200, seed=4)]
    assert a == b
    assert a != c


def test_spans_are_labelled_and_identifiers_are_valid() -> None:
    recs = list(generate(1500, seed=9))
    today = dt.date.today()
    ids = [r.text[s:e] for r in recs for s, e, t in r.spans if t == "cn_resident_id"]
    decoys = [r.text[s:e] for r in recs for s, e, t in r.spans if t == "decoy_id18"]
    cards = [r.text[s:e].replace(" ", "") for r in recs for s, e, t in r.spans if t == "bank_card"]
    assert len(ids) > 50 and len(decoys) > 10 and len(cards) > 50
    struct, chk, _ = V.resident_id18(ids, today)
    assert struct.all() and chk.all()
    d_struct, d_chk, _ = V.resident_id18(decoys, today)
    assert d_struct.all() and not d_chk.any()
    assert V.luhn(cards).all()
    for r in recs:
        for s, e, t in r.spans:
            assert 0 <= s < e <= len(r.text), t
    labels = {t for r in recs for _, _, t in r.spans}
    assert {"person_name_zh", "address_zh", "email", "decoy_order", "decoy_ts"} <= labels


def test_generate_size_reaches_the_size() -> None:
    recs = generate_size(0.05, seed=1)
    assert sum(len(r.text.encode()) + 1 for r in recs) >= 50_000


def test_evaluate_counts_hits_and_misses() -> None:
    import polars as pl

    recs = list(generate(50, seed=2))
    gold = [(i, s, e, t) for i, r in enumerate(recs) for s, e, t in r.pi_spans()]
    perfect = pl.DataFrame(
        {
            "row": [g[0] for g in gold],
            "start": [g[1] for g in gold],
            "end": [g[2] for g in gold],
            "pi_type": [g[3] for g in gold],
        }
    )
    res = evaluate(recs, perfect)
    assert all(v["precision"] == 1.0 and v["recall"] == 1.0 for v in res.values())
    half = perfect.head(len(gold) // 2).with_columns(pl.lit("email").alias("pi_type"))
    res2 = evaluate(recs, half)
    assert res2["email"]["precision"] < 1.0
