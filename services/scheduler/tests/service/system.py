"""The scheduler as separate processes for end-to-end tests: gunicorn API, solve workers and
the outbox relay, each a subprocess with its own log file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from kombu import Connection, Queue, binding

from linli_contracts import topology
from linli_testing.servers import free_port, wait_for_port
from scheduler.service import migrate

from .registry_world import SERVICE_PASSWORD

ROOT = Path(__file__).resolve().parents[4]
GUNICORN_CONF = ROOT / "services/scheduler/src/scheduler/service/gunicorn.conf.py"


def wait_until(check: Callable[[], Any], timeout: float = 90.0, interval: float = 0.1) -> Any:
    """Poll until `check()` returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


@dataclass
class Scheduler:
    """The scheduler's processes on one SQLite database and one broker."""

    workdir: Path
    registry_url: str
    broker_url: str
    lease_seconds: float = 2.0
    port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def database_url(self) -> str:
        """The shared SQLite database."""
        return f"sqlite:///{self.workdir / 'scheduler.db'}"

    @property
    def url(self) -> str:
        """Base URL of the API."""
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """Environment of every process."""
        env = dict(os.environ)
        env.update({
            "SCHEDULER_DATABASE_URL": self.database_url,
            "SCHEDULER_REGISTRY_URL": self.registry_url,
            "SCHEDULER_REGISTRY_PASSWORD": SERVICE_PASSWORD,
            "SCHEDULER_JOB_LEASE_SECONDS": str(self.lease_seconds),
            "SCHEDULER_RELAY_POLL_INTERVAL": "0.1",
            "BROKER_URL": self.broker_url,
            "PORT": str(self.port),
            "WEB_CONCURRENCY": "2",
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        })
        return env

    def spawn(self, name: str, args: list[str],
              extra_env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        """Start one process, logging to `<workdir>/<name>.log`."""
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(args, env={**self.env(), **(extra_env or {})}, stdout=log,
                                   stderr=subprocess.STDOUT, cwd=self.workdir)
        log.close()
        self.processes[name] = process
        return process

    def start(self, workers: int = 2, api_env: dict[str, str] | None = None) -> Scheduler:
        """Migrate, then start the API, the relay and the solve workers."""
        migrate.upgrade(self.database_url)
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self.spawn("api", [gunicorn, "-c", str(GUNICORN_CONF), "scheduler.service.wsgi:app"],
                   api_env)
        self.start_relay()
        for n in range(workers):
            self.spawn(f"worker-{n}", [sys.executable, "-m", "scheduler.service",
                                       "solve-worker"])
        wait_for_port(self.port, timeout=30)
        return self

    def start_relay(self) -> subprocess.Popen[bytes]:
        """Start (or restart) the outbox relay."""
        return self.spawn("relay", [sys.executable, "-m", "scheduler.service", "relay"])

    def kill(self, name: str) -> None:
        """SIGKILL one process, as a crash would."""
        process = self.processes[name]
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    def stop(self) -> None:
        """Stop every process still running."""
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)

    def logs(self) -> str:
        """Every log file, for failure messages."""
        return "\n".join(f"== {p.name}\n{p.read_text(errors='replace')[-3000:]}"
                         for p in sorted(self.workdir.glob("*.log")))

    # -- HTTP -----------------------------------------------------------------------------------

    def call(self, method: str, path: str, headers: dict[str, str], **kwargs: Any) -> Any:
        """One request to the API."""
        return requests.request(method, self.url + path, headers=headers, timeout=30, **kwargs)


class EventTap:
    """A test queue bound to `linli.events`, as the topology binds consumer queues."""

    def __init__(self, broker_url: str, name: str, keys: tuple[str, ...]) -> None:
        self.connection = topology.connection(broker_url)
        self.queue = Queue(name, bindings=[binding(topology.events_exchange(), routing_key=k)
                                           for k in keys], durable=True, auto_delete=False)
        with self.connection.channel() as channel:
            topology.events_exchange()(channel).declare()
            self.queue(channel).declare()

    def drain(self) -> list[dict[str, Any]]:
        """Every message waiting in the queue, taken off it."""
        out = []
        with self.connection.channel() as channel:
            bound = self.queue(channel)
            while True:
                message = bound.get(no_ack=True, accept=["json"])
                if message is None:
                    return out
                body = message.body
                out.append(json.loads(body if isinstance(body, str) else body.decode("utf-8")))

    def close(self) -> None:
        """Release the connection."""
        self.connection.release()


def connection_ok(url: str) -> bool:
    """True when the broker answers."""
    with Connection(url) as conn:
        conn.ensure_connection(max_retries=1)
    return True
