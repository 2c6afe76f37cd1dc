"""What every model audit starts from: the model, its evaluation data, its reference data.

Reads the profile's `models:` and `datasets:` entries, loads the model through an adapter
and the tables through the dataset readers, and derives the audit views: model inputs in
model order, the favourable outcome as 0/1, and the sensitive attributes as group labels
(recoded, numeric ones binned).
"""

from __future__ import annotations

import bisect
import contextlib
import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from tianping.errors import InputError

if TYPE_CHECKING:
    from tianping.adapters import ModelAdapter
    from tianping.checks import CheckContext
    from tianping.systems._profile import Dataset, ModelArtefact

MISSING = "missing"


class NothingToAudit(InputError):
    """The profile has no predictive model or no labelled dataset: the audit does not apply."""


@dataclass
class AuditData:
    """One dataset as the audits see it."""

    frame: pd.DataFrame  # the whole table
    X: pd.DataFrame  # model inputs, in model order
    y: np.ndarray[Any, Any] | None  # 1 favourable / positive outcome, 0 otherwise
    sensitive: pd.DataFrame  # group labels as strings; NaN -> "missing"
    dataset: Dataset
    notes: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.X)


def bin_label(x: float, edges: list[float]) -> str:
    """'[25, 35)' for a value inside the edges; '< 18' or '>= 120' outside them."""
    i = bisect.bisect_right(edges, x)
    lo = edges[i - 1] if i > 0 else None
    hi = edges[i] if i < len(edges) else None
    if lo is not None and hi is not None:
        return f"[{lo:g}, {hi:g})"
    return f"< {hi:g}" if lo is None else f">= {lo:g}"


def group_labels(
    column: pd.Series, *, recode: dict[str, str] | None = None, edges: list[float] | None = None
) -> pd.Series:
    """A sensitive column as string group labels (vectorised over the distinct values)."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    labels: list[str] = []
    for value in uniques.tolist():
        if recode and str(value) in recode:
            labels.append(recode[str(value)])
        elif edges:
            try:
                labels.append(bin_label(float(value), sorted(edges)))
            except (TypeError, ValueError):
                labels.append(str(value))
        else:
            labels.append(_text(value))
    table = np.array([*labels, MISSING], dtype=object)
    return pd.Series(table[codes], index=column.index, name=column.name, dtype=object)


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def sensitive_frame(
    frame: pd.DataFrame, dataset: Dataset, columns: list[str] | None = None
) -> pd.DataFrame:
    cols = dataset.sensitive_attributes if columns is None else columns
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise InputError(
            f"dataset '{dataset.id}' has no sensitive attribute column(s) {missing}; "
            f"its columns are {list(frame.columns)[:20]}"
        )
    out = {
        c: group_labels(frame[c], recode=dataset.recode.get(c), edges=dataset.bins.get(c))
        for c in cols
    }
    return pd.DataFrame(out, index=frame.index)


def favourable(
    target: pd.Series, spec: ModelArtefact, adapter: ModelAdapter
) -> np.ndarray[Any, Any]:
    """1 where the target is the favourable outcome (`positive_label`), else 0."""
    labels = adapter.positive_labels
    if labels is None:
        values = set(pd.unique(target.dropna()).tolist())
        if values <= {0, 1} or values <= {True, False}:
            labels = [1]
        else:
            shown = sorted(str(v) for v in values)[:6]
            raise InputError(
                f"model '{spec.id}': the target '{target.name}' has values {shown}; say which "
                "is favourable with 'positive_label'"
            )
    wanted_text = {str(v) for v in labels}
    wanted_num = {
        float(v) for v in labels if isinstance(v, int | float) and not isinstance(v, bool)
    }
    if pd.api.types.is_numeric_dtype(target) and not pd.api.types.is_bool_dtype(target):
        numeric = set(wanted_num)
        for v in labels:
            if isinstance(v, str):
                with contextlib.suppress(ValueError):
                    numeric.add(float(v))
        y = target.astype("float64").isin(list(numeric))
    else:
        y = target.astype(str).isin(list(wanted_text))
    return y.to_numpy(dtype=np.int8)


def model_spec(ctx: CheckContext, model_id: str | None = None) -> ModelArtefact:
    from tianping.adapters import PREDICTIVE_KINDS

    models = ctx.profile.models
    if model_id is not None:
        spec = next((m for m in models if m.id == model_id), None)
        if spec is None:
            raise InputError(f"model '{model_id}' is not declared in the profile")
        return spec
    spec = next((m for m in models if m.kind in PREDICTIVE_KINDS), None)
    if spec is None:
        raise NothingToAudit(
            "the profile declares no predictive model (sklearn, onnx, xgboost, lightgbm, "
            "callable or http)"
        )
    return spec


def _dataset(ctx: CheckContext, dataset_id: str, spec: ModelArtefact, field_: str) -> Dataset:
    ds = next((d for d in ctx.profile.datasets if d.id == dataset_id), None)
    if ds is None:
        raise InputError(
            f"model '{spec.id}': {field_} '{dataset_id}' is not one of the profile's datasets"
        )
    return ds


def prepare(
    frame: pd.DataFrame, dataset: Dataset, adapter: ModelAdapter, spec: ModelArtefact
) -> AuditData:
    """Split a loaded table into the audit views and validate it against the model."""
    notes: list[str] = []
    missing = [c for c in adapter.feature_names if c not in frame.columns]
    if missing:
        raise InputError(
            f"dataset '{dataset.id}' lacks model input column(s) {missing[:5]} that model "
            f"'{spec.id}' needs"
        )
    y = None
    if dataset.target is not None:
        if dataset.target not in frame.columns:
            raise InputError(f"dataset '{dataset.id}' has no target column '{dataset.target}'")
        absent = frame[dataset.target].isna()
        if absent.any():
            notes.append(
                f"{int(absent.sum())} row(s) without a value in target '{dataset.target}' "
                "were left out"
            )
            frame = frame.loc[~absent]
        y = favourable(frame[dataset.target], spec, adapter)
    X = frame[adapter.feature_names]
    nan_cols = [c for c in X.columns if X[c].isna().any()]
    if nan_cols:
        notes.append(f"missing values in model input column(s) {nan_cols[:5]}")
    sens = sensitive_frame(frame, dataset)
    return AuditData(frame=frame, X=X, y=y, sensitive=sens, dataset=dataset, notes=notes)


def _copy(data: AuditData | None) -> AuditData | None:
    """A view that a check may modify without touching the cached one (copy-on-write)."""
    if data is None:
        return None
    return AuditData(
        frame=data.frame.copy(deep=False),
        X=data.X.copy(deep=False),
        y=None if data.y is None else data.y.copy(),
        sensitive=data.sensitive.copy(deep=False),
        dataset=data.dataset,
        notes=list(data.notes),
    )


def load_audit_inputs(
    ctx: CheckContext, model_id: str | None = None
) -> tuple[ModelAdapter, AuditData, AuditData | None]:
    """(model, evaluation data, reference data or None) for the profile in `ctx`.

    Evaluation data: the model's `evaluation_dataset`, else the first dataset with a
    target. Reference: the model's `training_dataset`, else None. The checks of one run
    (`assess`, `audit`) load them once (`CheckContext.memo`).
    """
    spec = model_spec(ctx, model_id)
    model, data, ref = ctx.memo(("audit.inputs", spec.id), lambda: _load_audit_inputs(ctx, spec))
    data_copy = _copy(data)
    assert data_copy is not None
    # A shallow copy, so a check that moves the threshold does not move it for the next.
    return copy.copy(model), data_copy, _copy(ref)


def _load_audit_inputs(
    ctx: CheckContext, spec: ModelArtefact
) -> tuple[ModelAdapter, AuditData, AuditData | None]:
    from tianping.adapters import load_model

    if spec.evaluation_dataset:
        ev = _dataset(ctx, spec.evaluation_dataset, spec, "evaluation_dataset")
    else:
        found = next((d for d in ctx.profile.datasets if d.target), None)
        if found is None:
            raise NothingToAudit("the profile declares no dataset with a 'target' to audit on")
        ev = found
    frame = _table(ctx, ev)
    guess = [c for c in frame.columns if c != ev.target]
    in_memory = ctx.objects.get(f"model:{spec.id}")
    if in_memory is not None:
        adapter = _adapter_for_object(in_memory, spec, guess)
    else:
        adapter = load_model(spec, ctx.base_dir, trust_pickle=ctx.trust_pickle, feature_names=guess)
    data = prepare(frame, ev, adapter, spec)
    ref = None
    if spec.training_dataset and spec.training_dataset != ev.id:
        tr = _dataset(ctx, spec.training_dataset, spec, "training_dataset")
        ref = prepare(_table(ctx, tr), tr, adapter, spec)
    return adapter, data, ref


def _table(ctx: CheckContext, dataset: Dataset) -> pd.DataFrame:
    """A DataFrame handed over in memory (Python API), else the dataset's file."""
    from tianping.adapters import as_pandas, load_table

    obj = ctx.objects.get(f"dataset:{dataset.id}")
    return as_pandas(obj) if obj is not None else load_table(dataset, ctx.base_dir)


def _adapter_for_object(obj: Any, spec: ModelArtefact, guess: list[str]) -> ModelAdapter:
    """An adapter, a fitted estimator or a plain function passed in memory."""
    from tianping.adapters import ModelAdapter, from_callable, from_estimator
    from tianping.adapters._load import positive_labels_of
    from tianping.adapters._sklearn import intrinsic_feature_names, positive_index_for

    names = spec.features or None
    labels = positive_labels_of(spec)
    adapter: ModelAdapter
    if isinstance(obj, ModelAdapter):
        adapter = obj
    elif hasattr(obj, "predict_proba") or hasattr(obj, "predict"):
        adapter = from_estimator(
            obj,
            names or intrinsic_feature_names(obj) or guess,
            threshold=spec.decision_threshold,
            positive_index=positive_index_for(obj, labels),
        )
    elif callable(obj):
        adapter = from_callable(obj, names or guess, threshold=spec.decision_threshold)
    else:
        raise InputError(
            f"model '{spec.id}': expected a fitted estimator, a ModelAdapter or a function "
            f"DataFrame -> scores, got {type(obj).__name__}"
        )
    adapter.positive_labels = labels
    return adapter
