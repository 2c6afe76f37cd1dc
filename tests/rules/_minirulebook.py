"""A small, self-contained rulebook written to a folder, for engine and lint tests."""

from __future__ import annotations

from pathlib import Path

TIERS = """\
tiers:
  - {id: high, title: {zh: 高, en: High}, meaning: {zh: 高风险, en: high risk}}
  - {id: medium, title: {zh: 中, en: Medium}, meaning: {zh: 中风险, en: medium risk}}
  - {id: low, title: {zh: 低, en: Low}, meaning: {zh: 低风险, en: low risk}}
default: low
default_reason: {zh: 无, en: none}
rules:
  - id: tier.finance
    tier: high
    when: profile.sectors.exists(s, s == "finance")
    reason: {zh: 金融, en: finance}
    citation: {instrument: test.law, article: Art. 1}
  - id: tier.public
    tier: medium
    when: profile.public_facing
    reason: {zh: 面向公众, en: public}
"""

LAW = """\
instrument:
  id: test.law
  title: {zh: 测试法, en: Test Law}
  issuer: {zh: 测试机关, en: Test Authority}
  kind: law
  effective: 2024-01-01
obligations:
  - id: test.law.art2-public
    title: {zh: 公众义务, en: Public duty}
    summary: {zh: 面向公众时适用, en: applies to public services}
    citation: {article: Art. 2}
    applies_when: profile.public_facing
    evidence:
      checks:
        - id: profile.completeness
          thresholds: {high: {completeness: {min: 1.0}}, low: {completeness: {min: 0.1}}}
      attestations:
        - id: q-public
          question: {zh: 是否公示？, en: Published?}
  - id: test.law.art3-high-only
    title: {zh: 高风险义务, en: High-tier duty}
    summary: {zh: 仅高风险, en: high tier only}
    citation: {article: Art. 3}
    min_tier: high
    evidence:
      attestations:
        - id: q-public
          question: {zh: 是否公示？, en: Published?}
  - id: test.law.art4-later
    title: {zh: 后生效义务, en: Later duty}
    summary: {zh: 2026 年生效, en: effective 2026}
    citation: {article: Art. 4}
    effective: 2026-01-01
    repealed: 2027-01-01
"""

DRAFT = """\
instrument:
  id: test.draft
  title: {zh: 草案, en: Draft}
  issuer: {zh: 测试机关, en: Test Authority}
  kind: departmental_rule
  status: draft
obligations:
  - id: test.draft.art1
    title: {zh: 草案义务, en: Draft duty}
    summary: {zh: 草案, en: draft}
    citation: {article: Art. 1}
"""


def write_rulebook(
    root: Path, *, law: str = LAW, tiers: str = TIERS, extra: dict[str, str] | None = None
) -> Path:
    (root / "instruments").mkdir(parents=True, exist_ok=True)
    (root / "tiers.yaml").write_text(tiers, encoding="utf-8")
    (root / "instruments" / "law.yaml").write_text(law, encoding="utf-8")
    (root / "instruments" / "draft.yaml").write_text(DRAFT, encoding="utf-8")
    for name, text in (extra or {}).items():
        (root / "instruments" / name).write_text(text, encoding="utf-8")
    return root
