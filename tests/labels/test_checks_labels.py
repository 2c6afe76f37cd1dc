"""The `labels.verify` check: conformance kit, metrics, and the chatbot example's outputs."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tianping.checks import Verdict
from tianping.checks._contract import execute
from tianping.checks.testing import assert_conforms, minimal_context
from tianping.labels import embed
from tianping.labels._checks import LabelsVerify
from tianping.rules._schema import Bound
from tianping.systems import SystemProfile, load_profile

from ..conftest import EXAMPLES
from .conftest import PROVIDER_CODE, USCC


def profile(samples: list[str], code: str | None = PROVIDER_CODE) -> SystemProfile:
    return SystemProfile.model_validate(
        {
            "id": "label-test",
            "name": "label test",
            "provider": {"name": "Example", "uscc": USCC},
            "labels": {"provider_code": code, "samples": samples},
        }
    )


THRESHOLDS = {
    "conformant_ratio": Bound(min=1.0),
    "tamper_detected": Bound(max=0),
    "provider_code_valid": Bound(min=1.0),
}


def test_conforms_and_passes_on_labelled_samples(
    fresh: Callable[[str], Path], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for name in ("sample.png", "sample.jpg", "answer.md"):
        shutil.move(fresh(name), out / name)
    embed([out], PROVIDER_CODE, explicit=True)
    ctx = minimal_context(tmp_path, profile(["out/"]), thresholds=THRESHOLDS)
    res = assert_conforms(LabelsVerify, ctx, {})
    assert res.verdict == Verdict.PASS, res.message.en
    assert res.metrics["files_checked"] == 3 and res.metrics["conformant_ratio"] == 1.0
    assert res.metrics["explicit_missing"] == 0 and res.metrics["provider_code_valid"] == 1.0
    table = res.evidence[0].data
    assert {row["file"] for row in table} == {"out/sample.png", "out/sample.jpg", "out/answer.md"}


def test_fails_on_tamper_and_missing_labels(fresh: Callable[[str], Path], tmp_path: Path) -> None:
    a = fresh("sample.png")
    fresh("sample.gif")
    embed([a], PROVIDER_CODE)
    data = bytearray(a.read_bytes())
    from tianping.labels._formats._image import PngHandler

    raw = PngHandler().read(a)[0].raw
    from PIL import Image

    with Image.open(a) as im:
        im = im.copy()
    im.putpixel((0, 0), (9, 9, 9))
    im.save(a)
    PngHandler().write(a, raw, a)
    assert a.read_bytes() != bytes(data)
    ctx = minimal_context(tmp_path, profile(["*.png", "*.gif"]), thresholds=THRESHOLDS)
    res = execute(LabelsVerify(), ctx, {})
    assert res.verdict == Verdict.FAIL
    assert res.metrics["tamper_detected"] == 1 and res.metrics["implicit_missing"] == 1
    assert res.metrics["conformant_ratio"] == 0.0


def test_bad_profile_code_scores_zero(fresh: Callable[[str], Path], tmp_path: Path) -> None:
    fresh("sample.png")
    bad = PROVIDER_CODE[:21] + "F" + PROVIDER_CODE[22:]
    embed([tmp_path / "sample.png"], bad)
    ctx = minimal_context(tmp_path, profile(["sample.png"], bad), thresholds=THRESHOLDS)
    res = execute(LabelsVerify(), ctx, {})
    assert res.metrics["provider_code_valid"] == 0.0 and res.verdict == Verdict.FAIL


@pytest.mark.parametrize(
    ("samples", "verdict"), [([], Verdict.SKIPPED), (["nothing-here/*.png"], Verdict.ERROR)]
)
def test_skipped_or_error_without_samples(
    tmp_path: Path, samples: list[str], verdict: Verdict
) -> None:
    res = execute(LabelsVerify(), minimal_context(tmp_path, profile(samples)), {})
    assert res.verdict == verdict and res.message.zh


def test_chatbot_example_outputs_verify() -> None:
    base = EXAMPLES / "public-chatbot"
    prof = load_profile(base / "tianping.yaml")
    assert prof.labels is not None and prof.labels.provider_code == PROVIDER_CODE
    ctx = minimal_context(base, prof, thresholds=THRESHOLDS)
    res = execute(LabelsVerify(), ctx, {"require_explicit": True})
    assert res.verdict == Verdict.PASS, (res.message.en, res.evidence[0].data)
    assert res.metrics["files_checked"] >= 3
    total = sum(f.stat().st_size for f in (base / "outputs").iterdir())
    assert total < 200_000
