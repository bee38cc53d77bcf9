"""gunicorn server hooks for prometheus_client's multiprocess mode.

With `PROMETHEUS_MULTIPROC_DIR` set, every gunicorn worker writes its metrics to files there
and `/metrics` merges them. The master must not create any metric itself, so this module
imports nothing that defines one. Without the variable both hooks do nothing.
"""

from __future__ import annotations

import os
from typing import Any

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def on_starting(_server: Any) -> None:
    """Before the workers start: create the directory, drop the files of a previous run."""
    path = os.environ.get(MULTIPROC_ENV)
    if not path:
        return
    os.makedirs(path, exist_ok=True)
    for name in os.listdir(path):
        if name.endswith(".db"):
            os.remove(os.path.join(path, name))


def child_exit(_server: Any, worker: Any) -> None:
    """A worker died: its live gauges leave the merged metrics (its counters stay)."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess  # noqa: PLC0415

        multiprocess.mark_process_dead(worker.pid)
