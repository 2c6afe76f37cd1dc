"""The columnar fairness engine against Fairlearn's MetricFrame, side by side.

Data: n rows, three sensitive columns with 4 x 6 x 10 categories (240 intersectional groups,
pandas categoricals), a true label and a prediction that depend on the groups. Both tools
compute the same metrics by group (count, selection rate, TPR, FPR, FNR, TNR, accuracy) and
the demographic-parity and equalized-odds differences and ratios; the benchmark asserts
that every value is equal (1e-12) before it reports a time.

    python benchmarks/bench_fairness.py --quick     # 100k rows
    python benchmarks/bench_fairness.py             # 1M and 10M rows (Fairlearn: minutes)
"""

from __future__ import annotations

import gc
import time
import tracemalloc
import warnings
from typing import Any

import _table
import numpy as np
import pandas as pd

from tianping.audit._fairness import disaggregate

TOL = 1e-12
SIZES = (4, 6, 10)
METRICS = ("count", "selection_rate", "tpr", "fpr", "fnr", "tnr", "accuracy")


def make_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    cols = {}
    effect = np.zeros(n)
    for name, k in zip(("region", "age_band", "occupation"), SIZES, strict=True):
        codes = rng.integers(0, k, n, dtype=np.int8)
        cols[name] = pd.Categorical.from_codes(codes, [f"{name}_{i}" for i in range(k)])
        effect += codes / (k * 6)
    y_true = (rng.random(n) < 0.35 + effect).astype(np.int8)
    y_pred = (rng.random(n) < 0.25 + 0.4 * y_true + effect / 2).astype(np.int8)
    return y_true, y_pred, pd.DataFrame(cols)


def input_bytes(y_true: np.ndarray, y_pred: np.ndarray, sf: pd.DataFrame) -> int:
    return int(y_true.nbytes + y_pred.nbytes + sf.memory_usage(index=False, deep=True).sum())


def ours(y_true: np.ndarray, y_pred: np.ndarray, sf: pd.DataFrame) -> dict[str, Any]:
    gm = disaggregate(y_true, y_pred, sf)
    out: dict[str, Any] = {"by_group": gm.by_group, "overall": gm.overall}
    for method in ("between_groups", "to_overall"):
        out[method] = gm.disparities(method)
    return out


def fairlearn(y_true: np.ndarray, y_pred: np.ndarray, sf: pd.DataFrame) -> dict[str, Any]:
    from fairlearn import metrics as flm
    from sklearn.metrics import accuracy_score

    fns = {
        "count": flm.count,
        "selection_rate": flm.selection_rate,
        "tpr": flm.true_positive_rate,
        "fpr": flm.false_positive_rate,
        "fnr": flm.false_negative_rate,
        "tnr": flm.true_negative_rate,
        "accuracy": accuracy_score,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mf = flm.MetricFrame(metrics=fns, y_true=y_true, y_pred=y_pred, sensitive_features=sf)
        out: dict[str, Any] = {"by_group": mf.by_group, "overall": mf.overall}
        for method in ("between_groups", "to_overall"):
            d, r = mf.difference(method=method), mf.ratio(method=method)
            out[method] = {
                "demographic_parity_difference": d["selection_rate"],
                "demographic_parity_ratio": r["selection_rate"],
                "equalized_odds_difference": max(d["tpr"], d["fpr"]),
                "equalized_odds_ratio": min(r["tpr"], r["fpr"]),
            }
    return out


def assert_equal(a: dict[str, Any], b: dict[str, Any]) -> None:
    mine = a["by_group"][list(METRICS)].astype(float)
    theirs = b["by_group"].dropna(how="all")[list(METRICS)].astype(float)
    theirs = theirs.reindex(mine.index)
    assert len(mine) == len(theirs) == 240, len(theirs)
    np.testing.assert_allclose(mine.to_numpy(), theirs.to_numpy(), rtol=0, atol=TOL)
    for m in METRICS:
        assert abs(float(a["overall"][m]) - float(b["overall"][m])) <= TOL, m
    for method in ("between_groups", "to_overall"):
        for k, v in b[method].items():
            assert abs(float(a[method][k]) - float(v)) <= TOL, (method, k)


def timed(fn: Any, *args: Any, repeats: int = 1) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        out = fn(*args)
        best = min(best, time.perf_counter() - t0)
    return best, out


def peak_memory(fn: Any, *args: Any) -> int:
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    fn(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return int(peak - base)


def bench(quick: bool = False) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for n in (100_000,) if quick else (1_000_000, 10_000_000):
        y_true, y_pred, sf = make_data(n)
        size = input_bytes(y_true, y_pred, sf)
        t_ours, a = timed(ours, y_true, y_pred, sf, repeats=3)
        t_fl, b = timed(fairlearn, y_true, y_pred, sf)
        assert_equal(a, b)
        label = f"{n / 1e6:g}M" if n >= 1_000_000 else f"{n // 1000}k"
        rows.append(
            {
                "name": f"fairness by group + DP/EO disparities, {label} rows x 240 groups",
                "ours": round(t_ours, 4),
                "unit": "s",
                "baseline": "fairlearn MetricFrame",
                "baseline_value": round(t_fl, 3),
                "ratio": round(t_fl / t_ours, 1),
                "note": "identical values (1e-12), intersectional 4x6x10",
            }
        )
        peak = peak_memory(ours, y_true, y_pred, sf)
        rows.append(
            {
                "name": f"fairness engine peak memory / input columns, {label} rows",
                "ours": round(peak / size, 3),
                "unit": "x input",
                "baseline": "",
                "baseline_value": None,
                "ratio": None,
                "note": f"peak {peak / 2**20:.1f} MiB (tracemalloc) vs input "
                f"{size / 2**20:.1f} MiB",
            }
        )
        gm = disaggregate(y_true, y_pred, sf, min_group_size=30)
        t_boot, _ = timed(lambda g=gm: g.bootstrap(200).disparity_ci())
        rows.append(
            {
                "name": f"200-replicate bootstrap CIs of DP/EO, {label} rows",
                "ours": round(t_boot, 4),
                "unit": "s",
                "baseline": "",
                "baseline_value": None,
                "ratio": None,
                "note": "cell bootstrap (multinomial over group x label x prediction)",
            }
        )
        del y_true, y_pred, sf, a, b
    return rows


if __name__ == "__main__":
    _table.main(bench, __doc__, quick_help="100k rows only")
