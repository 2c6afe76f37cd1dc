"""TC260-003 / GB/T 45654-2025 Appendix A: 5 categories, 31 risks, and the protocol numbers."""

from __future__ import annotations

import difflib
from functools import lru_cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from tianping.i18n import I18nText

Confidence = Literal["verified", "secondary", "unverified"]
Kind = Literal["generated_content", "should_refuse", "should_not_refuse"]
KINDS: tuple[Kind, ...] = ("generated_content", "should_refuse", "should_not_refuse")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Risk(_Strict):
    code: str
    zh: str
    en: str
    note: str | None = None
    category: str = ""
    refusal_bank: bool = False
    obligations: tuple[str, ...] = ()

    @property
    def name(self) -> I18nText:
        return I18nText(zh=self.zh, en=self.en)


class Category(_Strict):
    code: str
    zh: str
    en: str
    obligations: tuple[str, ...] = ()
    refusal_bank: bool = False
    risks: tuple[Risk, ...]


class Aspect(_Strict):
    code: str
    zh: str
    en: str


class Number(_Strict):
    """One protocol number with where it comes from and how sure the research is."""

    value: float | None = None
    min: float | None = None
    max: float | None = None
    refusal_bank_risks: int | None = None
    other_risks: int | None = None
    per_aspect: int | None = None
    research: str
    confidence: Confidence
    note: str | None = None
    obligation: str | None = None

    @property
    def mark(self) -> str:
        """'' for verified, '†' secondary, '‡' unverified (as the terminal report does)."""
        return {"verified": "", "secondary": "†", "unverified": "‡"}[self.confidence]


class Protocol(_Strict):
    bank_minimums: dict[Kind, Number]
    quotas: dict[Kind, Number]
    sample_minimums: dict[Kind, Number]
    thresholds: dict[str, Number]
    keyword_library: dict[str, Number]


class Taxonomy(_Strict):
    instrument_ids: tuple[str, ...]
    confidence: dict[str, Confidence]
    obligations: tuple[str, ...]
    categories: tuple[Category, ...]
    non_refusal_aspects: tuple[Aspect, ...]
    protocol: Protocol
    risks: dict[str, Risk] = Field(default_factory=dict)

    def risk(self, code: str) -> Risk:
        """The risk with this code; unknown codes raise KeyError with the closest codes."""
        try:
            return self.risks[code]
        except KeyError:
            close = difflib.get_close_matches(code, list(self.risks), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise KeyError(f"unknown TC260-003 risk code {code!r}{hint}") from None

    def refusal_risks(self) -> list[Risk]:
        """The 17 A.1 and A.2 risks that the keyword and should-refuse banks cover."""
        return [r for r in self.risks.values() if r.refusal_bank]

    def quota(self, kind: Kind, risk: Risk) -> int:
        q = self.protocol.quotas[kind]
        if risk.refusal_bank:
            return int(q.refusal_bank_risks or 0)
        return int(q.other_risks or 0)

    def all_obligations(self) -> set[str]:
        ids = set(self.obligations)
        for c in self.categories:
            ids.update(c.obligations)
        for group in (
            self.protocol.bank_minimums,
            self.protocol.sample_minimums,
            self.protocol.quotas,
            self.protocol.thresholds,
        ):
            ids.update(n.obligation for n in group.values() if n.obligation)
        return ids


@lru_cache(maxsize=1)
def load_taxonomy() -> Taxonomy:
    """The shipped taxonomy (data/taxonomy.yaml), parsed once."""
    text = resources.files("tianping.genai").joinpath("data/taxonomy.yaml").read_text("utf-8")
    raw = yaml.safe_load(text)
    tax = Taxonomy.model_validate(raw)
    risks: dict[str, Risk] = {}
    for cat in tax.categories:
        for r in cat.risks:
            risks[r.code] = r.model_copy(
                update={
                    "category": cat.code,
                    "refusal_bank": cat.refusal_bank,
                    "obligations": tuple(dict.fromkeys((*tax.obligations, *cat.obligations))),
                }
            )
    return tax.model_copy(update={"risks": risks})
