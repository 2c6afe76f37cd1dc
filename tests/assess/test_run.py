from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest

from tianping.assess import AssessOptions, run_assessment
from tianping.errors import InputError, RulebookError
from tianping.reports import render_json, report_schema
from tianping.store import open_store

from ..rules._minirulebook import write_rulebook


def test_assessment_on_sqlite_and_postgres(finance_system: Path, db_url: str) -> None:
    (finance_system / "attestations.yaml").write_text(
        "answers:\n  pipl-adm-explanation-channel: {answer: 'no'}\n"
    )
    store = open_store(db_url)
    try:
        report = run_assessment(finance_system, store)
        assert report.tier.level == "high"
        by_id = {o.id: o for o in report.obligations}
        assert by_id["cn.pipl.art24-adm-explanation"].status == "gap"
        assert by_id["cn.pipl.art24-adm-explanation"].citation.article.startswith("Art. 24")
        data = json.loads(render_json(report))
        jsonschema.validate(data, report_schema())
        counted = sum(report.summary.by_status.values())
        assert counted == len(report.obligations)
        stored = store.get_assessment(report.assessment_id)
        assert stored is not None and stored.status == "completed"
        assert len(store.results(report.assessment_id)) == len(report.checks)
        again = run_assessment(finance_system, store)  # a finished run is not resumed
        assert again.assessment_id != report.assessment_id
    finally:
        store.close()


def test_unknown_check_id_fails_before_anything_runs(finance_system: Path, tmp_path: Path) -> None:
    rb = write_rulebook(tmp_path / "rb")
    law = rb / "instruments" / "law.yaml"
    law.write_text(law.read_text().replace("- id: profile.completeness", "- id: nope.check"))
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with pytest.raises(RulebookError) as exc:
        run_assessment(finance_system, store, AssessOptions(rulebook_dirs=[rb]))
    assert "unknown check id 'nope.check'" in str(exc.value)
    assert "law.yaml" in str(exc.value)
    assert store.list_assessments() == []


def test_missing_attestation_file_is_a_clear_error(finance_system: Path, tmp_path: Path) -> None:
    (finance_system / "attestations.yaml").unlink()
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with pytest.raises(InputError, match="Attestation file not found"):
        run_assessment(finance_system, store)


SLOW_PLUGIN = """
import os, time
from typing import Any
from pydantic import BaseModel, ConfigDict
from tianping.checks import Check, CheckContext, CheckResult, register
from tianping.i18n import I18nText

@register
class Slow(Check):
    id = "test.slow"
    title = I18nText(zh="慢检查", en="Slow check")
    family = "test"

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        n: int

    def run(self, ctx: CheckContext, params: Any) -> CheckResult:
        time.sleep(0.4)
        with open(os.environ["SLOW_MARKER"], "a") as fh:
            fh.write(f"{params.n}\\n")
        return self.result(ctx, {"n": params.n}, I18nText(zh="完成", en="done"))
"""


def slow_rulebook(root: Path, count: int) -> Path:
    obligations = "".join(
        f"  - id: test.slow.o{i}\n"
        f"    title: {{zh: 慢{i}, en: slow {i}}}\n"
        f"    summary: {{zh: 慢, en: slow}}\n"
        f"    citation: {{article: Art. {i}}}\n"
        f"    evidence:\n"
        f"      checks:\n"
        f"        - id: test.slow\n"
        f"          params: {{n: {i}}}\n"
        for i in range(count)
    )
    law = (
        "instrument:\n  id: test.law\n  title: {zh: 测试法, en: Test Law}\n"
        "  issuer: {zh: 机关, en: Authority}\n  kind: law\nobligations:\n" + obligations
    )
    return write_rulebook(root, law=law)


@pytest.mark.slow
def test_sigkill_mid_run_then_resume_without_repeating(
    finance_system: Path, tmp_path: Path
) -> None:
    plugin_dir = tmp_path / "plugins"
    plugin_dir.mkdir()
    (plugin_dir / "tp_slow_plugin.py").write_text(SLOW_PLUGIN)
    rb = slow_rulebook(tmp_path / "rb", 10)
    db = tmp_path / "resume.db"
    marker = tmp_path / "marker.txt"
    env = {
        **os.environ,
        "PYTHONPATH": str(plugin_dir),
        "TIANPING_PLUGINS": "tp_slow_plugin",
        "SLOW_MARKER": str(marker),
    }
    cmd = [
        sys.executable,
        "-m",
        "tianping.cli",
        "--db",
        f"sqlite:///{db}",
        "--rulebook",
        str(rb),
        "assess",
        str(finance_system),
        "--format",
        "json",
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def stored() -> int:
        if not db.exists():
            return 0
        try:
            with sqlite3.connect(db) as conn:
                return int(conn.execute("SELECT count(*) FROM check_results").fetchone()[0])
        except sqlite3.OperationalError:
            return 0

    deadline = time.monotonic() + 60
    while stored() < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    done_before = stored()
    assert 3 <= done_before < 10, "the kill should land mid-run"
    with sqlite3.connect(db) as conn:
        finished_ns = sorted(
            json.loads(r[0])["params"]["n"]
            for r in conn.execute("SELECT result_json FROM check_results")
        )
        (status,) = conn.execute("SELECT status FROM assessments").fetchone()
    assert status == "running"

    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    report = json.loads(rerun.stdout)
    assert len(report["checks"]) == 10
    runs = [int(x) for x in marker.read_text().split()]
    for n in finished_ns:  # checks stored before the kill ran exactly once
        assert runs.count(n) == 1, (n, runs)
    assert sorted(set(runs)) == list(range(10))
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT id, status FROM assessments").fetchall()
        assert len(rows) == 1 and rows[0][1] == "completed"
        assert report["assessment_id"] == rows[0][0]


def test_chinese_citations_use_chinese_article_numbers() -> None:
    from tianping.assess._findings import _citation
    from tianping.rules import load_rulebook

    rb = load_rulebook()
    lo = next(o for o in rb.obligations if o.obligation.id == "cn.pipl.art55-pipia")
    cite = _citation(lo)
    assert cite.text.zh.endswith("第五十五条") and cite.text.en.endswith("Art. 55")
