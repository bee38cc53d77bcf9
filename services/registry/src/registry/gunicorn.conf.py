"""gunicorn settings of the registry, read from the environment at start-up."""

import os

from linli_contracts import logs, multiproc

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8001')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
# Recycle workers now and then so a slow leak never grows without bound; jitter avoids
# every worker restarting at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "100"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM, requests in flight get this long to finish.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = 5
# No preloading: each worker opens its own database connections after the fork.
preload_app = False
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Bound request lines and headers (abusive huge headers answer 400 before reaching Flask).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

# Logs: JSON lines. The app logs each request itself (endpoint rule, status, duration and
# correlation id), so gunicorn's access log, which prints raw paths, stays off.
accesslog = None
logconfig_dict = logs.gunicorn_logconfig(
    "registry", "ext://registry.masking.mask_text", os.environ.get("LOG_LEVEL", "info")
)
# With PROMETHEUS_MULTIPROC_DIR (one directory per API, never shared) /metrics merges every
# worker's numbers: the master cleans it at start and marks dead workers.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    on_starting = multiproc.on_starting
    child_exit = multiproc.child_exit
