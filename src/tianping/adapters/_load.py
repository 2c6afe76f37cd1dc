"""Build the right adapter for a profile's model artefact, or wrap an object in memory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tianping.adapters._base import ModelAdapter
from tianping.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from tianping.systems._profile import ModelArtefact

PREDICTIVE_KINDS = ("sklearn", "onnx", "xgboost", "lightgbm", "callable", "http")


def positive_labels_of(spec: ModelArtefact) -> list[Any] | None:
    label = spec.positive_label
    if label is None:
        return None
    return list(label) if isinstance(label, list) else [label]


def _check_declared(
    spec: ModelArtefact, intrinsic: list[str] | None, where: str
) -> list[str] | None:
    """The profile's feature list against the names the model file itself carries."""
    if spec.features is None or intrinsic is None:
        return spec.features or intrinsic
    unexpected = [c for c in spec.features if c not in intrinsic]
    missing = [c for c in intrinsic if c not in spec.features]
    if unexpected or missing:
        parts = []
        if unexpected:
            parts.append(f"unexpected column(s) {unexpected[:5]} (the model does not know them)")
        if missing:
            parts.append(f"missing column(s) {missing[:5]} (the model needs them)")
        raise InputError(
            f"model '{spec.id}' ({where}): 'features' in the profile has " + "; ".join(parts)
        )
    return intrinsic  # the model's own order is the one it was fitted with


def load_model(
    spec: ModelArtefact,
    base_dir: Path,
    *,
    trust_pickle: bool,
    feature_names: list[str] | None = None,
) -> ModelAdapter:
    """The adapter for one `models:` entry of a profile.

    Feature names: the profile's `features`, else the names stored in the model file, else
    `feature_names` (the caller's guess, e.g. the dataset's columns minus the target).
    """
    threshold = spec.decision_threshold
    labels = positive_labels_of(spec)
    path = None
    if spec.path:
        path = Path(spec.path)
        path = path if path.is_absolute() else base_dir / path
    if spec.kind in ("sklearn", "onnx", "xgboost", "lightgbm") and path is None:
        raise InputError(f"model '{spec.id}' of kind '{spec.kind}' needs 'path'")
    adapter: ModelAdapter
    if spec.kind == "sklearn":
        from tianping.adapters._sklearn import (
            SklearnAdapter,
            intrinsic_feature_names,
            load_pickled,
            positive_index_for,
        )

        assert path is not None
        est = load_pickled(path, trust_pickle=trust_pickle)
        names = _check_declared(spec, intrinsic_feature_names(est), path.name) or feature_names
        if not names:
            raise InputError(f"model '{spec.id}': give 'features' (the model does not name them)")
        adapter = SklearnAdapter(
            est,
            names,
            threshold=threshold,
            positive_index=positive_index_for(est, labels),
            source=path.name,
        )
    elif spec.kind == "onnx":
        from tianping.adapters._onnx import OnnxAdapter

        assert path is not None
        adapter = OnnxAdapter(path, spec.features or feature_names, threshold=threshold)
    elif spec.kind == "xgboost":
        from tianping.adapters._boosters import XGBoostAdapter

        assert path is not None
        adapter = XGBoostAdapter.from_file(path, spec.features or None, threshold=threshold)
        if spec.features is None and feature_names and adapter.feature_names != feature_names:
            pass  # the booster's own names win; the data is checked against them later
    elif spec.kind == "lightgbm":
        from tianping.adapters._boosters import LightGBMAdapter

        assert path is not None
        adapter = LightGBMAdapter.from_file(path, spec.features or None, threshold=threshold)
    elif spec.kind == "callable":
        from tianping.adapters._callable import CallableAdapter, import_callable

        if not spec.callable:
            raise InputError(f"model '{spec.id}' of kind 'callable' needs 'callable: module:fn'")
        names = spec.features or feature_names
        if not names:
            raise InputError(f"model '{spec.id}': give 'features' for the callable")
        fn = import_callable(spec.callable, base_dir, trust_code=trust_pickle)
        adapter = CallableAdapter(fn, names, threshold=threshold, name=spec.callable)
    elif spec.kind == "http":
        from tianping.adapters._http import HttpAdapter

        names = spec.features or feature_names
        if not names:
            raise InputError(f"model '{spec.id}': give 'features' for the endpoint")
        assert spec.endpoint is not None
        adapter = HttpAdapter(
            spec.endpoint,
            names,
            threshold=threshold,
            timeout_s=spec.timeout_s,
            batch_size=spec.batch_size,
        )
    else:
        raise InputError(
            f"model '{spec.id}' of kind '{spec.kind}' is not a predictive model the audits "
            f"can run (kinds: {', '.join(PREDICTIVE_KINDS)})"
        )
    adapter.positive_labels = labels
    return adapter


def from_estimator(
    estimator: Any,
    feature_names: list[str] | None = None,
    *,
    threshold: float = 0.5,
    positive_index: int = 1,
) -> ModelAdapter:
    """Wrap a fitted scikit-learn estimator or Pipeline (or an XGB/LGBM sklearn wrapper)."""
    from tianping.adapters._sklearn import SklearnAdapter, intrinsic_feature_names

    names = feature_names or intrinsic_feature_names(estimator)
    if not names:
        raise InputError("give feature_names: the estimator was fitted without column names")
    return SklearnAdapter(estimator, names, threshold=threshold, positive_index=positive_index)


def from_callable(
    fn: Callable[[pd.DataFrame], Any],
    feature_names: list[str],
    *,
    threshold: float = 0.5,
    kind: str = "callable",
) -> ModelAdapter:
    """Wrap a function DataFrame -> scores (or 0/1 labels) as a model."""
    from tianping.adapters._callable import CallableAdapter

    adapter = CallableAdapter(fn, feature_names, threshold=threshold)
    if kind != "callable":
        adapter.kind = kind  # type: ignore[misc]  # a label for reports only
    return adapter
