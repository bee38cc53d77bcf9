"""Webhook and group-robot targets."""
