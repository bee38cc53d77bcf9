"""Linli notifier service."""
