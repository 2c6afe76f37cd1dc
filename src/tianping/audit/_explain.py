"""SHAP explanations with the explainer that fits the model, in the model's input columns.

- tree ensembles: exact TreeSHAP (XGBoost `pred_contribs`, LightGBM `pred_contrib`, both
  exact TreeSHAP in C++; scikit-learn trees through `shap.TreeExplainer`), log-odds space;
- linear models: exact linear SHAP, coef * (x - mean of the background), on the
  transformed space, log-odds for logistic models;
- anything else: `shap.PermutationExplainer` on the positive-class score with a sampled
  background, after timing two rows to state the estimated time first. Never Kernel for
  trees.

Pipelines are explained in the space their last step sees (`pipeline[:-1].transform`); the
contributions of the transformed columns are then summed back onto the input column they
came from (a one-hot encoded column gets one value). Additivity (sum of SHAP values plus the
expected value equals the model output in the explainer's space) is measured and reported.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from tianping.errors import InputError

if TYPE_CHECKING:
    from tianping.adapters import ModelAdapter

Array = np.ndarray[Any, Any]


class _Unmappable(Exception):
    """A pipeline step whose outputs cannot be traced back to single input columns."""


@dataclass
class ShapExplanation:
    """SHAP values (rows x input columns) and how they were obtained."""

    explainer: str
    output_space: str  # "log-odds", "probability" or "raw"
    feature_names: list[str]
    values: Array  # (n, p) in input columns
    expected_value: float
    model_output: Array  # (n,) model output in `output_space`
    rows: Array  # positions (into the X given) of the explained rows
    background_size: int
    estimated_seconds: float
    seconds: float
    additivity_max_error: float
    note: str = ""

    def importance(self) -> pd.Series[float]:
        """Global importance: mean |SHAP| per input column, largest first."""
        imp = pd.Series(np.abs(self.values).mean(axis=0), index=self.feature_names)
        return imp.sort_values(ascending=False, kind="stable")


@dataclass
class Stability:
    spearman_min: float
    spearman_mean: float
    kendall_min: float
    topk_jaccard_min: float
    resamples: int
    top_k: int


# --- mapping transformed columns back to input columns ---------------------------------


def _ohe_counts(enc: Any) -> list[int]:
    counts = getattr(enc, "_n_features_outs", None)
    if counts is None:
        drop = getattr(enc, "drop_idx_", None)
        counts = [
            len(c) - (1 if drop is not None and drop[i] is not None else 0)
            for i, c in enumerate(enc.categories_)
        ]
    return [int(c) for c in counts]


def _sub_mapping(trans: Any, k: int, m: int) -> Array:
    """For a transformer with k inputs and m outputs: the input index of each output."""
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    last = trans.steps[-1][1] if isinstance(trans, Pipeline) else trans
    if isinstance(last, OneHotEncoder):
        counts = _ohe_counts(last)
        if len(counts) == k and sum(counts) == m:
            return np.repeat(np.arange(k), counts)
        raise _Unmappable(f"one-hot encoder output {sum(counts)} != {m}")
    if m == k:
        return np.arange(k)
    if k == 1:
        return np.zeros(m, dtype=int)
    raise _Unmappable(f"{type(last).__name__} maps {k} columns to {m}")


def _column_transformer_mapping(ct: Any, columns: list[str], m: int) -> Array:
    out = np.full(m, -1, dtype=int)
    in_idx_map: dict[str, list[int]] | None = getattr(ct, "_transformer_to_input_indices", None)
    for name, trans, cols in ct.transformers_:
        sl = ct.output_indices_.get(name)
        if sl is None or sl.stop <= sl.start or trans == "drop":
            continue
        if in_idx_map is not None and name in in_idx_map:
            in_idx = list(in_idx_map[name])
        elif isinstance(cols, list | tuple) and all(isinstance(c, str) for c in cols):
            in_idx = [columns.index(c) for c in cols]
        else:
            raise _Unmappable(f"cannot resolve the columns of transformer '{name}'")
        sub = _sub_mapping(trans, len(in_idx), sl.stop - sl.start)
        out[sl] = np.asarray(in_idx, dtype=int)[sub]
    if (out < 0).any():
        raise _Unmappable("some transformed columns come from no input column")
    return out


def _transform(prefix: Any, X: pd.DataFrame) -> tuple[Array, Array]:
    """Transform X through the pipeline prefix; return Xt and the input index per column."""
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder

    columns = [str(c) for c in X.columns]
    mapping = np.arange(len(columns))
    data: Any = X
    steps = prefix.steps if hasattr(prefix, "steps") else [("step", prefix)]
    for _, step in steps:
        if step is None or step == "passthrough":
            continue
        k = data.shape[1]
        data_out = step.transform(data)
        m = data_out.shape[1]
        if isinstance(step, ColumnTransformer):
            if not isinstance(data, pd.DataFrame):
                raise _Unmappable("column transformer after a step that dropped column names")
            sub = _column_transformer_mapping(step, [str(c) for c in data.columns], m)
        elif isinstance(step, OneHotEncoder):
            sub = _sub_mapping(step, k, m)
        elif m == k:
            sub = np.arange(k)
        else:
            raise _Unmappable(f"{type(step).__name__} maps {k} columns to {m}")
        mapping = mapping[sub]
        data = data_out
    if hasattr(data, "toarray"):
        data = data.toarray()
    return np.asarray(data, dtype=float), mapping


def _head(Xt: Any, n: int) -> Any:
    return Xt.iloc[:n] if isinstance(Xt, pd.DataFrame) else Xt[:n]


def _to_inputs(values_t: Array, mapping: Array, p: int) -> Array:
    out = np.zeros((values_t.shape[0], p))
    for j in range(values_t.shape[1]):
        out[:, mapping[j]] += values_t[:, j]
    return out


# --- explainer selection -----------------------------------------------------------------


def _split(native: Any) -> tuple[Any, Any]:
    """(prefix, final estimator) of a pipeline, or (None, model)."""
    if hasattr(native, "steps") and len(getattr(native, "steps", [])) > 1:
        return native[:-1], native.steps[-1][1]
    if hasattr(native, "steps") and native.steps:
        return None, native.steps[-1][1]
    return None, native


def _lib(obj: Any) -> str:
    return type(obj).__module__.split(".")[0]


def _is_tree(est: Any) -> bool:
    if _lib(est) in ("xgboost", "lightgbm"):
        return not (_lib(est) == "xgboost" and "gblinear" in str(getattr(est, "booster", "")))
    name = type(est).__name__
    return _lib(est) == "sklearn" and any(
        k in name for k in ("GradientBoosting", "RandomForest", "ExtraTrees", "DecisionTree")
    )


def _is_linear(est: Any) -> bool:
    return _lib(est) == "sklearn" and hasattr(est, "coef_") and hasattr(est, "intercept_")


def plan(model: ModelAdapter) -> str:
    """Which explainer `explain` will use for this model (stated before it starts)."""
    _, est = _split(model.native)
    if est is not None and _is_tree(est):
        if _lib(est) == "xgboost":
            return "tree_shap (xgboost pred_contribs, exact)"
        if _lib(est) == "lightgbm":
            return "tree_shap (lightgbm pred_contrib, exact)"
        return "tree_shap (shap.TreeExplainer, exact)"
    if est is not None and _is_linear(est):
        return "linear_shap (exact, coef x (x - background mean))"
    return "permutation (shap.PermutationExplainer)"


def _positive_sign(model: ModelAdapter, est: Any) -> float:
    """Binary log-odds from libraries are for class 1; flip when the favourable is class 0."""
    classes = getattr(est, "classes_", None)
    if classes is not None and len(classes) == 2 and model.positive_index == 0:
        return -1.0
    return 1.0


def _named(est: Any, Xt: Array) -> Any:
    """Xt with the column names the estimator was fitted with, if it knows them."""
    names = getattr(est, "feature_names_in_", None)
    if names is not None and len(names) == Xt.shape[1]:
        return pd.DataFrame(Xt, columns=list(names))
    return Xt


def _tree_values(
    model: ModelAdapter, est: Any, Xt: Array, cache: dict[str, Any] | None = None
) -> tuple[Array, float, Array, str]:
    """(SHAP values in the transformed space, expected value, model output, space)."""
    lib = _lib(est)
    if lib == "xgboost":
        import xgboost

        booster = est.get_booster() if hasattr(est, "get_booster") else est
        dm = xgboost.DMatrix(Xt, enable_categorical=True)
        contrib = np.asarray(
            booster.predict(dm, pred_contribs=True, validate_features=False), dtype=float
        )
        margin = np.asarray(
            booster.predict(dm, output_margin=True, validate_features=False), dtype=float
        )
        if contrib.ndim != 2:
            raise _Unmappable("multi-output XGBoost model")
        return contrib[:, :-1], float(contrib[0, -1]), margin, "log-odds"
    if lib == "lightgbm":
        booster = est.booster_ if hasattr(est, "booster_") else est
        contrib = np.asarray(booster.predict(Xt, pred_contrib=True), dtype=float)
        raw = np.asarray(booster.predict(Xt, raw_score=True), dtype=float)
        if contrib.ndim != 2 or contrib.shape[1] != Xt.shape[1] + 1:
            raise _Unmappable("multi-output LightGBM model")
        return contrib[:, :-1], float(contrib[0, -1]), raw, "log-odds"
    import shap

    cache = {} if cache is None else cache
    if "tree" not in cache:
        cache["tree"] = shap.TreeExplainer(est)
    explainer = cache["tree"]
    vals = np.asarray(explainer.shap_values(Xt, check_additivity=False), dtype=float)
    ev = np.atleast_1d(np.asarray(explainer.expected_value, dtype=float))
    if vals.ndim == 3:  # per-class values (random forests): probability space
        pos = model.positive_index
        proba = np.asarray(est.predict_proba(_named(est, Xt)), dtype=float)[:, pos]
        return vals[:, :, pos], float(ev[pos]), proba, "probability"
    sign = _positive_sign(model, est)
    if hasattr(est, "decision_function"):
        out = np.asarray(est.decision_function(_named(est, Xt)), dtype=float).reshape(-1)
        return sign * vals, sign * float(ev[0]), sign * out, "log-odds"
    return vals, float(ev[0]), np.asarray(est.predict(_named(est, Xt)), dtype=float), "raw"


def _linear_values(
    model: ModelAdapter, est: Any, Xt: Array, bg_t: Array
) -> tuple[Array, float, Array, str]:
    coef = np.asarray(est.coef_, dtype=float)
    if coef.ndim == 2 and coef.shape[0] != 1:
        raise _Unmappable("multi-class linear model")
    coef = coef.reshape(-1)
    intercept = float(np.asarray(est.intercept_, dtype=float).reshape(-1)[0])
    mean = bg_t.mean(axis=0)
    sign = _positive_sign(model, est)
    vals = sign * coef * (Xt - mean)
    ev = sign * (float(mean @ coef) + intercept)
    out = sign * (Xt @ coef + intercept)
    space = "log-odds" if hasattr(est, "predict_proba") else "raw"
    return vals, ev, out, space


class _Coder:
    """Integer codes for every column, so shap's arithmetic masker can mix any dtypes."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.columns = list(frame.columns)
        self.dtypes = frame.dtypes
        self.uniques: list[Any] = []
        for c in self.columns:
            _, uniq = pd.factorize(frame[c], use_na_sentinel=False)
            self.uniques.append(uniq)

    def encode(self, frame: pd.DataFrame) -> Array:
        out = np.empty((len(frame), len(self.columns)))
        for j, c in enumerate(self.columns):
            idx = pd.Index(self.uniques[j])
            out[:, j] = idx.get_indexer(frame[c])
            if (out[:, j] < 0).any():  # NaN: get_indexer finds it only via isna
                na_pos = np.flatnonzero(pd.isna(idx))
                out[pd.isna(frame[c]).to_numpy(), j] = na_pos[0] if na_pos.size else -1
        return out

    def decode(self, codes: Array) -> pd.DataFrame:
        cols = {}
        for j, c in enumerate(self.columns):
            vals = np.asarray(self.uniques[j], dtype=object)[codes[:, j].astype(int)]
            cols[c] = pd.Series(vals).astype(self.dtypes.iloc[j], errors="ignore")
        return pd.DataFrame(cols)


def _permutation(
    model: ModelAdapter,
    X: pd.DataFrame,
    background: pd.DataFrame,
    *,
    max_seconds: float | None,
    max_evals: int | None,
    seed: int,
) -> tuple[Array, float, Array, float, int]:
    """(values, expected value, model output, estimated seconds, rows explained)."""
    import shap

    coder = _Coder(pd.concat([background, X], ignore_index=True))
    bg = coder.encode(background)
    xs = coder.encode(X)

    def f(codes: Array) -> Array:
        return np.asarray(model.predict_score(coder.decode(codes)), dtype=float)

    p = X.shape[1]
    evals = max_evals or max(2 * p + 1, 10 * p)
    explainer = shap.PermutationExplainer(f, shap.maskers.Independent(bg, max_samples=len(bg)))
    # The first call pays shap's one-off compilation; time the next two rows for the rate.
    t0 = time.perf_counter()
    chunks = [explainer(xs[:1], max_evals=evals, silent=True)]
    t_warm = time.perf_counter() - t0
    n_probe = min(3, len(xs))
    t1 = time.perf_counter()
    if n_probe > 1:
        chunks.append(explainer(xs[1:n_probe], max_evals=evals, silent=True))
    per_row = (time.perf_counter() - t1) / max(n_probe - 1, 1) if n_probe > 1 else t_warm
    estimated = t_warm + per_row * (len(xs) - 1)
    n = len(xs)
    if max_seconds is not None and estimated > max_seconds:
        n = max(n_probe, int((max_seconds - t_warm) / max(per_row, 1e-9)) + 1)
    if n > n_probe:
        chunks.append(explainer(xs[n_probe:n], max_evals=evals, silent=True))
    parts = [np.asarray(c.values, dtype=float) for c in chunks]
    bases = [np.asarray(c.base_values, dtype=float).reshape(-1) for c in chunks]
    vals = np.vstack(parts)
    base = np.concatenate(bases)
    out = f(xs[:n])
    return vals, float(base.mean()), out, estimated, n


def explain(
    model: ModelAdapter,
    X: pd.DataFrame,
    *,
    background: pd.DataFrame | None = None,
    background_size: int = 100,
    max_seconds: float | None = 120.0,
    max_evals: int | None = None,
    seed: int = 0,
) -> ShapExplanation:
    """SHAP values of `model` on the rows of `X`, one value per input column.

    `background` (e.g. training rows) gives the linear baseline mean and the permutation
    background (`background_size` rows sampled with `seed`); default: X itself. For the
    permutation explainer the time is estimated on two rows first; with `max_seconds`, fewer
    rows are explained when the estimate exceeds it (the result says how many).
    """
    features = list(model.feature_names)
    missing = [c for c in features if c not in X.columns]
    if missing:
        raise InputError(f"data lack the model's feature column(s) {missing}")
    X = X[features].reset_index(drop=True)
    if len(X) == 0:
        raise InputError("no rows to explain")
    bg_full = (background if background is not None else X)[features].reset_index(drop=True)
    prefix, est = _split(model.native)
    chosen = plan(model)
    note = ""
    t0 = time.perf_counter()
    if not chosen.startswith("permutation"):
        try:
            Xt: Any
            if prefix is not None:
                Xt, mapping = _transform(prefix, X)
            elif _lib(est) in ("xgboost", "lightgbm"):
                from tianping.adapters._boosters import _categorical

                # Same input the adapter gives the booster: strings as pandas categoricals.
                Xt, mapping = _categorical(X), np.arange(len(features))
            else:
                Xt, mapping = X.to_numpy(dtype=float), np.arange(len(features))
            probe = min(len(X), 50)
            cache: dict[str, Any] = {}

            if chosen.startswith("tree"):
                # First call builds the explainer (fixed cost), second gives the row rate.
                t_a = time.perf_counter()
                _tree_values(model, est, _head(Xt, probe), cache)
                t_b = time.perf_counter()
                _tree_values(model, est, _head(Xt, probe), cache)
                per_row = (time.perf_counter() - t_b) / probe
                estimated = max(t_b - t_a - per_row * probe, 0.0) + per_row * len(X)
                vals_t, ev, out, space = _tree_values(model, est, Xt, cache)
                bg_n = 0  # path-dependent TreeSHAP uses the trees' cover, no background
            else:
                t_a = time.perf_counter()
                _linear_values(model, est, _head(Xt, probe), _head(Xt, probe))
                estimated = (time.perf_counter() - t_a) * len(X) / probe
                bg_t = (
                    _transform(prefix, bg_full)[0]
                    if prefix is not None
                    else bg_full.to_numpy(dtype=float)
                )
                vals_t, ev, out, space = _linear_values(model, est, Xt, bg_t)
                bg_n = len(bg_t)
            values = _to_inputs(vals_t, mapping, len(features))
            err = float(np.max(np.abs(values.sum(axis=1) + ev - out)))
            return ShapExplanation(
                explainer=chosen,
                output_space=space,
                feature_names=features,
                values=values,
                expected_value=ev,
                model_output=out,
                rows=np.arange(len(X)),
                background_size=bg_n,
                estimated_seconds=estimated,
                seconds=time.perf_counter() - t0,
                additivity_max_error=err,
            )
        except (_Unmappable, ValueError, TypeError) as exc:
            note = f"exact path unavailable ({exc}); used the permutation explainer"
            chosen = "permutation (shap.PermutationExplainer)"
    rng = np.random.default_rng(seed)
    take = min(background_size, len(bg_full))
    bg = bg_full.iloc[np.sort(rng.choice(len(bg_full), size=take, replace=False))]
    vals, ev, out, estimated, n = _permutation(
        model,
        X,
        bg.reset_index(drop=True),
        max_seconds=max_seconds,
        max_evals=max_evals,
        seed=seed,
    )
    if n < len(X):
        note = (note + "; " if note else "") + (
            f"estimated {estimated:.0f} s for {len(X)} rows exceeds {max_seconds:g} s: "
            f"explained the first {n} rows"
        )
    err = float(np.max(np.abs(vals.sum(axis=1) + ev - out)))
    return ShapExplanation(
        explainer=chosen,
        output_space="probability",
        feature_names=features,
        values=vals,
        expected_value=ev,
        model_output=out,
        rows=np.arange(n),
        background_size=take,
        estimated_seconds=estimated,
        seconds=time.perf_counter() - t0,
        additivity_max_error=err,
        note=note,
    )


def stability(
    expl: ShapExplanation, *, resamples: int = 20, top_k: int = 5, seed: int = 0
) -> Stability:
    """How stable the global ranking is: bootstrap the explained rows, compare rankings.

    Spearman and Kendall rank correlation of mean |SHAP| between each resample and the full
    sample, and the Jaccard overlap of the top-k features.
    """
    from scipy.stats import kendalltau, spearmanr

    rng = np.random.default_rng(seed)
    absv = np.abs(expl.values)
    full = absv.mean(axis=0)
    k = min(top_k, full.size)
    top = set(np.argsort(-full, kind="stable")[:k].tolist())
    sp: list[float] = []
    kt: list[float] = []
    jac: list[float] = []
    n = absv.shape[0]
    for _ in range(resamples):
        imp = absv[rng.integers(0, n, size=n)].mean(axis=0)
        if np.ptp(imp) == 0 or np.ptp(full) == 0:
            s = t = 1.0 if np.allclose(imp, full) else 0.0
        else:
            s = float(spearmanr(full, imp).statistic)
            t = float(kendalltau(full, imp).statistic)
        sp.append(s)
        kt.append(t)
        other = set(np.argsort(-imp, kind="stable")[:k].tolist())
        jac.append(len(top & other) / len(top | other) if top | other else 1.0)
    return Stability(
        spearman_min=max(0.0, min(sp)),
        spearman_mean=float(np.mean(sp)),
        kendall_min=max(0.0, min(kt)),
        topk_jaccard_min=min(jac),
        resamples=resamples,
        top_k=k,
    )


def sample_decisions(decisions: Array, *, per_class: int = 5, seed: int = 0) -> list[int]:
    """Positions of up to `per_class` declined (0) and approved (1) decisions, seeded."""
    rng = np.random.default_rng(seed)
    out: list[int] = []
    for cls in (0, 1):
        pos = np.flatnonzero(decisions == cls)
        if pos.size:
            out.extend(np.sort(rng.choice(pos, size=min(per_class, pos.size), replace=False)))
    return [int(i) for i in out]
