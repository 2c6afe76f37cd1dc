"""The rulebook as data: instruments, obligations, evidence, tiers, crosswalk links."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tianping.i18n import I18nText

TierId = Literal["high", "medium", "low"]
TIER_RANK: dict[str, int] = {"low": 1, "medium": 2, "high": 3}
Confidence = Literal["verified", "secondary", "unverified"]
Severity = Literal["high", "medium", "low"]
Binds = Literal[
    "provider",
    "technical_supporter",
    "dissemination_platform",
    "app_distribution_platform",
    "user",
    "processor",
    "deployer",
    "developer",
]
CrosswalkTarget = Literal["eu_ai_act", "nist_ai_rmf", "iso_42001", "ai_verify"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Bound(_Strict):
    """A threshold on one metric: the value must be >= min and/or <= max."""

    min: float | None = None
    max: float | None = None
    # Some metrics exist only when the system declares something (e.g. monotone features):
    # an optional bound is skipped when the check does not report the metric.
    optional: bool = False

    @model_validator(mode="after")
    def _one_side(self) -> Bound:
        if self.min is None and self.max is None:
            raise ValueError("a bound needs 'min' or 'max'")
        return self


Thresholds = dict[str, Bound]


class CheckRequirement(_Strict):
    """A check that evidences an obligation, with thresholds per tier."""

    id: str = Field(description="Registered check id")
    params: dict[str, Any] = Field(default_factory=dict)
    thresholds: dict[TierId, Thresholds] = Field(
        default_factory=dict, description="Per tier; a tier not listed uses the next lower one"
    )
    source: str | None = Field(None, description="Where the thresholds come from")

    def thresholds_for(self, tier: str) -> Thresholds:
        order = ["high", "medium", "low"]
        for candidate in order[order.index(tier) :]:
            if candidate in self.thresholds:
                return self.thresholds[candidate]
        # A higher tier's bound is the strictest one known; a lower tier never gets none.
        for candidate in reversed(order[: order.index(tier)]):
            if candidate in self.thresholds:
                return self.thresholds[candidate]
        return {}


class AttestationQuestion(_Strict):
    """A process question a person answers, with references to documents as evidence."""

    id: str
    question: I18nText
    evidence_required: bool = Field(True, description="An answer must cite documents")


class Evidence(_Strict):
    checks: list[CheckRequirement] = Field(default_factory=list)
    attestations: list[AttestationQuestion] = Field(default_factory=list)


class Citation(_Strict):
    article: str = Field(description="Article or section, e.g. 'Art. 24' or '§5.1'")
    paragraph: str | None = None
    item: str | None = None

    def text(self) -> str:
        out = self.article
        if self.paragraph:
            out += self.paragraph if self.paragraph.startswith("(") else f"({self.paragraph})"
        if self.item:
            out += self.item if self.item.startswith("(") else f" {self.item}"
        return out


class Deadline(_Strict):
    description: I18nText
    working_days: int | None = None
    days: int | None = None
    months: int | None = None
    years: int | None = None


class Obligation(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]+$")
    title: I18nText
    summary: I18nText
    citation: Citation
    confidence: Confidence = "verified"
    confidence_note: str | None = None
    effective: dt.date | None = Field(None, description="Defaults to the instrument's")
    repealed: dt.date | None = None
    applies_when: str = Field("true", description="CEL over `profile`")
    min_tier: TierId = Field("low", description="Applies only to systems at or above this tier")
    severity: Severity = "medium"
    binds: list[Binds] = Field(default_factory=lambda: list[Binds](["provider"]))
    evidence: Evidence = Field(default_factory=Evidence)
    deadline: Deadline | None = None
    penalty: I18nText | None = None
    crosswalk: dict[CrosswalkTarget, list[str]] = Field(default_factory=dict)


InstrumentKind = Literal[
    "law",
    "administrative_regulation",
    "departmental_rule",
    "normative_document",
    "mandatory_standard",
    "recommended_standard",
    "technical_document",
    "sector_standard",
    "framework",
    "foreign_law",
    "foreign_framework",
]


class Instrument(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]+$")
    title: I18nText
    short_title: I18nText | None = None
    issuer: I18nText
    document_number: str | None = None
    jurisdiction: str = "CN"
    kind: InstrumentKind
    binding: bool = True
    status: Literal["in_force", "draft", "repealed"] = "in_force"
    published: dt.date | None = None
    effective: dt.date | None = None
    repealed: dt.date | None = None
    url: str | None = None
    confidence: Confidence = "verified"
    notes: str | None = None


class InstrumentFile(_Strict):
    """One YAML file in `rules/data/`: an instrument and its obligations."""

    instrument: Instrument
    obligations: list[Obligation] = Field(default_factory=list)


class Tier(_Strict):
    id: TierId
    title: I18nText
    meaning: I18nText


class TierCitation(_Strict):
    instrument: str
    article: str


class TierRule(_Strict):
    id: str
    tier: TierId
    when: str = Field(description="CEL over `profile`")
    reason: I18nText
    citation: TierCitation | None = None
    confidence: Confidence = "verified"


class TierFile(_Strict):
    tiers: list[Tier]
    default: TierId = "low"
    default_reason: I18nText
    rules: list[TierRule]
