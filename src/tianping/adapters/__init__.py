"""Model and data adapters.

One interface over scikit-learn, ONNX, XGBoost, LightGBM, callables and HTTP endpoints.
"""
