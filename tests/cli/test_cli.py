"""The real command line, run as a user runs it: a subprocess, real files, real exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from tianping.reports import report_schema

from .._helpers import run_tianping
from ..conftest import REPO


def tp(*args: str, cwd: Path, db: Path | None = None) -> subprocess.CompletedProcess[str]:
    pre = ["--db", f"sqlite:///{db}"] if db else []
    return run_tianping(*pre, *args, cwd=cwd, drop_env={"TIANPING_DATABASE_URL"})


def test_init_then_assess_json_validates(tmp_path: Path) -> None:
    r = tp("init", "--id", "demo-sys", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    (tmp_path / "attestations.yaml").write_text("answers: {}\n")
    r = tp(
        "assess",
        "tianping.yaml",
        "--format",
        "json",
        "--out",
        "out",
        cwd=tmp_path,
        db=tmp_path / "db.sqlite",
    )
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    jsonschema.validate(data, report_schema())
    assert data["system"]["id"] == "demo-sys"
    assert (tmp_path / "out" / "demo-sys.html").read_text().startswith("<!DOCTYPE html>")
    assert json.loads((tmp_path / "out" / "demo-sys.json").read_text())["assessment_id"]
    r = tp("init", cwd=tmp_path)
    assert r.returncode == 2 and "--force" in r.stderr


def test_published_schema_is_current() -> None:
    published = json.loads(
        (REPO / "docs" / "schema" / "assessment-report.schema.json").read_text(encoding="utf-8")
    )
    assert published == report_schema(), "run `make schema` and commit docs/schema"


def test_fail_on_exit_codes(finance_system: Path, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    assert tp("assess", str(finance_system), cwd=tmp_path, db=db).returncode == 0
    r = tp("assess", str(finance_system), "--fail-on", "gap", cwd=tmp_path, db=db)
    assert r.returncode == 1
    r = tp("assess", str(finance_system), "--fail-on", "nonsense", cwd=tmp_path, db=db)
    assert r.returncode == 2


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (
            lambda t: t.replace("public_facing: true", "public_facng: true"),
            "did you mean 'public_facing'?",
        ),
        (lambda t: t.replace("name: Credit test", "name: [oops"), "could not be parsed"),
    ],
)
def test_bad_profile_gives_one_message_and_no_traceback(
    finance_system: Path, tmp_path: Path, mutate: object, needle: str
) -> None:
    profile = finance_system / "tianping.yaml"
    profile.write_text(mutate(profile.read_text()))  # type: ignore[operator]
    r = tp("assess", str(finance_system), cwd=tmp_path, db=tmp_path / "db.sqlite")
    assert r.returncode == 2
    assert needle in r.stderr
    assert "Traceback" not in r.stderr
    assert "tianping.yaml:" in r.stderr


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    r = tp("--debug", "tier", str(tmp_path / "missing.yaml"), cwd=tmp_path)
    assert r.returncode != 0 and "Traceback" in r.stderr


def test_tier_obligations_and_rules_commands(finance_system: Path, tmp_path: Path) -> None:
    r = tp("tier", str(finance_system), cwd=tmp_path)
    assert r.returncode == 0 and "tier high" in r.stdout and "JR/T 0221-2021" in r.stdout
    r = tp("tier", str(finance_system), "--format", "json", cwd=tmp_path)
    assert json.loads(r.stdout)["level"] == "high"
    r = tp("obligations", str(finance_system), "--format", "json", cwd=tmp_path)
    ids = [o["id"] for o in json.loads(r.stdout)["obligations"]]
    assert "cn.pipl.art24-adm-fairness" in ids
    r = tp("--lang", "zh", "rules", "show", "cn.pipl.art24-adm-fairness", cwd=tmp_path)
    assert r.returncode == 0 and "自动化决策" in r.stdout
    r = tp("rules", "show", "cn.pipl.art24-adm-fairnes", cwd=tmp_path)
    assert r.returncode == 2 and "did you mean cn.pipl.art24-adm-fairness" in r.stderr
    r = tp("checks", "list", cwd=tmp_path)
    assert "data.profile" in r.stdout
    r = tp("tier", str(finance_system), "--as-of", "2025-02-30", cwd=tmp_path)
    assert r.returncode == 2 and "YYYY-MM-DD" in r.stderr


def test_rules_lint_fails_on_a_broken_rulebook(tmp_path: Path) -> None:
    from ..rules._minirulebook import LAW, write_rulebook

    rb = write_rulebook(
        tmp_path / "rb", law=LAW.replace("profile.public_facing", "profile.public_facng")
    )
    r = tp("--rulebook", str(rb), "rules", "lint", cwd=tmp_path)
    assert r.returncode == 2
    assert "law.yaml:" in r.stderr and "public_facng" in r.stderr


def test_database_env_var_is_honoured(finance_system: Path, tmp_path: Path) -> None:
    env = {**os.environ, "TIANPING_DATABASE_URL": f"sqlite:///{tmp_path / 'env.db'}"}
    r = subprocess.run(
        [sys.executable, "-m", "tianping.cli", "assess", str(finance_system)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "env.db").exists()


def test_crosswalk_export_and_diff_commands(tmp_path: Path) -> None:
    r = tp("crosswalk", str(REPO / "examples" / "public-chatbot"), "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    matrix = json.loads(r.stdout)
    jurisdictions = {o["jurisdiction"] for o in matrix["obligations"]}
    assert {"CN", "EU"} <= jurisdictions  # deployed in CN and the EU: both sets apply
    r = tp(
        "rules", "export", "--format", "oscal", "--out", "catalog.json", "--validate", cwd=tmp_path
    )
    assert r.returncode == 0, r.stderr
    catalog = json.loads((tmp_path / "catalog.json").read_text())["catalog"]
    assert catalog["groups"] and catalog["metadata"]["title"]

    import shutil

    from tianping.rules import shipped_rulebook_dir

    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(shipped_rulebook_dir(), old)
    shutil.copytree(shipped_rulebook_dir(), new)
    pipl = new / "instruments" / "cn" / "pipl.yaml"
    text = pipl.read_text(encoding="utf-8")
    at = text.index("- id: cn.pipl.art55-pipia")  # tighten a threshold of that obligation
    head, tail = text[:at], text[at:]
    pipl.write_text(head + tail.replace("min: 0.8", "min: 0.9", 1), encoding="utf-8")
    r = tp(
        "rules",
        "diff",
        str(old),
        str(new),
        "--inventory",
        str(REPO / "examples"),
        "--format",
        "json",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    assert "cn.pipl.art55-pipia" in r.stdout
