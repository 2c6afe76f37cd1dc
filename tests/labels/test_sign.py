"""Anti-tamper SecurityData: SM2/SM3 and Ed25519 seals detect content and label changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tianping.errors import InputError
from tianping.labels import AIGCRecord, generate_key, load_public_key, load_signing_key
from tianping.labels._sign import check_seal, digest, parse_signing_key, seal

CONTENT = b"pixels or samples" * 100


@pytest.fixture(params=["sm2", "ed25519"])
def key(request: pytest.FixtureRequest, sm2_key, ed25519_key):  # type: ignore[no-untyped-def]
    return sm2_key if request.param == "sm2" else ed25519_key


def sealed(key, slot: int = 1) -> AIGCRecord:  # type: ignore[no-untyped-def]
    rec = AIGCRecord.first_write("001191330106MA2CHAT73E10001", "ID1")
    return rec.replace(reserved_code1=seal(rec, digest(CONTENT), 1, key))


def test_seal_verifies_and_names_the_key(key) -> None:  # type: ignore[no-untyped-def]
    rec = sealed(key)
    sd = json.loads(rec.reserved_code1)
    assert {"Type", "Version", "Bindings", "PubSD", "Extension"} <= set(sd)
    res = check_seal(rec, CONTENT, 1, trusted=[key.public])
    assert res.status == "valid" and res.trusted is True and res.key_id == key.public.key_id


def test_content_change_detected(key) -> None:  # type: ignore[no-untyped-def]
    assert check_seal(sealed(key), CONTENT + b"x", 1).status == "content-changed"


def test_label_change_detected(key) -> None:  # type: ignore[no-untyped-def]
    rec = sealed(key).replace(produce_id="ID2")
    assert check_seal(rec, CONTENT, 1).status == "label-changed"


def test_platform_fields_do_not_break_the_producer_seal(key) -> None:  # type: ignore[no-untyped-def]
    rec = sealed(key).replace(content_propagator="PLATFORM", propagate_id="P9")
    assert check_seal(rec, CONTENT, 1).status == "valid"
    rec2 = rec.replace(reserved_code2=seal(rec, digest(CONTENT), 2, key))
    assert check_seal(rec2, CONTENT, 2).status == "valid"
    assert check_seal(rec2.replace(propagate_id="P10"), CONTENT, 2).status == "label-changed"


def test_forged_hashes_fail_the_signature(key) -> None:  # type: ignore[no-untyped-def]
    rec = sealed(key)
    sd = json.loads(rec.reserved_code1)
    sd["Bindings"][0]["Value"] = digest(b"other content")
    forged = rec.replace(reserved_code1=json.dumps(sd, separators=(",", ":")))
    assert check_seal(forged, b"other content", 1).status == "bad-signature"


def test_untrusted_key_and_hash_only(key) -> None:  # type: ignore[no-untyped-def]
    other = generate_key("ed25519")
    assert check_seal(sealed(key), CONTENT, 1, trusted=[other.public]).trusted is False
    rec = AIGCRecord.first_write("P", "I")
    rec = rec.replace(reserved_code1=seal(rec, digest(CONTENT), 1, None))
    assert check_seal(rec, CONTENT, 1).status == "hash-only"
    assert check_seal(rec, CONTENT[:-1], 1).status == "content-changed"


def test_foreign_and_malformed_reserved_codes() -> None:
    rec = AIGCRecord.first_write("P", "I")
    assert check_seal(rec, CONTENT, 1).status == "absent"
    assert check_seal(rec.replace(reserved_code1="abc123"), CONTENT, 1).status == "foreign"
    assert check_seal(rec.replace(reserved_code1="[1]"), CONTENT, 1).status == "foreign"
    assert (
        check_seal(rec.replace(reserved_code1='{"Version":"1"}'), CONTENT, 1).status == "malformed"
    )
    odd = '{"Type":"Signature","Version":"1","Bindings":5,"Extension":{"Profile":"tianping/1"}}'
    assert check_seal(rec.replace(reserved_code1=odd), CONTENT, 1).status == "malformed"


def test_sm2_signatures_use_fresh_nonces(sm2_key) -> None:  # type: ignore[no-untyped-def]
    assert sm2_key.sign(b"m") != sm2_key.sign(b"m")


def test_key_files_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key) -> None:  # type: ignore[no-untyped-def]
    priv = tmp_path / "k"
    priv.write_text(key.to_text())
    (tmp_path / "k.pub").write_text(key.public.to_text())
    loaded = load_signing_key(priv)
    assert loaded is not None and loaded.public.public_hex == key.public.public_hex
    assert load_public_key(tmp_path / "k.pub").public_hex == key.public.public_hex
    monkeypatch.setenv("TIANPING_LABEL_KEY", str(priv))
    env_key = load_signing_key()
    assert env_key is not None and env_key.public.key_id == key.public.key_id
    monkeypatch.setenv("TIANPING_LABEL_KEY", key.to_text())
    env_text = load_signing_key()
    assert env_text is not None and env_text.alg == key.alg
    monkeypatch.delenv("TIANPING_LABEL_KEY")
    assert load_signing_key() is None


def test_bad_keys_give_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="expected an Ed25519 PEM"):
        parse_signing_key("not a key")
    with pytest.raises(InputError, match="cannot read the key file"):
        load_signing_key(tmp_path / "missing.pem")
    with pytest.raises(InputError, match="out of range"):
        parse_signing_key("0" * 64)


def test_fast_sm2_verify_agrees_with_gmssl(sm2_key) -> None:  # type: ignore[no-untyped-def]
    import secrets

    from gmssl import sm2

    from tianping.labels._sign import sm2_verify

    ref = sm2.CryptSM2(private_key="", public_key="")
    ref.public_key = sm2_key.public.public_hex  # past gmssl's lstrip("04") (see _sm2_key)
    for _ in range(5):
        msg = secrets.token_bytes(40)
        sig = sm2_key.sign(msg)
        bad = bytes([sig[0] ^ 1]) + sig[1:]
        for s, m in ((sig, msg), (bad, msg), (sig, msg + b"!")):
            assert sm2_verify(sm2_key.public.public_hex, s, m) == ref.verify_with_sm3(s.hex(), m)
    assert not sm2_verify("00" * 64, sig, msg)  # not on the curve
    assert not sm2_verify(sm2_key.public.public_hex, b"\x00" * 64, msg)


def test_sm2_key_whose_x_starts_with_04_signs_and_verifies() -> None:
    """gmssl's constructor strips "04" characters off such a public key; d = 11 gives
    x = 04b3cb10c9..., for which signatures used to fail verification."""
    from gmssl import sm2

    from tianping.labels._sign import parse_signing_key, sm2_verify

    key = parse_signing_key(f"{11:064x}")
    assert key.public.public_hex.startswith("04b3cb10c9")
    for msg in (b"", b"label", bytes(range(256))):
        sig = key.sign(msg)
        assert key.public.verify(sig, msg) and sm2_verify(key.public.public_hex, sig, msg)
        ref = sm2.CryptSM2(private_key="", public_key="")
        ref.public_key = key.public.public_hex
        assert ref.verify_with_sm3(sig.hex(), msg)
        assert not key.public.verify(sig, msg + b"!")
