"""Alembic migrations of the notifier database."""
