"""The real registry for a service's tests: migrated, seeded by the test, and served over HTTP
on a loopback port (werkzeug in a thread) that stays the same across a stop and a start, so a
test can take the registry away and bring it back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from linli_testing.servers import free_port, serve_wsgi

#: A seed function: given a registry session, adds rows and returns the ids a test needs.
Seed = Callable[[Any], dict[str, int]]


@dataclass
class RegistryServer:
    """The registry app on 127.0.0.1:<port> over `database_url`, signing with `secret`."""

    database_url: str
    secret: str = "linli-registry-test-secret-0123456789abcdef"
    port: int = field(default_factory=free_port)
    ids: dict[str, int] = field(default_factory=dict)
    server: Any = None

    @property
    def url(self) -> str:
        """Base URL."""
        return f"http://127.0.0.1:{self.port}"

    def migrate(self, seed: Seed | None = None) -> RegistryServer:
        """Bring the database to the newest migration, then run `seed` (its ids kept)."""
        from registry.db import make_engine, session_scope  # noqa: PLC0415
        from registry.migrate import upgrade  # noqa: PLC0415

        upgrade(self.database_url)
        if seed is not None:
            engine = make_engine(self.database_url)
            with session_scope(engine) as session:
                self.ids.update(seed(session))
            engine.dispose()
        return self

    def start(self, seed: Seed | None = None) -> RegistryServer:
        """Serve until `stop` (migrating and seeding first when `seed` is given)."""
        from registry.app import create_app  # noqa: PLC0415

        if seed is not None:
            self.migrate(seed)
        app = create_app({"DATABASE_URL": self.database_url, "JWT_SECRET": self.secret})
        self.server, _ = serve_wsgi(app, self.port)
        return self

    def stop(self) -> None:
        """Stop serving; the port refuses connections afterwards."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
