"""Tianping (天平): China's AI governance framework, executable."""

__version__ = "0.1.0"

__all__ = ["__version__"]
