"""The one interface every model adapter implements.

Audits see a model only through this: a table of rows in (pandas DataFrame with the
model's feature columns), scores or labels out, as NumPy arrays. Adapters translate to
whatever the model wants (ONNX tensors, XGBoost DMatrix, JSON over HTTP).
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from tianping.errors import InputError, TianpingError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

ModelFamily = Literal["tree", "linear", "black_box"]


class ModelCallError(TianpingError):
    """The model itself failed: it raised, timed out or answered with something unusable."""


class ModelAdapter(ABC):
    """A predictive model behind one interface.

    `predict_score` returns the probability (or score) of the *positive* class, shape (n,),
    for binary classification; `predict` returns 1 for the positive (favourable) outcome
    and 0 otherwise, shape (n,), applying `threshold` to the score. Regression models
    return the prediction from both. Raise `tianping.errors.InputError` with the column
    or row named for bad input; any other exception means the model itself failed.
    """

    kind: ClassVar[str]

    def __init__(
        self,
        feature_names: list[str],
        *,
        threshold: float = 0.5,
        positive_index: int = 1,
    ) -> None:
        self.feature_names = list(feature_names)
        self.threshold = threshold
        self.positive_index = positive_index
        # Label values that mean "positive" when a model answers with labels, not scores.
        self.positive_labels: list[Any] | None = None

    @abstractmethod
    def predict_score(self, X: pd.DataFrame) -> np.ndarray[Any, Any]:
        """Positive-class probability or score per row."""

    def predict(self, X: pd.DataFrame) -> np.ndarray[Any, Any]:
        import numpy as np

        return (self.predict_score(X) >= self.threshold).astype(np.int8)

    @property
    def family(self) -> ModelFamily:
        """Which SHAP explainer fits: exact tree or linear paths, or a black box."""
        return "black_box"

    @property
    def native(self) -> Any:
        """The underlying model object (estimator, session, booster), if there is one."""
        return None

    def describe(self) -> dict[str, Any]:
        """What the report says about the model: kind, library versions, features."""
        return {
            "kind": self.kind,
            "family": self.family,
            "features": len(self.feature_names),
            "threshold": self.threshold,
        }

    # helpers for subclasses -------------------------------------------------------------
    def _select(self, X: pd.DataFrame) -> pd.DataFrame:
        """The model's columns in model order; a missing column is named."""
        missing = [c for c in self.feature_names if c not in X.columns]
        if missing:
            shown = ", ".join(f"'{c}'" for c in missing[:5])
            more = f" (and {len(missing) - 5} more)" if len(missing) > 5 else ""
            raise InputError(
                f"the data lacks model input column(s) {shown}{more}; "
                f"the model expects {len(self.feature_names)} columns"
            )
        return X[self.feature_names] if list(X.columns) != self.feature_names else X

    def _column(self, out: Any, n: int) -> np.ndarray[Any, Any]:
        """One score per row from a (n,), (n, 1) or (n, k) model output."""
        import numpy as np

        arr = np.asarray(out)
        if arr.ndim == 1:
            arr = self._labels_to_scores(arr)
        if arr.ndim == 2 and arr.shape[1] == 1:
            arr = arr[:, 0]
        elif arr.ndim == 2:
            if not 0 <= self.positive_index < arr.shape[1]:
                raise ModelCallError(
                    f"positive class index {self.positive_index} is outside the model's "
                    f"{arr.shape[1]} output columns"
                )
            arr = arr[:, self.positive_index]
        if arr.ndim != 1 or arr.shape[0] != n:
            raise ModelCallError(
                f"the model returned shape {tuple(np.asarray(out).shape)} for {n} rows; "
                "expected one score per row"
            )
        try:
            return arr.astype(np.float64)
        except (TypeError, ValueError):
            raise ModelCallError(
                "the model returned non-numeric predictions; give 'positive_label' or a "
                "model that outputs scores"
            ) from None

    def _labels_to_scores(self, arr: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """Label outputs (strings, booleans, target codes) as 1.0 positive / 0.0 otherwise."""
        import numpy as np

        if arr.dtype.kind == "b":
            return arr.astype(np.float64)
        if arr.dtype.kind == "O":
            with contextlib.suppress(TypeError, ValueError):
                arr = arr.astype(np.float64)
        labels = self.positive_labels
        if arr.dtype.kind in "OUS":
            if labels is None:
                return arr
            wanted = {str(v) for v in labels}
            return np.fromiter((str(v) in wanted for v in arr), np.float64, len(arr))
        if labels is not None and arr.dtype.kind in "iuf" and len(arr):
            uniq = np.unique(arr[~np.isnan(arr)] if arr.dtype.kind == "f" else arr)
            if len(uniq) <= 2 and not set(uniq.tolist()) <= {0, 1}:
                # Integer codes of the target itself (e.g. 1 good / 2 bad): map by label.
                numeric = [float(v) for v in labels if isinstance(v, int | float)]
                if numeric and all(float(u).is_integer() for u in uniq):
                    return np.isin(arr, numeric).astype(np.float64)
        return arr
