"""Fixtures: a migrated registry app on SQLite and PostgreSQL, a small world, tokens."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from registry.app import create_app
from registry.auth.service import hash_password
from registry.auth.tokens import issue_token
from registry.db import make_engine, session_scope
from registry.migrate import upgrade
from registry.models import Activity, Community, Grid, Pairing, Room, User, Venue, Volunteer

PASSWORD = "correct horse battery staple"
_HASH = hash_password(PASSWORD)  # one slow hash for every test user


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    """The registry app on a freshly migrated database."""
    upgrade(database_url)
    application = create_app({"DATABASE_URL": database_url, "TESTING": True})
    yield application
    application.extensions["registry_engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client."""
    return app.test_client()


@dataclass
class World:
    """Two paired communities (A, B), an unpaired one (C), people and tokens."""

    app: Flask
    ids: dict[str, int] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def h(self, who: str, **extra: str) -> dict[str, str]:
        """Authorization headers of a user, plus extras."""
        return {**self.headers[who], **extra}


def _user(session: Any, username: str, role: str, **kwargs: Any) -> User:
    user = User(username=username, password_hash=_HASH, role=role, active=True, **kwargs)
    session.add(user)
    session.flush()
    return user


@pytest.fixture
def world(app: Flask) -> World:
    """Communities A, B (paired) and C; a venue, volunteers, an activity and users."""
    w = World(app)
    engine = make_engine(app.config["DATABASE_URL"])
    with session_scope(engine) as s:
        a = Community(code="A", name="幸福社区", district="示例区", calendar_region="CN")
        b = Community(code="B", name="和平社区", district="示例区", calendar_region="CN")
        c = Community(code="C", name="远方社区", district="别区", calendar_region="CN")
        s.add_all([a, b, c])
        s.flush()
        s.add(Pairing(community_id=a.id, partner_id=b.id, kind="结对共建"))
        grid = Grid(community_id=a.id, name="一网格", households=400, station="一站")
        venue = Venue(
            community_id=a.id,
            name="幸福邻里中心",
            kind="neighbourhood_centre",
            lat=30.6,
            lon=104.0,
            opening_hours=[],
            after_school_start="16:30",
            tutor_pupil_ratio=8,
            rooms=[Room(name="四点半课堂", capacity=30)],
        )
        venue_c = Venue(
            community_id=c.id, name="远方中心", kind="other", opening_hours=[], rooms=[]
        )
        s.add_all([grid, venue, venue_c])
        s.flush()
        va1 = Volunteer(
            community_id=a.id,
            grid_id=grid.id,
            name="张三",
            phone="13812345678",
            id_number="110101199001011234",
            skills=["tutor"],
            languages=[],
            qualifications=[],
            availability=[],
            leave=[],
            preferences={},
            contact_channels=[],
            active=True,
        )
        va2 = Volunteer(
            community_id=a.id,
            name="李四",
            phone="13912345678",
            skills=["general"],
            languages=[],
            qualifications=[],
            availability=[],
            leave=[],
            preferences={},
            contact_channels=[],
            active=True,
        )
        vb1 = Volunteer(
            community_id=b.id,
            name="王五",
            phone="13712345678",
            skills=["escort"],
            languages=[],
            qualifications=[],
            availability=[],
            leave=[],
            preferences={},
            contact_channels=[],
            active=True,
        )
        vc1 = Volunteer(
            community_id=c.id,
            name="赵六",
            phone="13612345678",
            skills=[],
            languages=[],
            qualifications=[],
            availability=[],
            leave=[],
            preferences={},
            contact_channels=[],
            active=True,
        )
        s.add_all([va1, va2, vb1, vc1])
        s.flush()
        activity = Activity(
            community_id=a.id,
            venue_id=venue.id,
            room_id=venue.rooms[0].id,
            type_code="after_school",
            name="四点半课堂",
            recurrence={
                "kind": "weekly",
                "start_date": "2026-03-02",
                "end_date": "2026-03-29",
                "weekdays": [0, 2],
            },
            start_time=time(16, 30),
            end_time=time(18, 0),
            needs=[{"skill": "tutor", "min": 2, "max": 3}],
            children_present=True,
            requires_vetting=True,
            priority=4,
        )
        s.add(activity)
        s.flush()
        users = {
            "admin": _user(s, "admin", "admin"),
            "coord_a": _user(s, "coord_a", "coordinator", community_ids=[a.id]),
            "coord_b": _user(s, "coord_b", "coordinator", community_ids=[b.id]),
            "vol_a1": _user(s, "vol_a1", "volunteer", volunteer_id=va1.id),
            "vol_a2": _user(s, "vol_a2", "volunteer", volunteer_id=va2.id),
            "service": _user(s, "scheduler", "service"),
        }
        w.ids.update(
            A=a.id,
            B=b.id,
            C=c.id,
            grid=grid.id,
            venue=venue.id,
            venue_c=venue_c.id,
            room=venue.rooms[0].id,
            va1=va1.id,
            va2=va2.id,
            vb1=vb1.id,
            vc1=vc1.id,
            activity=activity.id,
        )
        w.ids.update({f"user_{k}": u.id for k, u in users.items()})
        for name, user in users.items():
            token, _ttl = issue_token(user.id, user.role, app.config)
            w.headers[name] = {"Authorization": f"Bearer {token}"}
    engine.dispose()
    return w


def outbox_rows(app: Flask) -> list[dict[str, Any]]:
    """Every outbox row, oldest first."""
    import json  # noqa: PLC0415

    from sqlalchemy import select  # noqa: PLC0415

    from registry.models import OUTBOX  # noqa: PLC0415

    engine = app.extensions["registry_engine"]
    with engine.connect() as conn:
        rows = conn.execute(select(OUTBOX).order_by(OUTBOX.c.created_at, OUTBOX.c.id)).all()
    return [{"type": r.type, **json.loads(r.body)} for r in rows]


TODAY = date.today()
