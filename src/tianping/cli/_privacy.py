"""`tianping` commands for the privacy domain (registered by `tianping.cli._app`)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the main app. Import heavy modules inside commands."""
