"""Implicit-label handler (_image); registers itself on import."""
