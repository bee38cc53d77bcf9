"""Fixtures of the scheduler service tests: migrated databases, tokens, a small snapshot."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import jwt
import pytest
from sqlalchemy.orm import Session, sessionmaker

from scheduler.service.auth import Principal
from scheduler.service.config import DEV_JWT_SECRET
from scheduler.service.db import make_engine, session_factory, session_scope
from scheduler.service.migrate import upgrade
from scheduler.service.plans import service as plans

SECRET = DEV_JWT_SECRET
ADMIN = Principal(1, "admin")


def make_token(role: str, sub: int = 1, *, secret: str = SECRET, ttl: int = 600,
               **claims: Any) -> str:
    """A registry-style access token."""
    now = int(time.time())
    body = {"sub": str(sub), "role": role, "iss": "linli-registry", "aud": "linli",
            "iat": now, "nbf": now, "exp": now + ttl, **claims}
    return jwt.encode(body, secret, algorithm="HS256")


def bearer(role: str, sub: int = 1, **claims: Any) -> dict[str, str]:
    """Authorization header of a token."""
    return {"Authorization": f"Bearer {make_token(role, sub, **claims)}"}


def small_snapshot(days: int = 5, volunteers: int = 6) -> dict[str, Any]:
    """Two communities, a venue each, vetted tutors, one after-school shift a day each."""
    snap: dict[str, Any] = {
        "communities": [{"id": 1, "name": "幸福社区"}, {"id": 2, "name": "和平社区"}],
        "venues": [
            {"id": 10, "community_id": 1, "name": "幸福邻里中心", "address": "幸福路1号",
             "lat": 25.79, "lon": 114.54},
            {"id": 20, "community_id": 2, "name": "和平党群服务中心", "address": "和平街2号",
             "lat": 25.80, "lon": 114.55},
        ],
        "volunteers": [],
        "shifts": [],
    }
    for community, venue in ((1, 10), (2, 20)):
        for i in range(volunteers):
            snap["volunteers"].append({
                "id": community * 100 + i, "community_id": community, "name": f"志愿者{i}",
                "skills": ["tutor", "general"], "vetted_until": "2027-12-31",
                "availability": [], "leave": [], "qualifications": [], "active": True,
                "preferences": {"venue_ids": [venue]},
            })
        snap["volunteers"].append({
            "id": community * 100 + 99, "community_id": community, "name": "未审查",
            "skills": ["tutor"], "vetted_until": None, "active": True,
        })
        for d in range(days):
            snap["shifts"].append({
                "id": community * 1000 + d, "activity_id": community, "community_id": community,
                "venue_id": venue, "date": f"2026-03-{d + 2:02d}", "start_time": "16:30",
                "end_time": "18:00", "needs": [{"skill": "tutor", "min": 2, "max": 3}],
                "activity": {"type_code": "after_school", "name": "四点半课堂",
                             "requires_vetting": True, "children_present": True,
                             "priority": 3},
            })
    return snap


@pytest.fixture
def factory(database_url: str) -> Iterator[sessionmaker[Session]]:
    """A session factory on a freshly migrated database (SQLite, then PostgreSQL)."""
    upgrade(database_url)
    engine = make_engine(database_url)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def sqlite_factory(tmp_path: Any) -> Iterator[tuple[str, sessionmaker[Session]]]:
    """URL and session factory of a migrated SQLite database."""
    url = f"sqlite:///{tmp_path / 'scheduler.db'}"
    upgrade(url)
    engine = make_engine(url)
    yield url, session_factory(engine)
    engine.dispose()


def new_plan(factory: sessionmaker[Session], snapshot: dict[str, Any] | None = None,
             communities: tuple[int, ...] = (1, 2), **settings: Any) -> int:
    """Store a plan for March 2–8, 2026 built from the snapshot; return its id."""
    # A price on a third tutor makes the solver fill exactly the two wanted.
    data = {"community_ids": list(communities), "start": date(2026, 3, 2),
            "end": date(2026, 3, 8), "weights": {"over_cover": 5}, **settings}
    with session_scope(factory) as session:
        plan = plans.plan_from_snapshot(session, ADMIN, snapshot or small_snapshot(), data,
                                        max_shifts=1000)
        return plan.id


def solve_in_process(factory: sessionmaker[Session], plan_id: int, **pins: Any) -> None:
    """Solve a plan with the real engine in this process (no child), as a worker would store
    it: request, claim, solve, store, finish."""
    from scheduler.engine import solve  # noqa: PLC0415
    from scheduler.service import jobs  # noqa: PLC0415
    from scheduler.service.models import Plan, PlanVersion, SolveJob  # noqa: PLC0415

    with session_scope(factory) as session:
        job = plans.request_solve(session, session.get(Plan, plan_id), ADMIN, time_limit=2,
                                  max_active=100)
        job_id = job.id
        assert jobs.claim(session, job_id, "in-process", 30)
    with session_scope(factory) as session:
        job = session.get(SolveJob, job_id)
        plan = session.get(Plan, plan_id)
        version = session.get(PlanVersion, job.version_id)
        result = solve(plans.problem_for_solve(session, plan, version), time_limit=2,
                       in_process=True, deterministic=True, workers=1)
        plans.store_result(session, plan, version, result)
        jobs.succeed(session, job, result["status"], {})
