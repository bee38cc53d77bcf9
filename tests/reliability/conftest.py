"""Fixtures of the fault suite: process groups that are always cleaned up, an HTTP sink.

Every process a test starts runs in a process group of its own (`start_new_session`), and
the `procs` fixture kills each group that is still alive when the test ends, pass or fail.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
# `reliability.checker`, `reliability.proxy` and the notifier's event builders, importable
# from here and from the services' own fault tests (importlib mode adds nothing to sys.path).
for _path in (ROOT / "tests", ROOT / "services/notifier/tests"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))


@dataclass
class Procs:
    """Processes started by one test, each leading its own process group."""

    workdir: Path
    started: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def spawn(self, name: str, args: list[str], env: dict[str, str],
              cwd: Path | None = None) -> subprocess.Popen[bytes]:
        """Start `args` in a new process group, stdout and stderr to `<workdir>/<name>.log`."""
        with open(self.workdir / f"{name}.log", "ab") as log:
            process = subprocess.Popen(args, env={**env, "PYTHONUNBUFFERED": "1"}, stdout=log,
                                       stderr=subprocess.STDOUT, cwd=cwd or self.workdir,
                                       start_new_session=True)
        self.started[name] = process
        return process

    def signal(self, name: str, signum: int) -> None:
        """Send `signum` to the whole process group of `name`."""
        os.killpg(self.started[name].pid, signum)

    def stop(self, name: str, timeout: float = 30) -> int:
        """SIGTERM the group of `name` and wait; return the exit code."""
        process = self.started[name]
        if process.poll() is None:
            self.signal(name, signal.SIGCONT)
            self.signal(name, signal.SIGTERM)
        return process.wait(timeout)

    def log(self, name: str) -> str:
        """What `name` has written so far."""
        path = self.workdir / f"{name}.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def full_logs(self) -> str:
        """Every log, whole."""
        return "\n".join(p.read_text(encoding="utf-8", errors="replace")
                         for p in sorted(self.workdir.glob("*.log")))

    def logs(self) -> str:
        """Every log (tails), for failure messages."""
        return "\n".join(f"== {p.name}\n{p.read_text(errors='replace')[-4000:]}"
                         for p in sorted(self.workdir.glob("*.log")))

    def cleanup(self) -> None:
        """Kill every group still alive (SIGCONT first: a stopped group ignores SIGTERM),
        and any descendant that left its group (a solve child leads a group of its own)."""
        import psutil  # noqa: PLC0415

        for process in self.started.values():
            try:
                descendants = psutil.Process(process.pid).children(recursive=True)
            except psutil.Error:
                descendants = []
            for child in descendants:
                try:
                    child.kill()
                except psutil.Error:
                    pass
            for signum in (signal.SIGCONT, signal.SIGKILL):
                try:
                    os.killpg(process.pid, signum)
                except (ProcessLookupError, PermissionError):
                    pass
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                pass


@pytest.fixture
def procs(tmp_path: Path) -> Iterator[Procs]:
    """Start processes for the test; whatever is left is killed afterwards, pass or fail."""
    registry = Procs(tmp_path)
    try:
        yield registry
    finally:
        registry.cleanup()


@pytest.fixture(scope="module")
def module_procs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Procs]:
    """Like `procs`, for processes the tests of one module share."""
    registry = Procs(tmp_path_factory.mktemp("module-procs"))
    try:
        yield registry
    finally:
        registry.cleanup()


@pytest.fixture(scope="session")
def stack_procs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Procs]:
    """Like `procs`, for the servers the whole suite shares."""
    registry = Procs(tmp_path_factory.mktemp("stack-procs"))
    try:
        yield registry
    finally:
        registry.cleanup()


@pytest.fixture(scope="session")
def stack(stack_procs: Procs, tmp_path_factory: pytest.TempPathFactory,
          redis_server: Any) -> Iterator[Any]:
    """Registry, scheduler and notifier under gunicorn, shared by the API and solver rows."""
    from reliability.stack import Stack  # noqa: PLC0415

    running = Stack(stack_procs, tmp_path_factory.mktemp("stack"), redis_server.url)
    running.prepare().start()
    yield running
    for service in ("registry", "scheduler", "notifier"):
        stack_procs.stop(service)


@pytest.fixture(scope="session")
def headers(stack: Any) -> dict[str, dict[str, str]]:
    """Authorization headers of the coordinator, the administrator and volunteer 1."""
    return {**{name: stack.login(name) for name in ("coord_a", "admin")},
            "volunteer": stack.volunteer_token(1)}


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
    """A real HTTP server on 127.0.0.1 recording every POST and answering 200."""

    server: ThreadingHTTPServer
    receipts: list[Receipt] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        """Base URL of the sink."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def snapshot(self) -> list[Receipt]:
        """The receipts so far."""
        with self.lock:
            return list(self.receipts)


@pytest.fixture
def sink() -> Iterator[HttpSink]:
    """A webhook receiver on a free loopback port."""
    recorder: HttpSink

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if len(body) < length:
                return
            with recorder.lock:
                recorder.receipts.append(Receipt(self.path, dict(self.headers.items()), body))
            answer = b'{"errcode":0,"errmsg":"ok"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    recorder = HttpSink(server)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield recorder
    server.shutdown()
    server.server_close()
