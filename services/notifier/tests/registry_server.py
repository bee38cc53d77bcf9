"""A real registry for the notifier's tests: migrated SQLite, served over HTTP on a loopback
port (werkzeug in a thread) that stays the same across a stop and a start, so a test can take
the registry away and bring it back."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import requests
import sqlalchemy as sa
from werkzeug.serving import BaseWSGIServer, make_server

from linli_contracts.outbox import OutboxRelay
from linli_testing.servers import free_port
from registry.app import create_app
from registry.auth.service import hash_password
from registry.db import make_engine, session_scope
from registry.migrate import upgrade
from registry.models import OUTBOX, Community, User

SECRET = "linli-notifier-registry-test-secret-0123456789"
PASSWORD = "correct horse battery staple"


@dataclass
class RegistryServer:
    """The registry app on 127.0.0.1:<port>, with an admin and two service accounts."""

    database_url: str
    port: int = field(default_factory=free_port)
    ids: dict[str, int] = field(default_factory=dict)
    server: BaseWSGIServer | None = None

    @property
    def url(self) -> str:
        """Base URL."""
        return f"http://127.0.0.1:{self.port}"

    def prepare(self, *, accounts: bool = True) -> RegistryServer:
        """Migrate; add a community and the accounts (the notifier's reads contacts) unless
        `accounts` is false (the demo seed brings its own)."""
        upgrade(self.database_url)
        if not accounts:
            return self
        engine = make_engine(self.database_url)
        with session_scope(engine) as session:
            community = Community(code="XF", name="幸福社区", district="示例区",
                                  calendar_region="CN")
            session.add(community)
            password = hash_password(PASSWORD)
            for name, role in (("admin", "admin"), ("notifier", "service"),
                               ("scheduler", "service")):
                session.add(User(username=name, password_hash=password, role=role,
                                 community_ids=[], active=True))
            session.flush()
            self.ids["community"] = community.id
        engine.dispose()
        return self

    def start(self) -> RegistryServer:
        """Serve until `stop`."""
        app = create_app({"DATABASE_URL": self.database_url, "JWT_SECRET": SECRET})
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving; the port refuses connections afterwards."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    # -- as an operator ---------------------------------------------------------------------

    def token(self, username: str = "admin") -> str:
        """A bearer token of one of the accounts."""
        answer = requests.post(f"{self.url}/auth/token", timeout=10,
                               json={"username": username, "password": PASSWORD})
        answer.raise_for_status()
        return str(answer.json()["access_token"])

    def call(self, method: str, path: str, body: Any = None, *,
             username: str = "admin") -> requests.Response:
        """One API call as `username`."""
        return requests.request(method, self.url + path, json=body, timeout=10,
                                headers={"Authorization": f"Bearer {self.token(username)}"})

    def create_volunteer(self, name: str, phone: str, channels: list[dict[str, Any]]) -> int:
        """A volunteer created through the API (which records its change event)."""
        answer = self.call("POST", "/volunteers", {
            "community_id": self.ids["community"], "name": name, "phone": phone,
            "contact_channels": channels})
        assert answer.status_code == 201, answer.text
        return int(answer.json()["id"])

    def relay(self, broker_url: str) -> int:
        """Publish what the registry's outbox holds, as `python -m registry relay` does."""
        engine = make_engine(self.database_url)
        relay = OutboxRelay(engine, OUTBOX, broker_url)
        try:
            return relay.relay_once()
        finally:
            relay.close()
            engine.dispose()

    def pending_events(self) -> int:
        """Events in the outbox not published yet."""
        engine = make_engine(self.database_url)
        with engine.connect() as conn:
            count = conn.scalar(sa.select(sa.func.count()).select_from(OUTBOX)
                                .where(OUTBOX.c.published_at.is_(None)))
        engine.dispose()
        return int(count or 0)
