"""Checks of the privacy domain, loaded through the `tianping.checks` entry point.

Keep this module light: heavy dependencies are imported inside `run`.
"""
