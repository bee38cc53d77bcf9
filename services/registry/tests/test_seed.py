"""Demo data: seeding loads the county, and seeding again changes nothing."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select

from registry.db import make_engine, session_scope
from registry.models import OUTBOX, Shift, User, Volunteer
from registry.seed import seed_demo


def _counts(engine: object) -> tuple[int, int, int, int]:
    with engine.connect() as conn:  # type: ignore[attr-defined]
        return tuple(  # type: ignore[return-value]
            conn.scalar(select(func.count()).select_from(t))
            for t in (Volunteer.__table__, Shift.__table__, User.__table__, OUTBOX)
        )


def _two_communities(demo: dict[str, Any], keep: set[str]) -> dict[str, Any]:
    """The demo county cut down to some communities, with references kept consistent."""
    out = dict(demo)
    out["communities"] = [c for c in demo["communities"] if c["code"] in keep]
    out["pairings"] = [p for p in demo["pairings"] if {p["community"], p["partner"]} <= keep]
    for kind in ("grids", "venues", "activities"):
        out[kind] = [r for r in demo[kind] if r["community"] in keep]
    out["activity_types"] = [t for t in demo["activity_types"] if t.get("community") in keep]
    venues = {v["ref"] for v in out["venues"]}
    people = [dict(v) for v in demo["volunteers"] if v["community"] in keep]
    refs = {v["ref"] for v in people}
    for person in people:
        prefs = dict(person["preferences"])
        prefs["venues"] = [v for v in prefs.get("venues", []) if v in venues]
        prefs["avoid_venues"] = [v for v in prefs.get("avoid_venues", []) if v in venues]
        prefs["partners"] = [p for p in prefs.get("partners", []) if p in refs]
        person["preferences"] = prefs
    out["volunteers"] = people
    out["users"] = [
        u
        for u in demo["users"]
        if set(u.get("communities") or []) <= keep
        and (u.get("volunteer") in refs or not u.get("volunteer"))
    ]
    return out


def test_seed_twice_changes_nothing(app: Flask) -> None:
    from registry.demo.county import build_demo_county  # noqa: PLC0415

    demo = _two_communities(build_demo_county(), {"XF", "DM"})
    engine = make_engine(app.config["DATABASE_URL"])
    with session_scope(engine) as session:
        first = seed_demo(session, demo)
    assert first["communities"] == 2 and first["volunteers"] > 50 and first["shifts"] > 500
    after_first = _counts(engine)
    with session_scope(engine) as session:
        second = seed_demo(session, demo)
    assert second == first
    assert _counts(engine) == after_first
    client = app.test_client()
    token = client.post(
        "/auth/token", json={"username": "coord_xingfu", "password": "linli-demo"}
    ).json["access_token"]
    listing = client.get("/volunteers", headers={"Authorization": f"Bearer {token}"})
    assert listing.status_code == 200
    assert {v["community_id"] for v in listing.json} == {listing.json[0]["community_id"]}
    engine.dispose()
