"""XGBoost and LightGBM models from their native files (no pickle, no code run on load)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from tianping.adapters._base import ModelAdapter, ModelCallError, ModelFamily
from tianping.errors import InputError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


def _categorical(X: pd.DataFrame) -> pd.DataFrame:
    """String columns as pandas categoricals, which both libraries accept natively."""
    import pandas as pd

    cols = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    if not cols:
        return X
    out = X.copy()
    for c in cols:
        out[c] = out[c].astype("category")
    return out


class XGBoostAdapter(ModelAdapter):
    kind = "xgboost"

    def __init__(
        self,
        booster: Any,
        feature_names: list[str],
        *,
        threshold: float = 0.5,
        positive_index: int = 1,
    ) -> None:
        super().__init__(feature_names, threshold=threshold, positive_index=positive_index)
        self.booster = booster

    @classmethod
    def from_file(cls, path: Path, feature_names: list[str] | None, **kw: Any) -> XGBoostAdapter:
        import xgboost as xgb

        if not path.is_file():
            raise InputError(f"XGBoost model file not found: {path}")
        try:
            booster = xgb.Booster(model_file=str(path))
        except Exception as exc:
            raise InputError(
                f"cannot load XGBoost model {path.name} (expected a .json or .ubj model "
                f"saved with save_model): {str(exc)[:200]}"
            ) from exc
        names = feature_names or booster.feature_names
        if not names:
            raise InputError(
                f"XGBoost model {path.name} does not name its features: list them in the "
                "model's 'features' in the profile"
            )
        return cls(booster, list(names), **kw)

    def predict_score(self, X: pd.DataFrame) -> np.ndarray[Any, Any]:
        import xgboost as xgb

        Xs = _categorical(self._select(X))
        try:
            dm = xgb.DMatrix(Xs, enable_categorical=True)
            out = self.booster.predict(dm, validate_features=False)
        except Exception as exc:
            raise ModelCallError(f"XGBoost model failed: {str(exc)[:300]}") from exc
        return self._column(out, len(Xs))

    @property
    def family(self) -> ModelFamily:
        return "tree"

    @property
    def native(self) -> Any:
        return self.booster

    def describe(self) -> dict[str, Any]:
        import xgboost as xgb

        return {**super().describe(), "library": f"xgboost {xgb.__version__}"}


class LightGBMAdapter(ModelAdapter):
    kind = "lightgbm"

    def __init__(
        self,
        booster: Any,
        feature_names: list[str],
        *,
        threshold: float = 0.5,
        positive_index: int = 1,
    ) -> None:
        super().__init__(feature_names, threshold=threshold, positive_index=positive_index)
        self.booster = booster

    @classmethod
    def from_file(cls, path: Path, feature_names: list[str] | None, **kw: Any) -> LightGBMAdapter:
        import lightgbm as lgb

        if not path.is_file():
            raise InputError(f"LightGBM model file not found: {path}")
        try:
            booster = lgb.Booster(model_file=str(path))
        except Exception as exc:
            raise InputError(
                f"cannot load LightGBM model {path.name} (expected a text model saved with "
                f"save_model): {str(exc)[:200]}"
            ) from exc
        names = feature_names or list(booster.feature_name())
        return cls(booster, names, **kw)

    def predict_score(self, X: pd.DataFrame) -> np.ndarray[Any, Any]:
        Xs = _categorical(self._select(X))
        try:
            out = self.booster.predict(Xs)
        except Exception as exc:
            raise ModelCallError(f"LightGBM model failed: {str(exc)[:300]}") from exc
        return self._column(out, len(Xs))

    @property
    def family(self) -> ModelFamily:
        return "tree"

    @property
    def native(self) -> Any:
        return self.booster

    def describe(self) -> dict[str, Any]:
        import lightgbm as lgb

        return {**super().describe(), "library": f"lightgbm {lgb.__version__}"}
