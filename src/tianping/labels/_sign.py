"""Anti-tamper data for ReservedCode1 (producer) and ReservedCode2 (propagator).

TC260-PG-202511A (research FMT-12, conf. M, one secondary summary) describes a JSON object
`SecurityData` with required `Type` and `Version` and optional `Bindings`, `PrivSD`, `PubSD`
and `Extension`, using hash binding and digital signatures (SM3 seen in the wild), placed in
a ReservedCode field. Only those top-level names come from the research. The values inside
them below are Tianping's own layout (the guide was not read first-hand), named by
`Extension.Profile = "tianping/1"` so readers can tell:

    {"Type":"Signature"|"HashBinding","Version":"1",
     "Bindings":[{"Target":"content","Alg":"SM3","Value":hex},
                 {"Target":"label","Alg":"SM3","Value":hex}],
     "PubSD":{"Alg":"SM2-SM3"|"Ed25519","KeyID":hex16,"PubKey":hex,"Sig":base64},
     "Extension":{"Profile":"tianping/1", ...}}

The content binding covers the pixels/samples/body (the handler's payload); the label binding
covers the production elements (ReservedCode1) or every field before ReservedCode2
(ReservedCode2), so a producer's seal survives a platform adding propagation elements.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from tianping.errors import InputError
from tianping.labels._record import FIELDS, PRODUCTION_FIELDS, AIGCRecord

Alg = Literal["sm2-sm3", "ed25519"]
KEY_ENV = "TIANPING_LABEL_KEY"
_SM2_PRIV = "tianping-sm2-private:"
_SM2_PUB = "tianping-sm2-public:"
_PROFILE = "tianping/1"
_DOMAIN = b"tianping-aigc-securitydata/1\x00"
HASH_ALG = "SM3" if "sm3" in hashlib.algorithms_available else "SHA256"


def digest(data: bytes) -> str:
    """The binding hash (SM3 where OpenSSL offers it, else SHA-256), hex."""
    return hashlib.new(HASH_ALG.lower(), data).hexdigest()


_CHUNK = 8 << 20


def digest_ranges(path: Path, ranges: list[tuple[int, int]]) -> str:
    """`digest` of the concatenated byte ranges of a file, read in 8 MiB chunks."""
    h = hashlib.new(HASH_ALG.lower())
    with Path(path).open("rb") as fh:
        for start, end in ranges:
            fh.seek(start)
            left = end - start
            while left > 0:
                chunk = fh.read(min(left, _CHUNK))
                if not chunk:
                    raise InputError(f"{path}: file ended inside its content ({left} bytes short)")
                h.update(chunk)
                left -= len(chunk)
    return h.hexdigest()


def _hash_with(alg: str, data: bytes) -> str | None:
    name = alg.lower()
    if name not in hashlib.algorithms_available:
        return None
    return hashlib.new(name, data).hexdigest()


def _label_bytes(record: AIGCRecord, slot: int) -> bytes:
    d = record.as_dict()
    # slot 1 signs the production fields, slot 2 everything before ReservedCode2 itself
    keys = PRODUCTION_FIELDS if slot == 1 else FIELDS[: FIELDS.index("ReservedCode2")]
    return json.dumps([d[k] for k in keys], ensure_ascii=False, separators=(",", ":")).encode()


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


# --- keys -------------------------------------------------------------------------------
def _sm2_modules() -> tuple[Any, Any]:
    from gmssl import sm2

    return sm2, sm2.default_ecc_table


# --- SM2 verification (GB/T 32918.2) with integer Jacobian arithmetic --------------------
# gmssl verifies through hex strings (~10 ms); the same maths on ints with Shamir's trick
# costs ~2 ms, so verifying is not slower than signing. Tests cross-check it against gmssl.
_P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
_N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
_A = _P - 3
_B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
_GX = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
_GY = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0
_DEFAULT_ID = b"1234567812345678"  # GB/T 32918 default user ID, as gmssl uses

Jac = tuple[int, int, int] | None


def _double(pt: Jac) -> Jac:
    if pt is None or pt[1] == 0:
        return None
    x, y, z = pt
    delta, gamma = z * z % _P, y * y % _P
    beta = x * gamma % _P
    alpha = 3 * (x - delta) * (x + delta) % _P
    x3 = (alpha * alpha - 8 * beta) % _P
    z3 = ((y + z) * (y + z) - gamma - delta) % _P
    y3 = (alpha * (4 * beta - x3) - 8 * gamma * gamma) % _P
    return x3, y3, z3


def _add_affine(pt: Jac, q: tuple[int, int]) -> Jac:
    if pt is None:
        return q[0], q[1], 1
    x1, y1, z1 = pt
    z1z1 = z1 * z1 % _P
    u2, s2 = q[0] * z1z1 % _P, q[1] * z1 * z1z1 % _P
    h, r = (u2 - x1) % _P, 2 * (s2 - y1) % _P
    if h == 0:
        return _double(pt) if r == 0 else None
    hh = h * h % _P
    i = 4 * hh % _P
    j, v = h * i % _P, x1 * i % _P
    x3 = (r * r - j - 2 * v) % _P
    y3 = (r * (v - x3) - 2 * y1 * j) % _P
    z3 = ((z1 + h) * (z1 + h) - z1z1 - hh) % _P
    return x3, y3, z3


def _affine(pt: Jac) -> tuple[int, int] | None:
    if pt is None:
        return None
    x, y, z = pt
    zi = pow(z, -1, _P)
    zi2 = zi * zi % _P
    return x * zi2 % _P, y * zi2 * zi % _P


def sm2_verify(public_hex: str, signature: bytes, message: bytes) -> bool:
    """SM2 signature check of `message` (SM3 with the default ID, as gmssl signs)."""
    try:
        px, py = int(public_hex[:64], 16), int(public_hex[64:128], 16)
    except ValueError:
        return False
    if len(public_hex) != 128 or (py * py - px * px * px - _A * px - _B) % _P:
        return False  # not a point on the curve
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:64], "big")
    if not (0 < r < _N and 0 < s < _N):
        return False
    t = (r + s) % _N
    if t == 0:
        return False
    z = hashlib.new(
        "sm3",
        b"\x00\x80"
        + _DEFAULT_ID
        + b"".join(v.to_bytes(32, "big") for v in (_A, _B, _GX, _GY, px, py)),
    ).digest()
    e = int.from_bytes(hashlib.new("sm3", z + message).digest(), "big")
    g, q = (_GX, _GY), (px, py)
    gq = _affine(_add_affine((_GX, _GY, 1), q))
    acc: Jac = None
    for bit in range(max(s.bit_length(), t.bit_length()) - 1, -1, -1):
        acc = _double(acc)
        sb, tb = (s >> bit) & 1, (t >> bit) & 1
        if sb and tb:
            acc = _add_affine(acc, gq) if gq is not None else acc
        elif sb:
            acc = _add_affine(acc, g)
        elif tb:
            acc = _add_affine(acc, q)
    point = _affine(acc)
    return point is not None and (e + point[0]) % _N == r


@dataclass
class PublicKey:
    alg: Alg
    public_hex: str

    @property
    def key_id(self) -> str:
        return hashlib.sha256(bytes.fromhex(self.public_hex)).hexdigest()[:16]

    def verify(self, signature: bytes, message: bytes) -> bool:
        if self.alg == "ed25519":
            from cryptography.exceptions import InvalidSignature
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

            try:
                Ed25519PublicKey.from_public_bytes(bytes.fromhex(self.public_hex)).verify(
                    signature, message
                )
            except (InvalidSignature, ValueError):
                return False
            return True
        if len(signature) != 64:
            return False
        return sm2_verify(self.public_hex, signature, message)

    def to_text(self) -> str:
        if self.alg == "sm2-sm3":
            return f"{_SM2_PUB}{self.public_hex}\n"
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(self.public_hex))
        return key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()


@dataclass
class SigningKey:
    """A private key for sealing labels: SM2 (with SM3) via gmssl, or Ed25519."""

    alg: Alg
    _private: Any
    public: PublicKey

    def sign(self, message: bytes) -> bytes:
        if self.alg == "ed25519":
            return bytes(self._private.sign(message))
        _, table = _sm2_modules()
        n = int(table["n"], 16)
        # gmssl's own nonce uses `random.choice`, which is not a CSPRNG: pass our own.
        while True:
            k = secrets.randbelow(n)
            if k:
                break
        sig_hex = self._private.sign_with_sm3(message, f"{k:064x}")
        return bytes.fromhex(sig_hex)

    def to_text(self) -> str:
        if self.alg == "sm2-sm3":
            return f"{_SM2_PRIV}{self._private.private_key}\n"
        from cryptography.hazmat.primitives import serialization

        return str(
            self._private.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ).decode()
        )


def _sm2_key(private_hex: str) -> SigningKey:
    sm2, table = _sm2_modules()
    d = int(private_hex, 16)
    if not 0 < d < int(table["n"], 16) - 1:
        raise InputError("SM2 private key is out of range / SM2 私钥超出范围")
    helper = sm2.CryptSM2(private_key=private_hex, public_key="00" * 64)
    pub = helper._kg(d, table["g"])
    signer = sm2.CryptSM2(private_key=private_hex, public_key="")
    # set after construction: gmssl's constructor runs lstrip("04") on a key that starts
    # with "04", which eats the x coordinate's leading digits (1 key in 256), and the
    # digest Z it signs is then computed over the wrong key
    signer.public_key = pub
    return SigningKey("sm2-sm3", signer, PublicKey("sm2-sm3", pub))


def generate_key(alg: Alg = "sm2-sm3") -> SigningKey:
    if alg == "ed25519":
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        priv = Ed25519PrivateKey.generate()
        raw = priv.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return SigningKey("ed25519", priv, PublicKey("ed25519", raw.hex()))
    _, table = _sm2_modules()
    n = int(table["n"], 16)
    return _sm2_key(f"{secrets.randbelow(n - 2) + 1:064x}")


def parse_signing_key(text: str, where: str = "key") -> SigningKey:
    """Ed25519 PKCS#8 PEM, or `tianping-sm2-private:<64 hex>` (or bare 64 hex) for SM2."""
    s = text.strip()
    if s.startswith("-----BEGIN"):
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        try:
            priv = serialization.load_pem_private_key(s.encode(), password=None)
        except (ValueError, TypeError) as exc:
            raise InputError(f"{where}: not a readable PEM private key ({exc})") from None
        if not isinstance(priv, Ed25519PrivateKey):
            raise InputError(f"{where}: only Ed25519 PEM keys are supported / 仅支持 Ed25519")
        raw = priv.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return SigningKey("ed25519", priv, PublicKey("ed25519", raw.hex()))
    hex_part = s.removeprefix(_SM2_PRIV)
    if len(hex_part) == 64 and all(c in "0123456789abcdefABCDEF" for c in hex_part):
        return _sm2_key(hex_part.lower())
    raise InputError(
        f"{where}: expected an Ed25519 PEM private key or '{_SM2_PRIV}<64 hex>' / 密钥格式不正确"
    )


def parse_public_key(text: str, where: str = "public key") -> PublicKey:
    s = text.strip()
    if s.startswith("-----BEGIN"):
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        try:
            pub = serialization.load_pem_public_key(s.encode())
        except ValueError as exc:
            raise InputError(f"{where}: not a readable PEM public key ({exc})") from None
        if not isinstance(pub, Ed25519PublicKey):
            raise InputError(f"{where}: only Ed25519 PEM public keys are supported")
        raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return PublicKey("ed25519", raw.hex())
    if s.startswith(_SM2_PUB):
        return PublicKey("sm2-sm3", s.removeprefix(_SM2_PUB).lower())
    raise InputError(f"{where}: expected an Ed25519 PEM or '{_SM2_PUB}<128 hex>' public key")


def load_signing_key(path: Path | None = None, env: str = KEY_ENV) -> SigningKey | None:
    """From a file, else from $TIANPING_LABEL_KEY (a path, or the key text itself)."""
    if path is None:
        value = os.environ.get(env)
        if not value:
            return None
        if value.lstrip().startswith(("-----BEGIN", _SM2_PRIV)):
            return parse_signing_key(value, f"${env}")
        path = Path(value)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read the key file ({exc.strerror})") from None
    return parse_signing_key(text, str(path))


def load_public_key(path: Path) -> PublicKey:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read the public key ({exc.strerror})") from None
    try:
        return parse_public_key(text, str(path))
    except InputError:
        return parse_signing_key(text, str(path)).public


# --- SecurityData -------------------------------------------------------------------------
def seal(
    record: AIGCRecord,
    content_hash: str,
    slot: int,
    key: SigningKey | None = None,
    extension: dict[str, Any] | None = None,
) -> str:
    """The SecurityData JSON for ReservedCode<slot>: hash binding, signed when a key is given."""
    sd: dict[str, Any] = {
        "Type": "Signature" if key else "HashBinding",
        "Version": "1",
        "Bindings": [
            {"Target": "content", "Alg": HASH_ALG, "Value": content_hash},
            {"Target": "label", "Alg": HASH_ALG, "Value": digest(_label_bytes(record, slot))},
        ],
        "Extension": {"Profile": _PROFILE, **(extension or {})},
    }
    if key is not None:
        sd["PubSD"] = {
            "Alg": "SM2-SM3" if key.alg == "sm2-sm3" else "Ed25519",
            "KeyID": key.public.key_id,
            "PubKey": key.public.public_hex,
        }
        sd["PubSD"]["Sig"] = base64.b64encode(key.sign(_DOMAIN + _canonical(sd))).decode()
    return json.dumps(sd, ensure_ascii=False, separators=(",", ":"))


@dataclass
class SealCheck:
    """What verifying one ReservedCode field found."""

    status: Literal[
        "valid",
        "hash-only",
        "content-changed",
        "label-changed",
        "bad-signature",
        "malformed",
        "absent",
        "foreign",
    ]
    alg: str | None = None
    key_id: str | None = None
    trusted: bool | None = None
    extension: dict[str, Any] | None = None

    @property
    def intact(self) -> bool:
        return self.status in ("valid", "hash-only")


def parse_security_data(text: str) -> dict[str, Any] | None:
    try:
        sd = json.loads(text)
    except ValueError:
        return None
    return sd if isinstance(sd, dict) else None


def check_seal(
    record: AIGCRecord,
    payload: bytes | None,
    slot: int,
    trusted: list[PublicKey] | None = None,
    content_hash: str | None = None,
) -> SealCheck:
    """Verify ReservedCode<slot> against the content payload and the record."""
    text = record.reserved_code1 if slot == 1 else record.reserved_code2
    if not text:
        return SealCheck("absent")
    sd = parse_security_data(text)
    if sd is None or "Type" not in sd or "Version" not in sd:
        # a ReservedCode value not in SecurityData form (another tool's hash or signature)
        return SealCheck("foreign" if sd is None else "malformed")
    ext = sd.get("Extension") if isinstance(sd.get("Extension"), dict) else None
    if not ext or ext.get("Profile") != _PROFILE:
        return SealCheck("foreign", extension=ext)
    bindings = sd.get("Bindings")
    if not isinstance(bindings, list):
        return SealCheck("malformed", extension=ext)
    by_target = {b.get("Target"): b for b in bindings if isinstance(b, dict)}
    cb, lb = by_target.get("content"), by_target.get("label")
    if cb is None or lb is None:
        return SealCheck("malformed", extension=ext)
    alg = str(cb.get("Alg", ""))
    actual_label = _hash_with(str(lb.get("Alg", "")), _label_bytes(record, slot))
    if actual_label is None:
        return SealCheck("malformed", extension=ext)
    if content_hash is None or alg != HASH_ALG:
        content_hash = _hash_with(alg, payload) if payload is not None else None
    pub = sd.get("PubSD")
    key_id = pub.get("KeyID") if isinstance(pub, dict) else None
    if content_hash != cb.get("Value"):
        return SealCheck("content-changed", key_id=key_id, extension=ext)
    if actual_label != lb.get("Value"):
        return SealCheck("label-changed", key_id=key_id, extension=ext)
    if not isinstance(pub, dict):
        return SealCheck("hash-only", alg=alg, extension=ext)
    try:
        key = PublicKey(
            "sm2-sm3" if pub.get("Alg") == "SM2-SM3" else "ed25519", str(pub["PubKey"]).lower()
        )
        bytes.fromhex(key.public_hex)
        sig = base64.b64decode(str(pub["Sig"]), validate=True)
    except (KeyError, ValueError):
        return SealCheck("malformed", key_id=key_id, extension=ext)
    unsigned = {**sd, "PubSD": {k: v for k, v in pub.items() if k != "Sig"}}
    if not key.verify(sig, _DOMAIN + _canonical(unsigned)):
        return SealCheck("bad-signature", alg=str(pub.get("Alg")), key_id=key_id, extension=ext)
    is_trusted = None if trusted is None else any(t.public_hex == key.public_hex for t in trusted)
    return SealCheck(
        "valid", alg=str(pub.get("Alg")), key_id=key.key_id, trusted=is_trusted, extension=ext
    )
