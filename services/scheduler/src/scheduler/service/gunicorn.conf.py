"""gunicorn settings of the scheduler API: bind from PORT (default 8002), workers from
WEB_CONCURRENCY. No preload: OR-Tools and connections are never created before the fork."""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8002')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
# Repair and candidate ranking run in the request; leave them room.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
max_requests = 1000
max_requests_jitter = 100
preload_app = False
accesslog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
