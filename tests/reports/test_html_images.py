"""Plots written by checks are embedded in the HTML report, beside the obligations they serve."""

from __future__ import annotations

import base64
from pathlib import Path

from tianping.assess import AssessmentReport
from tianping.checks import file_artefact
from tianping.i18n import I18nText
from tianping.reports import render_html


def _png(path: Path) -> Path:
    from PIL import Image

    Image.new("RGB", (40, 20), (200, 30, 30)).save(path)
    return path


def _with_plot(report: AssessmentReport, path: Path) -> tuple[AssessmentReport, str]:
    copy = report.model_copy(deep=True)
    run = next(c for c in copy.checks if c.obligation_ids and c.id != "process.attestation")
    run.evidence.append(
        file_artefact(path, I18nText(zh="按组选择率", en="Selection rate by group"))
    )
    return copy, run.key


def test_plot_is_embedded_in_check_and_obligation(report: AssessmentReport, tmp_path: Path) -> None:
    png = _png(tmp_path / "plot.png")
    copy, _ = _with_plot(report, png)
    html = render_html(copy, lang="en")
    uri = "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode()
    # once in the check's artefacts, once beside each obligation the check serves
    assert html.count(uri) >= 2
    assert "Selection rate by group" in html


def test_changed_plot_is_refused(report: AssessmentReport, tmp_path: Path) -> None:
    png = _png(tmp_path / "plot.png")
    copy, _ = _with_plot(report, png)
    png.write_bytes(png.read_bytes() + b"tampered")
    html = render_html(copy, lang="en")
    assert "data:image/png" not in html
    assert "no longer matches its recorded SHA-256" in html


def test_missing_plot_is_reported(report: AssessmentReport, tmp_path: Path) -> None:
    png = _png(tmp_path / "plot.png")
    copy, _ = _with_plot(report, png)
    png.unlink()
    html = render_html(copy, lang="en")
    assert "data:image/png" not in html
    assert "plot file is missing" in html
