"""Shared value types of the privacy package (detection hands these to de-identification)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PIPLClass = Literal["general", "sensitive", "minor"]

# full-width forms of ASCII characters (U+FF01-FF5E, typed in full-width mode: １３８…) to
# the characters themselves, for str.translate: one character for one
FOLD_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}

# PIPL Art. 28 categories, spelled as in `tianping.systems` SensitiveCategory.
Art28 = Literal[
    "biometric",
    "religious_belief",
    "specific_identity",
    "medical_health",
    "financial_account",
    "location_tracking",
    "minors_under_14",
]


@dataclass(frozen=True, slots=True)
class Match:
    """One detected piece of personal information inside a string.

    `start`/`end` are Python string offsets (code points) into the scanned value;
    `pi_type` is a registered type code such as "cn_resident_id" or "email". Never log
    the matched text: use `mask_preview` from the detection module.
    """

    pi_type: str
    start: int
    end: int
    confidence: float


@dataclass(frozen=True, slots=True)
class PIType:
    """A registered kind of personal information.

    `pi_category` uses the profile's `data.pi_categories` vocabulary (GB/T 35273 Annex A);
    `art28` is the sensitive category (PIPL Art. 28) or None for general PI.
    """

    code: str
    zh: str
    en: str
    pi_category: str
    art28: Art28 | None = None
    structured: bool = True

    @property
    def pipl_class(self) -> PIPLClass:
        return "general" if self.art28 is None else "sensitive"


def _t(
    code: str, zh: str, en: str, cat: str, art28: Art28 | None = None, structured: bool = True
) -> PIType:
    return PIType(code, zh, en, cat, art28, structured)


PI_TYPES: dict[str, PIType] = {
    t.code: t
    for t in (
        _t(
            "cn_resident_id",
            "居民身份证号码",
            "PRC resident ID number",
            "identity",
            "specific_identity",
        ),
        _t(
            "cn_resident_id_15",
            "居民身份证号码（15位旧版）",
            "PRC resident ID number (15-digit)",
            "identity",
            "specific_identity",
        ),
        _t("cn_mobile", "手机号码", "mainland mobile number", "contact"),
        _t("cn_landline", "固定电话号码", "mainland landline number", "contact"),
        _t("bank_card", "银行卡号", "bank card number", "financial", "financial_account"),
        _t("cn_uscc", "统一社会信用代码", "unified social credit code", "other"),
        _t("cn_passport", "护照号码", "PRC passport number", "identity", "specific_identity"),
        _t(
            "hk_macao_permit",
            "港澳居民来往内地通行证号码",
            "Mainland Travel Permit for HK/Macao residents",
            "identity",
            "specific_identity",
        ),
        _t(
            "tw_permit",
            "台湾居民来往大陆通行证号码",
            "Mainland Travel Permit for Taiwan residents",
            "identity",
            "specific_identity",
        ),
        _t("cn_plate", "机动车号牌", "vehicle licence plate", "identity"),
        _t("email", "电子邮件地址", "email address", "contact"),
        _t("phone", "电话号码（国际）", "phone number (international)", "contact"),
        _t("ipv4", "IPv4 地址", "IPv4 address", "device"),
        _t("ipv6", "IPv6 地址", "IPv6 address", "device"),
        _t("mac", "MAC 地址", "MAC address", "device"),
        _t("date_of_birth", "出生日期", "date of birth", "identity"),
        _t("person_name_zh", "中文姓名", "Chinese person name", "identity", structured=False),
        _t("person_name_en", "英文姓名", "English person name", "identity", structured=False),
        _t("address_zh", "中文地址", "Chinese address", "location", structured=False),
        _t("address_en", "英文地址", "English address", "location", structured=False),
        # found in images by `_faces.py`, not in text
        _t("face_image", "人脸图像", "face image", "biometric", "biometric", structured=False),
        # a photo's GPS position (`_exif.py`): precise location; whereabouts are Art. 28 SPI
        _t(
            "gps_location",
            "精确位置（GPS 坐标）",
            "precise location (GPS)",
            "location",
            "location_tracking",
            structured=False,
        ),
    )
}


def pi_type(code: str) -> PIType:
    """The registered type for `code` (KeyError names the unknown code)."""
    return PI_TYPES[code]
