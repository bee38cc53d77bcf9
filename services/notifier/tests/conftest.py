"""Fixtures of the notifier tests: a migrated database, settings, sinks on 127.0.0.1."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from sqlalchemy.orm import Session, sessionmaker

from linli_testing.servers import RedisServer, free_port
from notifier import config
from notifier.db import make_engine, session_factory
from notifier.migrate import upgrade

# Test-data builders (`notifier_factories`) sit beside the tests, the fault checker in
# tests/reliability (`reliability.checker`); importlib mode needs this.
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tests"))


@pytest.fixture
def quick_redis() -> Iterator[str]:
    """URL of a real Redis of the test's own without AOF (no fsync per write): for load."""
    server = RedisServer(appendonly=False).start()
    yield server.url
    server.stop()


@pytest.fixture
def settings(tmp_path: Path) -> dict[str, Any]:
    """Test settings on a SQLite file; loopback webhooks allowed (test sinks are local)."""
    return config.load({
        "DATABASE_URL": f"sqlite:///{tmp_path / 'notifier.db'}",
        "SMS_OUTBOX_PATH": str(tmp_path / "sms-outbox.log"),
        "ALLOW_LOOPBACK_WEBHOOKS": True,
        "DELIVERY_THREADS": 2,
        "PUBLIC_BASE_URL": "https://linli.example.org",
    })


@pytest.fixture
def sessions(settings: dict[str, Any]) -> Iterator[sessionmaker[Session]]:
    """Sessions on the migrated SQLite database of `settings`."""
    upgrade(settings["DATABASE_URL"])
    engine = make_engine(settings["DATABASE_URL"])
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def db_sessions(database_url: str, settings: dict[str, Any]) -> Iterator[sessionmaker[Session]]:
    """Sessions on a migrated database, SQLite then PostgreSQL."""
    upgrade(database_url)
    settings["DATABASE_URL"] = database_url
    engine = make_engine(database_url)
    yield session_factory(engine)
    engine.dispose()


@dataclass
class Receipt:
    """One request a sink received."""

    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)


@dataclass
class HttpSink:
    """A real HTTP server on 127.0.0.1 recording every POST; answers are scriptable."""

    server: ThreadingHTTPServer
    receipts: list[Receipt] = field(default_factory=list)
    answers: list[tuple[int, dict[str, str], bytes]] = field(default_factory=list)
    default: tuple[int, dict[str, str], bytes] = (200, {}, b'{"errcode":0,"errmsg":"ok"}')
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        """Base URL of the sink."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def http_sink() -> Iterator[HttpSink]:
    """A local HTTP server standing in for webhooks, robots and SMS vendors."""
    sink: HttpSink

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes: without this, Nagle plus delayed ACKs add
        # 40 ms to every keep-alive request.
        disable_nagle_algorithm = True

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if len(body) < length:
                return  # the client died mid-request: like any server, ignore the fragment
            with sink.lock:
                sink.receipts.append(Receipt(self.path, dict(self.headers.items()), body))
                status, headers, answer = sink.answers.pop(0) if sink.answers else sink.default
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    sink = HttpSink(server)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield sink
    server.shutdown()
    server.server_close()


class _Recorder:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(envelope)
        return "250 OK"


@dataclass
class SmtpSink:
    """A real SMTP server (aiosmtpd) on a free port, keeping every message."""

    port: int
    recorder: _Recorder

    @property
    def messages(self) -> list[Any]:
        """Envelopes received so far."""
        return self.recorder.messages


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """aiosmtpd Controller on 127.0.0.1."""
    recorder = _Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    yield SmtpSink(port, recorder)
    controller.stop()


def count(sessions: sessionmaker[Session], model: Any, *where: Any) -> int:
    """Rows of `model` matching `where`."""
    with sessions() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)))
