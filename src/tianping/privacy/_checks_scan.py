"""privacy.scan: personal information found in the profile's data, against what it declares.

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
    EvidenceArtefact,
    Verdict,
)
from tianping.checks._helpers import table_artefact
from tianping.checks._registry import register
from tianping.i18n import I18nText


@register
class PrivacyScan(Check):
    id = "privacy.scan"
    title = I18nText(
        zh="个人信息扫描（含敏感个人信息）", en="Personal-information scan (incl. sensitive PI)"
    )
    family = "privacy"
    needs = frozenset({"files"})

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        paths: list[str] | None = Field(
            None,
            description="Paths or database URLs to scan; default: data.scan_paths and all datasets",
        )
        min_confidence: float = Field(0.5, ge=0.0, le=1.0)
        columns_only: bool = Field(False, description="Sample, then confirm PI columns only")
        max_examples: int = Field(3, ge=0, le=50)
        workers: int = Field(1, ge=1, le=64)
        ocr: bool | None = Field(
            None, description="Read images and scans (OCR, faces); default: data.scan_images"
        )

    def run(self, ctx: CheckContext, params: Any) -> CheckResult:
        from tianping.privacy._scan import ScanOptions

        rel = params.paths
        if rel is None:
            rel = list(ctx.profile.data.scan_paths) + [d.path for d in ctx.profile.datasets]
        if not rel:
            return self.skipped(
                ctx,
                I18nText(zh="档案未声明扫描路径或数据集", en="no scan_paths or datasets declared"),
            )
        opts = ScanOptions(
            min_confidence=params.min_confidence,
            columns_only=params.columns_only,
            max_examples=params.max_examples,
            workers=params.workers,
            ocr=ctx.profile.data.scan_images if params.ocr is None else params.ocr,
        )
        key = ("privacy.scan", tuple(str(ctx.resolve(r)) for r in rel), repr(opts))
        report = ctx.memo(key, lambda: _scan(ctx, rel, opts))
        return self._verdict(ctx, report)

    def _verdict(self, ctx: CheckContext, report: Any) -> CheckResult:
        from tianping.privacy._types import PI_TYPES

        data = ctx.profile.data
        found = report.types_found()
        found_sens: set[str] = {
            str(PI_TYPES[t].art28) for t in found if t in PI_TYPES and PI_TYPES[t].art28
        }
        if report.minor_findings:
            found_sens.add("minors_under_14")
        declared: set[str] = set(data.sensitive_categories)
        if data.minors_under_14:
            declared.add("minors_under_14")
        unexpected = sorted(c for c in found_sens if c not in declared)
        found_pi = {PI_TYPES[t].pi_category for t in found if t in PI_TYPES}
        unexpected_pi = sorted(c for c in found_pi if c not in set(data.pi_categories))
        metrics: dict[str, Any] = {
            "files_scanned": report.files_scanned,
            "files_failed": report.files_failed,
            "bytes_scanned": report.bytes,
            "findings_total": report.findings_total,
            "sensitive_findings": report.sensitive_findings,
            "minor_findings": report.minor_findings,
            "pi_types_found": len(found),
            "unexpected_sensitive_types": len(unexpected),
            "unexpected_sensitive_list": ",".join(unexpected),
            "undeclared_pi_categories": len(unexpected_pi),
        }
        evidence = self._evidence(ctx, report)
        if report.files_scanned == 0:
            return self.error(
                ctx,
                I18nText(
                    zh=f"没有可扫描的文件（{report.files_failed} 个失败或跳过）",
                    en=f"no file could be scanned ({report.files_failed} failed or skipped)",
                ),
                metrics=metrics,
                evidence=evidence,
            )
        msg = I18nText(
            zh=f"扫描 {report.files_scanned} 个文件，发现个人信息 {report.findings_total} 处"
            f"（敏感 {report.sensitive_findings} 处）；未在档案中声明的敏感类别："
            f"{'、'.join(unexpected) or '无'}",
            en=f"{report.files_scanned} file(s) scanned, {report.findings_total} PI finding(s) "
            f"({report.sensitive_findings} sensitive); sensitive categories not declared in "
            f"the profile: {', '.join(unexpected) or 'none'}",
        )
        res = self.result(ctx, metrics, msg, evidence=evidence)
        if (
            res.verdict == Verdict.PASS
            and "unexpected_sensitive_types" not in ctx.thresholds
            and (unexpected or report.files_failed)
        ):
            res.verdict = Verdict.WARN
        return res

    def _evidence(self, ctx: CheckContext, report: Any) -> list[EvidenceArtefact]:
        from tianping.privacy._shown import shown_path, shown_text
        from tianping.privacy._types import PI_TYPES

        rows = [
            {
                "file": shown_path(f.file),
                "row": f.row,
                "column": f.column or "",
                "offset": f.start,
                "pi_type": f.pi_type,
                "pipl_class": f.pipl_class,
                "category": f.category,
                "confidence": f.confidence,
                "preview": f.preview,
            }
            for f in report.findings[:500]
        ]
        files = [
            {
                "file": shown_path(f.path),
                "status": f.status,
                "message": shown_text(f.message or "", f.path),
                "encoding": f.encoding or "",
                "rows": f.rows,
                "findings": sum(f.counts.values()),
                "sensitive": f.sensitive,
                "pi_columns": ", ".join(
                    f"{c.column}={c.label}" for c in f.columns if c.label and c.column
                ),
            }
            for f in report.files
        ]
        ev = [
            table_artefact("各文件扫描结果", "Scan results by file", files),
            table_artefact(
                "个人信息发现示例（已脱敏）", "Example findings (masked previews)", rows
            ),
        ]
        if ctx.evidence_dir is not None and report.counts:
            from tianping.checks._helpers import new_figure, save_figure

            items = sorted(report.counts.items(), key=lambda kv: kv[1])
            fig, ax = new_figure(7, 0.3 * len(items) + 1.2)
            colors = [
                "#c0392b" if t in PI_TYPES and PI_TYPES[t].art28 else "#2e86c1" for t, _ in items
            ]
            ax.barh([t for t, _ in items], [c for _, c in items], color=colors)
            ax.set_xlabel("findings (red: sensitive PI, PIPL Art. 28)")
            ax.set_title("Personal information found, by type")
            art = save_figure(
                fig,
                ctx,
                "privacy_scan_counts.png",
                I18nText(zh="按类型统计的个人信息", en="PI findings by type"),
            )
            ev += [art] if art else []
        return ev


__all__ = ["PrivacyScan"]


def _scan(ctx: CheckContext, rel: list[str], opts: Any) -> Any:
    """One scan of every declared path or database URL (each once); a missing path or an
    unreachable database is reported as a failed entry and the others are still scanned."""
    from tianping.errors import InputError
    from tianping.privacy._scan import FileReport, ScanReport, scan_paths
    from tianping.privacy._scan_db import is_database_url, scan_database

    report = ScanReport()
    seen: set[Path] = set()
    for r in dict.fromkeys(rel):
        if is_database_url(r):  # credentials belong in the environment (PGPASSWORD, …)
            try:
                report.extend(scan_database(r, opts))
            except InputError as exc:
                report.files.append(
                    FileReport(path=r.split("@")[-1], format="table", status="error",
                               message=exc.message)
                )  # fmt: skip
            continue
        p = ctx.resolve(r)
        if p in seen:
            continue
        seen.add(p)
        if not p.exists():
            report.files.append(
                FileReport(path=r, format="?", status="error", message="not found / 不存在")
            )
            continue
        report.extend(scan_paths([p], opts))
    return report
