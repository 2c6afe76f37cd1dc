"""C2PA manifests read beside the GB 45438 record (needs c2pa-python: extra `c2pa`)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tianping.labels import check, embed, read_c2pa, verify

from .conftest import PROVIDER_CODE

c2pa = pytest.importorskip("c2pa", reason="c2pa-python is not installed")


def _signer():  # type: ignore[no-untyped-def]
    """An ES256 signer with a throw-away CA chain (C2PA rejects self-signed end certs)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)

    def name(cn: str) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, cn),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Tianping Test"),
            ]
        )

    def base(subject: str, issuer: x509.Name, pub, serial: int):  # type: ignore[no-untyped-def]
        return (
            x509.CertificateBuilder()
            .subject_name(name(subject))
            .issuer_name(issuer)
            .public_key(pub)
            .serial_number(serial)
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
        )

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (
        base("Test CA", name("Test CA"), ca_key.public_key(), 1)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
        )
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        base("Signer", ca.subject, key.public_key(), 2)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False), True
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    chain = leaf.public_bytes(serialization.Encoding.PEM) + ca.public_bytes(
        serialization.Encoding.PEM
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    info = c2pa.C2paSignerInfo(alg=b"es256", sign_cert=chain, private_key=pem, ta_url=None)
    return c2pa.Signer.from_info(info)


def _c2pa_sign(src: Path, dst: Path) -> None:
    manifest = {
        "claim_generator_info": [{"name": "tianping-test", "version": "1"}],
        "title": src.name,
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [
                        {
                            "action": "c2pa.created",
                            "digitalSourceType": "http://cv.iptc.org/newscodes/"
                            "digitalsourcetype/trainedAlgorithmicMedia",
                        }
                    ]
                },
            }
        ],
    }
    builder = c2pa.Builder(json.dumps(manifest))
    with src.open("rb") as s, dst.open("w+b") as d:
        builder.sign(_signer(), "image/jpeg", s, d)


def test_gb_label_then_c2pa_both_reported(fresh: Callable[[str], Path], tmp_path: Path) -> None:
    src = fresh("big.jpg")
    embed([src], PROVIDER_CODE)
    out = tmp_path / "both.jpg"
    _c2pa_sign(src, out)
    rep = read_c2pa(out)
    assert rep.present and rep.validation_state == "Valid"
    assert rep.ai_assertions == ["trainedAlgorithmicMedia"]
    [v] = verify([out], c2pa=True)
    assert v.status == "conformant" and v.c2pa and v.c2pa["present"]


def test_c2pa_only_file_is_suspected_and_absent_manifest_is_plain(
    fresh: Callable[[str], Path], tmp_path: Path
) -> None:
    out = tmp_path / "c2pa-only.jpg"
    _c2pa_sign(fresh("big.jpg"), out)
    [r] = check([out], c2pa=True)
    assert r.classification == "suspected" and r.has("traces")
    plain = read_c2pa(fresh("sample.png"))
    assert plain.available and not plain.present and plain.error is None


def test_labelling_after_c2pa_signing_warns(fresh: Callable[[str], Path], tmp_path: Path) -> None:
    out = tmp_path / "signed-first.jpg"
    _c2pa_sign(fresh("big.jpg"), out)
    [r] = embed([out], PROVIDER_CODE)
    assert r.status == "conformant" and r.has("c2pa-invalidated")
    assert read_c2pa(out).validation_state == "Invalid"
