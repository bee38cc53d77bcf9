"""Per-volunteer channel settings."""
