"""Plot primitives for audit evidence; figures come from `tianping.checks._helpers`.

fig, ax = new_figure()
bar_with_ci(ax, labels, values, low, high, ylabel="selection rate")
artefact = save_figure(fig, ctx, "fairness_selection_rate.png", I18nText(zh=..., en=...))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes

COLOURS = ("#3b6ea8", "#d0813a", "#4f9a5b", "#b04a4a", "#7a5fa8", "#888888")


def _clean(values: Sequence[float | None]) -> list[float]:
    return [float("nan") if v is None else float(v) for v in values]


def bar_with_ci(
    ax: Axes,
    labels: Sequence[str],
    values: Sequence[float | None],
    low: Sequence[float | None] | None = None,
    high: Sequence[float | None] | None = None,
    *,
    title: str | None = None,
    ylabel: str | None = None,
    reference: float | None = None,
    colour: str = COLOURS[0],
    muted: Sequence[bool] | None = None,
    offset: float = 0.0,
    width: float = 0.7,
    label: str | None = None,
) -> None:
    """Vertical bars with percentile-interval error bars; `muted` bars are drawn grey."""
    import numpy as np

    v = np.array(_clean(values))
    x = np.arange(len(labels)) + offset
    colours = [
        COLOURS[-1] if muted is not None and muted[i] else colour for i in range(len(labels))
    ]
    ax.bar(x, np.nan_to_num(v), width=width, color=colours, label=label)
    if low is not None and high is not None:
        lo, hi = np.array(_clean(low)), np.array(_clean(high))
        ok = ~(np.isnan(lo) | np.isnan(hi) | np.isnan(v))
        if ok.any():
            err = np.vstack([np.clip(v - lo, 0, None), np.clip(hi - v, 0, None)])
            ax.errorbar(
                x[ok], v[ok], yerr=err[:, ok], fmt="none", ecolor="#222222", capsize=3, lw=1
            )
    if reference is not None:
        ax.axhline(reference, color="#555555", lw=1, ls="--")
    ax.set_xticks(np.arange(len(labels)))
    rotate = max((len(s) for s in labels), default=0) > 8 or len(labels) > 6
    ax.set_xticklabels(
        [s if len(s) <= 28 else s[:27] + "…" for s in labels],
        rotation=40 if rotate else 0,
        ha="right" if rotate else "center",
        fontsize=8,
    )
    if title:
        ax.set_title(title, fontsize=10)
    if ylabel:
        ax.set_ylabel(ylabel)
    ax.grid(axis="y", alpha=0.3)


def line_plot(
    ax: Axes,
    x: Sequence[float],
    y: Sequence[float],
    *,
    label: str | None = None,
    diagonal: bool = False,
    xlabel: str | None = None,
    ylabel: str | None = None,
    title: str | None = None,
    marker: str | None = None,
) -> None:
    """A line (ROC, calibration), optionally with the y = x diagonal for reference."""
    if diagonal:
        ax.plot([0, 1], [0, 1], color="#999999", lw=1, ls="--")
    ax.plot(list(x), list(y), color=COLOURS[0], lw=1.6, label=label, marker=marker)
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=10)
    if label:
        ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3)
