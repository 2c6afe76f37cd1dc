"""`tianping deid|anonymity|crossborder|pipia` as a user runs them: subprocess, real files."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from .._helpers import run_tianping

REPO = Path(__file__).resolve().parents[2]
EX = REPO / "examples"
KEY = "cli-test-key-0123456789"
ADULT_COLS = (
    "age,workclass,fnlwgt,education,education-num,marital-status,occupation,relationship,"
    "race,sex,capital-gain,capital-loss,hours-per-week,native-country,income"
)


def tp(*args: str, cwd: Path, key: bool = True) -> subprocess.CompletedProcess[str]:
    env = {"TIANPING_DEID_KEY": KEY} if key else None
    return run_tianping(*args, cwd=cwd, drop_env={"TIANPING_DEID_KEY"}, env=env)


def test_deid_csv_and_missing_key(tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_text(
        "name,phone,city\n张三,13812345678,北京\n李四,13987654321,上海\n", encoding="utf-8"
    )
    (tmp_path / "p.yaml").write_text(
        "columns:\n  name: {action: pseudonymise, domain: person}\n"
        "  phone: {action: mask, keep_start: 3, keep_end: 4}\n"
    )
    r = tp("deid", "in.csv", "out.csv", "--policy", "p.yaml", "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    assert rep["files"][0]["replaced"] == {"name": 2, "phone": 2}
    out = (tmp_path / "out.csv").read_text(encoding="utf-8")
    assert "张三" not in out and "13812345678" not in out and "138****5678" in out
    assert out.splitlines()[1].endswith(",北京")
    # Same key, same tokens on a second run.
    tp("deid", "in.csv", "out2.csv", "--policy", "p.yaml", cwd=tmp_path)
    assert (tmp_path / "out2.csv").read_text(encoding="utf-8") == out
    r = tp("deid", "in.csv", "out3.csv", "--policy", "p.yaml", cwd=tmp_path, key=False)
    assert r.returncode == 2 and "TIANPING_DEID_KEY" in r.stderr
    assert not (tmp_path / "out3.csv").exists()
    r = tp("deid", "in.csv", "in.csv", "--policy", "p.yaml", cwd=tmp_path)
    assert r.returncode == 2 and "output is the input" in r.stderr
    # No raw PI in anything the command printed.
    assert "13812345678" not in r.stdout + r.stderr


def test_anonymity_with_mondrian(tmp_path: Path) -> None:
    adult = EX / "data" / "adult" / "adult.data"
    args = ["anonymity", str(adult), "--no-header", "--columns", ADULT_COLS]
    args += ["--qi", "age,sex,race,native-country", "--sensitive", "income"]
    r = tp(*args, "--k", "5", "--out", "k5.csv", "--format", "json", "--min-k", "5", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert res["input"]["k"] == 1 and res["output"]["k"] >= 5
    assert res["mondrian"]["k_achieved"] >= 5
    assert (tmp_path / "k5.csv").read_text().startswith("age,workclass")
    r = tp(*args, "--min-k", "5", cwd=tmp_path)
    assert r.returncode == 1 and "k=1" in r.stdout
    r = tp(*args, "--k", "5", cwd=tmp_path)
    assert r.returncode == 2 and "--out" in r.stderr


def test_crossborder_and_pipia(tmp_path: Path) -> None:
    prof = EX / "credit-scoring"
    r = tp("crossborder", str(prof), "--as-of", "2026-06-01", "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    dec = json.loads(r.stdout)
    assert dec["route"] == "standard_contract_or_certification"
    assert dec["counting_from"] == "2026-01-01" and dec["flows"][0]["destination"] == "HK"
    r = tp("--lang", "zh", "crossborder", str(prof / "tianping.yaml"), cwd=tmp_path)
    assert r.returncode == 0 and "标准合同" in r.stdout
    r = tp("pipia", str(prof), "--out", "pipia.md", "--as-of", "2026-06-01", cwd=tmp_path)
    assert r.returncode == 1  # sections still need input
    md = (tmp_path / "pipia.md").read_text(encoding="utf-8")
    assert md.startswith("# PI protection impact assessment (draft)")
    r = tp("pipia", str(EX / "research-prototype"), "--format", "json", cwd=tmp_path)
    assert r.returncode == 0 and json.loads(r.stdout)["required"] is False


def test_deid_warnings_show_attachment_names_masked(tmp_path: Path) -> None:
    """An attachment that is copied unread is named in the warnings, its name masked where
    it holds PI (a CV named after its owner, a phone number), in text and JSON output."""
    from email.message import EmailMessage
    from email.policy import SMTP

    msg = EmailMessage(policy=SMTP)
    msg["Subject"] = "材料"
    msg.set_content("见附件，手机 13812345678")
    msg.add_attachment(b"7z\xbc\xaf\x27\x1c", maintype="application",
                       subtype="x-7z-compressed", filename="张伟简历.7z")  # fmt: skip
    msg.add_attachment(b"RIFF....WAVE", maintype="audio", subtype="wav",
                       filename="13912345678.wav")  # fmt: skip
    (tmp_path / "m.eml").write_bytes(msg.as_bytes())
    (tmp_path / "p.yaml").write_text("types:\n  '*': {action: redact}\n")
    text = tp("deid", "m.eml", "out.eml", "--policy", "p.yaml", cwd=tmp_path)
    js = tp("deid", "m.eml", "out2.eml", "--policy", "p.yaml", "--format", "json", cwd=tmp_path)
    assert text.returncode == 0 and js.returncode == 0, text.stderr + js.stderr
    warnings = json.loads(js.stdout)["files"][0]["warnings"]
    assert [w.split(":")[0] for w in warnings] == ["张*简历.7z"] * 2 + ["13*******78.wav"] * 2
    assert "the attachment's name holds PI (person_name_zh)" in warnings[0]
    assert "the attachment's name holds PI (cn_mobile)" in warnings[2]
    for r in (text, js):
        printed = r.stdout + r.stderr
        assert "张伟" not in printed and "13912345678" not in printed
        assert "13812345678" not in printed
    assert "张*简历.7z" in text.stdout
