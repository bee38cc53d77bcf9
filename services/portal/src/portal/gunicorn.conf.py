"""gunicorn settings of the portal: `gunicorn -c <this file> portal.wsgi:app`."""

from __future__ import annotations

import os

from linli_contracts import logs, multiproc

# 127.0.0.1 unless HOST says otherwise (containers set HOST=0.0.0.0).
bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Pages wait on the back ends (each call has its own shorter timeout).
timeout = 60
graceful_timeout = 30
max_requests = 1000
max_requests_jitter = 100
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()

# Logs: JSON lines through the portal's masking. Volunteer links carry their token in the
# path: the app logs each request itself by route template, so gunicorn's access log stays off.
accesslog = None
logconfig_dict = logs.gunicorn_logconfig(
    "portal", "ext://portal.masking.mask_text", os.environ.get("LOG_LEVEL", "info")
)
# With PROMETHEUS_MULTIPROC_DIR (the portal's own directory) /metrics merges every worker's
# numbers: the master cleans it at start and marks dead workers.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    on_starting = multiproc.on_starting
    child_exit = multiproc.child_exit
