"""The demo district: its size and shape, and the bulk load (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections import Counter
from datetime import date

from flask import Flask
from sqlalchemy import func, select

from registry.db import make_engine, session_scope
from registry.demo.district import WEEK_END, WEEK_START, build_demo_district
from registry.models import OUTBOX, Community, Shift, User, Volunteer
from registry.seed_district import seed_district


def test_the_district_is_a_city_district_with_a_week_of_shifts() -> None:
    demo = build_demo_district()
    assert demo == build_demo_district()  # deterministic
    assert 80 <= len(demo["communities"]) <= 100
    assert 2800 <= len(demo["volunteers"]) <= 3200
    assert 900 <= len(demo["shifts"]) <= 1100
    assert set(Counter(v["team"] for v in demo["volunteers"])) == {"party", "youth", "women"}
    phones = [v["phone"] for v in demo["volunteers"]]
    assert len(set(phones)) == len(phones)
    days = {date.fromisoformat(s["date"]) for s in demo["shifts"]}
    assert min(days) == WEEK_START and max(days) <= WEEK_END
    kinds = Counter(a["type_code"] for a in demo["activities"])
    assert kinds["after_school"] >= len(demo["communities"])
    assert kinds["door_knocking"] == len(demo["communities"])
    # Every activity keeps volunteers near home: a district-wide plan stays local.
    assert all(a["radius_km"] for a in demo["activities"])


def test_bulk_load_stores_everything_once_and_a_second_load_changes_nothing(app: Flask) -> None:
    demo = build_demo_district()
    engine = make_engine(app.config["DATABASE_URL"])
    with session_scope(engine) as session:
        counts = seed_district(session, demo)
    assert counts == {
        "communities": len(demo["communities"]),
        "grids": len(demo["grids"]),
        "venues": len(demo["venues"]),
        "volunteers": len(demo["volunteers"]),
        "activities": len(demo["activities"]),
        "shifts": len(demo["shifts"]),
    }
    with session_scope(engine) as session:
        assert seed_district(session, demo) == counts
        assert session.scalar(select(func.count()).select_from(Volunteer)) == counts["volunteers"]
        assert session.scalar(select(func.count()).select_from(Shift)) == counts["shifts"]
        assert session.scalar(select(func.count()).select_from(OUTBOX)) == 0
        assert set(session.scalars(select(User.username))) == {
            "admin", "coord_district", "scheduler", "notifier"}
        ids = list(session.scalars(select(Community.id)))
        first = session.scalars(select(Volunteer).order_by(Volunteer.id)).first()
        assert first is not None and first.phone == demo["volunteers"][0]["phone"]
    engine.dispose()

    # The district coordinator reads the whole week's snapshot through the API.
    client = app.test_client()
    login = client.post("/auth/token", json={"username": "coord_district",
                                             "password": "linli-demo"})
    assert login.status_code == 200, login.get_json()
    headers = {"Authorization": f"Bearer {login.get_json()['access_token']}"}
    snapshot = client.get("/snapshot", headers=headers, query_string={
        "community_id": ids, "start": WEEK_START.isoformat(), "end": WEEK_END.isoformat(),
        "mark_planned": "false"})
    assert snapshot.status_code == 200, snapshot.get_json()
    body = snapshot.get_json()
    assert len(body["shifts"]) == counts["shifts"]
    assert len(body["volunteers"]) == counts["volunteers"]
