"""Volunteers' confirmations and refusals, from links and from the inbox."""
