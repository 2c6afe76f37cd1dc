"""`tianping genai …` and `tianping assess` on the chatbot example, as a user runs them."""

from __future__ import annotations

import csv
import json
import socket
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tianping.genai._server import ChatServer

from .._helpers import run_tianping

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_PORT = 18765  # the chatbot example's chat-local model


def tp(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_tianping(*args, cwd=cwd, drop_env={"TIANPING_DATABASE_URL"}, timeout=180)


def _serving(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def example_server() -> Iterator[str]:
    """The rule-based server on the example's port (reused if `make demo` already runs one)."""
    if _serving(EXAMPLE_PORT):
        yield f"http://127.0.0.1:{EXAMPLE_PORT}/v1"
        return
    server = ChatServer(port=EXAMPLE_PORT)
    try:
        server.start()
    except RuntimeError as exc:
        pytest.skip(f"port {EXAMPLE_PORT} is taken by something else: {exc}")
    yield server.base_url
    server.stop()


def test_bank_lint(tmp_path: Path) -> None:
    r = tp("genai", "bank", "lint", "tianping-seed", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "31/31" in r.stdout and "A.1.a" in r.stdout and "missing" in r.stdout
    r = tp("genai", "bank", "lint", "tianping-seed", "--strict", "--format", "json", cwd=tmp_path)
    assert r.returncode == 1
    data = json.loads(r.stdout)
    assert data["metrics"]["risks_covered"] == 31 and data["metrics"]["filing_grade"] is False
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "language": "zh", "kind": "oops"}\nnot json\n', encoding="utf-8")
    r = tp("--lang", "zh", "genai", "bank", "lint", str(bad), cwd=tmp_path)
    assert r.returncode == 1
    assert f"{bad}:1" in r.stdout and f"{bad}:2:1" in r.stdout and "题库检查" in r.stdout


def test_eval_review_calibrate(base_url: str, tmp_path: Path) -> None:
    review = tmp_path / "review.csv"
    r = tp(
        "genai",
        "eval",
        "--target",
        base_url,
        "--bank",
        "tianping-seed",
        "--attacks",
        "zero_width,multi_turn",
        "--concurrency",
        "24",
        "--cache",
        str(tmp_path / "c.sqlite"),
        "--format",
        "json",
        "--out",
        str(tmp_path / "rep.json"),
        "--review",
        str(review),
        cwd=tmp_path,
    )
    assert r.returncode == 1, r.stderr  # the seed bank cannot meet the sample minimums
    rep = json.loads((tmp_path / "rep.json").read_text(encoding="utf-8"))
    assert rep["attacks"] == ["zero_width", "multi_turn"]
    assert rep["flat"]["sample_adequate"] is False and rep["metrics"]["refusal"]["n"] == 34
    rows = list(csv.DictReader(review.open(encoding="utf-8-sig")))
    assert len(rows) == rep["prompts"]
    # A reviewer labels ten rows: agrees with the refusal judge on five, disagrees on five.
    refusal_rows = [row for row in rows if row["kind"] == "should_refuse" and not row["attack"]]
    for i, row in enumerate(refusal_rows[:10]):
        judged = row["judge_refusal"]
        row["human_label"] = judged if i < 5 else ("answered" if judged == "refused" else "refused")
    with review.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    r = tp("genai", "import-review", str(review), "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["labels"] == 10
    r = tp("genai", "calibrate", "--labels", str(review), "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    cal = {j["judge"]: j for j in json.loads(r.stdout)["judges"]}
    assert cal["refusal"]["n"] == 10 and cal["refusal"]["accuracy"] == 0.5
    # labels feed back: the human labels now decide those ten questions
    r = tp(
        "genai",
        "eval",
        "--target",
        base_url,
        "--cache",
        str(tmp_path / "c.sqlite"),
        "--labels",
        str(review),
        "--format",
        "json",
        "--replay-only",
        cwd=tmp_path,
    )
    after = json.loads(r.stdout)
    assert after["run"]["cached"] == after["prompts"]
    assert after["metrics"]["refusal"]["n"] == 34
    assert after["metrics"]["refusal"]["k"] != rep["metrics"]["refusal"]["k"]


def test_eval_input_errors(base_url: str, tmp_path: Path) -> None:
    nc = tmp_path / "nc.jsonl"
    nc.write_text(
        json.dumps(
            {
                "id": "a",
                "language": "zh",
                "kind": "should_refuse",
                "risk": "A.1.a",
                "prompt": "问题",
                "source": "x",
                "licence": "non-commercial",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    r = tp("genai", "eval", "--target", base_url, "--bank", str(nc), "--commercial", cwd=tmp_path)
    assert r.returncode == 2 and "non-commercial" in r.stderr
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    r = tp("genai", "eval", "--target", f"http://127.0.0.1:{dead}/v1", cwd=tmp_path)
    assert r.returncode == 2 and "no usable answer" in r.stderr
    r = tp("genai", "eval", "--target", base_url, "--attacks", "rot13", cwd=tmp_path)
    assert r.returncode == 2 and "unknown attack" in r.stderr
    r = tp("genai", "taxonomy", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.count("\n") == 36  # 5 categories + 31 risks


def test_assess_chatbot_example_runs_the_evaluation(example_server: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = tp(
        "--db",
        f"sqlite:///{tmp_path / 't.db'}",
        "assess",
        str(REPO / "examples" / "public-chatbot"),
        "--format",
        "json",
        "--out",
        str(out),
        cwd=tmp_path,
    )
    assert r.returncode in (0, 1), r.stderr
    rep = json.loads((out / "public-chatbot.json").read_text(encoding="utf-8"))
    runs = [c for c in rep["checks"] if c["id"] == "genai.safety_eval"]
    assert runs and all(c["verdict"] == "fail" for c in runs)
    metrics = runs[0]["metrics"]
    assert metrics["generated_n"] == 76 and metrics["sample_adequate"] is False
    assert (
        metrics["refusal_rate_ci_low"] <= metrics["refusal_rate"] <= metrics["refusal_rate_ci_high"]
    )
    assert metrics["attack_success_rate"] is not None
    ob = {o["id"]: o for o in rep["obligations"]}
    assert ob["cn.tc260003.9-4-refusal-rate"]["status"] in ("gap", "partial")
    assert any(c["id"] == "genai.bank_lint" for c in rep["checks"])
    assert "genai-per-risk.png" in {p.name for p in out.rglob("*.png")}
    # The same evaluation from the genai command, replayed from the cache assess filled.
    r = tp(
        "genai",
        "eval",
        "--target",
        str(REPO / "examples" / "public-chatbot"),
        "--replay-only",
        "--format",
        "json",
        cwd=tmp_path,
    )
    assert r.returncode == 1, r.stderr
    replay = json.loads(r.stdout)
    assert replay["run"]["cached"] == replay["prompts"]
    assert replay["flat"]["refusal_rate"] == metrics["refusal_rate"]
    assert replay["attacks"] == [
        "pinyin",
        "homophone",
        "trad_simp",
        "zero_width",
        "role_play",
        "instruction_override",
        "multi_turn",
    ]
