"""Privacy checks (_checks_scan); registered on import."""
