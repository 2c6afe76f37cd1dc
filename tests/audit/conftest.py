"""Session fixtures for the audit tests: the example models trained for real, once.

`credit_example` is a copy of examples/credit-scoring with its model trained into it by
examples/train_models.py; `income_example` is the same for UCI Adult (train on adult.data,
audit on adult.test), with a profile written here.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tianping.adapters import ModelAdapter
from tianping.audit._inputs import AuditData, load_audit_inputs
from tianping.checks import CheckContext
from tianping.systems import load_profile

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"

INCOME_PROFILE = """\
schema_version: 1
id: income-test
name: 收入预测测试
provider: {name: Example}
sectors: [finance]
services: [automated_decision]
models:
  - id: income-model
    kind: sklearn
    path: artefacts/income_model.joblib
    task: classification
    positive_label: [">50K", ">50K."]
    evaluation_dataset: adult-test
    training_dataset: adult-train
datasets:
  - id: adult-test
    path: data/adult.test
    has_header: false
    skip_rows: 1
    columns: {columns}
    target: income
    sensitive_attributes: [sex, race]
  - id: adult-train
    path: data/adult.data
    has_header: false
    columns: {columns}
    target: income
    sensitive_attributes: [sex, race]
    role: training
"""


def train_module() -> ModuleType:
    """examples/train_models.py, imported by path (examples/ is not a package)."""
    name = "tianping_example_train_models"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / "train_models.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def context(base: Path, **kw: Any) -> CheckContext:
    profile = load_profile(base / "tianping.yaml")
    return CheckContext(profile=profile, base_dir=base, trust_pickle=True, **kw)


@pytest.fixture(scope="session")
def credit_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("credit-scoring")
    shutil.copy(EXAMPLES / "credit-scoring" / "tianping.yaml", base / "tianping.yaml")
    attest = EXAMPLES / "credit-scoring" / "attestations.yaml"
    if attest.exists():
        shutil.copy(attest, base / "attestations.yaml")
    train_module().train_credit(base / "artefacts", base / "data")
    return base


@pytest.fixture(scope="session")
def income_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("income-prediction")
    (base / "data").mkdir()
    for name in ("adult.data", "adult.test"):
        shutil.copy(EXAMPLES / "data" / "adult" / name, base / "data" / name)
    tm = train_module()
    columns = "[" + ", ".join(tm.ADULT_COLUMNS) + "]"
    (base / "tianping.yaml").write_text(
        INCOME_PROFILE.replace("{columns}", columns), encoding="utf-8"
    )
    tm.train_income(base / "artefacts")
    return base


@pytest.fixture(scope="session")
def credit_inputs(credit_example: Path) -> tuple[ModelAdapter, AuditData, AuditData | None]:
    return load_audit_inputs(context(credit_example))


@pytest.fixture(scope="session")
def credit_model(credit_inputs: tuple[ModelAdapter, AuditData, AuditData | None]) -> ModelAdapter:
    return credit_inputs[0]


@pytest.fixture(scope="session")
def credit_data(credit_inputs: tuple[ModelAdapter, AuditData, AuditData | None]) -> AuditData:
    return credit_inputs[1]


@pytest.fixture(scope="session")
def adult_inputs(income_example: Path) -> tuple[ModelAdapter, AuditData, AuditData | None]:
    return load_audit_inputs(context(income_example))


@pytest.fixture(scope="session")
def adult_model(adult_inputs: tuple[ModelAdapter, AuditData, AuditData | None]) -> ModelAdapter:
    return adult_inputs[0]


@pytest.fixture(scope="session")
def adult_data(adult_inputs: tuple[ModelAdapter, AuditData, AuditData | None]) -> AuditData:
    return adult_inputs[1]
