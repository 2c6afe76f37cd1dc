"""`tianping audit`: the predictive-model audits on their own, no rulebook or database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tianping.cli._common import EXIT_FINDINGS, OutputFormat, current_lang, out, write_out
from tianping.errors import InputError

if TYPE_CHECKING:
    from tianping.audit._standalone import AuditReport
    from tianping.rules._schema import Bound

_SHOWN_METRICS = 8


def _split(value: str | None) -> list[str]:
    return [s.strip() for s in (value or "").split(",") if s.strip()]


def _load_thresholds(path: Path | None) -> dict[str, dict[str, Bound]]:
    """YAML: {check id: {metric: {min: x, max: y}}}, located errors."""
    if path is None:
        return {}
    from pydantic import ValidationError

    from tianping._yaml import load_yaml
    from tianping.rules._schema import Bound

    doc = load_yaml(path)
    raw = doc.data
    if not isinstance(raw, dict):
        raise InputError(f"{path}: expected a mapping of check id -> metric -> {{min, max}}")
    out_: dict[str, dict[str, Bound]] = {}
    for check_id, metrics in raw.items():
        if not isinstance(metrics, dict):
            raise InputError(f"{path}: '{check_id}' must map metric names to {{min, max}}")
        for metric, bound in metrics.items():
            try:
                out_.setdefault(str(check_id), {})[str(metric)] = Bound.model_validate(bound)
            except ValidationError as exc:
                raise InputError(
                    f"{doc.locate((str(check_id), str(metric)))}: {check_id}.{metric}: "
                    f"{exc.errors()[0]['msg']} "
                    "(expected {min: number} and/or {max: number})"
                ) from None
    return out_


def _print_text(report: AuditReport) -> None:
    from rich.table import Table

    lang = current_lang()
    table = Table(title=f"tianping audit — {report.data}")
    for col in ("check", "verdict", "metrics", "message"):
        table.add_column(col, overflow="fold")
    for r in report.results:
        shown = [
            f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
            for k, v in list(r.metrics.items())[:_SHOWN_METRICS]
            if v is not None
        ]
        table.add_row(r.check_id, r.verdict.value, "\n".join(shown), r.message.get(lang))
    out.print(table)


def register(app: typer.Typer) -> None:
    @app.command()
    def audit(
        profile: Annotated[
            Path | None,
            typer.Argument(help="A tianping.yaml (or folder) whose models and datasets to audit"),
        ] = None,
        model: Annotated[
            str | None,
            typer.Option(
                "--model", help="Model file (.joblib/.pkl/.onnx/.json/.ubj/.txt), URL or mod:fn"
            ),
        ] = None,
        data: Annotated[Path | None, typer.Option("--data", help="Evaluation table")] = None,
        target: Annotated[str | None, typer.Option("--target", help="Target column")] = None,
        sensitive: Annotated[
            str | None, typer.Option("--sensitive", help="Sensitive columns, comma-separated")
        ] = None,
        reference: Annotated[
            Path | None, typer.Option("--reference", help="Training/reference table (drift)")
        ] = None,
        checks: Annotated[
            str | None,
            typer.Option("--checks", help="e.g. performance,fairness (default: all audits)"),
        ] = None,
        kind: Annotated[str | None, typer.Option("--kind", help="Model kind override")] = None,
        positive_label: Annotated[
            str | None,
            typer.Option("--positive-label", help="Target value of the favourable outcome"),
        ] = None,
        features: Annotated[
            str | None, typer.Option("--features", help="Model input columns, comma-separated")
        ] = None,
        threshold: Annotated[float, typer.Option("--threshold", help="Decision threshold")] = 0.5,
        thresholds: Annotated[
            Path | None,
            typer.Option("--thresholds", help="YAML of bounds: check id -> metric -> {min,max}"),
        ] = None,
        trust_pickle: Annotated[
            bool,
            typer.Option(
                "--trust-pickle",
                envvar="TIANPING_TRUST_PICKLE",
                help="Allow loading pickle/joblib files (this runs code from the file)",
            ),
        ] = False,
        fmt: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.text,
        out_dir: Annotated[
            Path | None, typer.Option("--out", help="Write audit.json and plots here")
        ] = None,
    ) -> None:
        """Audit a predictive model: performance, fairness, explainability, robustness,
        counterfactual, drift / 预测模型算法审计."""
        from tianping.audit._standalone import audit_profile, run_audit

        wanted = [c if "." in c else f"audit.{c}" for c in _split(checks)] or None
        bounds = _load_thresholds(thresholds)
        evidence = (out_dir / "evidence") if out_dir else None
        if profile is not None:
            if model or data:
                raise typer.BadParameter("give a profile or --model/--data, not both")
            report = audit_profile(
                profile,
                checks=wanted,
                trust_pickle=trust_pickle,
                evidence_dir=evidence,
                thresholds=bounds,
            )
        else:
            if not (model and data and target):
                raise typer.BadParameter(
                    "without a profile, --model, --data and --target are required"
                )
            label: Any = positive_label
            if positive_label is not None:
                try:
                    label = json.loads(positive_label)
                except ValueError:
                    label = positive_label
            report = run_audit(
                model,
                data,
                target=target,
                sensitive=_split(sensitive),
                reference=reference,
                checks=wanted,
                kind=kind,
                positive_label=label,
                features=_split(features) or None,
                threshold=threshold,
                trust_pickle=trust_pickle,
                evidence_dir=evidence,
                thresholds=bounds,
            )
        text = report.model_dump_json(indent=2)
        if out_dir is not None:
            write_out(text + "\n", out_dir / "audit.json")
        if fmt == OutputFormat.json:
            write_out(text + "\n", None)
        else:
            _print_text(report)
        if report.failed():
            raise typer.Exit(EXIT_FINDINGS)
