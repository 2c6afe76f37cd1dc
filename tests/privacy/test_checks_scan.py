"""privacy.scan check: metrics, undeclared sensitive categories, evidence, conformance."""

from __future__ import annotations

from pathlib import Path

from tianping.checks import Verdict
from tianping.checks._contract import execute
from tianping.checks.testing import assert_conforms, minimal_context
from tianping.privacy._checks_scan import PrivacyScan
from tianping.rules._schema import Bound
from tianping.systems import SystemProfile


def _profile(**data: object) -> SystemProfile:
    return SystemProfile.model_validate(
        {"id": "scan-test", "name": "scan test", "provider": {"name": "Example"}, "data": data}
    )


def test_conforms_and_flags_undeclared_sensitive_pi(corpus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    prof = _profile(personal_information=True, scan_paths=["data/customers.csv"])
    ctx = minimal_context(corpus.root, prof, evidence_dir=tmp_path / "ev")
    res = assert_conforms(PrivacyScan, ctx, {})
    m = res.metrics
    assert m["files_scanned"] == 1 and m["files_failed"] == 0
    assert m["findings_total"] > 1000 and m["sensitive_findings"] > 400
    assert "specific_identity" in str(m["unexpected_sensitive_list"])
    assert "financial_account" in str(m["unexpected_sensitive_list"])
    assert res.verdict == Verdict.WARN  # no threshold, but undeclared sensitive PI
    kinds = [e.kind for e in res.evidence]
    assert kinds.count("table") == 2 and "image" in kinds
    png = next(e for e in res.evidence if e.kind == "image")
    assert png.path and Path(png.path).read_bytes()[:4] == b"\x89PNG"


def test_declared_categories_pass_and_thresholds_decide(corpus) -> None:  # type: ignore[no-untyped-def]
    prof = _profile(
        personal_information=True,
        sensitive_categories=["specific_identity", "financial_account", "minors_under_14"],
        pi_categories=["identity", "contact", "financial", "location", "device", "other"],
        scan_paths=["data/customers.parquet"],
    )
    ctx = minimal_context(
        corpus.root, prof, thresholds={"unexpected_sensitive_types": Bound(max=0)}
    )
    res = execute(PrivacyScan(), ctx, {})
    assert res.metrics["unexpected_sensitive_types"] == 0
    assert res.verdict == Verdict.PASS
    strict = minimal_context(corpus.root, prof, thresholds={"sensitive_findings": Bound(max=0)})
    assert execute(PrivacyScan(), strict, {}).verdict == Verdict.FAIL


def test_skipped_and_error_cases(corpus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    none = execute(PrivacyScan(), minimal_context(tmp_path), {})
    assert none.verdict == Verdict.SKIPPED
    bad = execute(
        PrivacyScan(), minimal_context(corpus.root), {"paths": ["data/bad/broken.parquet", "x"]}
    )
    assert bad.verdict == Verdict.ERROR and bad.metrics["files_failed"] == 2


def test_profile_datasets_are_scanned(corpus) -> None:  # type: ignore[no-untyped-def]
    prof = SystemProfile.model_validate(
        {
            "id": "scan-ds",
            "name": "ds",
            "provider": {"name": "Example"},
            "datasets": [{"id": "c", "path": "data/customers.csv"}],
        }
    )
    res = execute(PrivacyScan(), minimal_context(corpus.root, prof), {"columns_only": True})
    assert res.metrics["files_scanned"] == 1 and res.metrics["findings_total"] > 0


def test_database_urls_in_scan_paths(corpus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    db = tmp_path / "crm.db"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE customers (name TEXT, phone TEXT)")
        con.executemany(
            "INSERT INTO customers VALUES (?, ?)", [("王伟", "13812345678"), ("李娜", "x")]
        )
    prof = _profile(
        personal_information=True,
        scan_paths=["data/customers.csv", f"sqlite:///{db}", f"sqlite:///{tmp_path / 'no.db'}"],
    )
    res = execute(PrivacyScan(), minimal_context(corpus.root, prof), {})
    # the file and the table are scanned; the missing database is one failed entry
    assert res.metrics["files_scanned"] == 2 and res.metrics["files_failed"] == 1
    assert res.verdict == Verdict.WARN
    assert not (tmp_path / "no.db").exists()
