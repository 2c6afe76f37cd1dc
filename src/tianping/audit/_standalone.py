"""Audits without a rulebook or a database: a model, a table, a target, sensitive columns.

`run_audit` builds an in-memory profile around what it is given and runs the registered
audit checks through the same contract `tianping assess` uses, so the numbers are the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from tianping.checks import CheckContext, CheckResult, Verdict, execute, registry
from tianping.errors import InputError
from tianping.rules._schema import Bound
from tianping.systems import SystemProfile
from tianping.systems._profile import Dataset, ModelArtefact, Provider

AUDIT_CHECKS: tuple[str, ...] = (
    "audit.performance",
    "audit.fairness",
    "audit.explainability",
    "audit.robustness",
    "audit.counterfactual",
    "audit.drift",
    "audit.mitigation",
)
MODEL_ID = "model"
DATA_ID = "data"
REFERENCE_ID = "reference"

_MODEL_SUFFIX = {
    ".joblib": "sklearn",
    ".pkl": "sklearn",
    ".pickle": "sklearn",
    ".onnx": "onnx",
    ".ubj": "xgboost",
    ".json": "xgboost",
    ".txt": "lightgbm",
}
_DATA_SUFFIX = {
    ".csv": "csv",
    ".tsv": "csv",
    ".data": "csv",
    ".test": "csv",
    ".parquet": "parquet",
    ".arrow": "arrow",
    ".feather": "arrow",
    ".jsonl": "jsonl",
}


class AuditReport(BaseModel):
    """What a standalone audit found: one result per check, in the order run."""

    tool_version: str
    generated_at: dt.datetime
    model: dict[str, Any] = Field(default_factory=dict)
    data: str
    target: str
    sensitive: list[str] = Field(default_factory=list)
    results: list[CheckResult] = Field(default_factory=list)

    def failed(self) -> list[CheckResult]:
        return [r for r in self.results if r.verdict in (Verdict.FAIL, Verdict.ERROR)]


def model_kind_for(location: str) -> str:
    """Guess the adapter kind from a path, URL or 'module:function'."""
    if location.startswith(("http://", "https://")):
        return "http"
    suffix = Path(location).suffix.lower()
    if suffix in _MODEL_SUFFIX:
        return _MODEL_SUFFIX[suffix]
    if ":" in location and not Path(location).exists():
        return "callable"
    raise InputError(
        f"Cannot tell the model format of '{location}' / 无法判断模型格式: expected .joblib/.pkl "
        "(scikit-learn), .onnx, .json/.ubj (XGBoost), .txt (LightGBM), an http(s) URL or "
        "'module:function'; pass --kind"
    )


def _require_file(what: str, source: Any, base_dir: Path | None) -> None:
    """A missing input file is one clear error up front, not one per check."""
    if not isinstance(source, str | Path):
        return
    text = str(source)
    if text.startswith(("http://", "https://")):
        return
    path = Path(text) if Path(text).is_absolute() else (base_dir or Path.cwd()) / text
    if path.exists():
        return
    if what == "model" and ":" in text and not text.endswith(tuple(_MODEL_SUFFIX)):
        return  # 'module:function'
    raise InputError(f"{what} file not found / 文件不存在: {text}")


def _dataset(
    data_id: str,
    source: Any,
    *,
    target: str | None,
    sensitive: Sequence[str],
    bins: Mapping[str, list[float]],
    role: str,
    objects: dict[str, Any],
    delimiter: str | None,
    has_header: bool,
    columns: list[str] | None,
) -> Dataset:
    if isinstance(source, str | Path):
        path = str(source)
        fmt = _DATA_SUFFIX.get(Path(path).suffix.lower(), "csv")
    else:
        objects[f"dataset:{data_id}"] = source
        path, fmt = f"<in-memory {type(source).__name__}>", "csv"
    return Dataset.model_validate(
        {
            "id": data_id,
            "path": path,
            "format": fmt,
            "delimiter": delimiter,
            "has_header": has_header,
            "columns": columns,
            "target": target,
            "sensitive_attributes": list(sensitive),
            "bins": dict(bins),
            "role": role,
        }
    )


def run_audit(
    model: Any,
    data: Any,
    *,
    target: str,
    sensitive: Sequence[str] = (),
    reference: Any = None,
    checks: Sequence[str] | None = None,
    kind: str | None = None,
    positive_label: Any = None,
    features: Sequence[str] | None = None,
    threshold: float = 0.5,
    bins: Mapping[str, list[float]] | None = None,
    delimiter: str | None = None,
    has_header: bool = True,
    columns: list[str] | None = None,
    trust_pickle: bool = False,
    evidence_dir: Path | None = None,
    thresholds: Mapping[str, Mapping[str, Bound]] | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    base_dir: Path | None = None,
) -> AuditReport:
    """Run the audit checks on one model and one table.

    `model` is a path, URL or 'module:function' — or an object: a fitted scikit-learn
    estimator, a `ModelAdapter`, or a callable taking a DataFrame. `data` and `reference`
    are paths or DataFrames (pandas, polars, Arrow). `thresholds` maps check id to
    metric bounds; without them each check reports its numbers and says no bound was set.
    """
    from tianping import __version__

    objects: dict[str, Any] = {}
    for what, source in (("model", model), ("data", data), ("reference", reference)):
        _require_file(what, source, base_dir)
    if isinstance(model, str | Path):
        location = str(model)
        m_kind = kind or model_kind_for(location)
        spec: dict[str, Any] = {"id": MODEL_ID, "kind": m_kind, "task": "classification"}
        if m_kind == "http":
            spec["endpoint"] = location
        elif m_kind == "callable":
            spec["callable"] = location
        else:
            spec["path"] = location
    else:
        objects[f"model:{MODEL_ID}"] = model
        spec = {"id": MODEL_ID, "kind": kind or "callable", "task": "classification"}
    spec.update(
        positive_label=positive_label,
        decision_threshold=threshold,
        features=list(features) if features else None,
        evaluation_dataset=DATA_ID,
        training_dataset=REFERENCE_ID if reference is not None else None,
    )

    def dataset(data_id: str, source: Any, role: str) -> Dataset:
        return _dataset(
            data_id,
            source,
            target=target,
            sensitive=sensitive,
            bins=bins or {},
            role=role,
            objects=objects,
            delimiter=delimiter,
            has_header=has_header,
            columns=columns,
        )

    datasets = [dataset(DATA_ID, data, "test")]
    if reference is not None:
        datasets.append(dataset(REFERENCE_ID, reference, "training"))
    profile = SystemProfile(
        id="standalone-audit",
        name="standalone audit",
        provider=Provider(name="-"),
        lifecycle="research",
        models=[ModelArtefact.model_validate(spec)],
        datasets=datasets,
    )
    wanted = list(checks) if checks else [c for c in AUDIT_CHECKS if registry.get(c)]
    unknown = [c for c in wanted if registry.get(c) is None]
    if unknown:
        audit_ids = [i for i in registry.ids() if i.startswith("audit.")]
        raise InputError(
            f"Unknown check(s) / 未知检查: {', '.join(unknown)}; available: " + ", ".join(audit_ids)
        )
    root = base_dir or Path.cwd()
    shared: dict[Any, Any] = {}
    results: list[CheckResult] = []
    for check_id in wanted:
        cls = registry.get(check_id)
        assert cls is not None
        ctx = CheckContext(
            profile=profile,
            base_dir=root,
            tier="low",
            thresholds=dict((thresholds or {}).get(check_id, {})),
            evidence_dir=(evidence_dir / check_id) if evidence_dir else None,
            trust_pickle=trust_pickle,
            objects=objects,
            shared=shared,
        )
        results.append(execute(cls(), ctx, dict((params or {}).get(check_id, {}))))
    return AuditReport(
        tool_version=__version__,
        generated_at=dt.datetime.now(dt.UTC),
        model={"kind": spec["kind"], "location": spec.get("path") or spec.get("endpoint")},
        data=datasets[0].path,
        target=target,
        sensitive=list(sensitive),
        results=results,
    )


def audit_profile(
    path: str | Path,
    *,
    checks: Sequence[str] | None = None,
    trust_pickle: bool = False,
    evidence_dir: Path | None = None,
    thresholds: Mapping[str, Mapping[str, Bound]] | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
) -> AuditReport:
    """The audit checks on a profile's models and datasets, without the rulebook."""
    from tianping import __version__
    from tianping.systems import load_profile

    p = Path(path)
    profile_path = p / "tianping.yaml" if p.is_dir() else p
    profile = load_profile(profile_path)
    if not profile.models:
        raise InputError(
            f"{profile_path}: the profile declares no model under 'models' / 档案未声明模型"
        )
    wanted = list(checks) if checks else [c for c in AUDIT_CHECKS if registry.get(c)]
    shared: dict[Any, Any] = {}
    results: list[CheckResult] = []
    for check_id in wanted:
        cls = registry.get(check_id)
        if cls is None:
            raise InputError(f"Unknown check / 未知检查: {check_id}")
        ctx = CheckContext(
            profile=profile,
            base_dir=profile_path.parent,
            tier="low",
            thresholds=dict((thresholds or {}).get(check_id, {})),
            evidence_dir=(evidence_dir / check_id) if evidence_dir else None,
            trust_pickle=trust_pickle,
            shared=shared,
        )
        results.append(execute(cls(), ctx, dict((params or {}).get(check_id, {}))))
    model = profile.models[0]
    data = next((d for d in profile.datasets if d.target), None)
    return AuditReport(
        tool_version=__version__,
        generated_at=dt.datetime.now(dt.UTC),
        model={"kind": model.kind, "location": model.path or model.endpoint},
        data=data.path if data else "",
        target=(data.target or "") if data else "",
        sensitive=list(data.sensitive_attributes) if data else [],
        results=results,
    )
