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
