"""Policy files: validation with located errors, key sources, clear missing-key errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tianping.errors import InputError
from tianping.privacy._policy import Generalise, Mask, Pseudonymise, load_policy, parse_policy

KEY = "k" * 24


def test_parse_types_and_columns(tmp_path: Path) -> None:
    p = tmp_path / "policy.yaml"
    p.write_text(
        "hmac: sm3\n"
        "types:\n"
        "  cn_mobile: {action: mask, keep_start: 3, keep_end: 4}\n"
        "  '*': {action: redact}\n"
        "columns:\n"
        "  name: {action: pseudonymise, domain: person}\n"
        "  birth: {action: generalise, to: year}\n",
        encoding="utf-8",
    )
    pol = load_policy(p)
    assert pol.hmac == "sm3"
    assert isinstance(pol.types["cn_mobile"], Mask)
    assert isinstance(pol.rule_for_type("email"), type(pol.types["*"]))
    assert isinstance(pol.columns["name"], Pseudonymise)
    assert isinstance(pol.columns["birth"], Generalise)
    assert pol.needs_key() and pol.detects and pol.detect_unlisted


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("types:\n  email: {action: maskk}\n", "p.yaml:2:3, field 'types.email'"),
        ("types:\n  email: {action: mask, keep_start: -1}\n", "field 'types.email.keep_start'"),
        ("columns:\n  a: {action: generalise, to: planet}\n", "field 'columns.a.to'"),
        ("types:\n  email: {action: detect}\n", "p.yaml"),
        ("version: 1\n", "no rules"),
        ("types: [1, 2]\n", "field 'types'"),
    ],
)
def test_errors_are_located(text: str, where: str) -> None:
    with pytest.raises(InputError) as exc:
        parse_policy(text, "p.yaml")
    assert where in str(exc.value)


def test_missing_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIANPING_DEID_KEY", raising=False)
    pol = parse_policy("columns:\n  a: {action: pseudonymise}\n")
    with pytest.raises(InputError, match="environment variable TIANPING_DEID_KEY"):
        pol.key_bytes()
    pol = parse_policy("key: {env: MY_KEY}\ncolumns:\n  a: {action: pseudonymise}\n")
    with pytest.raises(InputError, match="MY_KEY"):
        pol.key_bytes()
    monkeypatch.setenv("MY_KEY", "short")
    with pytest.raises(InputError, match="shorter than 16 bytes"):
        pol.key_bytes()
    monkeypatch.setenv("MY_KEY", KEY)
    assert pol.key_bytes() == KEY.encode()


def test_key_file_relative_to_policy(tmp_path: Path) -> None:
    p = tmp_path / "policy.yaml"
    p.write_text("key: {file: deid.key}\ncolumns:\n  a: {action: pseudonymise}\n")
    pol = load_policy(p)
    with pytest.raises(InputError, match=r"key file not found: .*deid\.key"):
        pol.key_bytes()
    (tmp_path / "deid.key").write_text(KEY + "\n")
    assert pol.key_bytes() == KEY.encode()


def test_key_not_needed_without_keyed_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIANPING_DEID_KEY", raising=False)
    pol = parse_policy("columns:\n  a: {action: shift_date, days: 3}\n  b: {action: redact}\n")
    assert not pol.needs_key()


def test_table_column_keys() -> None:
    """`table.column` rules one table's column and wins over the plain name; a plain name
    rules every table that has the column."""
    pol = parse_policy(
        "columns:\n"
        "  name: {action: redact}\n"
        "  orders.name: {action: mask, keep_start: 1}\n"
        "  orders.note: {action: suppress}\n"
        "  ghost.col: {action: redact}\n"
        "  phone: {action: redact}\n"
    )
    customers = pol.for_table("customers", ["id", "name", "note"])
    assert customers.columns == {"name": pol.columns["name"]}
    orders = pol.for_table("orders", ["name", "note"])
    assert orders.columns == {
        "name": pol.columns["orders.name"],
        "note": pol.columns["orders.note"],
    }
    assert pol.for_table("other", ["x"]).columns == {}  # no rule left: still a valid object
    tables = {"customers": ["id", "name"], "orders": ["name", "note"]}
    assert pol.unused_columns(tables) == ["ghost.col", "phone"]
