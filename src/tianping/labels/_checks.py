"""Checks of the labels domain, loaded through the `tianping.checks` entry point.

Keep this module light: heavy dependencies are imported inside `run`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tianping.checks._contract import (
    Check,
    CheckContext,
    CheckResult,
    Metric,
)
from tianping.checks._helpers import table_artefact
from tianping.checks._registry import register
from tianping.errors import InputError
from tianping.i18n import I18nText


@register
class LabelsVerify(Check):
    """Verify the implicit (and decidable explicit) labels on sample generated outputs."""

    id = "labels.verify"
    title = I18nText(zh="生成合成内容标识核验", en="AI-generated content label verification")
    family = "labels"
    needs = frozenset({"profile", "files"})
    version = "1"

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        require_explicit: bool = Field(
            False, description="A text output without an in-file notice is non-conformant"
        )
        trusted_keys: list[str] = Field(
            default_factory=list, description="Public key files (relative to the profile)"
        )
        max_files: int = Field(2000, ge=1)

    def run(self, ctx: CheckContext, params: Any) -> CheckResult:
        from tianping.labels._api import collect_paths, verify
        from tianping.labels._provider_code import parse_provider_code
        from tianping.labels._sign import load_public_key

        labels = ctx.profile.labels
        if labels is None or not labels.samples:
            return self.skipped(
                ctx,
                I18nText(
                    zh="档案未声明 labels.samples（待核验的生成样本）",
                    en="no labels.samples declared in the profile",
                ),
            )
        files = collect_paths([str(ctx.resolve(s)) for s in labels.samples], recursive=True)
        files = [f for f in files if f.exists()][: params.max_files]
        if not files:
            return self.error(
                ctx,
                I18nText(
                    zh=f"labels.samples 未匹配到任何文件：{', '.join(labels.samples)}",
                    en=f"labels.samples matched no files: {', '.join(labels.samples)}",
                ),
                metrics={"files_checked": 0},
            )
        code = labels.provider_code
        code_ok = True
        if code:
            info = parse_provider_code(code)
            uscc = ctx.profile.provider.uscc
            code_ok = info.valid and (uscc is None or info.uscc in (None, uscc))
        try:
            trusted = [load_public_key(ctx.resolve(k)) for k in params.trusted_keys] or None
        except InputError as exc:
            return self.error(
                ctx, I18nText(zh=f"受信任公钥无法读取：{exc}", en=f"cannot read trusted key: {exc}")
            )
        reports = verify(
            files, trusted=trusted, provider_code=code, require_explicit=params.require_explicit
        )
        n = len(reports)
        labelled = [r for r in reports if r.record is not None]
        good_codes = sum(
            1
            for r in labelled
            if r.provider_code_valid
            and (not code or (r.record or {}).get("ContentProducer") == code)
        )
        metrics: dict[str, Metric] = {
            "files_checked": n,
            "conformant_ratio": round(sum(1 for r in reports if r.ok) / n, 4),
            "implicit_missing": sum(r.has("implicit-missing") for r in reports),
            "explicit_missing": sum(r.has("explicit-missing") for r in reports),
            "tamper_detected": sum(r.tampered for r in reports),
            "provider_code_valid": (
                round(good_codes / len(labelled), 4) if labelled and code_ok else 0.0
            ),
            "files_unreadable": sum(r.status in ("error", "unsupported") for r in reports),
        }
        base = ctx.base_dir.resolve()
        rows = []
        for r in reports:
            p = Path(r.path).resolve()
            rel = str(p.relative_to(base)) if p.is_relative_to(base) else p.name
            rows.append(
                {
                    "file": rel,
                    "format": r.format or "",
                    "status": r.status,
                    "label": (r.record or {}).get("Label", ""),
                    "form": f"{r.form or ''}{'/' + r.wrapper if r.wrapper else ''}",
                    "seal": ",".join(f"{s.slot}:{s.status}" for s in r.seals),
                    "explicit": (
                        ""
                        if r.explicit is None and r.text_notice is None
                        else (
                            "ok"
                            if (r.explicit and r.explicit.ok)
                            or (r.text_notice and r.text_notice.found)
                            else "missing"
                        )
                    ),
                    "problems": ", ".join(sorted({p.code for p in r.problems})),
                }
            )
        evidence = [
            table_artefact("样本文件标识核验结果", "Label verification per sample file", rows)
        ]
        ok = sum(r.ok for r in reports)
        note = "" if code_ok else " (provider code invalid / 服务提供者编码无效)"
        return self.result(
            ctx,
            metrics,
            I18nText(
                zh=f"{n} 个样本中 {ok} 个符合，篡改 {metrics['tamper_detected']} 个，"
                f"缺少隐式标识 {metrics['implicit_missing']} 个{note}",
                en=f"{ok} of {n} samples conformant, {metrics['tamper_detected']} tampered, "
                f"{metrics['implicit_missing']} without an implicit label{note}",
            ),
            evidence=evidence,
        )
