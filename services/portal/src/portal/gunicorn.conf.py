"""gunicorn settings: `gunicorn -c <this file> portal.wsgi:app`."""

from __future__ import annotations

import os

# 127.0.0.1 unless HOST says otherwise (containers set HOST=0.0.0.0).
bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Pages wait on the back ends (each call has its own shorter timeout).
timeout = 60
graceful_timeout = 30
max_requests = 1000
max_requests_jitter = 100
# Volunteer links carry their token in the path: the app logs each request itself, redacted.
accesslog = None
