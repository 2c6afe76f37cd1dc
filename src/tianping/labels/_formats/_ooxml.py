"""Implicit-label handler (_ooxml); registers itself on import."""
