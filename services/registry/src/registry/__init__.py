"""Linli registry service."""
