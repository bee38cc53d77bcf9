"""WSGI entry point for gunicorn: `portal.wsgi:app`."""

from __future__ import annotations

from portal.app import create_app

app = create_app()
