"""A prediction endpoint over HTTP: JSON rows in, predictions out, in batches.

Request: POST {"instances": [{column: value, ...}, ...]}. Accepted answers:
{"predictions": [...]}, {"scores": [...]} or {"probabilities": [[...], ...]}.
"""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any

from tianping.adapters._base import ModelAdapter, ModelCallError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


def _plain(v: Any) -> Any:
    """A JSON-ready Python value: NaN -> null, NumPy scalars -> Python."""
    if v is None:
        return None
    if hasattr(v, "item") and not isinstance(v, str | bytes):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, int | float | str | bool):
        return v
    return str(v)


class HttpAdapter(ModelAdapter):
    kind = "http"

    def __init__(
        self,
        endpoint: str,
        feature_names: list[str],
        *,
        threshold: float = 0.5,
        positive_index: int = 1,
        timeout_s: float = 30.0,
        batch_size: int = 256,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(feature_names, threshold=threshold, positive_index=positive_index)
        if not endpoint.startswith(("http://", "https://")):
            raise ModelCallError(f"endpoint '{endpoint}' must be an http:// or https:// URL")
        self.endpoint = endpoint
        self.timeout_s = timeout_s
        self.batch_size = batch_size
        self.headers = {"Content-Type": "application/json", **(headers or {})}

    def _post(self, rows: list[dict[str, Any]], batch: int, batches: int) -> Any:
        body = json.dumps({"instances": rows}, ensure_ascii=False).encode("utf-8")
        req = urllib.request.Request(self.endpoint, data=body, headers=self.headers)
        where = f"endpoint {self.endpoint}, batch {batch}/{batches} ({len(rows)} rows)"
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:200].decode("utf-8", "replace") if exc.fp else ""
            raise ModelCallError(f"{where}: HTTP status {exc.code} {detail}".strip()) from exc
        except TimeoutError as exc:
            raise ModelCallError(f"{where}: no answer within {self.timeout_s:g} s") from exc
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError):
                raise ModelCallError(f"{where}: no answer within {self.timeout_s:g} s") from exc
            raise ModelCallError(f"{where}: cannot connect ({reason})") from exc
        except OSError as exc:
            raise ModelCallError(f"{where}: {type(exc).__name__}: {exc}") from exc
        try:
            doc = json.loads(raw)
        except ValueError as exc:
            raise ModelCallError(f"{where}: the answer is not JSON") from exc
        if not isinstance(doc, dict):
            raise ModelCallError(f"{where}: expected a JSON object in the answer")
        for key in ("probabilities", "scores", "predictions"):
            if key in doc:
                values = doc[key]
                if not isinstance(values, list) or len(values) != len(rows):
                    got = len(values) if isinstance(values, list) else type(values).__name__
                    raise ModelCallError(f"{where}: '{key}' has {got} entries for {len(rows)} rows")
                return values
        raise ModelCallError(
            f"{where}: the answer has none of 'predictions', 'scores', 'probabilities' "
            f"(keys: {sorted(doc)[:5]})"
        )

    def predict_score(self, X: pd.DataFrame) -> np.ndarray[Any, Any]:
        import numpy as np

        Xs = self._select(X)
        n = len(Xs)
        if n == 0:
            return np.zeros(0, dtype=np.float64)
        cols = [[_plain(v) for v in Xs[c].tolist()] for c in self.feature_names]
        batches = (n + self.batch_size - 1) // self.batch_size
        parts: list[np.ndarray[Any, Any]] = []
        for b in range(batches):
            lo, hi = b * self.batch_size, min(n, (b + 1) * self.batch_size)
            rows = [
                {name: col[i] for name, col in zip(self.feature_names, cols, strict=True)}
                for i in range(lo, hi)
            ]
            values = self._post(rows, b + 1, batches)
            try:
                parts.append(self._column(values, hi - lo))
            except ModelCallError as exc:
                raise ModelCallError(f"endpoint {self.endpoint}, batch {b + 1}: {exc}") from exc
        return np.concatenate(parts)

    def describe(self) -> dict[str, Any]:
        return {
            **super().describe(),
            "endpoint": self.endpoint,
            "batch_size": self.batch_size,
            "timeout_s": self.timeout_s,
        }
