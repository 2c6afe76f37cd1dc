"""The one interface every model adapter implements.

Audits see a model only through this: a table of rows in (pandas DataFrame with the
model's feature columns), scores or labels out, as NumPy arrays. Adapters translate to
whatever the model wants (ONNX tensors, XGBoost DMatrix, JSON over HTTP).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar, Literal

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

ModelFamily = Literal["tree", "linear", "black_box"]


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
        return {"kind": self.kind, "features": len(self.feature_names)}
