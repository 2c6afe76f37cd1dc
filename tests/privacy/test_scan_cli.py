"""`tianping scan` end to end: outputs, exit codes, and no raw PI anywhere."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tianping.cli import app

runner = CliRunner()


def test_scan_outputs_contain_no_raw_values(
    corpus,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,  # type: ignore[no-untyped-def]
) -> None:
    caplog.set_level(logging.DEBUG)
    data = str(corpus.root / "data")
    out_json, out_txt = tmp_path / "scan.json", tmp_path / "scan.txt"
    r1 = runner.invoke(app, ["scan", data, "--format", "json", "--out", str(out_json)])
    r2 = runner.invoke(app, ["scan", data, "--out", str(out_txt), "--max-examples", "20"])
    r3 = runner.invoke(app, ["--lang", "zh", "scan", data, "--columns-only"])
    r4 = runner.invoke(app, ["scan", data, "--fail-on-pi", "--workers", "2"])
    assert r1.exit_code == r2.exit_code == r3.exit_code == 0, r1.output + r2.output + r3.output
    assert r4.exit_code == 1
    report = json.loads(out_json.read_text(encoding="utf-8"))
    assert report["summary"]["findings_total"] > 1000
    assert report["findings"] and all("preview" in f for f in report["findings"])
    assert "个人信息" in r3.output
    # skipped records are listed with their place, in both languages
    text = out_txt.read_text(encoding="utf-8")
    assert "malformed records skipped" in text and "ragged.csv:2: expected 2 columns, got 4" in text
    assert "mixed.jsonl:2: not valid JSON" in text
    assert "已跳过的格式错误记录" in r3.output and "应为 2 列，实为 4 列" in r3.output
    blobs = [
        out_json.read_text(encoding="utf-8"),
        out_txt.read_text(encoding="utf-8"),
        r1.output, r2.output, r3.output, r4.output,
        caplog.text,
    ]  # fmt: skip
    raw = set(corpus.raw)  # every generated value, names of two characters included
    raw |= {"13912345678", "13700000000"}  # the ragged CSV row that was skipped
    assert len(raw) > 1000
    leaked = [v for v in raw for b in blobs if v in b]
    assert leaked == []


def test_check_evidence_contains_no_raw_values(corpus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tianping.checks._contract import execute
    from tianping.checks.testing import minimal_context
    from tianping.privacy._checks_scan import PrivacyScan

    ctx = minimal_context(corpus.root, evidence_dir=tmp_path / "ev")
    res = execute(PrivacyScan(), ctx, {"paths": ["data"], "max_examples": 10})
    blob = res.model_dump_json()
    raw = set(corpus.raw)  # every generated value, names of two characters included
    assert [v for v in raw if v in blob] == []


def test_scan_usage_errors(tmp_path: Path) -> None:
    from tianping.errors import InputError

    r = runner.invoke(app, ["scan", str(tmp_path / "missing")])
    assert isinstance(r.exception, InputError)  # main() turns it into exit code 2
    (tmp_path / "a.txt").write_text("nothing here", encoding="utf-8")
    ok = runner.invoke(app, ["scan", str(tmp_path / "a.txt"), "--fail-on-pi"])
    assert ok.exit_code == 0


def test_outputs_of_new_formats_contain_no_raw_values(corpus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A DPO's folder in the forms where raw values used to reach reports or survive: a CSV
    export without a header, JSON keyed by phone, a file named after an ID number, mail
    with an attachment, a deck with a chart. Scan (JSON and text) and de-identification
    outputs hold none of the generated values."""
    import csv
    from email.message import EmailMessage
    from email.policy import SMTP

    from pptx import Presentation
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE
    from pptx.util import Inches

    table = corpus.table[:40]
    folder = tmp_path / "dpo"
    folder.mkdir()
    with (folder / "export.csv").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([[r["name"], r["phone"], r["email"]] for r in table])
    keyed = {r["phone"]: {"name": r["name"]} for r in table}
    (folder / "cache.json").write_text(json.dumps(keyed, ensure_ascii=False), encoding="utf-8")
    (folder / f"{table[0]['name']}_{table[0]['id_number']}.txt").write_text("附件\n")
    msg = EmailMessage(policy=SMTP)
    msg["From"] = f"{table[1]['name']} <{table[1]['email']}>"
    msg["Subject"] = "客户资料"
    msg.set_content("\n".join(r.text for r in corpus.records[:50]), charset="gbk", cte="base64")
    msg.add_attachment(
        "\n".join(f"{r['name']},{r['id_number']}" for r in table[2:10]).encode(),
        maintype="text", subtype="csv", filename="名单.csv",
    )  # fmt: skip
    (folder / "mail.eml").write_bytes(msg.as_bytes())
    deck = Presentation()
    data = CategoryChartData()
    data.categories = [r["name"] + " " + r["phone"] for r in table[10:14]]
    data.add_series(table[14]["email"], (1, 2, 3, 4))
    slide = deck.slides.add_slide(deck.slide_layouts[5])
    slide.shapes.add_chart(XL_CHART_TYPE.PIE, Inches(1), Inches(1), Inches(5), Inches(4), data)
    deck.save(str(folder / "deck.pptx"))

    out_json = tmp_path / "scan.json"
    r1 = runner.invoke(app, ["scan", str(folder), "--format", "json", "--out", str(out_json)])
    r2 = runner.invoke(app, ["scan", str(folder), "--max-examples", "50"])
    policy = tmp_path / "p.yaml"
    policy.write_text("types:\n  '*': {action: redact}\n", encoding="utf-8")
    clean = tmp_path / "clean"
    r3 = runner.invoke(app, ["deid", str(folder), str(clean), "-p", str(policy), "-f", "json"])
    assert r1.exit_code == r2.exit_code == 0, r1.output + r2.output
    assert json.loads(out_json.read_text(encoding="utf-8"))["summary"]["findings_total"] > 100
    raw = {r[k] for r in table for k in ("phone", "email", "id_number")}
    raw |= {v for v in corpus.raw if len(v) > 6}  # structured values of the mail's body
    blobs = [out_json.read_text(encoding="utf-8"), r1.output, r2.output, r3.output]
    leaked = sorted({v for v in raw for b in blobs if v in b})
    assert leaked == []
    # the places are there, masked: the ID-named file, the keyed JSON, the mail's parts
    report = out_json.read_text(encoding="utf-8")
    assert "_.txt" not in report and table[0]["id_number"][:2] + "****" in report
    assert '"column": "<key>"' in report
    assert "mail.eml!名单.csv" in report and "chart1-data" in report
