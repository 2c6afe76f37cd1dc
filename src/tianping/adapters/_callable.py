"""A Python function as a model: rows in (DataFrame), scores or labels out."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tianping.adapters._base import ModelAdapter, ModelCallError
from tianping.errors import InputError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

CALLABLE_TRUST_HINT = (
    "importing it runs code from that module, so Tianping does so only with your consent: "
    "pass --trust-pickle or set TIANPING_TRUST_PICKLE=1 if you trust it"
)


class CallableAdapter(ModelAdapter):
    kind = "callable"

    def __init__(
        self,
        fn: Callable[[pd.DataFrame], Any],
        feature_names: list[str],
        *,
        threshold: float = 0.5,
        positive_index: int = 1,
        name: str | None = None,
    ) -> None:
        super().__init__(feature_names, threshold=threshold, positive_index=positive_index)
        self.fn = fn
        self.name = name or getattr(fn, "__qualname__", repr(fn))

    def predict_score(self, X: pd.DataFrame) -> np.ndarray[Any, Any]:
        Xs = self._select(X)
        try:
            out = self.fn(Xs)
        except InputError:
            raise
        except Exception as exc:
            raise ModelCallError(
                f"model function {self.name} raised {type(exc).__name__}: {str(exc)[:300]}"
            ) from exc
        return self._column(out, len(Xs))

    @property
    def native(self) -> Any:
        return self.fn

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "callable": self.name}


def import_callable(
    spec: str, base_dir: Path, *, trust_code: bool
) -> Callable[[pd.DataFrame], Any]:
    """'package.module:function' -> the function; the profile's folder is importable."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise InputError(f"callable '{spec}' must have the form 'module:function'")
    if not trust_code:
        raise InputError(f"refusing to import model function '{spec}': {CALLABLE_TRUST_HINT}")
    added = str(base_dir.resolve())
    sys.path.insert(0, added)
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise InputError(
            f"cannot import module '{module_name}' for callable '{spec}': "
            f"{type(exc).__name__}: {str(exc)[:200]}"
        ) from exc
    finally:
        if added in sys.path:
            sys.path.remove(added)
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise InputError(f"module '{module_name}' has no attribute '{attr}'")
        obj = getattr(obj, part)
    if not callable(obj):
        raise InputError(f"'{spec}' is not callable")
    fn: Callable[[pd.DataFrame], Any] = obj
    return fn
