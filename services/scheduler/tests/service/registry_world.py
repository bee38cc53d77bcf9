"""The real registry for the scheduler's tests: migrated, seeded and served over HTTP on a
free loopback port (werkzeug in a thread)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from linli_testing import registry_server
from registry.auth.service import hash_password
from registry.models import Activity, Community, Pairing, Shift, User, Venue, Volunteer

from .conftest import SECRET

SERVICE_PASSWORD = "linli-demo"
DEMO_PASSWORD = "linli-demo"
PASSWORD = "correct horse battery staple"


@dataclass
class RegistryServer(registry_server.RegistryServer):
    """The registry, signing with the scheduler tests' secret."""

    secret: str = SECRET


def _user(session: Any, username: str, role: str, password: str = PASSWORD,
          **kwargs: Any) -> User:
    user = User(username=username, password_hash=hash_password(password), role=role,
                active=True, **kwargs)
    session.add(user)
    session.flush()
    return user


def _volunteer(community_id: int, name: str, **kwargs: Any) -> Volunteer:
    fields: dict[str, Any] = {
        "phone": "13800000000", "skills": ["tutor", "general"], "languages": [],
        "qualifications": [], "availability": [], "leave": [], "preferences": {},
        "contact_channels": [], "active": True, "vetted_until": date(2027, 12, 31),
    }
    fields.update(kwargs)
    return Volunteer(community_id=community_id, name=name, **fields)


def small_world(session: Any) -> dict[str, int]:
    """Communities A and B (not paired), a centre each, eight vetted tutors each, an
    after-school class on the weekdays of 2–27 March 2026 in both, and users."""
    a = Community(code="A", name="幸福社区", district="示例县", calendar_region="CN")
    b = Community(code="B", name="和平社区", district="示例县", calendar_region="CN")
    c = Community(code="C", name="远方社区", district="示例县", calendar_region="CN")
    session.add_all([a, b, c])
    session.flush()
    session.add(Pairing(community_id=b.id, partner_id=c.id, kind="结对共建"))
    ids: dict[str, int] = {"A": a.id, "B": b.id}
    for code, community in (("A", a), ("B", b)):
        venue = Venue(community_id=community.id, name=f"{community.name}邻里中心",
                      kind="neighbourhood_centre", address=f"{code}路1号", lat=30.6,
                      lon=104.0, opening_hours=[], after_school_start="16:30", rooms=[])
        session.add(venue)
        session.flush()
        people = [_volunteer(community.id, f"{code}志愿者{i}", id_number="110101199001011234")
                  for i in range(8)]
        session.add_all(people)
        session.flush()
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
            if (date(2026, 3, 2) + timedelta(days=d)).weekday() > 4:
                continue
            session.add(Shift(
                activity_id=activity.id, community_id=community.id, venue_id=venue.id,
                date=date(2026, 3, 2) + timedelta(days=d), start_time=time(16, 30),
                end_time=time(18, 0), needs=[{"skill": "tutor", "min": 2, "max": 2}],
                status="scheduled",
            ))
        ids[f"venue_{code}"] = venue.id
        ids[f"volunteer_{code}"] = people[0].id
    session.flush()
    _user(session, "scheduler", "service", SERVICE_PASSWORD)
    ids["coord_a"] = _user(session, "coord_a", "coordinator", community_ids=[a.id]).id
    ids["coord_b"] = _user(session, "coord_b", "coordinator", community_ids=[b.id]).id
    ids["admin"] = _user(session, "admin", "admin").id
    return ids


def demo_county(session: Any) -> dict[str, int]:
    """The registry's demo county (11 communities, their volunteers, shifts and users)."""
    from sqlalchemy import select  # noqa: PLC0415

    from registry.seed import seed_demo  # noqa: PLC0415

    seed_demo(session)
    session.flush()
    xingfu = session.scalars(select(Community).where(Community.name == "幸福社区")).one()
    return {"A": xingfu.id}
