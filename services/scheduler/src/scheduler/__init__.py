"""Linli scheduler service."""
