"""Users, passwords, tokens and the caller's scope."""
