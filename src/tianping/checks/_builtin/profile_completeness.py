"""profile.completeness: is the system described well enough to assess?"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tianping.checks._contract import Check, CheckContext, CheckResult, EvidenceArtefact, Metric
from tianping.checks._registry import register
from tianping.i18n import I18nText
from tianping.systems import SystemProfile, uscc_is_valid


def _get(profile: SystemProfile, dotted: str) -> Any:
    node: Any = profile
    for part in dotted.split("."):
        node = getattr(node, part, None) if not isinstance(node, dict) else node.get(part)
        if node is None:
            return None
    return node


def _filled(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str | list | dict | tuple):
        return len(value) > 0
    return True


def default_required(profile: SystemProfile) -> list[str]:
    fields = [
        "description",
        "provider.uscc",
        "provider.contact_email",
        "sectors",
        "services",
        "deployments",
        "attestations.file",
    ]
    if profile.lifecycle in ("production", "internal_pilot"):
        fields.append("models")
    if profile.data.personal_information:
        fields += ["data.pi_categories", "data.individuals"]
    if "generative" in profile.services or "deep_synthesis" in profile.services:
        fields.append("modalities")
    if "healthcare" in profile.sectors:
        fields.append("healthcare")
    if "automotive" in profile.sectors or "driving_automation" in profile.services:
        fields.append("automotive")
    return fields


@register
class ProfileCompleteness(Check):
    id = "profile.completeness"
    title = I18nText(zh="系统档案完整性", en="System profile completeness")
    family = "governance"

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        fields: list[str] = Field(default_factory=list, description="Extra required fields")

    def run(self, ctx: CheckContext, params: Any) -> CheckResult:
        required = list(dict.fromkeys([*default_required(ctx.profile), *params.fields]))
        missing = [f for f in required if not _filled(_get(ctx.profile, f))]
        uscc = ctx.profile.provider.uscc
        uscc_ok = uscc is not None and uscc_is_valid(uscc)
        ratio = (len(required) - len(missing)) / len(required) if required else 1.0
        metrics: dict[str, Metric] = {
            "completeness": round(ratio, 4),
            "missing_fields": len(missing),
            "uscc_check_ok": uscc_ok,
        }
        evidence = [
            EvidenceArtefact(
                kind="json",
                title=I18nText(zh="缺失字段", en="Missing fields"),
                data={"required": required, "missing": missing},
            )
        ]
        if missing:
            msg = I18nText(
                zh="档案缺少：" + "、".join(missing), en="missing: " + ", ".join(missing)
            )
        else:
            msg = I18nText(zh="档案完整", en="profile complete")
        if uscc is not None and not uscc_ok:
            msg = I18nText(
                zh=msg.zh + "；统一社会信用代码校验位不符（部分早期试点代码属实，请核实）",
                en=msg.en + "; USCC check character mismatch (some early pilot codes "
                "are genuine: verify)",
            )
        return self.result(ctx, metrics, msg, evidence=evidence)
