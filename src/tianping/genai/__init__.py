"""Tianping genai package (public API re-exported here)."""
