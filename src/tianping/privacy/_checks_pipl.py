"""Privacy checks (_checks_pipl); registered on import."""
