"""WSGI entry point for gunicorn: `gunicorn -c .../gunicorn.conf.py scheduler.service.wsgi:app`."""

from scheduler.service.app import create_app

app = create_app()
