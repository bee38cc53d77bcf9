"""The personal iCalendar feed: stable UIDs, growing SEQUENCE, cancellations, Asia/Shanghai."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import jwt
from notifier_factories import assigned, published

from linli_contracts.envelope import make_event
from notifier.app import create_app
from notifier.domain.ical import fold
from notifier.events import handle_event

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def events_of(text: str) -> list[dict[str, str]]:
    unfolded = text.replace("\r\n ", "")
    found = []
    for block in re.findall(r"BEGIN:VEVENT\r\n(.*?)END:VEVENT", unfolded, re.S):
        fields = {}
        for line in block.split("\r\n"):
            if line:
                key, _, value = line.partition(":")
                fields[key] = value
        found.append(fields)
    return found


def test_feed_follows_changes_and_cancellations(sessions: Any, settings: dict[str, Any]) -> None:
    client = create_app(settings).test_client()
    put = client.put("/volunteers/1/channel-settings", json={"community_id": 7}, headers={
        "Authorization": "Bearer " + jwt.encode(
            {"sub": "1", "role": "service", "iss": settings["JWT_ISSUER"],
             "aud": settings["JWT_AUDIENCE"], "exp": 4102444800}, settings["JWT_SECRET"],
            algorithm="HS256")})
    url = put.json["calendar_url"].replace("https://linli.example.org", "")
    first = assigned(11, 1, day=date(2026, 11, 25))
    second = assigned(12, 1, day=date(2026, 11, 26), start="23:00", end="01:00")
    for envelope in (first, second, published(1, 1, 2)):
        with sessions() as session, session.begin():
            handle_event(session, envelope, settings, NOW)
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    text = response.get_data(as_text=True)
    assert "BEGIN:VTIMEZONE\r\nTZID:Asia/Shanghai" in text
    one, two = events_of(text)
    assert one["UID"] == "assignment-11@linli" and one["SEQUENCE"] == "0"
    assert one["DTSTART;TZID=Asia/Shanghai"] == "20261125T163000"
    assert one["STATUS"] == "CONFIRMED"
    assert one["LOCATION"] == "星光社区邻里中心，幸福路8号"
    assert two["DTEND;TZID=Asia/Shanghai"] == "20261127T010000"  # ends after midnight

    changed = dict(first.payload, previous={"role": "tutor", "shift": first.payload["shift"]})
    changed["shift"] = {**first.payload["shift"], "start": "15:00"}
    cancelled = dict(second.payload, reason="场地维修")
    for envelope in (make_event("assignment.changed", changed),
                     make_event("assignment.cancelled", cancelled)):
        with sessions() as session, session.begin():
            handle_event(session, envelope, settings, NOW)
    one, two = events_of(client.get(url).get_data(as_text=True))
    assert (one["UID"], one["SEQUENCE"], one["DTSTART;TZID=Asia/Shanghai"]) == (
        "assignment-11@linli", "1", "20261125T150000")
    assert (two["UID"], two["SEQUENCE"], two["STATUS"]) == ("assignment-12@linli", "1", "CANCELLED")
    assert client.get("/calendar/not-the-secret-at-all.ics").status_code == 404


def test_lines_fold_at_75_octets_without_splitting_characters() -> None:
    pieces = fold("DESCRIPTION:" + "四点半课堂" * 20)
    assert all(len(p.encode()) <= 75 for p in pieces)
    assert "".join(p[1:] if i else p for i, p in enumerate(pieces)) == (
        "DESCRIPTION:" + "四点半课堂" * 20)
