"""SHAP throughput of Tianping's explainability path vs shap.TreeExplainer, same model, same rows.

Rows:
- German Credit gradient boosting pipeline (scikit-learn): our path *is* shap.TreeExplainer
  on the transformed rows plus the one-hot roll-up, so the honest ratio is about 1.0;
- UCI Adult, one-hot + XGBoost: ours is XGBoost's native `pred_contribs` (exact TreeSHAP in
  C++, multi-threaded). shap.TreeExplainer calls the very same `pred_contribs` for XGBoost
  boosters, so the values are identical and any ratio away from 1.0 is overhead only
  (building shap's explainer, which parses every tree, is timed separately in the note);
- the same with `device="cuda"` (GPUTreeShap) where XGBoost sees a GPU.
Values are compared row by row in the input columns (max |difference| in the note).

    .venv/bin/python benchmarks/bench_shap.py [--quick]
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import _table
import numpy as np
import pandas as pd
from _timing import best_time

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from tianping.adapters import from_estimator  # noqa: E402
from tianping.audit._explain import _to_inputs, _transform, explain  # noqa: E402


def _train_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_train", ROOT / "examples/train_models.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _row(name: str, n: int, ours_s: float, base_s: float, diff: float, note: str) -> dict[str, Any]:
    ours, base = n / ours_s, n / base_s
    return {
        "name": name,
        "ours": round(ours, 1),
        "unit": "rows/s",
        "baseline": "shap.TreeExplainer",
        "baseline_value": round(base, 1),
        "ratio": round(ours / base, 2),
        "note": f"{n} rows; max |SHAP difference| {diff:.1e}; {note}",
    }


def _compare(model: Any, X: pd.DataFrame, baseline_t: np.ndarray[Any, Any]) -> float:
    """Baseline values (transformed space) rolled up with the pipeline's mapping, vs ours."""
    ours = explain(model, X).values
    _, mapping = _transform(model.native[:-1], X)
    return float(np.max(np.abs(ours - _to_inputs(baseline_t, mapping, X.shape[1]))))


def bench(quick: bool = False) -> list[dict[str, object]]:
    import shap  # type: ignore[import-untyped]

    tm = _train_module()
    rows: list[dict[str, object]] = []
    repeat = 1 if quick else 3

    # German Credit: the example's GBM pipeline, test rows tiled to a larger batch.
    frame = tm.load_german()
    train, test = tm.split_german(frame)
    feats = tm.GERMAN_COLUMNS[:-1]
    pipe = tm.credit_pipeline().fit(train[feats], (train["credit_risk"] == 1).astype(int))
    reps = 4 if quick else 40
    X = pd.concat([test[feats]] * reps, ignore_index=True)
    model = from_estimator(pipe, feats)
    ours_s, _ = best_time(lambda: explain(model, X), repeat)
    tree = shap.TreeExplainer(pipe[-1])
    base_s, base_v = best_time(lambda: tree.shap_values(pipe[:-1].transform(X)), repeat)
    rows.append(
        _row(
            "German Credit GBM pipeline (sklearn, 150 trees)",
            len(X),
            ours_s,
            base_s,
            _compare(model, X, np.asarray(base_v)),
            "ours is shap.TreeExplainer plus the one-hot roll-up and additivity check",
        )
    )

    # UCI Adult: one-hot + XGBoost; ours = native pred_contribs.
    import xgboost as xgb
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    adult = tm.load_adult(ROOT / "examples/data/adult/adult.data")
    a_feats = tm.ADULT_FEATURES
    cat = [c for c in a_feats if c not in tm.ADULT_NUMERIC]
    trees = 100 if quick else 300

    def adult_pipe(device: str) -> Pipeline:
        prep = ColumnTransformer(
            [
                ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), cat),
                ("num", "passthrough", tm.ADULT_NUMERIC),
            ]
        )
        booster = xgb.XGBClassifier(
            n_estimators=trees, max_depth=6, learning_rate=0.1, random_state=0, device=device
        )
        return Pipeline([("prep", prep), ("model", booster)])

    y = (adult["income"] == ">50K").astype(int)
    Xa = adult[a_feats] if not quick else adult[a_feats].iloc[:8000]
    xp = adult_pipe("cpu").fit(adult[a_feats], y)
    xm = from_estimator(xp, a_feats)
    ours_s, _ = best_time(lambda: explain(xm, Xa), repeat)
    t0 = time.perf_counter()
    xtree = shap.TreeExplainer(xp[-1])
    build_s = time.perf_counter() - t0
    base_s, base_v = best_time(lambda: xtree.shap_values(xp[:-1].transform(Xa)), repeat)
    rows.append(
        _row(
            f"UCI Adult XGBoost ({trees} trees, depth 6), CPU",
            len(Xa),
            ours_s,
            base_s,
            _compare(xm, Xa, np.asarray(base_v)),
            "ours: XGBoost pred_contribs; shap.TreeExplainer calls the same pred_contribs "
            f"(building it took {build_s:.2f} s, not timed above)",
        )
    )
    try:
        import warnings

        xp.set_params(model__device="cuda")
        xp[-1].get_booster().set_param({"device": "cuda"})
        gm = from_estimator(xp, a_feats)
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            explain(gm, Xa.iloc[:100])  # warm-up: copies the model to the GPU
        if any("GPU to CPU" in str(w.message) for w in seen):
            raise RuntimeError("XGBoost found no GPU")
        g_s, _ = best_time(lambda: explain(gm, Xa), repeat)
        rows.append(
            _row(
                f"UCI Adult XGBoost ({trees} trees, depth 6), GPU",
                len(Xa),
                g_s,
                base_s,
                _compare(gm, Xa, np.asarray(base_v)),
                "ours: pred_contribs on device=cuda (GPUTreeShap); baseline on CPU",
            )
        )
    except Exception as exc:  # no GPU or a CPU-only XGBoost build
        rows.append(
            {
                "name": "UCI Adult XGBoost, GPU",
                "ours": None,
                "unit": "rows/s",
                "baseline": "shap.TreeExplainer",
                "baseline_value": None,
                "ratio": None,
                "note": f"not run: {type(exc).__name__}: {str(exc)[:80]}",
            }
        )
    return rows


if __name__ == "__main__":
    _table.main(bench, __doc__)
