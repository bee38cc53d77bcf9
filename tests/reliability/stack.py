"""The three APIs under gunicorn, as deployed, on SQLite files and free loopback ports.

The registry holds a small world: community A with a centre, eight vetted tutors (each with a
known phone number, which must never appear in full in any log) and an after-school class on
the weekdays of 2–27 March 2026; users `coord_a`, `admin` and the scheduler's service user.
"""

from __future__ import annotations

import os
import re
import sys
import time as clock
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

import requests

from linli_testing.servers import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
PASSWORD = "correct horse battery staple"
SERVICE_PASSWORD = "linli-service-password"
#: The phone number of every seeded volunteer (a valid mainland mobile number).
PHONE = "13912345678"
FULL_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")

CONF = {
    "registry": ROOT / "services/registry/src/registry/gunicorn.conf.py",
    "scheduler": ROOT / "services/scheduler/src/scheduler/service/gunicorn.conf.py",
    "notifier": ROOT / "services/notifier/src/notifier/gunicorn.conf.py",
}
APP = {
    "registry": "registry.wsgi:app",
    "scheduler": "scheduler.service.wsgi:app",
    "notifier": "notifier.wsgi:app",
}


def seed_registry(database_url: str) -> dict[str, int]:
    """Migrate the registry database and load the small world; return its ids."""
    from registry.auth.service import hash_password  # noqa: PLC0415
    from registry.db import make_engine, session_scope  # noqa: PLC0415
    from registry.migrate import upgrade  # noqa: PLC0415
    from registry.models import (  # noqa: PLC0415
        Activity,
        Community,
        Shift,
        User,
        Venue,
        Volunteer,
    )

    upgrade(database_url)
    engine = make_engine(database_url)
    first = date(2026, 3, 2)
    with session_scope(engine) as session:
        community = Community(code="A", name="幸福社区", district="示例县", calendar_region="CN")
        session.add(community)
        session.flush()
        venue = Venue(community_id=community.id, name="幸福社区邻里中心",
                      kind="neighbourhood_centre", address="幸福路1号", lat=30.6, lon=104.0,
                      opening_hours=[], after_school_start="16:30", rooms=[])
        session.add(venue)
        session.flush()
        session.add_all(
            Volunteer(community_id=community.id, name=f"志愿者{i}", phone=PHONE,
                      skills=["tutor", "general"], languages=[], qualifications=[],
                      availability=[], leave=[], preferences={}, contact_channels=[],
                      active=True, vetted_until=date(2027, 12, 31))
            for i in range(8)
        )
        activity = Activity(
            community_id=community.id, venue_id=venue.id, type_code="after_school",
            name="四点半课堂",
            recurrence={"kind": "weekly", "start_date": "2026-03-02", "end_date": "2026-03-27",
                        "weekdays": [0, 1, 2, 3, 4]},
            start_time=time(16, 30), end_time=time(18, 0),
            needs=[{"skill": "tutor", "min": 2, "max": 2}], children_present=True,
            requires_vetting=True, priority=4,
        )
        session.add(activity)
        session.flush()
        for d in range(26):
            day = first + timedelta(days=d)
            if day.weekday() > 4:
                continue
            session.add(Shift(activity_id=activity.id, community_id=community.id,
                              venue_id=venue.id, date=day, start_time=time(16, 30),
                              end_time=time(18, 0), needs=[{"skill": "tutor", "min": 2,
                                                             "max": 2}],
                              status="scheduled"))
        digest = hash_password(PASSWORD)
        users = {
            "scheduler": User(username="scheduler", password_hash=hash_password(SERVICE_PASSWORD),
                              role="service", active=True),
            "coord_a": User(username="coord_a", password_hash=digest, role="coordinator",
                            active=True, community_ids=[community.id]),
            "admin": User(username="admin", password_hash=digest, role="admin", active=True),
        }
        session.add_all(users.values())
        session.flush()
        ids = {"A": community.id, "venue": venue.id, "activity": activity.id,
               **{name: user.id for name, user in users.items()}}
    engine.dispose()
    return ids


@dataclass
class Stack:
    """Registry, scheduler and notifier under gunicorn, started through `procs`."""

    procs: Any
    workdir: Path
    broker_url: str
    ports: dict[str, int] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)

    def url(self, service: str) -> str:
        """Base URL of a service."""
        return f"http://127.0.0.1:{self.ports[service]}"

    def database_url(self, service: str) -> str:
        """The SQLite database of a service."""
        return f"sqlite:///{self.workdir / (service + '.db')}"

    def env(self, service: str) -> dict[str, str]:
        """Environment of one service's gunicorn."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(
            ("REGISTRY_", "SCHEDULER_", "NOTIFIER_"))}
        env.update({
            "PORT": str(self.ports[service]),
            "WEB_CONCURRENCY": "1",
            "LOG_LEVEL": "INFO",
            "BROKER_URL": self.broker_url,
            f"{service.upper()}_DATABASE_URL": self.database_url(service),
            "SCHEDULER_REGISTRY_URL": self.url("registry"),
            "SCHEDULER_REGISTRY_PASSWORD": SERVICE_PASSWORD,
            "SCHEDULER_REGISTRY_RETRIES": "1",
            "SCHEDULER_MAX_SHIFTS": "10",
            "SCHEDULER_MAX_ACTIVE_JOBS": "1",
        })
        env.update(self.extra_env)
        return env

    def prepare(self) -> Stack:
        """Migrate every database and seed the registry."""
        from notifier.migrate import upgrade as notifier_upgrade  # noqa: PLC0415
        from scheduler.service.migrate import upgrade as scheduler_upgrade  # noqa: PLC0415

        self.ids = seed_registry(self.database_url("registry"))
        scheduler_upgrade(self.database_url("scheduler"))
        notifier_upgrade(self.database_url("notifier"))
        for service in CONF:
            self.ports.setdefault(service, free_port())
        return self

    def start(self, *services: str) -> Stack:
        """Start the given services (all by default) and wait for their ports."""
        for service in services or tuple(CONF):
            self.procs.spawn(service, [GUNICORN, "-c", str(CONF[service]), APP[service]],
                             self.env(service))
        for service in services or tuple(CONF):
            wait_for_port(self.ports[service], timeout=60)
            self._wait_healthy(service)
        return self

    def _wait_healthy(self, service: str, timeout: float = 60) -> None:
        # The port opens before a worker has imported the app; the first request then waits.
        deadline = clock.monotonic() + timeout
        while True:
            try:
                if requests.get(self.url(service) + "/healthz", timeout=timeout).ok:
                    return
            except requests.RequestException:
                pass
            if clock.monotonic() > deadline:
                raise TimeoutError(f"{service} never answered /healthz")
            clock.sleep(0.1)

    def login(self, username: str) -> dict[str, str]:
        """Authorization header of a registry user."""
        password = SERVICE_PASSWORD if username == "scheduler" else PASSWORD
        answer = requests.post(self.url("registry") + "/auth/token",
                               json={"username": username, "password": password}, timeout=60)
        answer.raise_for_status()
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    def volunteer_token(self, volunteer_id: int) -> dict[str, str]:
        """Authorization header of a volunteer, signed as the registry signs (its dev key)."""
        import jwt  # noqa: PLC0415

        from registry.config import defaults  # noqa: PLC0415

        config = defaults()
        now = int(clock.time())
        claims = {"sub": "999", "role": "volunteer", "volunteer_id": volunteer_id,
                  "community_ids": [self.ids["A"]], "iss": config["JWT_ISSUER"],
                  "aud": config["JWT_AUDIENCE"], "iat": now, "nbf": now, "exp": now + 900}
        token = jwt.encode(claims, str(config["JWT_SECRET"]), algorithm="HS256")
        return {"Authorization": f"Bearer {token}"}

    def logs(self, *services: str) -> str:
        """The log files of the given services (all by default)."""
        return "\n".join(self.procs.log(s) for s in services or tuple(CONF))
