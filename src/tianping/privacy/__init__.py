"""Tianping privacy package (public API re-exported here)."""
