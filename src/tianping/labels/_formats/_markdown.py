"""Implicit-label handler (_markdown); registers itself on import."""
