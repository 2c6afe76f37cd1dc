"""Vectorised check-digit and plausibility validators (numpy over many candidates at once).

Every function takes a sequence of ASCII candidate strings that already have the right
shape (the regex stage guarantees it) and returns a boolean or integer numpy array.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

# GB 11643 / ISO 7064 MOD 11-2 weights 2^(17-i) mod 11.
_ID_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
_ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
# GB 32100: 31-character alphabet (no I, O, Z, S, V); weights 3^i mod 31.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int64)
_USCC_VALUE = np.full(256, -1, dtype=np.int64)
for _i, _c in enumerate(_USCC_ALPHABET):
    _USCC_VALUE[ord(_c)] = _i
# GB/T 2260 province-level codes (first two digits of a resident ID), incl. 81/82/83 permits.
PROVINCE_CODES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
    ]
)
_PROV_OK = np.zeros(100, dtype=np.bool_)
for _p in PROVINCE_CODES:
    _PROV_OK[int(_p)] = True


def province_ok(code: int) -> bool:
    """A GB/T 2260 province-level code (two digits)."""
    return 0 <= code < 100 and bool(_PROV_OK[code])


def _matrix(values: Sequence[str], width: int, upper: bool = False) -> npt.NDArray[np.uint8]:
    """Fixed-width ASCII strings as an (n, width) uint8 matrix."""
    if not values:
        return np.zeros((0, width), dtype=np.uint8)
    joined = "".join(values)
    buf = (joined.upper() if upper else joined).encode("ascii", "replace")
    return np.frombuffer(buf, dtype=np.uint8).reshape(len(values), width)


def _digits(m: npt.NDArray[np.uint8]) -> IntArray:
    return m.astype(np.int64) - 48


def valid_dates(year: IntArray, month: IntArray, day: IntArray, today: dt.date) -> BoolArray:
    """Real calendar dates from 1900-01-01 up to `today`."""
    ok = (month >= 1) & (month <= 12) & (day >= 1) & (year >= 1900)
    mdays = np.array([31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
    dim = mdays[np.clip(month - 1, 0, 11)]
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    dim = np.where((month == 2) & ~leap, 28, dim)
    ok &= day <= dim
    ymd = year * 10000 + month * 100 + day
    ok &= ymd <= today.year * 10000 + today.month * 100 + today.day
    return ok


def age_years(year: IntArray, month: IntArray, day: IntArray, today: dt.date) -> IntArray:
    """Completed years of age on `today` (negative for future dates)."""
    before = (month > today.month) | ((month == today.month) & (day > today.day))
    out: IntArray = today.year - year - before.astype(np.int64)
    return out


def resident_id18(values: Sequence[str], today: dt.date) -> tuple[BoolArray, BoolArray, IntArray]:
    """(structure_ok, checksum_ok, age) of 18-character resident ID candidates.

    structure_ok: a known province code and a real birth date not in the future;
    checksum_ok: the ISO 7064 MOD 11-2 check character matches (X = 10).
    """
    m = _matrix(values, 18, upper=True)
    d = _digits(m[:, :17])
    digits_ok = ((d >= 0) & (d <= 9)).all(axis=1)
    d = np.where((d >= 0) & (d <= 9), d, 0)
    check = _ID_CHECK[(d @ _ID_WEIGHTS) % 11]
    checksum_ok = digits_ok & (check == m[:, 17])
    prov = d[:, 0] * 10 + d[:, 1]
    year = d[:, 6] * 1000 + d[:, 7] * 100 + d[:, 8] * 10 + d[:, 9]
    month = d[:, 10] * 10 + d[:, 11]
    day = d[:, 12] * 10 + d[:, 13]
    struct = digits_ok & _PROV_OK[prov] & valid_dates(year, month, day, today)
    return struct, checksum_ok, age_years(year, month, day, today)


def resident_id15(values: Sequence[str], today: dt.date) -> tuple[BoolArray, IntArray]:
    """(structure_ok, age) of legacy 15-digit IDs (19YYMMDD birth date, no check digit)."""
    d = _digits(_matrix(values, 15))
    prov = d[:, 0] * 10 + d[:, 1]
    year = 1900 + d[:, 6] * 10 + d[:, 7]
    month = d[:, 8] * 10 + d[:, 9]
    day = d[:, 10] * 10 + d[:, 11]
    ok = _PROV_OK[prov] & valid_dates(year, month, day, today)
    return ok, age_years(year, month, day, today)


def luhn(values: Sequence[str]) -> BoolArray:
    """Luhn (mod 10) over digit strings of any length (grouped by length, vectorised)."""
    out = np.zeros(len(values), dtype=np.bool_)
    lens = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    widths = np.unique(lens).tolist()
    for width in widths:
        if width == 0:
            continue
        idx = np.flatnonzero(lens == width)
        same = len(widths) == 1
        d = _digits(_matrix(values if same else [values[int(i)] for i in idx], width))
        # double every second digit from the right
        dbl = np.zeros(width, dtype=np.bool_)
        dbl[width - 2 :: -2] = True
        x = np.where(dbl, d * 2, d)
        x = np.where(x > 9, x - 9, x)
        out[idx] = (x.sum(axis=1) % 10) == 0
    return out


def uscc(values: Sequence[str]) -> BoolArray:
    """GB 32100 check character of 18-character unified social credit codes."""
    m = _matrix(values, 18)
    v = _USCC_VALUE[m]
    ok = (v >= 0).all(axis=1)
    v = np.where(v >= 0, v, 0)
    expect = (31 - (v[:, :17] @ _USCC_WEIGHTS) % 31) % 31
    res: BoolArray = ok & (expect == v[:, 17])
    return res


def id18_check_char(first17: str) -> str:
    """The MOD 11-2 check character for 17 digits (used by the corpus generator)."""
    s = sum(int(c) * int(w) for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return "10X98765432"[s % 11]


def luhn_check_digit(body: str) -> str:
    """The digit that makes `body + digit` Luhn-valid."""
    total = 0
    for i, c in enumerate(reversed(body)):
        x = int(c)
        if i % 2 == 0:
            x *= 2
            if x > 9:
                x -= 9
        total += x
    return str((10 - total % 10) % 10)


def uscc_check_char(first17: str) -> str:
    s = sum(_USCC_ALPHABET.index(c) * int(w) for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - s % 31) % 31]
