"""The HTTP adapter against a real server on 127.0.0.1 serving the real credit model."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tianping.adapters import ModelCallError, load_model
from tianping.systems._profile import ModelArtefact

from .conftest import train_module


class Server:
    def __init__(self, pipe: Any) -> None:
        self.pipe = pipe
        self.batches: list[int] = []
        self.mode = "probabilities"
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                rows = pd.DataFrame(body["instances"])
                outer.batches.append(len(rows))
                if outer.mode == "slow":
                    time.sleep(1.0)
                if outer.mode == "fail" and len(outer.batches) == 2:
                    self.send_response(503)
                    self.end_headers()
                    self.wfile.write(b"overloaded")
                    return
                proba = outer.pipe.predict_proba(rows)
                if outer.mode == "scores":
                    doc: dict[str, Any] = {"scores": proba[:, 1].tolist()}
                elif outer.mode == "labels":
                    doc = {"predictions": ["good" if p >= 0.5 else "bad" for p in proba[:, 1]]}
                else:
                    doc = {"probabilities": proba.tolist()}
                data = json.dumps(doc).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/predict"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()


@pytest.fixture(scope="module")
def server(credit_pipeline: Any) -> Iterator[Server]:
    srv = Server(credit_pipeline)
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


def _model(server: Server, **kw: Any) -> Any:
    spec = ModelArtefact.model_validate(
        {"id": "remote", "kind": "http", "endpoint": server.url, "batch_size": 64, **kw}
    )
    features = train_module().GERMAN_COLUMNS[:-1]
    return load_model(spec, Path("."), trust_pickle=False, feature_names=features)


@pytest.mark.parametrize("mode", ["probabilities", "scores"])
def test_batched_scores_equal_the_model(
    server: Server, credit_pipeline: Any, german: tuple[pd.DataFrame, pd.DataFrame], mode: str
) -> None:
    _, test = german
    server.mode, server.batches = mode, []
    model = _model(server)
    got = model.predict_score(test)
    want = credit_pipeline.predict_proba(test[model.feature_names])[:, 1]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert server.batches == [64, 64, 64, 64, 44]  # 300 rows in batches of 64


def test_label_answers_use_positive_label(
    server: Server, credit_pipeline: Any, german: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    _, test = german
    server.mode = "labels"
    model = _model(server, positive_label="good")
    want = credit_pipeline.predict_proba(test[model.feature_names])[:, 1] >= 0.5
    assert np.array_equal(model.predict(test), want.astype(np.int8))


def test_error_status_names_endpoint_status_and_batch(
    server: Server, german: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    server.mode, server.batches = "fail", []
    with pytest.raises(ModelCallError) as err:
        _model(server).predict_score(german[1])
    text = str(err.value)
    assert server.url in text and "503" in text and "batch 2/5" in text


def test_timeout(server: Server, german: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    server.mode = "slow"
    model = _model(server, timeout_s=0.2)
    with pytest.raises(ModelCallError, match=r"batch 1/5.*no answer within 0.2 s"):
        model.predict_score(german[1])


def test_unreachable_endpoint() -> None:
    spec = ModelArtefact.model_validate(
        {"id": "gone", "kind": "http", "endpoint": "http://127.0.0.1:9/predict", "timeout_s": 2}
    )
    model = load_model(spec, Path("."), trust_pickle=False, feature_names=["a"])
    with pytest.raises(ModelCallError, match=r"127\.0\.0\.1:9"):
        model.predict_score(pd.DataFrame({"a": [1.0, np.nan]}))
