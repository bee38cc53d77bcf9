"""gunicorn settings of the scheduler API: bind from PORT (default 8002), workers from
WEB_CONCURRENCY. No preload: OR-Tools and connections are never created before the fork."""

import os

from linli_contracts import logs, multiproc

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8002')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
# Repair and candidate ranking run in the request; leave them room.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
max_requests = 1000
max_requests_jitter = 100
preload_app = False


def post_fork(_server: object, _worker: object) -> None:
    """Import the engine (and OR-Tools, about half a second) as the worker starts, so that a
    coordinator's first candidate list after a restart (`max_requests`) does not wait for it."""
    import scheduler.engine.ranking  # noqa: F401, PLC0415


loglevel = os.environ.get("LOG_LEVEL", "info").lower()

# Logs: JSON lines. The app logs each request itself (endpoint rule, status, duration and
# correlation id), so gunicorn's access log, which prints raw paths, stays off.
accesslog = None
logconfig_dict = logs.gunicorn_logconfig(
    "scheduler", "ext://scheduler.service.masking.mask_text", os.environ.get("LOG_LEVEL", "info")
)
# With PROMETHEUS_MULTIPROC_DIR (one directory per API, never shared) /metrics merges every
# worker's numbers: the master cleans it at start and marks dead workers.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    on_starting = multiproc.on_starting
    child_exit = multiproc.child_exit
