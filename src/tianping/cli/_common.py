"""Shared CLI plumbing: consoles, global options, error handling, exit codes."""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Literal

import typer
from rich.console import Console

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    html = "html"


class TextJson(StrEnum):
    """`--format` of commands that have no HTML form."""

    text = "text"
    json = "json"


LangCode = Literal["zh", "en"]


class Lang(StrEnum):
    zh = "zh"
    en = "en"


@dataclass
class GlobalState:
    debug: bool = False
    db: str | None = None
    lang: Lang = Lang.en
    rulebook: list[Path] = field(default_factory=list)


state = GlobalState()
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def current_lang() -> LangCode:
    return "zh" if state.lang == Lang.zh else "en"


def parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"expected a date as YYYY-MM-DD, got {value!r}") from None


def write_out(text: str, path: Path | None) -> None:
    if path is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
