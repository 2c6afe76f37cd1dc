"""Attestation answers: a YAML file where people answer process questions with evidence."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tianping._yaml import load_yaml
from tianping.errors import InputError
from tianping.systems._load import validation_problems


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: Literal["yes", "no", "partial", "not_applicable"]
    evidence: list[str] = Field(default_factory=list, description="Document refs or file paths")
    note: str | None = None
    answered_by: str | None = Field(None, description="A role, not a person's raw name")
    date: dt.date | None = None


class AttestationFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: dict[str, Answer] = Field(default_factory=dict)


def load_attestations(path: Path) -> AttestationFile:
    doc = load_yaml(path)
    if doc.data is None:
        return AttestationFile()
    try:
        return AttestationFile.model_validate(doc.data)
    except ValidationError as exc:
        raise InputError(
            f"Invalid attestation file / 声明文件无效: {doc.file}",
            validation_problems(exc, doc, AttestationFile),
        ) from None
