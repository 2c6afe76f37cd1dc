"""Implicit-label handler (_pdf); registers itself on import."""
