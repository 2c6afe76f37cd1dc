"""Audit checks (_checks_model); registered on import."""
