"""Implicit-label handler (_video); registers itself on import."""
