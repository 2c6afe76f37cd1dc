"""The 27-character provider code and its embedded USCC check character."""

from __future__ import annotations

import pytest

from tianping.labels import parse_provider_code, provider_code_from_uscc, provider_code_is_valid

from .conftest import PROVIDER_CODE, USCC


def test_built_from_uscc_is_valid_and_splits() -> None:
    code = provider_code_from_uscc(USCC, "1", "0001")
    assert code == PROVIDER_CODE and len(code) == 27
    info = parse_provider_code(code)
    assert info.valid and info.uscc == USCC
    assert (info.format_code, info.service_type, info.model_code) == ("00", "1", "0001")


def test_no_extension_form() -> None:
    code = provider_code_from_uscc(USCC, "0", "0000")
    assert code.endswith("00000") and provider_code_is_valid(code)
    assert not provider_code_is_valid(code[:-1] + "1")


def test_bad_check_character_is_caught() -> None:
    bad = PROVIDER_CODE[:21] + ("F" if PROVIDER_CODE[21] != "F" else "G") + PROVIDER_CODE[22:]
    info = parse_provider_code(bad)
    assert not info.valid
    assert "provider-code-uscc" in {p.code for p in info.problems}


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        (PROVIDER_CODE[:-1], "provider-code-format"),
        (PROVIDER_CODE.lower(), "provider-code-format"),
        ("01" + PROVIDER_CODE[2:], "provider-code-format-code"),
        (PROVIDER_CODE[:22] + "7" + PROVIDER_CODE[23:], "provider-code-service-type"),
    ],
)
def test_malformed_codes(code: str, problem: str) -> None:
    info = parse_provider_code(code)
    assert not info.valid and problem in {p.code for p in info.problems}


def test_other_subject_types_are_not_validated_but_warned() -> None:
    code = "00" + "21" + "A" * 18 + "10001"
    info = parse_provider_code(code)
    assert info.valid and info.uscc is None
    assert "provider-code-subject-unchecked" in {p.code for p in info.problems}


def test_builder_rejects_bad_uscc() -> None:
    with pytest.raises(ValueError, match="unified social credit code"):
        provider_code_from_uscc(USCC[:-1] + "0")
