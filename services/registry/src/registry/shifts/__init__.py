"""Shifts: dated occurrences of activities."""
