"""Tianping audit package (public API re-exported here)."""
