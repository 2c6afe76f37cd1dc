"""XGBoost and LightGBM models from their native files (no pickle, no code run on load)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

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


class _BoosterAdapter(ModelAdapter):
    """A tree ensemble held as its library's native Booster; `kind` is the module name."""

    library: ClassVar[str]  # display name in messages

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
    def _load_booster(cls, path: Path, load: Callable[[str], Any], expected: str) -> Any:
        if not path.is_file():
            raise InputError(f"{cls.library} model file not found: {path}")
        try:
            return load(str(path))
        except Exception as exc:
            raise InputError(
                f"cannot load {cls.library} model {path.name} (expected {expected}): "
                f"{str(exc)[:200]}"
            ) from exc

    def _predict(self, X: pd.DataFrame) -> Any:
        raise NotImplementedError

    def predict_score(self, X: pd.DataFrame) -> np.ndarray[Any, Any]:
        Xs = _categorical(self._select(X))
        try:
            out = self._predict(Xs)
        except Exception as exc:
            raise ModelCallError(f"{self.library} model failed: {str(exc)[:300]}") from exc
        return self._column(out, len(Xs))

    @property
    def family(self) -> ModelFamily:
        return "tree"

    @property
    def native(self) -> Any:
        return self.booster

    def describe(self) -> dict[str, Any]:
        version = importlib.import_module(self.kind).__version__
        return {**super().describe(), "library": f"{self.kind} {version}"}


class XGBoostAdapter(_BoosterAdapter):
    kind = "xgboost"
    library = "XGBoost"

    @classmethod
    def from_file(cls, path: Path, feature_names: list[str] | None, **kw: Any) -> XGBoostAdapter:
        import xgboost as xgb

        booster = cls._load_booster(
            path,
            lambda p: xgb.Booster(model_file=p),
            "a .json or .ubj model saved with save_model",
        )
        names = feature_names or booster.feature_names
        if not names:
            raise InputError(
                f"XGBoost model {path.name} does not name its features: list them in the "
                "model's 'features' in the profile"
            )
        return cls(booster, list(names), **kw)

    def _predict(self, X: pd.DataFrame) -> Any:
        import xgboost as xgb

        return self.booster.predict(
            xgb.DMatrix(X, enable_categorical=True), validate_features=False
        )


class LightGBMAdapter(_BoosterAdapter):
    kind = "lightgbm"
    library = "LightGBM"

    @classmethod
    def from_file(cls, path: Path, feature_names: list[str] | None, **kw: Any) -> LightGBMAdapter:
        import lightgbm as lgb

        booster = cls._load_booster(
            path, lambda p: lgb.Booster(model_file=p), "a text model saved with save_model"
        )
        names = feature_names or list(booster.feature_name())
        return cls(booster, names, **kw)

    def _predict(self, X: pd.DataFrame) -> Any:
        return self.booster.predict(X)
