"""gunicorn settings: `gunicorn -c <this file> notifier.wsgi:app` (see the README)."""

from __future__ import annotations

import os

# 127.0.0.1 unless HOST says otherwise (containers set HOST=0.0.0.0).
bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8003')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
timeout = 30
graceful_timeout = 30
max_requests = 1000
max_requests_jitter = 100
# gunicorn's access log prints paths, and response tokens and calendar secrets live in paths:
# the app logs each request itself with those parts redacted.
accesslog = None
