"""Audit checks (_checks_mitigation); registered on import."""
