"""The check contract: what a check declares, what it receives, what it returns."""

from __future__ import annotations

import datetime as dt
import enum
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from tianping.i18n import I18nText
from tianping.rules._schema import Bound
from tianping.systems import SystemProfile

_T = TypeVar("_T")


class Verdict(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    ERROR = "error"
    SKIPPED = "skipped"
    NOT_APPLICABLE = "not_applicable"


Need = Literal["profile", "model", "dataset", "endpoint", "files", "attestations"]
Metric = float | int | str | bool | None


class ThresholdComparison(BaseModel):
    metric: str
    value: float | None
    min: float | None = None
    max: float | None = None
    passed: bool


class EvidenceArtefact(BaseModel):
    """Something that backs a result: a table, an image (plot), a file or document reference.

    `image` artefacts point at a PNG or SVG file the check wrote under `ctx.evidence_dir`;
    the HTML report embeds it (data URI) beside the obligation it serves, after checking
    `sha256`. `table` data is a list of row dicts or a dict of equal-length columns.
    """

    kind: Literal["table", "image", "file", "document", "note", "json"]
    title: I18nText
    path: str | None = None
    sha256: str | None = None
    media_type: str | None = None
    data: Any = None


def file_artefact(
    path: Path, title: I18nText, kind: Literal["image", "file", "document"] = "image"
) -> EvidenceArtefact:
    """An artefact for a file a check wrote: absolute path, SHA-256 and media type."""
    import hashlib
    import mimetypes

    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    media = mimetypes.guess_type(path.name)[0]
    return EvidenceArtefact(
        kind=kind, title=title, path=str(path.resolve()), sha256=digest, media_type=media
    )


class CheckResult(BaseModel):
    model_config = ConfigDict(use_enum_values=False)

    check_id: str
    verdict: Verdict
    message: I18nText
    metrics: dict[str, Metric] = Field(default_factory=dict)
    comparisons: list[ThresholdComparison] = Field(default_factory=list)
    evidence: list[EvidenceArtefact] = Field(default_factory=list)
    params: dict[str, Any] = Field(default_factory=dict)
    started_at: dt.datetime | None = None
    duration_s: float = 0.0
    versions: dict[str, str] = Field(default_factory=dict)


@dataclass
class CheckContext:
    """Everything a check may read. Paths in the profile resolve against `base_dir`."""

    profile: SystemProfile
    base_dir: Path
    tier: str = "low"
    thresholds: dict[str, Bound] = field(default_factory=dict)
    attestations: dict[str, Any] = field(default_factory=dict)
    attestations_file: Path | None = None
    as_of: dt.date = field(default_factory=dt.date.today)
    # Where this check may write plots and tables; None means "write nothing to disk".
    evidence_dir: Path | None = None
    # Unpickling a model file runs code from it: only with the user's explicit consent
    # (`--trust-pickle` / TIANPING_TRUST_PICKLE=1), never from the profile itself.
    trust_pickle: bool = False
    # In-memory inputs from the Python API, keyed "model:<id>" / "dataset:<id>": a fitted
    # estimator or adapter, a DataFrame. Loaders look here before reading files.
    objects: dict[str, Any] = field(default_factory=dict)
    # Scratch shared by the checks of one run (`assess`, `audit`): expensive inputs are
    # computed once per run — a model and its data, a PI scan, a GenAI evaluation.
    shared: dict[Hashable, Any] = field(default_factory=dict)

    def memo(self, key: Hashable, compute: Callable[[], _T]) -> _T:
        """`compute()` once per run for `key`; an exception stores nothing."""
        if key not in self.shared:
            self.shared[key] = compute()
        value: _T = self.shared[key]
        return value

    def resolve(self, relative: str) -> Path:
        p = Path(relative)
        return p if p.is_absolute() else (self.base_dir / p)

    def evidence_path(self, name: str) -> Path | None:
        """A file path under `evidence_dir` (created on demand), or None if there is none."""
        if self.evidence_dir is None:
            return None
        self.evidence_dir.mkdir(parents=True, exist_ok=True)
        return self.evidence_dir / name


def compare(metrics: dict[str, Metric], thresholds: dict[str, Bound]) -> list[ThresholdComparison]:
    """Each threshold against its metric; a missing or non-numeric metric fails, unless the
    bound is optional and the metric is absent (or None)."""
    out: list[ThresholdComparison] = []
    for name, bound in sorted(thresholds.items()):
        raw = metrics.get(name)
        if raw is None and bound.optional:
            continue
        value = (
            float(raw)
            if isinstance(raw, int | float) and not isinstance(raw, bool)
            else (float(raw) if isinstance(raw, bool) else None)
        )
        ok = value is not None
        if ok and bound.min is not None and value is not None and value < bound.min:
            ok = False
        if ok and bound.max is not None and value is not None and value > bound.max:
            ok = False
        out.append(
            ThresholdComparison(metric=name, value=value, min=bound.min, max=bound.max, passed=ok)
        )
    return out


class Check(ABC):
    """Subclass, set the class attributes, implement `run`, and register with `@register`.

    `Params` is a Pydantic model of the parameters the rulebook may pass; it is validated
    before `run` is called, so `run` receives a typed object.
    """

    id: ClassVar[str]
    title: ClassVar[I18nText]
    family: ClassVar[str]
    needs: ClassVar[frozenset[Need]] = frozenset({"profile"})
    version: ClassVar[str] = "1"

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")

    @abstractmethod
    def run(self, ctx: CheckContext, params: Any) -> CheckResult:
        """Compute metrics and a verdict. Raise nothing for bad data: return ERROR."""

    # helpers for subclasses -----------------------------------------------------------
    def result(
        self,
        ctx: CheckContext,
        metrics: dict[str, Metric],
        message: I18nText,
        *,
        verdict: Verdict | None = None,
        evidence: list[EvidenceArtefact] | None = None,
    ) -> CheckResult:
        """A result whose verdict follows the thresholds unless given explicitly."""
        comparisons = compare(metrics, ctx.thresholds)
        if verdict is None:
            verdict = Verdict.PASS if all(c.passed for c in comparisons) else Verdict.FAIL
        return CheckResult(
            check_id=self.id,
            verdict=verdict,
            message=message,
            metrics=metrics,
            comparisons=comparisons,
            evidence=evidence or [],
        )

    def skipped(
        self,
        ctx: CheckContext,
        message: I18nText,
        *,
        metrics: dict[str, Metric] | None = None,
        evidence: list[EvidenceArtefact] | None = None,
    ) -> CheckResult:
        """A SKIPPED result: the check does not apply or lacks what it needs."""
        return self.result(ctx, metrics or {}, message, verdict=Verdict.SKIPPED, evidence=evidence)

    def error(
        self,
        ctx: CheckContext,
        message: I18nText,
        *,
        metrics: dict[str, Metric] | None = None,
        evidence: list[EvidenceArtefact] | None = None,
    ) -> CheckResult:
        """An ERROR result: the inputs are broken or the computation failed."""
        return self.result(ctx, metrics or {}, message, verdict=Verdict.ERROR, evidence=evidence)


def execute(check: Check, ctx: CheckContext, raw_params: dict[str, Any]) -> CheckResult:
    """Validate parameters, run, time, and turn any exception into an ERROR result."""
    from tianping import __version__

    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    try:
        params = check.Params.model_validate(raw_params)
        res = check.run(ctx, params)
    except Exception as exc:  # a broken check must not stop the assessment
        res = CheckResult(
            check_id=check.id,
            verdict=Verdict.ERROR,
            message=I18nText(
                zh=f"检查执行出错：{type(exc).__name__}: {exc}"[:500],
                en=f"check raised {type(exc).__name__}: {exc}"[:500],
            ),
        )
    res.params = raw_params
    res.started_at = started
    res.duration_s = round(time.perf_counter() - t0, 6)
    res.versions = {"tianping": __version__, res.check_id: check.version, **res.versions}
    return res
