"""Tianping labels package (public API re-exported here)."""
