"""Checks of the labels domain, loaded through the `tianping.checks` entry point.

Keep this module light: heavy dependencies are imported inside `run`.
"""
