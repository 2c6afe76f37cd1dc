"""ONNX models through onnxruntime.

Two input layouts are handled: one float tensor [n, k] with the features in model order,
and one input per column (what skl2onnx makes for pipelines with string columns).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from tianping.adapters._base import ModelAdapter, ModelCallError
from tianping.errors import InputError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

_NP_TYPES = {
    "tensor(float)": "float32",
    "tensor(double)": "float64",
    "tensor(int64)": "int64",
    "tensor(int32)": "int32",
    "tensor(bool)": "bool",
    "tensor(string)": "object",
}


class OnnxAdapter(ModelAdapter):
    kind = "onnx"

    def __init__(
        self,
        path: Path,
        feature_names: list[str] | None,
        *,
        threshold: float = 0.5,
        positive_index: int = 1,
    ) -> None:
        import onnxruntime as ort

        if not path.is_file():
            raise InputError(f"ONNX model file not found: {path}")
        try:
            opts = ort.SessionOptions()
            opts.log_severity_level = 3
            self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        except Exception as exc:
            raise InputError(f"cannot load ONNX model {path.name}: {str(exc)[:200]}") from exc
        self.path = path
        self.inputs = self.session.get_inputs()
        self.per_column = len(self.inputs) > 1
        if self.per_column:
            names = [i.name for i in self.inputs]
            if feature_names and set(feature_names) != set(names):
                extra = sorted(set(feature_names) - set(names))
                lacking = sorted(set(names) - set(feature_names))
                raise InputError(
                    f"ONNX model {path.name} has inputs {names}; the declared features do not "
                    f"match (unexpected: {extra}, missing: {lacking})"
                )
            feature_names = names
        elif not feature_names:
            raise InputError(
                f"ONNX model {path.name} takes one tensor and does not name its columns: "
                "list them in the model's 'features' in the profile"
            )
        else:
            width = self.inputs[0].shape[-1]
            if isinstance(width, int) and width != len(feature_names):
                raise InputError(
                    f"ONNX model {path.name} takes {width} columns but {len(feature_names)} "
                    "features are declared"
                )
        super().__init__(feature_names, threshold=threshold, positive_index=positive_index)
        outputs = self.session.get_outputs()
        prob = [o for o in outputs if "prob" in o.name.lower()]
        self.output = (prob or outputs[-1:])[0].name
        self.label_output = outputs[0].name

    def _feed(self, X: pd.DataFrame) -> dict[str, Any]:
        import numpy as np

        if not self.per_column:
            dtype = _NP_TYPES.get(self.inputs[0].type, "float32")
            try:
                return {self.inputs[0].name: X.to_numpy(dtype=dtype)}
            except (TypeError, ValueError) as exc:
                raise InputError(
                    f"ONNX model {self.path.name} needs numeric input: {str(exc)[:200]}"
                ) from exc
        feed: dict[str, Any] = {}
        for inp in self.inputs:
            col = X[inp.name]
            dtype = _NP_TYPES.get(inp.type, "float32")
            if dtype == "object":
                arr = np.array(
                    ["" if v is None or v != v else str(v) for v in col.tolist()], dtype=object
                )
            else:
                try:
                    arr = col.to_numpy(dtype=dtype)
                except (TypeError, ValueError) as exc:
                    raise InputError(
                        f"column '{inp.name}' must be numeric for ONNX model {self.path.name}"
                    ) from exc
            feed[inp.name] = arr.reshape(-1, 1)
        return feed

    def predict_score(self, X: pd.DataFrame) -> np.ndarray[Any, Any]:
        import numpy as np

        Xs = self._select(X)
        feed = self._feed(Xs)
        try:
            (out,) = self.session.run([self.output], feed)
        except Exception as exc:
            raise ModelCallError(f"ONNX model {self.path.name} failed: {str(exc)[:300]}") from exc
        if isinstance(out, list) and out and isinstance(out[0], dict):
            # ZipMap output: one {class: probability} per row.
            keys = list(out[0].keys())
            out = np.array([[row[k] for k in keys] for row in out], dtype=np.float64)
        return self._column(out, len(Xs))

    @property
    def native(self) -> Any:
        return self.session

    def describe(self) -> dict[str, Any]:
        import onnxruntime as ort

        return {
            **super().describe(),
            "inputs": "per column" if self.per_column else "one tensor",
            "output": self.output,
            "library": f"onnxruntime {ort.__version__}",
        }
