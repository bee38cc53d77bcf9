"""WSGI entry point for gunicorn: `notifier.wsgi:app`."""

from __future__ import annotations

from notifier.app import create_app

app = create_app()
