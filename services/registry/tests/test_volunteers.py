"""Volunteers: validation, masking, scoping (BOLA), self-service and events."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask.testing import FlaskClient

from .conftest import World, outbox_rows


def _body(world: World, **extra: Any) -> dict[str, Any]:
    return {"community_id": world.ids["A"], "name": "陈七", "phone": "13512345678", **extra}


def _years_ago(years: int) -> str:
    today = date.today()
    return today.replace(year=today.year - years).isoformat()


def test_create_with_every_field(client: FlaskClient, world: World) -> None:
    body = _body(
        world,
        grid_id=world.ids["grid"],
        gender="female",
        id_number="11010119900101123X",
        birth_date="1990-01-01",
        team="party",
        party_member=True,
        skills=["tutor", "teacher"],
        languages=["普通话", "四川话"],
        qualifications=[
            {
                "skill": "teacher",
                "number": "T-1",
                "verified": True,
                "valid_from": "2024-01-01",
                "valid_until": "2029-01-01",
            }
        ],
        vetted_until="2027-01-01",
        insured_until="2027-01-01",
        availability=[{"weekday": 0, "start": "16:00", "end": "19:00"}],
        leave=[{"start": "2026-05-01", "end": "2026-05-05", "reason": "出差"}],
        max_hours_week=10,
        max_hours_month=40,
        min_hours_month=4,
        home_lat=30.6,
        home_lon=104.0,
        preferences={"venue_ids": [world.ids["venue"]], "avoid_venue_ids": [], "partner_ids": []},
        contact_channels=[{"channel": "sms", "address": "13512345678", "consent": True,
                           "consent_at": "2026-02-20T09:00:00"}],
        joined_on="2020-06-01",
        experienced=True,
    )
    answer = client.post("/volunteers", json=body, headers=world.h("coord_a"))
    assert answer.status_code == 201, answer.json
    created = answer.json
    assert created["phone"] == "13512345678"  # the coordinator's detail view
    # RFC 3339, as the OpenAPI document promises: a time given without offset is local.
    assert created["contact_channels"][0]["consent_at"] == "2026-02-20T09:00:00+08:00"
    assert created["id_number"] == "110101********123X"
    assert created["qualifications"][0]["verified"] is True
    full = client.get(f"/volunteers/{created['id']}", headers=world.h("admin")).json
    assert full["id_number"] == "11010119900101123X"
    listed = client.get(f"/volunteers?community_id={world.ids['A']}", headers=world.h("admin"))
    by_id = {v["id"]: v for v in listed.json}
    assert by_id[created["id"]]["phone"] == "135****5678"
    assert by_id[created["id"]]["contact_channels"][0]["address"] == "135****5678"
    assert "13512345678" not in listed.get_data(as_text=True)


def test_validation_rules(client: FlaskClient, world: World) -> None:
    cases = [
        ({"phone": "12345"}, "phone"),
        ({"id_number": "123"}, "id_number"),
        ({"birth_date": _years_ago(16)}, "guardian_consent"),
        (
            {"birth_date": _years_ago(12), "guardian_consent": True, "guardian_name": "陈父"},
            "guardian_consent_at",
        ),
        ({"skills": ["doctor"]}, "qualifications"),
        ({"skills": ["astronaut"]}, "skills"),
        ({"availability": [{"weekday": 1, "start": "18:00", "end": "17:00"}]}, "availability"),
        ({"leave": [{"start": "2026-05-05", "end": "2026-05-01"}]}, "leave"),
        ({"home_lat": 100, "home_lon": 1}, "home_lat"),
        ({"home_lat": 10}, "home_lon"),
        ({"team": "robots"}, "team"),
        ({"contact_channels": [{"channel": "fax", "address": "1"}]}, "contact_channels"),
        ({"birth_date": (date.today() + timedelta(days=1)).isoformat()}, "birth_date"),
        ({"grid_id": 999999}, "grid_id"),
    ]
    for extra, field in cases:
        answer = client.post("/volunteers", json=_body(world, **extra), headers=world.h("admin"))
        assert answer.status_code == 422, (extra, answer.json)
        assert field in answer.json["errors"]["json"], (extra, answer.json)


def test_minors_with_guardian_consent_are_accepted(client: FlaskClient, world: World) -> None:
    teen = _body(world, birth_date=_years_ago(16), guardian_consent=True, guardian_name="陈父")
    assert client.post("/volunteers", json=teen, headers=world.h("admin")).status_code == 201
    child = _body(
        world,
        phone="13512345670",
        birth_date=_years_ago(12),
        guardian_consent=True,
        guardian_name="陈母",
        guardian_consent_at="2026-01-01T10:00:00+08:00",
    )
    assert client.post("/volunteers", json=child, headers=world.h("admin")).status_code == 201


def test_patch_validates_the_merged_record(client: FlaskClient, world: World) -> None:
    vid = world.ids["va1"]
    answer = client.patch(
        f"/volunteers/{vid}", json={"birth_date": _years_ago(15)}, headers=world.h("coord_a")
    )
    assert answer.status_code == 422
    assert "guardian_consent" in answer.json["errors"]["json"]
    incomplete = client.patch(
        f"/volunteers/{vid}", json={"availability": [{"weekday": 1}]}, headers=world.h("coord_a")
    )
    assert incomplete.status_code == 422
    assert "availability" in incomplete.json["errors"]["json"]
    fine = client.patch(
        f"/volunteers/{vid}",
        json={"birth_date": _years_ago(15), "guardian_consent": True, "guardian_name": "张父"},
        headers=world.h("coord_a"),
    )
    assert fine.status_code == 200, fine.json


def test_volunteer_sees_only_themself(client: FlaskClient, world: World) -> None:
    own = client.get(f"/volunteers/{world.ids['va1']}", headers=world.h("vol_a1"))
    assert own.status_code == 200 and own.json["phone"] == "13812345678"
    for other in ("va2", "vb1", "vc1"):
        answer = client.get(f"/volunteers/{world.ids[other]}", headers=world.h("vol_a1"))
        assert answer.status_code == 404
        assert "phone" not in answer.json
    listing = client.get("/volunteers", headers=world.h("vol_a1")).json
    assert [v["id"] for v in listing] == [world.ids["va1"]]
    sneaky = client.get(f"/volunteers?volunteer_id={world.ids['va2']}", headers=world.h("vol_a1"))
    assert sneaky.status_code == 200 and sneaky.json == []
    assert (
        client.patch(
            f"/volunteers/{world.ids['va2']}", json={"languages": ["x"]}, headers=world.h("vol_a1")
        ).status_code
        == 404
    )
    assert (
        client.delete(f"/volunteers/{world.ids['va2']}", headers=world.h("vol_a1")).status_code
        == 404
    )


def test_volunteer_self_service_is_limited(client: FlaskClient, world: World) -> None:
    vid = world.ids["va1"]
    ok = client.patch(
        f"/volunteers/{vid}",
        json={
            "availability": [{"weekday": 2, "start": "16:00", "end": "18:30"}],
            "leave": [{"start": "2026-04-01", "end": "2026-04-03"}],
        },
        headers=world.h("vol_a1"),
    )
    assert ok.status_code == 200, ok.json
    refused = client.patch(
        f"/volunteers/{vid}",
        json={
            "skills": ["doctor"],
            "vetted_until": "2030-01-01",
            "active": True,
        },
        headers=world.h("vol_a1"),
    )
    assert refused.status_code == 422
    assert set(refused.json["errors"]["json"]) == {"skills", "vetted_until", "active"}
    assert (
        client.post("/volunteers", json=_body(world), headers=world.h("vol_a1")).status_code == 403
    )
    mass = client.patch(
        f"/volunteers/{vid}", json={"id": 5, "role": "admin"}, headers=world.h("vol_a1")
    )
    assert mass.status_code == 422 and set(mass.json["errors"]["json"]) == {"id", "role"}


def test_coordinator_cannot_see_other_communities(client: FlaskClient, world: World) -> None:
    assert (
        client.get(f"/volunteers/{world.ids['vc1']}", headers=world.h("coord_a")).status_code == 404
    )
    listing = client.get(f"/volunteers?community_id={world.ids['C']}", headers=world.h("coord_a"))
    assert listing.status_code == 200 and listing.json == []
    own = client.get("/volunteers", headers=world.h("coord_a")).json
    assert {v["community_id"] for v in own} == {world.ids["A"]}
    assert (
        client.post(
            "/volunteers",
            json=_body(world, community_id=world.ids["C"]),
            headers=world.h("coord_a"),
        ).status_code
        == 403
    )


def test_filters(client: FlaskClient, world: World) -> None:
    by_skill = client.get("/volunteers?skill=tutor", headers=world.h("admin")).json
    assert [v["id"] for v in by_skill] == [world.ids["va1"]]
    by_name = client.get("/volunteers?q=王", headers=world.h("admin")).json
    assert [v["id"] for v in by_name] == [world.ids["vb1"]]


def test_change_writes_exactly_one_event(client: FlaskClient, world: World) -> None:
    before = outbox_rows(world.app)
    answer = client.patch(
        f"/volunteers/{world.ids['va2']}", json={"active": False}, headers=world.h("coord_a")
    )
    assert answer.status_code == 200
    after = outbox_rows(world.app)
    assert len(after) == len(before) + 1
    event = after[-1]
    assert event["type"] == "registry.volunteer.changed"
    assert event["payload"] == {
        "entity": "volunteer",
        "id": world.ids["va2"],
        "action": "updated",
        "community_id": world.ids["A"],
        "fields": ["active"],
        "active": False,
    }
    failing = client.patch(
        f"/volunteers/{world.ids['va2']}", json={"phone": "bad"}, headers=world.h("coord_a")
    )
    assert failing.status_code == 422
    assert len(outbox_rows(world.app)) == len(after)


def test_delete_and_stale_etag(client: FlaskClient, world: World) -> None:
    vid = world.ids["va2"]
    etag = client.get(f"/volunteers/{vid}", headers=world.h("admin")).headers["ETag"]
    client.patch(f"/volunteers/{vid}", json={"languages": ["粤语"]}, headers=world.h("admin"))
    stale = client.delete(f"/volunteers/{vid}", headers=world.h("admin", **{"If-Match": etag}))
    assert stale.status_code == 412
    assert client.delete(f"/volunteers/{vid}", headers=world.h("admin")).status_code == 409
    created = client.post("/volunteers", json=_body(world), headers=world.h("admin")).json
    assert (
        client.delete(f"/volunteers/{created['id']}", headers=world.h("admin")).status_code == 204
    )


def test_only_contact_reading_service_accounts_see_phones(
    app: Any, client: FlaskClient, world: World
) -> None:
    """The notifier delivers SMS, so its account (CONTACT_READERS) reads the phone and the
    channel addresses in full on the detail view; the scheduler's account never does."""
    from registry.auth.tokens import issue_token
    from registry.db import make_engine, session_scope
    from registry.models import User

    engine = make_engine(app.config["DATABASE_URL"])
    with session_scope(engine) as session:
        user = User(username="notifier", password_hash="-", role="service", active=True)
        session.add(user)
        session.flush()
        notifier_id = user.id
    engine.dispose()
    token, _ttl = issue_token(notifier_id, "service", app.config)
    notifier = {"Authorization": f"Bearer {token}"}
    vid = world.ids["va2"]
    channels = [{"channel": "sms", "address": "13912345678", "consent": True}]
    assert client.patch(f"/volunteers/{vid}", json={"contact_channels": channels},
                        headers=world.h("coord_a")).status_code == 200

    full = client.get(f"/volunteers/{vid}", headers=notifier).json
    assert full["phone"] == "13912345678"
    assert full["contact_channels"][0]["address"] == "13912345678"
    masked = client.get(f"/volunteers/{vid}", headers=world.h("service")).json
    assert masked["phone"] == "139****5678"
    assert masked["contact_channels"][0]["address"] == "139****5678"
    # Lists stay masked for everyone, and the reader only reads.
    listed = client.get("/volunteers", headers=notifier).json
    assert {v["phone"] for v in listed if v["id"] == vid} == {"139****5678"}
    assert client.patch(f"/volunteers/{vid}", json={"name": "改名"},
                        headers=notifier).status_code == 403
    # The list of readers is configuration: without the notifier in it, masked again.
    app.config["CONTACT_READERS"] = "portal, someone-else"
    assert client.get(f"/volunteers/{vid}", headers=notifier).json["phone"] == "139****5678"
