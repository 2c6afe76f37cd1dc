"""Sensitive-PI inventory (PIPL Art. 28) from the profile and scan findings.

Scan findings are accepted duck-typed (objects or dicts with `pi_type` and optionally
`file`, `column`, `count`), so any scanner's result rows can feed the inventory. The
inventory shows what the profile declares, what the scan found, and where they disagree.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, Field

from tianping.i18n import I18nText
from tianping.privacy._types import PI_TYPES
from tianping.systems import SystemProfile

__all__ = [
    "InventoryItem",
    "SensitiveInventory",
    "build_inventory",
    "finding_counts",
    "findings_from_scan",
    "scan_profile",
]

# PIPL Art. 28 categories in the profile's vocabulary, with zh/en names.
ART28: dict[str, I18nText] = {
    "biometric": I18nText(zh="生物识别", en="biometrics"),
    "religious_belief": I18nText(zh="宗教信仰", en="religious belief"),
    "specific_identity": I18nText(zh="特定身份", en="specific identity"),
    "medical_health": I18nText(zh="医疗健康", en="medical health"),
    "financial_account": I18nText(zh="金融账户", en="financial accounts"),
    "location_tracking": I18nText(zh="行踪轨迹", en="whereabouts / location tracking"),
    "minors_under_14": I18nText(zh="不满十四周岁未成年人的个人信息", en="PI of minors under 14"),
}


class InventoryItem(BaseModel):
    category: str = Field(description="PIPL Art. 28 category (profile vocabulary)")
    name: I18nText
    declared: bool = Field(description="Listed in the profile's data.sensitive_categories")
    found: int = Field(0, description="Scan findings of PI types in this category")
    pi_types: dict[str, int] = Field(default_factory=dict)
    locations: list[str] = Field(default_factory=list, description="file[:column], no values")
    status: Literal["declared_and_found", "declared_only", "found_undeclared"]


class SensitiveInventory(BaseModel):
    system_id: str
    personal_information: bool
    individuals: int
    sensitive_individuals: int
    general_pi_categories: list[str]
    items: list[InventoryItem]
    general_findings: dict[str, int] = Field(
        default_factory=dict, description="Findings of general (non-sensitive) PI types"
    )

    @property
    def undeclared(self) -> list[InventoryItem]:
        return [i for i in self.items if i.status == "found_undeclared"]


def _get(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def finding_counts(findings: Iterable[Any]) -> Counter[str]:
    out: Counter[str] = Counter()
    for f in findings:
        t = _get(f, "pi_type")
        if t:
            out[str(t)] += int(_get(f, "count") or 1)
    return out


def build_inventory(
    profile: SystemProfile, findings: Iterable[Any] = (), max_locations: int = 20
) -> SensitiveInventory:
    declared = set(profile.data.sensitive_categories)
    if profile.data.minors_under_14:
        declared.add("minors_under_14")
    per_cat: dict[str, Counter[str]] = defaultdict(Counter)
    locs: dict[str, list[str]] = defaultdict(list)
    general: Counter[str] = Counter()
    for f in findings:
        code = _get(f, "pi_type")
        if not code:
            continue
        t = PI_TYPES.get(str(code))
        n = int(_get(f, "count") or 1)
        if t is None or t.art28 is None:
            general[str(code)] += n
            continue
        per_cat[t.art28][t.code] += n
        where = _get(f, "file")
        col = _get(f, "column")
        if where:
            label = f"{where}:{col}" if col else str(where)
            if label not in locs[t.art28] and len(locs[t.art28]) < max_locations:
                locs[t.art28].append(label)
    items: list[InventoryItem] = []
    for cat in ART28:
        found = sum(per_cat[cat].values())
        if cat not in declared and not found:
            continue
        status: Literal["declared_and_found", "declared_only", "found_undeclared"] = (
            "declared_and_found"
            if cat in declared and found
            else ("declared_only" if cat in declared else "found_undeclared")
        )
        items.append(
            InventoryItem(
                category=cat,
                name=ART28[cat],
                declared=cat in declared,
                found=found,
                pi_types=dict(per_cat[cat]),
                locations=locs[cat],
                status=status,
            )
        )
    return SensitiveInventory(
        system_id=profile.id,
        personal_information=profile.data.personal_information,
        individuals=profile.data.individuals,
        sensitive_individuals=profile.data.sensitive_individuals,
        general_pi_categories=list(profile.data.pi_categories),
        items=items,
        general_findings=dict(general),
    )


def findings_from_scan(report: Any) -> list[dict[str, Any]]:
    """Count rows (pi_type, file, column, count) from a `tianping.privacy` ScanReport."""
    rows: list[dict[str, Any]] = []
    from tianping.privacy._shown import shown_path

    for f in report.files:
        if f.status != "ok":
            continue
        if f.columns:
            for col in f.columns:
                for t, n in col.types.items():
                    if n:
                        rows.append(
                            {
                                "pi_type": t,
                                "file": shown_path(f.path),
                                "column": col.column,
                                "count": n,
                            }
                        )
        else:
            for t, n in f.counts.items():
                if n:
                    rows.append({"pi_type": t, "file": shown_path(f.path), "count": n})
    return rows


def scan_profile(profile: SystemProfile, base_dir: Any) -> tuple[list[dict[str, Any]], Any]:
    """Scan the profile's scan_paths and datasets (sampled per column); findings and report."""
    from pathlib import Path

    from tianping.privacy._scan import ScanOptions, scan_paths

    rel = list(profile.data.scan_paths) + [d.path for d in profile.datasets]
    paths = [p if Path(p).is_absolute() else Path(base_dir) / p for p in map(Path, rel)]
    paths = [p for p in paths if p.exists()]
    if not paths:
        return [], None
    report = scan_paths(paths, ScanOptions(columns_only=True, ocr=profile.data.scan_images))
    return findings_from_scan(report), report
