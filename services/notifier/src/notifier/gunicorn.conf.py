"""gunicorn settings: `gunicorn -c <this file> notifier.wsgi:app` (see the README)."""

from __future__ import annotations

import os

from linli_contracts import logs, multiproc

# 127.0.0.1 unless HOST says otherwise (containers set HOST=0.0.0.0).
bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8003')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
timeout = 30
graceful_timeout = 30
max_requests = 1000
max_requests_jitter = 100

# Logs: JSON lines. The app logs each request itself (endpoint rule, status, duration and
# correlation id), so gunicorn's access log, which prints raw paths, stays off.
accesslog = None
logconfig_dict = logs.gunicorn_logconfig(
    "notifier", "ext://notifier.masking.mask_text", os.environ.get("LOG_LEVEL", "info")
)
# With PROMETHEUS_MULTIPROC_DIR (one directory per API, never shared) /metrics merges every
# worker's numbers: the master cleans it at start and marks dead workers.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    on_starting = multiproc.on_starting
    child_exit = multiproc.child_exit
