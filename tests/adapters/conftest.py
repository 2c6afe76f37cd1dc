"""A real model trained once per session on German Credit for the adapter tests."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]


def train_module() -> ModuleType:
    name = "tianping_example_train_models"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO / "examples" / "train_models.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def german() -> tuple[pd.DataFrame, pd.DataFrame]:
    tm = train_module()
    return tm.split_german(tm.load_german())  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def credit_pipeline(german: tuple[pd.DataFrame, pd.DataFrame]) -> Any:
    tm = train_module()
    train, _ = german
    pipe = tm.credit_pipeline()
    pipe.fit(train[tm.GERMAN_COLUMNS[:-1]], (train["credit_risk"] == 1).astype(int))
    return pipe


@pytest.fixture(scope="session")
def numeric_columns() -> list[str]:
    return list(train_module().GERMAN_NUMERIC)
