"""process.attestation: a process question answered by a person, backed by documents."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from tianping.checks._attestations import Answer
from tianping.checks._contract import (
    Check,
    CheckContext,
    CheckResult,
    EvidenceArtefact,
    Metric,
    Verdict,
)
from tianping.checks._registry import register
from tianping.i18n import I18nText

_PATHLIKE = ("/", ".pdf", ".docx", ".md", ".xlsx", ".txt", ".yaml", ".json", ".png")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@register
class ProcessAttestation(Check):
    id = "process.attestation"
    title = I18nText(zh="流程性声明", en="Process attestation")
    family = "process"
    needs = frozenset({"attestations"})

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        question_id: str
        question: I18nText
        evidence_required: bool = True

    def run(self, ctx: CheckContext, params: Any) -> CheckResult:
        answer: Answer | None = ctx.attestations.get(params.question_id)
        q = params.question
        if answer is None:
            return self.skipped(
                ctx,
                I18nText(zh=f"待声明：{q.zh}", en=f"awaiting an answer: {q.en}"),
                metrics={"answered": False},
            )
        base = ctx.attestations_file.parent if ctx.attestations_file else ctx.base_dir
        evidence: list[EvidenceArtefact] = []
        missing_files: list[str] = []
        for ref in answer.evidence:
            candidate = base / ref
            if candidate.is_file():
                evidence.append(
                    EvidenceArtefact(
                        kind="file",
                        title=I18nText(zh="证明文件", en="Evidence file"),
                        path=ref,
                        sha256=_sha256(candidate),
                    )
                )
            elif ref.endswith(_PATHLIKE) or "/" in ref:
                missing_files.append(ref)
            else:
                evidence.append(
                    EvidenceArtefact(
                        kind="document",
                        title=I18nText(zh="证明文件编号", en="Document reference"),
                        path=ref,
                    )
                )
        if answer.note or answer.answered_by or answer.date:
            evidence.append(
                EvidenceArtefact(
                    kind="note",
                    title=I18nText(zh="声明", en="Statement"),
                    data={
                        "note": answer.note,
                        "by": answer.answered_by,
                        "date": str(answer.date) if answer.date else None,
                    },
                )
            )
        metrics: dict[str, Metric] = {
            "answered": True,
            "answer": answer.answer,
            "evidence_refs": len(evidence),
            "missing_files": len(missing_files),
        }
        verdict, msg = self._judge(answer, params.evidence_required, evidence, missing_files)
        return self.result(ctx, metrics, msg, verdict=verdict, evidence=evidence)

    @staticmethod
    def _judge(
        answer: Answer,
        evidence_required: bool,
        evidence: list[EvidenceArtefact],
        missing: list[str],
    ) -> tuple[Verdict, I18nText]:
        if answer.answer == "not_applicable":
            return Verdict.NOT_APPLICABLE, I18nText(zh="声明不适用", en="declared not applicable")
        if answer.answer == "no":
            return Verdict.FAIL, I18nText(zh="声明未落实", en="declared not in place")
        if missing:
            return Verdict.WARN, I18nText(
                zh="引用的证明文件不存在：" + "、".join(missing),
                en="referenced evidence files not found: " + ", ".join(missing),
            )
        if evidence_required and not any(e.kind in ("file", "document") for e in evidence):
            return Verdict.WARN, I18nText(
                zh="已声明但未引用证明材料", en="answered without the required evidence"
            )
        if answer.answer == "partial":
            return Verdict.WARN, I18nText(zh="部分落实", en="partly in place")
        return Verdict.PASS, I18nText(zh="已落实并有证明材料", en="in place, with evidence")
