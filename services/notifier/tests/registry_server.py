"""A real registry for the notifier's tests (`linli_testing.registry_server`), with the
notifier's accounts and the calls its tests make as an operator."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from linli_contracts.outbox import OutboxRelay
from linli_testing import registry_server
from registry.auth.service import hash_password
from registry.db import make_engine
from registry.models import OUTBOX, Community, User

SECRET = "linli-notifier-registry-test-secret-0123456789"
PASSWORD = "correct horse battery staple"


def _community_and_accounts(session: Any) -> dict[str, int]:
    community = Community(code="XF", name="幸福社区", district="示例区", calendar_region="CN")
    session.add(community)
    password = hash_password(PASSWORD)
    for name, role in (("admin", "admin"), ("notifier", "service"), ("scheduler", "service")):
        session.add(User(username=name, password_hash=password, role=role, community_ids=[],
                         active=True))
    session.flush()
    return {"community": community.id}


@dataclass
class RegistryServer(registry_server.RegistryServer):
    """The registry app on 127.0.0.1:<port>, with an admin and two service accounts."""

    secret: str = SECRET

    def prepare(self, *, accounts: bool = True) -> RegistryServer:
        """Migrate; add a community and the accounts (the notifier's reads contacts) unless
        `accounts` is false (the demo seed brings its own)."""
        self.migrate(_community_and_accounts if accounts else None)
        return self

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
