"""Value types shared by the GenAI runner, targets, judges and metrics."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["system", "user", "assistant"]


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Role
    content: str


class PromptItem(BaseModel):
    """One request to send: a bank question (possibly transformed by an attack)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="Unique within a run: question id plus attack name, if any")
    question_id: str
    risk: str | None = Field(None, description="TC260-003 risk code, e.g. 'A1'")
    kind: Literal["generated_content", "should_refuse", "should_not_refuse"]
    language: str = "zh"
    messages: list[ChatMessage]
    attack: str | None = None
    params: dict[str, Any] = Field(default_factory=dict, description="temperature, max_tokens…")


class ResponseRecord(BaseModel):
    """What the target answered (or why it did not). One per PromptItem.id per run."""

    model_config = ConfigDict(extra="forbid")

    prompt_id: str
    text: str | None = None
    error: str | None = None
    cached: bool = False
    attempts: int = 1
    latency_s: float = 0.0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cache_key: str | None = None
