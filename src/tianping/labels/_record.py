"""The GB 45438-2025 Appendix E implicit-label record: 7 fields, value rules, JSON forms.

Facts and their confidence (research notes `cn-regulations.md` §2b):
- 7 keys in this order (GBM-04, H): Label, ContentProducer, ProduceID, ReservedCode1,
  ContentPropagator, PropagateID, ReservedCode2; values are JSON strings.
- Label values "1"/"2"/"3" (GBM-05): the meanings is / possibly / suspected AI-generated are
  quoted by implementers, *not confirmed from the standard text* (conf. M).
- Character set 0x21, 0x23-0x5B, 0x5D-0x7E (GBM-11, conf. M): a "should ... mainly" rule,
  so a breach is a warning.
- Which fields are required is an open question (GBM-13, conf. L). Tianping requires the
  three production elements that Labeling Measures Art. 5 names (content attribute, provider
  name or code, content ID); a missing ReservedCode/propagation key is a warning.
- Outer wrapper (GBM-14, conf. L, open): `{"AIGC": {...}}` or the bare 7-key object. Both
  are read and the form is reported; Tianping writes the bare object under a key named AIGC
  (the form the TC260 audio/video guides show) unless told otherwise.
- Values are plain JSON text, not Base64 (GBM-15, conf. M).
"""

from __future__ import annotations

import enum
import json
import re
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tianping.i18n import I18nText

FIELDS: tuple[str, ...] = (
    "Label",
    "ContentProducer",
    "ProduceID",
    "ReservedCode1",
    "ContentPropagator",
    "PropagateID",
    "ReservedCode2",
)
PRODUCTION_FIELDS: tuple[str, ...] = ("Label", "ContentProducer", "ProduceID")
_CHARSET = re.compile(r"^[\x21\x23-\x5B\x5D-\x7E]*$")

Wrapper = Literal["bare", "wrapped"]
Severity = Literal["error", "warning"]


class LabelState(enum.StrEnum):
    """Label values (App. E c); meanings per implementers, unconfirmed (GBM-05, conf. M)."""

    CONFIRMED = "1"  # is AI-generated / 生成合成内容
    POSSIBLY = "2"  # possibly AI-generated / 可能为生成合成内容
    SUSPECTED = "3"  # suspected AI-generated / 疑似为生成合成内容


STATE_TEXT: dict[str, I18nText] = {
    "1": I18nText(zh="生成合成内容", en="AI-generated"),
    "2": I18nText(zh="可能为生成合成内容", en="possibly AI-generated"),
    "3": I18nText(zh="疑似为生成合成内容", en="suspected AI-generated"),
}


class LabelProblem(BaseModel):
    """One rule a record or file breaks; `code` is stable for tests and filters."""

    model_config = ConfigDict(frozen=True)

    code: str
    severity: Severity
    message: I18nText
    field: str | None = None


def problem(
    code: str, severity: Severity, zh: str, en: str, field: str | None = None
) -> LabelProblem:
    return LabelProblem(code=code, severity=severity, message=I18nText(zh=zh, en=en), field=field)


class AIGCRecord(BaseModel):
    """The 7-field record. Attribute names are snake_case; JSON uses the GB 45438 keys."""

    model_config = ConfigDict(populate_by_name=True, frozen=True, extra="forbid")

    label: str = Field("1", alias="Label")
    content_producer: str = Field("", alias="ContentProducer")
    produce_id: str = Field("", alias="ProduceID")
    reserved_code1: str = Field("", alias="ReservedCode1")
    content_propagator: str = Field("", alias="ContentPropagator")
    propagate_id: str = Field("", alias="PropagateID")
    reserved_code2: str = Field("", alias="ReservedCode2")

    @classmethod
    def first_write(
        cls, producer: str, produce_id: str | None = None, label: str = "1"
    ) -> AIGCRecord:
        """A producer's first record: propagation elements equal the production ones
        (App. E note 1, GBM-12, conf. M)."""
        pid = produce_id or new_content_id()
        return cls(
            label=label,
            content_producer=producer,
            produce_id=pid,
            content_propagator=producer,
            propagate_id=pid,
        )

    def as_dict(self) -> dict[str, str]:
        """The 7 keys in the Appendix E order."""
        return {k: v for k, v in self.model_dump(by_alias=True).items()}

    def to_json(self, wrapper: Wrapper = "bare") -> str:
        """Compact JSON (no spaces, so the value itself stays within the charset)."""
        body = self.as_dict()
        obj: object = {"AIGC": body} if wrapper == "wrapped" else body
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))

    def replace(self, **changes: str) -> AIGCRecord:
        return self.model_copy(update=changes)

    @property
    def state(self) -> LabelState | None:
        try:
            return LabelState(self.label)
        except ValueError:
            return None

    def problems(self) -> list[LabelProblem]:
        """Value rules of App. E (see the module docstring for each rule's confidence)."""
        out: list[LabelProblem] = []
        if self.label not in {"1", "2", "3"}:
            out.append(
                problem(
                    "label-value",
                    "error",
                    f'Label 取值 {self.label!r} 不是 "1"、"2" 或 "3"',
                    f'Label is {self.label!r}, expected "1", "2" or "3"',
                    "Label",
                )
            )
        platform_only = (
            self.label in {"2", "3"} and not self.content_producer and bool(self.content_propagator)
        )
        for key, value in (
            ("ContentProducer", self.content_producer),
            ("ProduceID", self.produce_id),
        ):
            if not value and not platform_only:
                out.append(
                    problem(
                        "missing-production-element",
                        "error",
                        f"{key} 为空：标识办法第五条要求提供者名称或编码及内容编号",
                        f"{key} is empty: Labeling Measures Art. 5 requires the provider "
                        "name or code and a content ID",
                        key,
                    )
                )
        for key, value in self.as_dict().items():
            if key.startswith("ReservedCode"):
                continue  # carries SecurityData JSON (TC260-PG-202511A); see _sign.py
            if value and not _CHARSET.match(value):
                out.append(
                    problem(
                        "charset",
                        "warning",
                        f"{key} 含有 0x21、0x23–0x5B、0x5D–0x7E 以外的字符（附录E j)，"
                        "依据为实施方转述，未经原文核实）",
                        f"{key} has characters outside 0x21, 0x23-0x5B, 0x5D-0x7E "
                        "(App. E j), as quoted by implementers, not verified)",
                        key,
                    )
                )
        if not self.content_propagator and not self.propagate_id:
            out.append(
                problem(
                    "propagation-empty",
                    "warning",
                    "传播要素为空：首次写入时应等于制作要素（附录E注1，实施方转述）",
                    "propagation elements are empty: on first write they should equal the "
                    "production elements (App. E note 1, as quoted by implementers)",
                    "ContentPropagator",
                )
            )
        return out


def new_content_id() -> str:
    """A unique content ID within the App. E charset (32 hex digits)."""
    return uuid.uuid4().hex


class ParsedRecord(BaseModel):
    """A record parsed from stored JSON, with the wrapper form and what was wrong."""

    record: AIGCRecord | None
    wrapper: Wrapper | None
    problems: list[LabelProblem] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.record is not None and not any(p.severity == "error" for p in self.problems)


def parse_record(raw: str) -> ParsedRecord:
    """Parse either wrapper form; never raises for bad input (problems say what is wrong)."""
    text = raw.strip().lstrip("\ufeff")
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return ParsedRecord(
            record=None,
            wrapper=None,
            problems=[
                problem(
                    "malformed-json",
                    "error",
                    f"AIGC 取值不是合法的 JSON：{str(exc)[:120]}",
                    f"AIGC value is not valid JSON: {str(exc)[:120]}",
                )
            ],
        )
    wrapper: Wrapper = "bare"
    if isinstance(obj, dict) and set(obj) == {"AIGC"} and isinstance(obj["AIGC"], dict):
        wrapper, obj = "wrapped", obj["AIGC"]
    elif isinstance(obj, dict) and set(obj) == {"AIGC"} and isinstance(obj["AIGC"], str):
        # a doubly encoded value: {"AIGC": "{...}"}; read it, report the oddity
        inner = parse_record(obj["AIGC"])
        inner.problems.append(
            problem(
                "double-encoded",
                "warning",
                "AIGC 取值为字符串形式的 JSON（双重编码）",
                "AIGC value is JSON encoded inside a string (double encoding)",
            )
        )
        return ParsedRecord(record=inner.record, wrapper="wrapped", problems=inner.problems)
    if not isinstance(obj, dict):
        return ParsedRecord(
            record=None,
            wrapper=None,
            problems=[
                problem(
                    "not-an-object",
                    "error",
                    "AIGC 取值应为 JSON 对象",
                    "AIGC value must be a JSON object",
                )
            ],
        )
    problems: list[LabelProblem] = []
    values: dict[str, str] = {}
    for key, value in obj.items():
        if key not in FIELDS:
            problems.append(
                problem(
                    "unknown-key",
                    "warning",
                    f"未知键 {key[:40]!r}（附录E规定七个键）",
                    f"unknown key {key[:40]!r} (App. E defines 7 keys)",
                    key[:40],
                )
            )
            continue
        if not isinstance(value, str):
            problems.append(
                problem(
                    "not-a-string",
                    "error",
                    f"{key} 的取值应为字符串",
                    f"{key} must be a JSON string",
                    key,
                )
            )
            value = "" if value is None else json.dumps(value, separators=(",", ":"))
        values[key] = value
    missing = [k for k in FIELDS if k not in obj]
    if missing:
        problems.append(
            problem(
                "missing-keys",
                "warning",
                f"缺少键 {', '.join(missing)}（哪些键必填尚无定论，GBM-13）",
                f"missing keys {', '.join(missing)} (which keys are required is an open "
                "question, GBM-13)",
            )
        )
    present = [k for k in obj if k in FIELDS]
    if present != [k for k in FIELDS if k in obj]:
        problems.append(
            problem(
                "key-order",
                "warning",
                "键的顺序与附录E不同",
                "keys are not in the Appendix E order",
            )
        )
    record = AIGCRecord.model_validate(values)
    problems.extend(record.problems())
    return ParsedRecord(record=record, wrapper=wrapper, problems=problems)
