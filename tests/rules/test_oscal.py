"""OSCAL catalog export, validated with compliance-trestle's OSCAL models."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest

from tests.rules._profiles import shipped
from tianping.rules._oscal import export_oscal_catalog, oscal_token, validate_oscal_catalog

pytest.importorskip("trestle.oscal.catalog", reason="needs the 'oscal' extra")

STAMP = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


def _export() -> dict[str, Any]:
    return export_oscal_catalog(shipped(), last_modified=STAMP)


def _controls(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for g in doc["catalog"]["groups"] for c in g["controls"]]


def _props(control: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in control["props"]:
        out.setdefault(p["name"], []).append(p["value"])
    return out


def test_export_validates_with_trestle() -> None:
    doc = json.loads(json.dumps(_export(), ensure_ascii=False))  # as written to disk
    assert validate_oscal_catalog(doc) == []
    from trestle.oscal.catalog import Catalog

    cat = Catalog.model_validate(doc["catalog"])
    assert cat.metadata.version == shipped().version
    assert len(cat.groups or []) == len(shipped().instruments)


def test_export_content() -> None:
    rb = shipped()
    doc = _export()
    meta = doc["catalog"]["metadata"]
    assert meta["version"] == rb.version
    assert meta["last-modified"] == "2026-01-02T03:04:05+00:00"
    assert meta["oscal-version"].startswith("1.1.")
    controls = _controls(doc)
    assert len(controls) == len(rb.obligations)
    ids = [c["id"] for c in controls]
    assert len(set(ids)) == len(ids)
    by_id = {c["id"]: c for c in controls}
    pipia = by_id["cn.pipl.art55-pipia"]
    props = _props(pipia)
    assert props["citation"] == ["Art. 55"]
    assert props["severity"] == ["high"]
    assert props["effective"] == ["2021-11-01"]  # inherited from the instrument
    assert "A.5.2" in props["crosswalk"]
    statements = [p for p in pipia["parts"] if p["name"] == "statement"]
    assert [p.get("class") for p in statements] == [None, "zh-CN"]
    assert "影响评估" in statements[1]["prose"]
    assert pipia["links"][0]["href"].startswith("http")
    evidence = next(p for p in pipia["parts"] if p["name"] == "assessment-method")
    assert "pipl-pipia-done" in {p["title"] for p in evidence["parts"]}
    eu = by_id["eu.ai-act.art5-1c-social-scoring"]
    assert _props(eu)["effective"] == ["2025-02-02"]
    # The uuid is stable for a rulebook version.
    assert doc["catalog"]["uuid"] == _export()["catalog"]["uuid"]


@pytest.mark.parametrize(
    ("raw", "token"),
    [
        ("cn.pipl.art24", "cn.pipl.art24"),
        ("1st-rule", "_1st-rule"),
        ("a b/c(1)", "a_b_c_1_"),
        ("", "_"),
        ("-x", "_-x"),
    ],
)
def test_oscal_token(raw: str, token: str) -> None:
    assert oscal_token(raw) == token


def test_broken_catalogs_do_not_validate() -> None:
    good = _export()
    bad_id = copy.deepcopy(good)
    _controls(bad_id)[0]["id"] = "1 bad id"
    problems = validate_oscal_catalog(bad_id)
    assert problems and any("pattern" in p.message for p in problems)

    no_modified = copy.deepcopy(good)
    del no_modified["catalog"]["metadata"]["last-modified"]
    assert any("last-modified" in (p.hint or "") for p in validate_oscal_catalog(no_modified))

    multiline_title = copy.deepcopy(good)
    _controls(multiline_title)[0]["title"] = "two\nlines"
    assert validate_oscal_catalog(multiline_title)

    extra_field = copy.deepcopy(good)
    _controls(extra_field)[0]["severity"] = "high"
    assert validate_oscal_catalog(extra_field)

    assert validate_oscal_catalog({"profile": {}})
