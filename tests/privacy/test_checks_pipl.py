"""The PIPL checks on real example profiles and the real Adult data, with tier thresholds."""

from __future__ import annotations

import shutil
from pathlib import Path

from tianping.checks import Verdict
from tianping.checks._attestations import Answer
from tianping.checks.testing import assert_conforms, minimal_context
from tianping.privacy._checks_pipl import AnonymityCheck, CrossBorderCheck, PipiaCheck
from tianping.rules import Bound
from tianping.systems import load_profile

REPO = Path(__file__).resolve().parents[2]
EX = REPO / "examples"


def test_anonymity_on_research_prototype(tmp_path: Path) -> None:
    p = load_profile(EX / "research-prototype" / "tianping.yaml")
    ctx = minimal_context(
        EX / "research-prototype",
        p,
        evidence_dir=tmp_path,
        thresholds={"k": Bound(min=5), "prosecutor_risk_max": Bound(max=0.2)},
    )
    res = assert_conforms(AnonymityCheck, ctx, {})
    m = res.metrics
    # adult: QIs age, sex, race, native-country; sensitive = the target (income).
    assert m["k"] == 1 and m["rows"] == 32561 and m["l_distinct"] == 1
    assert m["prosecutor_risk_max"] == 1.0 and m["records_unique"] == 1330
    assert res.verdict == Verdict.FAIL
    kinds = [e.kind for e in res.evidence]
    assert kinds.count("table") == 2 and "image" in kinds
    png = next(e for e in res.evidence if e.kind == "image")
    assert png.path and Path(png.path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    sizes = res.evidence[0].data
    assert sizes[0]["class_size"] == 1 and sizes[0]["rows"] == 1330


def test_anonymity_claimed_only_and_skip(tmp_path: Path) -> None:
    p = load_profile(EX / "research-prototype" / "tianping.yaml")
    ctx = minimal_context(EX / "research-prototype", p)
    res = assert_conforms(AnonymityCheck, ctx, {"claimed_only": True})
    assert res.verdict == Verdict.SKIPPED
    p2 = load_profile(EX / "credit-scoring" / "tianping.yaml")
    res2 = assert_conforms(AnonymityCheck, minimal_context(EX / "credit-scoring", p2), {})
    assert res2.verdict == Verdict.SKIPPED


def test_anonymity_after_mondrian_passes(tmp_path: Path) -> None:
    from tianping.privacy._anonymity import load_table
    from tianping.privacy._mondrian import mondrian

    from .test_anonymity import ADULT, COLUMNS

    df = load_table(ADULT, columns=COLUMNS, has_header=False)
    gen, _ = mondrian(df, ["age", "sex", "race", "native-country"], 10)
    gen.write_csv(tmp_path / "adult-k10.csv")
    prof = load_profile(EX / "research-prototype" / "tianping.yaml").model_copy(deep=True)
    ds = prof.datasets[0].model_copy(
        update={
            "path": str(tmp_path / "adult-k10.csv"),
            "has_header": True,
            "columns": None,
            "claimed_anonymised": True,
        }
    )
    prof.datasets = [ds]
    ctx = minimal_context(tmp_path, prof, thresholds={"k": Bound(min=10)})
    res = assert_conforms(AnonymityCheck, ctx, {"claimed_only": True})
    assert res.verdict == Verdict.PASS and int(res.metrics["k"] or 0) >= 10


def test_pipia_check(tmp_path: Path) -> None:
    p = load_profile(EX / "credit-scoring" / "tianping.yaml")
    ctx = minimal_context(
        EX / "credit-scoring",
        p,
        evidence_dir=tmp_path,
        thresholds={"missing_sections": Bound(max=0)},
    )
    res = assert_conforms(PipiaCheck, ctx, {})
    assert res.metrics["required"] is True and res.metrics["triggers"] == 5
    assert int(res.metrics["missing_sections"] or 0) >= 1 and res.verdict == Verdict.FAIL
    docs = [e for e in res.evidence if e.kind == "document"]
    assert len(docs) == 2 and all(Path(d.path or "").is_file() for d in docs)
    research = load_profile(EX / "research-prototype" / "tianping.yaml")
    res2 = assert_conforms(PipiaCheck, minimal_context(EX / "research-prototype", research), {})
    assert res2.verdict == Verdict.NOT_APPLICABLE


def test_crossborder_check_follows_attestation(tmp_path: Path) -> None:
    p = load_profile(EX / "credit-scoring" / "tianping.yaml")
    th = {"mechanism_in_place": Bound(min=1)}
    ctx = minimal_context(EX / "credit-scoring", p, thresholds=th)
    res = assert_conforms(CrossBorderCheck, ctx, {})
    assert res.metrics["route"] == "standard_contract_or_certification"
    assert res.metrics["needs_security_assessment"] is False
    assert res.metrics["mechanism_in_place"] is False and res.verdict == Verdict.FAIL
    assert res.evidence[0].data and res.evidence[0].data[0]["scope"] == "overall"
    ctx_yes = minimal_context(
        EX / "credit-scoring",
        p,
        thresholds=th,
        attestations={"xb-scc-or-certification": Answer(answer="yes")},
    )
    assert assert_conforms(CrossBorderCheck, ctx_yes, {}).verdict == Verdict.PASS
    none = load_profile(EX / "research-prototype" / "tianping.yaml")
    res3 = assert_conforms(CrossBorderCheck, minimal_context(EX / "research-prototype", none), {})
    assert res3.verdict == Verdict.NOT_APPLICABLE


def test_anonymity_unreadable_dataset_is_error(tmp_path: Path) -> None:
    src = EX / "research-prototype"
    shutil.copy(src / "tianping.yaml", tmp_path / "tianping.yaml")
    p = load_profile(tmp_path / "tianping.yaml")
    res = AnonymityCheck().run(minimal_context(tmp_path, p), AnonymityCheck.Params())
    assert res.verdict == Verdict.ERROR and "file not found" in res.message.en


def test_pipia_check_scans_for_undeclared_sensitive_pi(tmp_path: Path) -> None:
    from tianping.systems import SystemProfile

    (tmp_path / "users.csv").write_text(
        "uid,id_number\n" + "".join(f"{i},11010519491231002X\n" for i in range(50)),
        encoding="utf-8",
    )
    p = SystemProfile.model_validate(
        {
            "id": "scan",
            "name": "scan",
            "description": "demo",
            "provider": {"name": "P"},
            "data": {
                "personal_information": True,
                "pi_categories": ["identity"],
                "scan_paths": ["users.csv"],
            },
        }
    )
    ctx = minimal_context(tmp_path, p)
    res = assert_conforms(PipiaCheck, ctx, {})
    assert res.metrics["required"] is True and res.metrics["undeclared_sensitive"] == 1
    assert res.evidence[0].data[0]["fired"] is True  # Art. 55(1) from the scan alone
    off = assert_conforms(PipiaCheck, ctx, {"scan": False})
    assert off.verdict == Verdict.NOT_APPLICABLE
    # Masked previews only: no raw identifier anywhere in the result.
    assert "11010519491231002X" not in res.model_dump_json()
