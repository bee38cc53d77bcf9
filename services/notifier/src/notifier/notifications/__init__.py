"""Notifications: their delivery log and resending."""
