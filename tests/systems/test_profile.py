from __future__ import annotations

from pathlib import Path

import pytest

from tianping.errors import InputError, ProfileError
from tianping.systems import SystemProfile, load_profile, load_profile_text, profile_template
from tianping.systems._profile import uscc_is_valid


def test_template_is_a_valid_profile() -> None:
    p = load_profile_text(profile_template("abc", "ABC"))
    assert p.id == "abc"
    assert p.provider.uscc == "91350100M000100Y43"


def test_typo_gets_line_column_and_suggestion() -> None:
    text = profile_template().replace("public_facing: false", "public_facng: false")
    with pytest.raises(ProfileError) as exc:
        load_profile_text(text, "sys.yaml")
    (problem,) = exc.value.problems
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith("public_facng"))
    assert problem.location.file == "sys.yaml"
    assert problem.location.line == line
    assert problem.location.column == 1
    assert problem.location.field == "public_facng"
    assert problem.hint == "did you mean 'public_facing'?"


def test_nested_enum_error_names_the_field_path_and_choices() -> None:
    text = profile_template().replace("  roles: [provider]", "  roles: [provder]")
    with pytest.raises(ProfileError) as exc:
        load_profile_text(text, "sys.yaml")
    (problem,) = exc.value.problems
    assert problem.location.field == "provider.roles[0]"
    assert "'technical_supporter'" in problem.message
    assert "provder" in problem.message


def test_several_errors_are_all_reported() -> None:
    text = (
        profile_template()
        .replace("lifecycle: production", "lifecycle: live")
        .replace("registered: 0", "registered: -5")
    )
    with pytest.raises(ProfileError) as exc:
        load_profile_text(text, "x.yaml")
    fields = {p.location.field for p in exc.value.problems}
    assert fields == {"lifecycle", "users.registered"}


def test_malformed_yaml_is_located() -> None:
    with pytest.raises(InputError) as exc:
        load_profile_text("id: a\nname: [unclosed\nprovider: {}\n", "bad.yaml")
    (problem,) = exc.value.problems
    assert problem.location.file == "bad.yaml"
    assert problem.location.line is not None and problem.location.line >= 2


def test_duplicate_keys_are_rejected() -> None:
    with pytest.raises(InputError):
        load_profile_text("id: a\nid: b\nname: x\nprovider: {name: p}\n")


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="File not found"):
        load_profile(tmp_path / "nope.yaml")
    with pytest.raises(InputError, match="File not found"):
        load_profile(tmp_path)  # a folder without tianping.yaml


def test_top_level_must_be_a_mapping() -> None:
    with pytest.raises(ProfileError, match="mapping"):
        load_profile_text("- a\n- b\n")


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("91350100M000100Y43", True),
        ("91350100M000100Y44", False),
        ("9135010OM000100Y43", False),  # letter O is not in the alphabet
        ("91350100M000100Y4", False),
    ],
)
def test_uscc_check_character(code: str, ok: bool) -> None:
    assert uscc_is_valid(code) is ok


def test_bad_uscc_format_is_rejected_but_bad_checksum_is_not() -> None:
    base = {"id": "a", "name": "a", "provider": {"name": "p"}}
    with pytest.raises(ValueError, match="unified social credit code"):
        SystemProfile.model_validate({**base, "provider": {"name": "p", "uscc": "123"}})
    p = SystemProfile.model_validate(
        {**base, "provider": {"name": "p", "uscc": "91350100M000100Y44"}}
    )
    assert p.provider.uscc == "91350100M000100Y44"


def test_http_model_needs_endpoint() -> None:
    with pytest.raises(ValueError, match="endpoint"):
        SystemProfile.model_validate(
            {
                "id": "a",
                "name": "a",
                "provider": {"name": "p"},
                "models": [{"id": "m", "kind": "openai_chat"}],
            }
        )


def test_cel_view_has_every_field_and_derived_facts() -> None:
    p = SystemProfile.model_validate(
        {
            "id": "a",
            "name": "a",
            "provider": {"name": "p"},
            "deployments": [
                {"jurisdiction": "CN"},
                {"jurisdiction": "EU", "offered_to_public": False},
            ],
            "data": {
                "cross_border": [
                    {"destination": "SG", "individuals": 7, "sensitive_individuals": 2},
                    {"destination": "HK", "individuals": 3},
                ]
            },
        }
    )
    view = p.to_cel()
    assert view["healthcare"]["decision_support"] is False  # absent block reads as defaults
    assert view["derived"]["jurisdictions"] == ["CN", "EU"]
    assert view["derived"]["offered_in_cn_to_public"] is True
    assert view["derived"]["xb_individuals"] == 10
    assert view["derived"]["xb_sensitive_individuals"] == 2
