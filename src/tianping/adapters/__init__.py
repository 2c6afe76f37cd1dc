"""Model and data adapters.

One interface over scikit-learn, ONNX, XGBoost, LightGBM, callables and HTTP endpoints,
and one reader for CSV, Parquet, Arrow and JSONL datasets. Heavy libraries are imported
only when a model or table is actually loaded.
"""

from tianping.adapters._base import ModelAdapter, ModelCallError, ModelFamily
from tianping.adapters._data import as_pandas, load_table
from tianping.adapters._load import (
    PREDICTIVE_KINDS,
    from_callable,
    from_estimator,
    load_model,
)

__all__ = [
    "PREDICTIVE_KINDS",
    "ModelAdapter",
    "ModelCallError",
    "ModelFamily",
    "as_pandas",
    "from_callable",
    "from_estimator",
    "load_model",
    "load_table",
]
