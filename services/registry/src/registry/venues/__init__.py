"""Venues with rooms, opening hours and coordinates."""
