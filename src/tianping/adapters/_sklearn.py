"""scikit-learn estimators and pipelines (joblib or pickle files, or objects in memory)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from tianping.adapters._base import ModelAdapter, ModelCallError, ModelFamily
from tianping.errors import InputError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

TRUST_HINT = (
    "unpickling runs code from the file, so Tianping loads it only with your consent: "
    "pass --trust-pickle or set TIANPING_TRUST_PICKLE=1 if you trust where it came from"
)
_TREE_MODULES = ("sklearn.tree", "sklearn.ensemble", "xgboost", "lightgbm", "catboost")
_NOT_TREE = ("AdaBoost", "Bagging", "Voting", "Stacking")


def final_estimator(estimator: Any) -> Any:
    """The last step of a Pipeline (recursively), or the estimator itself."""
    steps = getattr(estimator, "steps", None)
    if isinstance(steps, list) and steps:
        return final_estimator(steps[-1][1])
    return estimator


def estimator_family(estimator: Any) -> ModelFamily:
    final = final_estimator(estimator)
    module = type(final).__module__
    name = type(final).__name__
    if module.startswith(_TREE_MODULES) and not name.startswith(_NOT_TREE):
        return "tree"
    if module.startswith(("sklearn.linear_model", "sklearn.svm._classes")) and (
        name.startswith(("Logistic", "Linear", "Ridge", "SGD", "Lasso", "ElasticNet"))
    ):
        return "linear"
    return "black_box"


class SklearnAdapter(ModelAdapter):
    kind = "sklearn"

    def __init__(
        self,
        estimator: Any,
        feature_names: list[str],
        *,
        threshold: float = 0.5,
        positive_index: int = 1,
        source: str | None = None,
    ) -> None:
        super().__init__(feature_names, threshold=threshold, positive_index=positive_index)
        self.estimator = estimator
        self.source = source
        self._mode = (
            "proba"
            if hasattr(estimator, "predict_proba")
            else ("decision" if hasattr(estimator, "decision_function") else "predict")
        )

    def predict_score(self, X: pd.DataFrame) -> np.ndarray[Any, Any]:
        import numpy as np

        Xs = self._select(X)
        try:
            if self._mode == "proba":
                out = self.estimator.predict_proba(Xs)
            elif self._mode == "decision":
                # Map the margin through the logistic function so 0.5 is the decision edge.
                margin = np.asarray(self.estimator.decision_function(Xs), dtype=np.float64)
                out = 1.0 / (1.0 + np.exp(-margin))
            else:
                out = self.estimator.predict(Xs)
        except InputError:
            raise
        except Exception as exc:
            raise ModelCallError(
                f"the scikit-learn model raised {type(exc).__name__}: {str(exc)[:300]}"
            ) from exc
        return self._column(out, len(Xs))

    @property
    def family(self) -> ModelFamily:
        return estimator_family(self.estimator)

    @property
    def native(self) -> Any:
        return self.estimator

    def describe(self) -> dict[str, Any]:
        import sklearn

        final = final_estimator(self.estimator)
        return {
            **super().describe(),
            "estimator": type(final).__name__,
            "pipeline": final is not self.estimator,
            "output": self._mode,
            "library": f"scikit-learn {sklearn.__version__}",
            **({"source": self.source} if self.source else {}),
        }


def intrinsic_feature_names(estimator: Any) -> list[str] | None:
    names = getattr(estimator, "feature_names_in_", None)
    if names is None:
        return None
    return [str(n) for n in names]


def positive_index_for(estimator: Any, positive_labels: list[Any] | None) -> int:
    """Index of the positive class in `classes_`: its label if the model knows it, else 1."""
    classes = getattr(final_estimator(estimator), "classes_", None)
    if classes is None:
        classes = getattr(estimator, "classes_", None)
    if classes is None or positive_labels is None:
        return 1
    as_text = [str(c) for c in classes]
    for label in positive_labels:
        if str(label) in as_text:
            return as_text.index(str(label))
    return 1 if len(as_text) > 1 else 0


def load_pickled(path: Path, *, trust_pickle: bool) -> Any:
    if not trust_pickle:
        raise InputError(f"refusing to unpickle model file {path.name}: {TRUST_HINT}")
    if not path.is_file():
        raise InputError(f"model file not found: {path}")
    try:
        if path.suffix in (".pkl", ".pickle"):
            import pickle

            with path.open("rb") as fh:
                return pickle.load(fh)  # consent given above
        import joblib

        return joblib.load(path)
    except Exception as exc:
        raise InputError(
            f"cannot load model file {path.name}: {type(exc).__name__}: {str(exc)[:200]}"
        ) from exc
