"""`tianping labels ...` run as a user runs it: a subprocess, real files, real exit codes."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from .._helpers import run_tianping
from ..conftest import EXAMPLES
from .conftest import PROVIDER_CODE


def tp(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run_tianping("labels", *args, cwd=cwd, env=env)


def test_keygen_embed_verify_read_check(fresh: Callable[[str], Path], tmp_path: Path) -> None:
    png, jpg = fresh("sample.png"), fresh("sample.jpg")
    r = tp("keygen", "k.key", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "k.key").stat().st_mode & 0o077 == 0
    assert tp("keygen", "k.key", cwd=tmp_path).returncode == 2  # exists
    r = tp(
        "embed",
        "sample.png",
        "sample.jpg",
        "--producer",
        PROVIDER_CODE,
        "--key",
        "k.key",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    r = tp(
        "verify",
        ".",
        "--trusted-key",
        "k.key.pub",
        "--provider-code",
        PROVIDER_CODE,
        "-f",
        "json",
        cwd=tmp_path,
    )
    data = json.loads(r.stdout)
    by = {Path(f["path"]).name: f for f in data["files"]}
    assert by["sample.png"]["status"] == "conformant"
    assert by["sample.png"]["seals"][0]["trusted"] is True
    assert r.returncode == 1  # k.key and k.key.pub in the folder are unsupported files
    r = tp("verify", "sample.png", "sample.jpg", cwd=tmp_path)
    assert r.returncode == 0 and "conformant: 2" in r.stdout
    r = tp("read", "sample.png", "-f", "json", cwd=tmp_path)
    rec = json.loads(r.stdout)["files"][0]["record"]
    assert rec["ContentProducer"] == PROVIDER_CODE and r.returncode == 0
    jpg.write_bytes(jpg.read_bytes()[:200])
    r = tp("verify", "sample.png", "sample.jpg", cwd=tmp_path)
    assert r.returncode == 1 and "error: 1" in r.stdout
    other = fresh("sample.gif")
    r = tp(
        "check",
        "sample.png",
        other.name,
        "--platform",
        "PLAT01",
        "--write",
        "-f",
        "json",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stdout
    cls = {Path(f["path"]).name: f["classification"] for f in json.loads(r.stdout)["files"]}
    assert cls == {"sample.png": "confirmed", "sample.gif": "unlabelled"}
    assert png.exists()


def test_unlabelled_fails_verify_and_env_key(fresh: Callable[[str], Path], tmp_path: Path) -> None:
    fresh("sample.webp")
    r = tp("verify", "sample.webp", cwd=tmp_path)
    assert r.returncode == 1 and "no implicit label" in r.stdout
    tp("keygen", "e.key", "--alg", "ed25519", cwd=tmp_path)
    r = tp(
        "embed",
        "sample.webp",
        "--profile",
        str(EXAMPLES / "public-chatbot"),
        cwd=tmp_path,
        env={"TIANPING_LABEL_KEY": str(tmp_path / "e.key")},
    )
    assert r.returncode == 0, r.stderr
    r = tp("verify", "sample.webp", "-f", "json", cwd=tmp_path)
    f = json.loads(r.stdout)["files"][0]
    assert f["seals"][0]["alg"] == "Ed25519" and f["record"]["ContentProducer"] == PROVIDER_CODE


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert tp("embed", "x.png", cwd=tmp_path).returncode == 2  # no producer
    assert tp("embed", "x.png", "--producer", "P", "--label", "9", cwd=tmp_path).returncode == 2
    r = tp("embed", "x.png", "--producer", "P", "--key", "nokey", cwd=tmp_path)
    assert r.returncode == 2 and "cannot read the key file" in (r.stdout + r.stderr)
    (tmp_path / "bad.pub").write_text("junk")
    assert tp("verify", "x.png", "--trusted-key", "bad.pub", cwd=tmp_path).returncode == 2
