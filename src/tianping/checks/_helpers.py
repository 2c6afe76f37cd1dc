"""Small helpers that checks of every domain share: notes, tables and PNG figures.

Light at import time: matplotlib loads inside `new_figure`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tianping.checks._contract import CheckContext, EvidenceArtefact, file_artefact
from tianping.i18n import I18nText

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DPI = 110


def threshold_note(ctx: CheckContext) -> I18nText:
    """A suffix for the message when the rulebook set no threshold for this tier."""
    if ctx.thresholds:
        return I18nText(zh="", en="")
    return I18nText(zh="（未设阈值）", en=" (no threshold set)")


def table_artefact(zh: str, en: str, rows: Any) -> EvidenceArtefact:
    """A table artefact: `rows` is a list of row dicts (or a dict of equal-length columns)."""
    return EvidenceArtefact(kind="table", title=I18nText(zh=zh, en=en), data=rows)


def new_figure(width: float = 6.4, height: float = 4.0, ncols: int = 1) -> tuple[Figure, Any]:
    """A figure and its axes (an array of axes when ncols > 1), off-screen (no pyplot)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(1, ncols)
    return fig, axes


def save_figure(
    fig: Figure, ctx: CheckContext, name: str, title: I18nText
) -> EvidenceArtefact | None:
    """Write the figure as PNG under the evidence folder and return its artefact.

    Returns None (and writes nothing) when the context has no evidence folder.
    """
    path = ctx.evidence_path(name)
    if path is None:
        return None
    fig.savefig(path, dpi=DPI, format="png", metadata={"Software": "tianping"})
    return file_artefact(path, title)
