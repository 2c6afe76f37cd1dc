"""Crosswalk: catalogs of foreign article and control ids, validation, and the matrix.

Each target (`eu_ai_act`, `nist_ai_rmf`, `iso_42001`, `ai_verify`) has a catalog in
`rules/data/crosswalk/<target>.yaml` listing every valid id with a bilingual title and a
confidence mark. An obligation's `crosswalk` ids are checked against it:

- an id listed in the catalog (or one of its `aliases`) is valid;
- a parent of a listed id is valid ("Art. 50" because "Art. 50(1)" is listed);
- a finer sub-division of an entry marked `open: true` is valid ("Art. 10(2)(f)" under
  "Art. 10"), for articles whose points the research did not enumerate.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tianping._yaml import load_yaml
from tianping.errors import Problem, RulebookError
from tianping.i18n import I18nText
from tianping.rules._load import Rulebook, _validation_error
from tianping.rules._plan import Plan
from tianping.rules._schema import Confidence, CrosswalkTarget

TARGETS: tuple[CrosswalkTarget, ...] = get_args(CrosswalkTarget)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CatalogEntry(_Strict):
    id: str = Field(min_length=1)
    title: I18nText
    confidence: Confidence = "verified"
    note: str | None = None
    open: bool = Field(False, description="Unlisted sub-divisions of this id are valid too")
    aliases: list[str] = Field(default_factory=list)


class CatalogFile(_Strict):
    target: CrosswalkTarget
    title: I18nText
    source: str
    url: str | None = None
    entries: list[CatalogEntry]


def normalise_id(raw: str) -> str:
    """Collapse runs of whitespace and trim; case is kept (ids are case-sensitive)."""
    return " ".join(raw.split())


_PAREN = re.compile(r"^(.*\S)\s*\([^()]*\)$")
_DOTTED = re.compile(r"^(.*\S)\.[^.\s]+$")
_NUMBERED = re.compile(r"^(.*\S)\s+\d\S*$")


def parent_id(id_: str) -> str | None:
    """The next id up: "Art. 10(2)(f)" -> "Art. 10(2)", "Annex III 5" -> "Annex III",
    "MEASURE 2.11" -> "MEASURE 2" -> "MEASURE", "A.6.2.4" -> "A.6.2". None at the top."""
    for pattern in (_PAREN, _DOTTED, _NUMBERED):
        m = pattern.match(id_)
        if m:
            parent = m.group(1)
            # "Art. 5" has no parent "Art.", "A.6" none "A": a bare prefix is not an id.
            if len(parent) < 3 or parent[-1] in ".:&,":
                return None
            return parent
    return None


def ancestors(id_: str) -> list[str]:
    out: list[str] = []
    cur = parent_id(id_)
    while cur is not None:
        out.append(cur)
        cur = parent_id(cur)
    return out


class Catalog:
    """One target's ids, with aliases, parents and open entries resolved."""

    def __init__(self, spec: CatalogFile, file: str) -> None:
        self.spec = spec
        self.file = file
        self.target: CrosswalkTarget = spec.target
        self.entries: dict[str, CatalogEntry] = {}
        self.order: dict[str, int] = {}
        self.aliases: dict[str, str] = {}
        self.parents: set[str] = set()
        for i, e in enumerate(spec.entries):
            eid = normalise_id(e.id)
            self.entries[eid] = e
            self.order[eid] = i
            for a in e.aliases:
                self.aliases[normalise_id(a)] = eid
        for eid in self.entries:
            self.parents.update(ancestors(eid))

    def canonical(self, raw: str) -> str | None:
        """The catalog spelling of a valid id, or None if the id is not valid."""
        id_ = normalise_id(raw)
        if id_ in self.entries:
            return id_
        if id_ in self.aliases:
            return self.aliases[id_]
        if id_ in self.parents:
            return id_
        for anc in ancestors(id_):
            entry = self.entries.get(anc)
            if entry is not None and entry.open:
                return id_
        return None

    def nearest(self, id_: str) -> CatalogEntry | None:
        """The entry for an id, or for its nearest listed ancestor."""
        for candidate in (id_, *ancestors(id_)):
            if candidate in self.entries:
                return self.entries[candidate]
        return None

    def sort_key(self, id_: str) -> tuple[int, str]:
        for candidate in (id_, *ancestors(id_)):
            if candidate in self.order:
                return (self.order[candidate], id_)
        # A parent that is not itself listed sorts before its first child.
        children = [i for e, i in self.order.items() if id_ in ancestors(e)]
        return (min(children) if children else len(self.order), id_)

    def suggestions(self, raw: str) -> list[str]:
        pool = [*self.entries, *self.aliases]
        return difflib.get_close_matches(normalise_id(raw), pool, n=3, cutoff=0.6)

    def leaf_ids(self) -> list[str]:
        return [e for e in self.entries if e not in self.parents]


def shipped_catalog_dir() -> Path:
    return Path(str(resources.files("tianping.rules") / "data" / "crosswalk"))


def load_catalogs(directory: Path | None = None) -> dict[CrosswalkTarget, Catalog]:
    """The catalogs in a directory (default: the shipped ones), keyed by target."""
    base = directory or shipped_catalog_dir()
    if directory is None:
        return dict(_shipped_catalogs())
    return _load_dir(base)


@lru_cache(maxsize=1)
def _shipped_catalogs() -> tuple[tuple[CrosswalkTarget, Catalog], ...]:
    return tuple(_load_dir(shipped_catalog_dir()).items())


def _load_dir(base: Path) -> dict[CrosswalkTarget, Catalog]:
    if not base.is_dir():
        raise RulebookError(f"Crosswalk catalog directory not found / 对照目录不存在: {base}")
    out: dict[CrosswalkTarget, Catalog] = {}
    for path in sorted(base.glob("*.yaml")):
        doc = load_yaml(path)
        try:
            spec = CatalogFile.model_validate(doc.data)
        except ValidationError as exc:
            raise _validation_error(exc, doc, "crosswalk catalog") from None
        if path.stem != spec.target:
            raise RulebookError(
                f"Crosswalk catalog {doc.file} declares target '{spec.target}' but is named "
                f"'{path.name}' / 对照目录文件名与 target 不一致"
            )
        out[spec.target] = Catalog(spec, doc.file)
    return out


def validate_crosswalk(
    rulebook: Rulebook, catalogs: dict[CrosswalkTarget, Catalog] | None = None
) -> list[Problem]:
    """Every crosswalk id of every obligation, checked against the catalogs (located)."""
    cats = catalogs if catalogs is not None else load_catalogs()
    problems: list[Problem] = []
    for lo in rulebook.obligations:
        for target, ids in lo.obligation.crosswalk.items():
            cat = cats.get(target)
            if cat is None:
                problems.append(
                    Problem(
                        f"no crosswalk catalog for target '{target}'",
                        lo.locate("crosswalk", target),
                    )
                )
                continue
            seen: set[str] = set()
            for i, raw in enumerate(ids):
                canon = cat.canonical(raw)
                if canon is None:
                    close = cat.suggestions(raw)
                    hint = (
                        "did you mean " + ", ".join(f"'{c}'" for c in close) + "?"
                        if close
                        else f"valid ids are listed in {cat.file}"
                    )
                    problems.append(
                        Problem(
                            f"unknown {target} id '{raw}' in obligation '{lo.obligation.id}' / "
                            f"未知的对照条目",
                            lo.locate("crosswalk", target, i),
                            hint,
                        )
                    )
                elif canon in seen:
                    problems.append(
                        Problem(
                            f"duplicate {target} id '{raw}' in obligation '{lo.obligation.id}'",
                            lo.locate("crosswalk", target, i),
                        )
                    )
                else:
                    seen.add(canon)
    return problems


class CrosswalkLink(BaseModel):
    target: CrosswalkTarget
    id: str = Field(description="Catalog spelling")
    title: I18nText | None = Field(None, description="Of the id or its nearest listed parent")
    confidence: Confidence | None = None
    known: bool = Field(True, description="False when the id is not in the catalog")


class ObligationLinks(BaseModel):
    obligation_id: str
    instrument_id: str
    jurisdiction: str
    title: I18nText
    citation: str
    links: dict[CrosswalkTarget, list[CrosswalkLink]] = Field(default_factory=dict)


class CoverageRow(BaseModel):
    """One foreign article or control and the applicable obligations that map to it."""

    target: CrosswalkTarget
    id: str
    title: I18nText | None = None
    confidence: Confidence | None = None
    obligation_ids: list[str] = Field(default_factory=list)
    jurisdictions: list[str] = Field(default_factory=list)


class TargetSummary(BaseModel):
    target: CrosswalkTarget
    title: I18nText
    ids_linked: int = Field(description="Distinct ids that at least one obligation links to")
    leaf_ids_in_catalog: int
    leaf_ids_covered: int


class CrosswalkMatrix(BaseModel):
    system_id: str
    rulebook_version: str
    as_of: dt.date
    targets: list[CrosswalkTarget]
    obligations: list[ObligationLinks]
    inverse: dict[CrosswalkTarget, list[CoverageRow]]
    summary: list[TargetSummary]


def crosswalk_matrix(
    plan: Plan, rulebook: Rulebook, catalogs: dict[CrosswalkTarget, Catalog] | None = None
) -> CrosswalkMatrix:
    """For each applicable obligation its links per target, and per foreign id the obligations."""
    cats = catalogs if catalogs is not None else load_catalogs()
    applicable = set(plan.applicable_ids())
    rows: list[ObligationLinks] = []
    inverse: dict[CrosswalkTarget, dict[str, CoverageRow]] = {t: {} for t in TARGETS}
    for lo in rulebook.obligations:
        ob = lo.obligation
        if ob.id not in applicable:
            continue
        row = ObligationLinks(
            obligation_id=ob.id,
            instrument_id=lo.instrument.id,
            jurisdiction=lo.instrument.jurisdiction,
            title=ob.title,
            citation=ob.citation.text(),
        )
        for target in TARGETS:
            ids = ob.crosswalk.get(target, [])
            if not ids:
                continue
            cat = cats.get(target)
            links: list[CrosswalkLink] = []
            for raw in ids:
                canon = cat.canonical(raw) if cat else None
                id_ = canon or normalise_id(raw)
                entry = cat.nearest(id_) if cat else None
                link = CrosswalkLink(
                    target=target,
                    id=id_,
                    known=canon is not None,
                    title=entry.title if entry else None,
                    confidence=entry.confidence if entry else None,
                )
                links.append(link)
                cov = inverse[target].setdefault(
                    id_,
                    CoverageRow(
                        target=target, id=id_, title=link.title, confidence=link.confidence
                    ),
                )
                if ob.id not in cov.obligation_ids:
                    cov.obligation_ids.append(ob.id)
                if lo.instrument.jurisdiction not in cov.jurisdictions:
                    cov.jurisdictions.append(lo.instrument.jurisdiction)
            row.links[target] = links
        rows.append(row)
    ordered: dict[CrosswalkTarget, list[CoverageRow]] = {}
    summary: list[TargetSummary] = []
    for target in TARGETS:
        cat = cats.get(target)
        covs = list(inverse[target].values())
        if cat is not None:
            covs.sort(key=lambda c, cat=cat: cat.sort_key(c.id))  # type: ignore[misc]
            linked = set(inverse[target])
            leaves = cat.leaf_ids()
            covered = [
                leaf
                for leaf in leaves
                if leaf in linked or any(a in linked for a in ancestors(leaf))
            ]
            summary.append(
                TargetSummary(
                    target=target,
                    title=cat.spec.title,
                    ids_linked=len(linked),
                    leaf_ids_in_catalog=len(leaves),
                    leaf_ids_covered=len(covered),
                )
            )
        ordered[target] = covs
    return CrosswalkMatrix(
        system_id=plan.system_id,
        rulebook_version=plan.rulebook_version,
        as_of=plan.as_of,
        targets=list(TARGETS),
        obligations=rows,
        inverse=ordered,
        summary=summary,
    )
