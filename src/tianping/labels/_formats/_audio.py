"""Implicit-label handler (_audio); registers itself on import."""
