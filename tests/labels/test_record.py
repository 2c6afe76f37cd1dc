"""The Appendix E record: value rules, the two wrapper forms, malformed values."""

from __future__ import annotations

import json

import pytest

from tianping.labels import FIELDS, AIGCRecord, LabelState, parse_record


def codes(raw: str) -> set[str]:
    return {p.code for p in parse_record(raw).problems}


def test_first_write_propagation_equals_production() -> None:
    rec = AIGCRecord.first_write("001191330106MA2CHAT73E10001")
    assert rec.content_propagator == rec.content_producer
    assert rec.propagate_id == rec.produce_id and len(rec.produce_id) == 32
    assert rec.state is LabelState.CONFIRMED
    assert rec.problems() == []


def test_json_keeps_the_seven_keys_in_order_both_wrappers() -> None:
    rec = AIGCRecord.first_write("P1", "ID-1")
    bare = json.loads(rec.to_json())
    assert list(bare) == list(FIELDS)
    wrapped = json.loads(rec.to_json("wrapped"))
    assert list(wrapped) == ["AIGC"] and list(wrapped["AIGC"]) == list(FIELDS)
    assert " " not in rec.to_json()  # compact: no space outside values
    for form, text in (("bare", rec.to_json()), ("wrapped", rec.to_json("wrapped"))):
        parsed = parse_record(text)
        assert parsed.ok and parsed.wrapper == form and parsed.record == rec


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ('{"Label":"1",', "malformed-json"),
        ("[1,2]", "not-an-object"),
        ('{"Label":1,"ContentProducer":"P","ProduceID":"I"}', "not-a-string"),
        ('{"Label":"4","ContentProducer":"P","ProduceID":"I"}', "label-value"),
        ('{"Label":"1","ContentProducer":"","ProduceID":"I"}', "missing-production-element"),
        ('{"Label":"1","ProduceID":"I"}', "missing-production-element"),
    ],
)
def test_errors(raw: str, code: str) -> None:
    parsed = parse_record(raw)
    assert code in {p.code for p in parsed.problems}
    assert not parsed.ok


def test_warnings_do_not_fail() -> None:
    raw = '{"ProduceID":"I","Label":"1","ContentProducer":"Name With Space","Extra":"x"}'
    found = codes(raw)
    assert {"key-order", "unknown-key", "missing-keys", "charset", "propagation-empty"} <= found
    assert parse_record(raw).ok


def test_charset_rule_skips_reserved_codes() -> None:
    rec = AIGCRecord.first_write("P", "I").replace(reserved_code1='{"Type":"x"}')
    assert "charset" not in {p.code for p in rec.problems()}
    rec2 = AIGCRecord.first_write('P"Q', "I")
    assert "charset" in {p.code for p in rec2.problems()}


def test_double_encoded_value_is_read_and_reported() -> None:
    inner = AIGCRecord.first_write("P", "I").to_json()
    parsed = parse_record(json.dumps({"AIGC": inner}))
    assert parsed.record is not None and parsed.record.produce_id == "I"
    assert "double-encoded" in {p.code for p in parsed.problems}


def test_platform_record_without_producer_is_allowed_for_possible_and_suspected() -> None:
    rec = AIGCRecord(label="3", content_propagator="PLATFORM", propagate_id="X1")
    assert not [p for p in rec.problems() if p.severity == "error"]
    rec1 = AIGCRecord(label="1", content_propagator="PLATFORM", propagate_id="X1")
    assert any(p.code == "missing-production-element" for p in rec1.problems())


def test_bom_and_whitespace_tolerated() -> None:
    raw = "\ufeff  " + AIGCRecord.first_write("P", "I").to_json() + "\n"
    assert parse_record(raw).ok
