"""The command line: one vocabulary (see DESIGN.md), the same service functions as the API."""

from tianping.cli._app import app, main

__all__ = ["app", "main"]
