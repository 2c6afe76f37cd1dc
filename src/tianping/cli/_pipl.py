"""`tianping` commands for PIPL de-identification, anonymity, PIPIA and cross-border."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the main app. Import heavy modules inside commands."""
