"""The 27-character service-provider code of TC260-PG-20252A (research §2d, conf. M [C]).

Layout (1-based positions): 1-2 format code "00"; 3-22 the 20-character subject code, for an
organisation bound to its unified social credit code "1" (subject type) + "1" (binding) +
the 18-character USCC; 23 the service type ("1" generation/synthesis provider, "2"
dissemination provider); 24-27 a model or app code chosen by the provider. With no
extension, positions 23-27 are "00000". These positions come from implementers quoting the
practice guide; the guide was not read first-hand.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from tianping.labels._record import LabelProblem, problem
from tianping.systems._profile import uscc_is_valid

CODE_LENGTH = 27
_CODE = re.compile(r"^[0-9A-Z]{27}$")
_SERVICE_TYPES = {"0": "none", "1": "generation", "2": "dissemination"}


class ProviderCodeInfo(BaseModel):
    """A provider code split into its parts, with the problems found."""

    code: str
    format_code: str | None = None
    subject_code: str | None = None
    uscc: str | None = None
    service_type: str | None = None
    model_code: str | None = None
    problems: list[LabelProblem] = Field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


def provider_code_from_uscc(uscc: str, service_type: str = "1", model_code: str = "0000") -> str:
    """Build the code for an organisation bound to its USCC ("11" + USCC)."""
    if not uscc_is_valid(uscc):
        raise ValueError(f"not a valid unified social credit code: {uscc!r}")
    if service_type not in _SERVICE_TYPES:
        raise ValueError("service_type must be '1' (generation) or '2' (dissemination)")
    if not re.fullmatch(r"[0-9A-Z]{4}", model_code):
        raise ValueError("model_code must be 4 digits or uppercase letters")
    return f"0011{uscc}{service_type}{model_code}"


def parse_provider_code(code: str) -> ProviderCodeInfo:
    """Split and validate a code; never raises."""
    info = ProviderCodeInfo(code=code)
    if len(code) != CODE_LENGTH or not _CODE.match(code):
        info.problems.append(
            problem(
                "provider-code-format",
                "error",
                f"服务提供者编码应为 27 位数字或大写字母（实际 {len(code)} 位）",
                f"provider code must be 27 digits or uppercase letters (got {len(code)})",
            )
        )
        return info
    info.format_code, info.subject_code = code[0:2], code[2:22]
    info.service_type, info.model_code = code[22], code[23:27]
    if info.format_code != "00":
        info.problems.append(
            problem(
                "provider-code-format-code",
                "error",
                f"第 1-2 位格式代码应为 00（实际 {info.format_code}）",
                f"positions 1-2 (format code) must be 00, got {info.format_code}",
            )
        )
    if info.subject_code.startswith("11"):
        info.uscc = info.subject_code[2:]
        if not uscc_is_valid(info.uscc):
            info.problems.append(
                problem(
                    "provider-code-uscc",
                    "error",
                    "第 5-22 位统一社会信用代码校验位错误（GB 32100）",
                    "positions 5-22: the unified social credit code fails its GB 32100 "
                    "check character",
                )
            )
    else:
        info.problems.append(
            problem(
                "provider-code-subject-unchecked",
                "warning",
                "主体代码不是“11+统一社会信用代码”形式，未校验",
                "subject code is not '11' + USCC; it was not validated",
            )
        )
    if info.service_type not in _SERVICE_TYPES:
        info.problems.append(
            problem(
                "provider-code-service-type",
                "error",
                f"第 23 位服务类型应为 1 或 2（实际 {info.service_type}）",
                f"position 23 (service type) must be 1 or 2, got {info.service_type}",
            )
        )
    elif info.service_type == "0" and info.model_code != "0000":
        info.problems.append(
            problem(
                "provider-code-extension",
                "error",
                "未使用扩展时第 23-27 位应为 00000",
                "without an extension, positions 23-27 must be 00000",
            )
        )
    return info


def provider_code_is_valid(code: str) -> bool:
    return parse_provider_code(code).valid


def looks_like_provider_code(value: str) -> bool:
    """27 characters of digits/uppercase: the value is meant as a code, not a name."""
    return bool(_CODE.match(value))
