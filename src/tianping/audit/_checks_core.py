"""Audit checks (_checks_core); registered on import."""
