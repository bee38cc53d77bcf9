"""gunicorn settings of the registry, read from the environment at start-up."""

import os

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
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Bound request lines and headers (abusive huge headers answer 400 before reaching Flask).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
