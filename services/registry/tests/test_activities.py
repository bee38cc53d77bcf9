"""Activity types, activities, shift generation, shifts and calendars."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from .conftest import World, outbox_rows


def _activity(world: World, **extra: Any) -> dict[str, Any]:
    return {
        "community_id": world.ids["A"],
        "venue_id": world.ids["venue"],
        "type_code": "outreach_health",
        "name": "义诊",
        "recurrence": {
            "kind": "weekly",
            "start_date": "2026-03-01",
            "end_date": "2026-03-31",
            "weekdays": [5],
        },
        "start_time": "09:00",
        "end_time": "11:30",
        "needs": [{"skill": "doctor", "min": 1, "max": 2}],
        "requires_party_lead": True,
        **extra,
    }


def _generate(client: FlaskClient, world: World, activity_id: int, start: str, end: str) -> Any:
    return client.post(
        f"/activities/{activity_id}/generate-shifts",
        json={"start_date": start, "end_date": end},
        headers=world.h("coord_a"),
    )


def _shifts(client: FlaskClient, world: World, activity_id: int, **query: str) -> list[Any]:
    args = "&".join(f"{k}={v}" for k, v in query.items())
    answer = client.get(
        f"/shifts?activity_id={activity_id}&page_size=200&{args}", headers=world.h("coord_a")
    )
    assert answer.status_code == 200, answer.json
    return list(answer.json)


def test_builtin_and_custom_activity_types(client: FlaskClient, world: World) -> None:
    types = client.get("/activity-types", headers=world.h("coord_a")).json
    codes = {t["code"] for t in types}
    assert {"after_school", "escort", "outreach_health", "door_knocking"} <= codes
    created = client.post(
        "/activity-types",
        json={
            "code": "festival_visit",
            "name_zh": "节日慰问",
            "community_id": world.ids["A"],
            "default_skill": "social_worker",
            "outreach": True,
        },
        headers=world.h("coord_a"),
    )
    assert created.status_code == 201, created.json
    assert created.json["built_in"] is False
    hidden = client.get(f"/activity-types/{created.json['id']}", headers=world.h("coord_b"))
    assert hidden.status_code == 404
    builtin = next(t for t in types if t["code"] == "after_school")
    assert (
        client.patch(
            f"/activity-types/{builtin['id']}", json={"name_zh": "x"}, headers=world.h("coord_a")
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/activity-types",
            json={
                "code": "after_school",
                "name_zh": "重复",
                "community_id": world.ids["A"],
            },
            headers=world.h("coord_a"),
        ).status_code
        == 422
    )


def test_activity_validation(client: FlaskClient, world: World) -> None:
    bad = [
        ({"end_time": "08:00"}, "end_time"),
        ({"venue_id": world.ids["venue_c"]}, "venue_id"),
        ({"type_code": "no_such_type"}, "type_code"),
        ({"needs": [{"skill": "doctor", "min": 3, "max": 1}]}, "needs"),
        (
            {
                "recurrence": {
                    "kind": "weekly",
                    "start_date": "2026-03-01",
                    "end_date": "2026-03-31",
                }
            },
            "recurrence",
        ),
        (
            {"recurrence": {"kind": "once", "start_date": "2026-03-05", "end_date": "2026-03-01"}},
            "recurrence",
        ),
        ({"priority": 9}, "priority"),
        ({"min_age": 18, "max_age": 10}, "max_age"),
    ]
    for extra, field in bad:
        answer = client.post(
            "/activities", json=_activity(world, **extra), headers=world.h("coord_a")
        )
        assert answer.status_code == 422, (extra, answer.json)
        assert field in answer.json["errors"]["json"], (extra, answer.json)
    assert (
        client.post("/activities", json=_activity(world), headers=world.h("vol_a1")).status_code
        == 403
    )


def test_generation_is_idempotent_and_keeps_edited_shifts(
    client: FlaskClient, world: World
) -> None:
    created = client.post("/activities", json=_activity(world), headers=world.h("coord_a"))
    assert created.status_code == 201, created.json
    aid = created.json["id"]
    first = _generate(client, world, aid, "2026-03-01", "2026-03-31")
    assert first.status_code == 200, first.json
    assert first.json["created"] == 4  # Saturdays 7, 14, 21, 28 March 2026
    shifts = _shifts(client, world, aid)
    assert [s["date"] for s in shifts] == ["2026-03-07", "2026-03-14", "2026-03-21", "2026-03-28"]
    again = _generate(client, world, aid, "2026-03-01", "2026-03-31").json
    assert (again["created"], again["kept"], again["cancelled"]) == (0, 4, 0)
    assert _shifts(client, world, aid) == shifts

    edited = client.patch(
        f"/shifts/{shifts[1]['id']}", json={"start_time": "09:30"}, headers=world.h("coord_a")
    )
    assert edited.status_code == 200 and edited.json["edited"] is True
    assert edited.json["needs"] == [{"skill": "doctor", "min": 1, "max": 2}]
    etag = client.get(f"/activities/{aid}", headers=world.h("coord_a")).headers["ETag"]
    moved = client.patch(
        f"/activities/{aid}",
        json={
            "recurrence": {
                "kind": "weekly",
                "start_date": "2026-03-01",
                "end_date": "2026-03-31",
                "weekdays": [6],
            }
        },
        headers=world.h("coord_a", **{"If-Match": etag}),
    )
    assert moved.status_code == 200, moved.json
    result = _generate(client, world, aid, "2026-03-01", "2026-03-31").json
    assert result["created"] == 5 and result["cancelled"] == 3
    live = _shifts(client, world, aid, status="scheduled")
    assert shifts[1]["id"] in {s["id"] for s in live}
    kept = next(s for s in live if s["id"] == shifts[1]["id"])
    assert kept["start_time"] == "09:30" and kept["date"] == "2026-03-14"
    sundays = sorted(s["date"] for s in live if s["id"] != shifts[1]["id"])
    assert sundays == ["2026-03-01", "2026-03-08", "2026-03-15", "2026-03-22", "2026-03-29"]
    events = [e for e in outbox_rows(world.app) if e["type"] == "registry.shifts.generated"]
    assert len(events) == 2


def test_cancelled_shift_stays_cancelled(client: FlaskClient, world: World) -> None:
    aid = world.ids["activity"]
    assert _generate(client, world, aid, "2026-03-02", "2026-03-08").json["created"] == 2
    first = _shifts(client, world, aid)[0]
    cancelled = client.post(f"/shifts/{first['id']}/cancel", headers=world.h("coord_a"))
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    again = _generate(client, world, aid, "2026-03-02", "2026-03-08").json
    assert again["created"] == 0
    assert len(_shifts(client, world, aid, status="scheduled")) == 1
    assert (
        client.post(f"/shifts/{first['id']}/cancel", headers=world.h("vol_a1")).status_code == 403
    )


def test_shift_scoping_and_filters(client: FlaskClient, world: World) -> None:
    aid = world.ids["activity"]
    _generate(client, world, aid, "2026-03-01", "2026-03-31")
    march = client.get(
        f"/shifts?community_id={world.ids['A']}&start=2026-03-09&end=2026-03-15",
        headers=world.h("coord_a"),
    ).json
    assert [s["date"] for s in march] == ["2026-03-09", "2026-03-11"]
    assert client.get("/shifts", headers=world.h("coord_b")).json == []
    sid = march[0]["id"]
    assert client.get(f"/shifts/{sid}", headers=world.h("coord_b")).status_code == 404
    assert (
        client.patch(
            f"/shifts/{sid}", json={"end_time": "16:00"}, headers=world.h("coord_a")
        ).status_code
        == 422
    )
    assert (
        client.patch(
            f"/shifts/{sid}", json={"status": "cancelled"}, headers=world.h("coord_a")
        ).status_code
        == 422
    )


def test_school_days_need_a_confirmed_calendar(client: FlaskClient, world: World) -> None:
    body = _activity(
        world,
        type_code="after_school",
        name="四点半课堂",
        start_time="16:30",
        end_time="18:00",
        needs=[{"skill": "tutor", "min": 2, "max": 4}],
        recurrence={"kind": "school_days", "start_date": "2026-09-01", "end_date": "2027-01-15"},
    )
    aid = client.post("/activities", json=body, headers=world.h("coord_a")).json["id"]
    no_terms = _generate(client, world, aid, "2026-09-01", "2026-09-30")
    assert no_terms.status_code == 422
    calendar = {
        "terms": [{"name": "2026秋季学期", "start": "2026-09-01", "end": "2027-01-15"}],
        "breaks": [],
        "holidays": [],
        "workdays": [],
        "confirmed_years": [],
    }
    assert client.put("/calendars/CN", json=calendar, headers=world.h("coord_a")).status_code == 200
    september = _generate(client, world, aid, "2026-09-01", "2026-09-30")
    assert september.status_code == 200, september.json
    # 21 weekdays plus Sunday 20 September, a make-up working day (调休) in 2026.
    assert september.json["created"] == 22
    october = _generate(client, world, aid, "2026-10-01", "2026-10-10").json
    dates = {s["date"] for s in _shifts(client, world, aid, start="2026-10-01", end="2026-10-10")}
    assert sorted(dates) == ["2026-10-08", "2026-10-09", "2026-10-10"]
    assert october["created"] == 3
    refused = _generate(client, world, aid, "2027-01-04", "2027-01-15")
    assert refused.status_code == 422
    assert "2027" in refused.json["message"]
    assert refused.json["errors"]["calendar"]["years"] == [2027]
    english = client.post(
        f"/activities/{aid}/generate-shifts",
        json={"start_date": "2027-01-04", "end_date": "2027-01-15"},
        headers=world.h("coord_a", **{"Accept-Language": "en"}),
    )
    assert "2027" in english.json["message"]
    confirm = client.post("/calendars/CN/confirm", json={"year": 2027}, headers=world.h("admin"))
    assert confirm.status_code == 200 and confirm.json["confirmed_years"] == [2027]
    client.post("/calendars/CN/holidays", json={"dates": ["2027-01-01"]}, headers=world.h("admin"))
    accepted = _generate(client, world, aid, "2027-01-01", "2027-01-15")
    assert accepted.status_code == 200, accepted.json
    assert accepted.json["created"] == 10


def test_calendar_editing_rules(client: FlaskClient, world: World) -> None:
    assert client.get("/calendars/CN", headers=world.h("admin")).status_code == 404
    assert (
        client.post(
            "/calendars/CN/workdays", json={"dates": ["2026-02-14"]}, headers=world.h("vol_a1")
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/calendars/XX/workdays", json={"dates": ["2026-02-14"]}, headers=world.h("coord_a")
        ).status_code
        == 403
    )
    added = client.post(
        "/calendars/CN/workdays", json={"dates": ["2026-02-14"]}, headers=world.h("coord_a")
    )
    assert added.status_code == 200 and added.json["workdays"] == ["2026-02-14"]
    moved = client.post(
        "/calendars/CN/holidays", json={"dates": ["2026-02-14"]}, headers=world.h("coord_a")
    ).json
    assert moved["holidays"] == ["2026-02-14"] and moved["workdays"] == []
    term = client.post(
        "/calendars/CN/terms",
        json={"name": "春季", "start": "2026-03-01", "end": "2026-07-10"},
        headers=world.h("coord_a"),
    )
    assert term.status_code == 200
    etag = term.headers["ETag"]
    client.post(
        "/calendars/CN/breaks",
        json={"name": "暑假", "start": "2026-07-11", "end": "2026-08-31"},
        headers=world.h("coord_a"),
    )
    stale = client.put("/calendars/CN", json={}, headers=world.h("admin", **{"If-Match": etag}))
    assert stale.status_code == 412
    both = client.put(
        "/calendars/CN",
        json={"holidays": ["2026-05-01"], "workdays": ["2026-05-01"]},
        headers=world.h("admin"),
    )
    assert both.status_code == 422
    listing = client.get("/calendars", headers=world.h("vol_a1")).json
    assert [c["region"] for c in listing] == ["CN"]
