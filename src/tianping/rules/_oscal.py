"""Export the rulebook as an OSCAL catalog: a group per instrument, a control per obligation.

The output is plain JSON data (no dependency); `validate_oscal_catalog` checks it against
the OSCAL models of compliance-trestle (`pip install tianping[oscal]`).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from tianping.errors import InputError, Problem
from tianping.rules._load import LoadedObligation, Rulebook
from tianping.rules._schema import Instrument

OSCAL_VERSION = "1.1.2"
TIANPING_NS = "https://tianping.dev/ns/oscal"
_UUID_NS = uuid.UUID("6f1c2b1e-5d0a-4c1e-9a53-7a3f0c2d9e10")

# OSCAL token: an XML NCName — a letter or "_" first, then letters, digits, "_", "-", ".".
_TOKEN_START = re.compile(r"^[_A-Za-z]")
_TOKEN_BAD = re.compile(r"[^_A-Za-z0-9.\-]")


def oscal_token(raw: str) -> str:
    """A safe OSCAL id/name token from any string (deterministic)."""
    token = _TOKEN_BAD.sub("_", raw.strip()) or "_"
    if not _TOKEN_START.match(token):
        token = "_" + token
    return token


def _one_line(text: str) -> str:
    """OSCAL titles and prop values must be one line without outer whitespace."""
    return " ".join(text.split()) or "-"


def _prop(name: str, value: str, *, ns: bool = True, cls: str | None = None) -> dict[str, str]:
    p = {"name": name, "value": _one_line(value)}
    if ns:
        p["ns"] = TIANPING_NS
    if cls:
        p["class"] = cls
    return p


def _instrument_group(inst: Instrument, controls: list[dict[str, Any]]) -> dict[str, Any]:
    props = [
        _prop("label", (inst.short_title or inst.title).en, ns=False),
        _prop("jurisdiction", inst.jurisdiction),
        _prop("kind", inst.kind),
        _prop("status", inst.status),
        _prop("binding", "true" if inst.binding else "false"),
        _prop("confidence", inst.confidence),
        _prop("title-zh", inst.title.zh, cls="zh-CN"),
    ]
    if inst.document_number:
        props.append(_prop("document-number", inst.document_number))
    if inst.effective:
        props.append(_prop("effective", inst.effective.isoformat()))
    if inst.published:
        props.append(_prop("published", inst.published.isoformat()))
    group: dict[str, Any] = {
        "id": oscal_token(inst.id),
        "class": "instrument",
        "title": _one_line(inst.title.en),
        "props": props,
    }
    if inst.url:
        group["links"] = [
            {
                "href": inst.url,
                "rel": "reference",
                "text": _one_line((inst.short_title or inst.title).en),
            }
        ]
    group["controls"] = controls
    return group


def _control(lo: LoadedObligation) -> dict[str, Any]:
    ob, inst = lo.obligation, lo.instrument
    cid = oscal_token(ob.id)
    effective = ob.effective or inst.effective
    props = [
        _prop("label", f"{(inst.short_title or inst.title).en} {ob.citation.text()}", ns=False),
        _prop("obligation-id", ob.id),
        _prop("citation", ob.citation.text()),
        _prop("confidence", ob.confidence),
        _prop("severity", ob.severity),
        _prop("min-tier", ob.min_tier),
        _prop("applies-when", ob.applies_when),
        _prop("title-zh", ob.title.zh, cls="zh-CN"),
    ]
    if effective:
        props.append(_prop("effective", effective.isoformat()))
    repealed = ob.repealed or inst.repealed
    if repealed:
        props.append(_prop("repealed", repealed.isoformat()))
    if ob.confidence_note:
        props.append(_prop("confidence-note", ob.confidence_note))
    for b in ob.binds:
        props.append(_prop("binds", b))
    for target, ids in sorted(ob.crosswalk.items()):
        for foreign in ids:
            props.append(_prop("crosswalk", foreign, cls=oscal_token(target)))
    parts: list[dict[str, Any]] = [
        {"id": f"{cid}_smt", "name": "statement", "prose": ob.summary.en},
        {
            "id": f"{cid}_smt.zh",
            "name": "statement",
            "ns": TIANPING_NS,
            "class": "zh-CN",
            "prose": ob.summary.zh,
        },
    ]
    evidence_parts: list[dict[str, Any]] = []
    for i, chk in enumerate(ob.evidence.checks, 1):
        evidence_parts.append(
            {
                "id": f"{cid}_chk.{i}",
                "name": "check",
                "ns": TIANPING_NS,
                "title": _one_line(chk.id),
                "prose": chk.id,
                "props": [_prop("check-id", chk.id)],
            }
        )
    for q in ob.evidence.attestations:
        evidence_parts.append(
            {
                "id": f"{cid}_att.{oscal_token(q.id)}",
                "name": "attestation",
                "ns": TIANPING_NS,
                "title": _one_line(q.id),
                "prose": f"{q.question.en}\n\n{q.question.zh}",
                "props": [_prop("question-id", q.id)],
            }
        )
    if evidence_parts:
        parts.append(
            {
                "id": f"{cid}_evidence",
                "name": "assessment-method",
                "ns": TIANPING_NS,
                "parts": evidence_parts,
            }
        )
    control: dict[str, Any] = {
        "id": cid,
        "class": "obligation",
        "title": _one_line(ob.title.en),
        "props": props,
        "parts": parts,
    }
    if inst.url:
        control["links"] = [
            {
                "href": inst.url,
                "rel": "reference",
                "text": _one_line(f"{(inst.short_title or inst.title).en} {ob.citation.text()}"),
            }
        ]
    return control


def export_oscal_catalog(
    rulebook: Rulebook, *, last_modified: dt.datetime | None = None
) -> dict[str, Any]:
    """The rulebook as an OSCAL catalog document (`{"catalog": {...}}`), ready for JSON."""
    by_instrument: dict[str, list[dict[str, Any]]] = {}
    for lo in rulebook.obligations:
        by_instrument.setdefault(lo.instrument.id, []).append(_control(lo))
    groups = [
        _instrument_group(rulebook.instruments[iid], controls)
        for iid, controls in by_instrument.items()
    ]
    stamp = (last_modified or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    catalog = {
        "uuid": str(uuid.uuid5(_UUID_NS, rulebook.version)),
        "metadata": {
            "title": "Tianping rulebook (天平规则库)",
            "last-modified": stamp.isoformat(),
            "version": rulebook.version,
            "oscal-version": OSCAL_VERSION,
            "props": [
                _prop("obligations", str(len(rulebook.obligations))),
                _prop("instruments", str(len(rulebook.instruments))),
            ],
            "remarks": (
                "Generated by Tianping from its rulebook. Obligations marked "
                "confidence 'secondary' or 'unverified' were not verified against "
                "the primary text."
            ),
        },
        "groups": groups,
    }
    return {"catalog": catalog}


def validate_oscal_catalog(document: dict[str, Any]) -> list[Problem]:
    """Problems found by compliance-trestle's OSCAL catalog model (empty: valid)."""
    try:
        from pydantic import ValidationError
        from trestle.oscal.catalog import Catalog
    except ImportError:  # pragma: no cover - depends on the extra
        raise InputError(
            "OSCAL validation needs compliance-trestle / 需要安装 "
            "compliance-trestle: pip install 'tianping[oscal]'"
        ) from None
    body = document.get("catalog") if isinstance(document, dict) else None
    if not isinstance(body, dict):
        return [Problem("not an OSCAL catalog document: no top-level 'catalog' object")]
    try:
        Catalog.model_validate(body)
    except ValidationError as exc:
        return [
            Problem(str(e["msg"]), hint="at catalog." + ".".join(map(str, e["loc"])))
            for e in exc.errors()
        ]
    return []
