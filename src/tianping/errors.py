"""Errors that reach a user: one clear, located message, never raw personal information."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Location:
    """Where in an input the problem is: file, 1-based line and column, field path."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        parts: list[str] = []
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            parts.append(where)
        if self.field:
            parts.append(f"field '{self.field}'")
        return ", ".join(parts)


@dataclass
class Problem:
    """One located problem."""

    message: str
    location: Location = field(default_factory=Location)
    hint: str | None = None

    def __str__(self) -> str:
        loc = str(self.location)
        text = f"{loc}: {self.message}" if loc else self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


class TianpingError(Exception):
    """Base for errors shown to a user. Exit code 2 (usage or input error) unless set."""

    exit_code = 2

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        lines = [self.message] + [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


class InputError(TianpingError):
    """Bad input: a file that is missing, malformed or invalid."""


class ProfileError(InputError):
    """The system profile does not load or validate."""


class RulebookError(InputError):
    """The rulebook has a schema, expression or reference error."""


class StoreError(TianpingError):
    """The database cannot be opened or written (locked, read-only, unreachable)."""


def display_path(path: Path | str) -> str:
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(p)
