"""Bilingual text: every user-facing string exists in zh-CN and en."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")


class I18nText(BaseModel):
    """A string in Simplified Chinese and English."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    zh: str
    en: str

    def get(self, lang: Lang) -> str:
        return self.zh if lang == "zh" else self.en

    def __str__(self) -> str:
        return self.en


def t(zh: str, en: str) -> I18nText:
    return I18nText(zh=zh, en=en)


_DIGITS = "零一二三四五六七八九"


def zh_number(n: int) -> str:
    """A number as Chinese legal texts write article numbers (1-999): 十三, 二十, 一百零五."""
    if not 0 < n < 1000:
        return str(n)
    h, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    out = f"{_DIGITS[h]}百" if h else ""
    if tens:
        out += ("" if tens == 1 and not h else _DIGITS[tens]) + "十"
    elif h and ones:
        out += "零"
    return out + (_DIGITS[ones] if ones else "")


def zh_article(citation: str) -> str:
    """'Art. 38' as 第三十八条, 'Arts. 5, 7, 8' as 第五条、第七条、第八条 and 'Arts. 3-6' as
    第三条至第六条; a paragraph or item mark is kept as written; anything else (a clause
    of a standard, '§5.1') is returned unchanged."""
    import re

    m = re.fullmatch(r"Arts?\.\s*([0-9][0-9,\s\-–]*)(.*)", citation.strip())
    if m is None:
        return citation
    nums, rest = m.group(1).strip(" ,"), m.group(2).strip()
    if rest and not rest.startswith("("):
        return citation  # a structure this does not know how to say in Chinese

    def art(x: str) -> str:
        return f"第{zh_number(int(x))}条"

    parts = []
    for piece in re.split(r"\s*,\s*", nums):
        bits = [b.strip() for b in re.split(r"[\-–]", piece, maxsplit=1)]
        lo, hi = bits[0], bits[1] if len(bits) > 1 else ""
        parts.append(f"{art(lo)}至{art(hi)}" if hi else art(lo))
    return "、".join(parts) + rest
