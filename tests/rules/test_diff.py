"""Rulebook diff between two real versions, and the systems each change affects."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from tests.rules._profiles import credit, face_id
from tianping.rules import load_rulebook, shipped_rulebook_dir
from tianping.rules._diff import affected_systems, diff_rulebooks

AS_OF = dt.date(2026, 9, 1)
EU_FILE = Path("instruments") / "eu" / "eu-ai-act.yaml"

ADDED = {
    "id": "eu.ai-act.test-added",
    "title": {"zh": "测试新增义务", "en": "Test added obligation"},
    "summary": {"zh": "测试", "en": "Test"},
    "citation": {"article": "Art. 4"},
    "effective": dt.date(2025, 2, 2),
    "applies_when": 'profile.derived.jurisdictions.exists(j, j == "EU")',
    "evidence": {
        "attestations": [
            {
                "id": "eu-ai-literacy-test",
                "question": {
                    "zh": "是否开展人工智能素养培训？",
                    "en": "Is AI-literacy training given?",
                },
            }
        ]
    },
}


def _edit(book: Path) -> None:
    """The new version: one condition, one threshold and one title changed; one obligation
    removed, one added."""
    yaml = YAML()  # round-trip: everything else stays byte-identical in meaning
    path = book / EU_FILE
    doc: Any = yaml.load(path.read_text(encoding="utf-8"))
    obs = {o["id"]: o for o in doc["obligations"]}
    emp = obs["eu.ai-act.annex3-4-employment"]
    assert 's == "employment"' in emp["applies_when"]
    emp["applies_when"] = emp["applies_when"].replace(
        's == "employment"', 's in ["employment", "finance"]'
    )
    ess = obs["eu.ai-act.annex3-5-essential-services"]
    high = ess["evidence"]["checks"][0]["thresholds"]["high"]
    assert high["max_missing_ratio"]["max"] == 0.05
    high["max_missing_ratio"]["max"] = 0.01
    obs["eu.ai-act.art5-1a-manipulation"]["title"]["en"] = "No manipulative AI (renamed)"
    doc["obligations"] = [
        o for o in doc["obligations"] if o["id"] != "eu.ai-act.art5-1h-realtime-rbi"
    ]
    doc["obligations"].append(ADDED)
    with path.open("w", encoding="utf-8") as fh:
        yaml.dump(doc, fh)


def _versions(tmp_path: Path) -> tuple[Path, Path]:
    old, new = tmp_path / "v1", tmp_path / "v2"
    shutil.copytree(shipped_rulebook_dir(), old)
    shutil.copytree(shipped_rulebook_dir(), new)
    _edit(new)
    return old, new


def test_diff_finds_exactly_the_changes(tmp_path: Path) -> None:
    old_dir, new_dir = _versions(tmp_path)
    old, new = load_rulebook([old_dir]), load_rulebook([new_dir])
    assert old.version != new.version
    diff = diff_rulebooks(old, new)
    assert [c.obligation_id for c in diff.added] == ["eu.ai-act.test-added"]
    assert [c.obligation_id for c in diff.removed] == ["eu.ai-act.art5-1h-realtime-rbi"]
    changed = {c.obligation_id: c.fields for c in diff.changed}
    assert changed == {
        "eu.ai-act.annex3-4-employment": ["condition"],
        "eu.ai-act.annex3-5-essential-services": ["thresholds"],
        "eu.ai-act.art5-1a-manipulation": ["titles"],
    }
    thr = next(
        c for c in diff.changed if c.obligation_id == "eu.ai-act.annex3-5-essential-services"
    ).details[0]
    assert thr.old[0]["thresholds"]["high"]["max_missing_ratio"]["max"] == 0.05
    assert thr.new[0]["thresholds"]["high"]["max_missing_ratio"]["max"] == 0.01
    assert [i.instrument_id for i in diff.instruments] == []
    assert not diff.tiers_changed
    # Diffing a version with itself finds nothing.
    assert diff_rulebooks(old, load_rulebook([old_dir])).empty


def test_affected_systems(tmp_path: Path) -> None:
    old_dir, new_dir = _versions(tmp_path)
    old, new = load_rulebook([old_dir]), load_rulebook([new_dir])
    diff = diff_rulebooks(old, new)
    systems = [credit(["CN", "EU"]), face_id(), credit(["CN"]).model_copy(update={"id": "cn"})]
    report = affected_systems(diff, systems, old, new, AS_OF)
    effects = {(i.system_id, i.obligation_id): i.effect for i in report.impacts}
    assert effects == {
        # Condition widened to finance: the credit system is newly in scope.
        ("credit", "eu.ai-act.annex3-4-employment"): "now_applies",
        # Stricter threshold at tier high: a different data.profile run is planned.
        ("credit", "eu.ai-act.annex3-5-essential-services"): "plan_changed",
        ("credit", "eu.ai-act.art5-1a-manipulation"): "details_changed",
        ("credit", "eu.ai-act.test-added"): "now_applies",
        ("face-id", "eu.ai-act.art5-1a-manipulation"): "details_changed",
        ("face-id", "eu.ai-act.test-added"): "now_applies",
        # Removed: only the biometric system had it.
        ("face-id", "eu.ai-act.art5-1h-realtime-rbi"): "no_longer_applies",
    }
    assert report.affected("eu.ai-act.annex3-5-essential-services") == ["credit"]
    assert "cn" not in {i.system_id for i in report.impacts}
    plan_change = next(
        i for i in report.impacts if i.obligation_id == "eu.ai-act.annex3-5-essential-services"
    )
    assert plan_change.tasks_added == ["data.profile"]
    assert plan_change.tasks_removed == ["data.profile"]
    added = next(i for i in report.impacts if i.obligation_id == "eu.ai-act.test-added")
    assert added.status_before is None and added.status_after == "applies"
    assert added.tasks_added == ["process.attestation:eu-ai-literacy-test"]
    assert report.tier_changes == []


def test_instrument_and_tier_changes(tmp_path: Path) -> None:
    old_dir, new_dir = tmp_path / "v1", tmp_path / "v2"
    shutil.copytree(shipped_rulebook_dir(), old_dir)
    shutil.copytree(shipped_rulebook_dir(), new_dir)
    path = new_dir / EU_FILE
    text = path.read_text(encoding="utf-8")
    assert "  effective: 2024-08-01\n" in text
    path.write_text(
        text.replace("  effective: 2024-08-01\n", "  effective: 2024-09-01\n"), encoding="utf-8"
    )
    tiers = new_dir / "tiers.yaml"
    tiers.write_text(
        tiers.read_text(encoding="utf-8").replace("default: low", "default: medium"),
        encoding="utf-8",
    )
    old, new = load_rulebook([old_dir]), load_rulebook([new_dir])
    diff = diff_rulebooks(old, new)
    assert [(i.instrument_id, i.fields) for i in diff.instruments] == [("eu.ai-act", ["effective"])]
    assert diff.tiers_changed
    # Obligations with their own effective date do not inherit the instrument's change.
    assert diff.changed == []
    report = affected_systems(diff, [face_id()], old, new, AS_OF)
    assert [(t.system_id, t.before, t.after) for t in report.tier_changes] == [
        ("face-id", "low", "medium")
    ]
