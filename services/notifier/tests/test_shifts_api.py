"""Portal-facing endpoints: a volunteer's shifts, answering them, a plan's answers, and the
base URL of the response links in messages."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from typing import Any

import jwt
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from notifier_factories import assigned, published

from notifier import config
from notifier.app import create_app
from notifier.events import handle_event
from notifier.models import InboxMessage, Response, outbox

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def headers(settings: dict[str, Any], role: str, **claims: Any) -> dict[str, str]:
    now = int(time.time())
    body = {"sub": "1", "role": role, "iss": settings["JWT_ISSUER"],
            "aud": settings["JWT_AUDIENCE"], "iat": now, "exp": now + 300, **claims}
    return {"Authorization": "Bearer " + jwt.encode(body, settings["JWT_SECRET"],
                                                    algorithm="HS256")}


@pytest.fixture
def client(sessions: Any, settings: dict[str, Any]) -> FlaskClient:
    settings["RESPONSE_BASE_URL"] = "https://portal.example.org/"
    for envelope in [assigned(101, 1, day=date(2026, 11, 25)),
                     assigned(102, 2, day=date(2026, 11, 26)), published(1, 1, 2)]:
        with sessions() as session, session.begin():
            handle_event(session, envelope, settings, NOW)
    return create_app(settings).test_client()


def test_response_base_url_defaults_to_the_public_one() -> None:
    loaded = config.load({"PUBLIC_BASE_URL": "https://n.example.org"})
    assert loaded["RESPONSE_BASE_URL"] == "https://n.example.org"
    loaded = config.load({"PUBLIC_BASE_URL": "https://n.example.org",
                          "RESPONSE_BASE_URL": "https://p.example.org"})
    assert loaded["RESPONSE_BASE_URL"] == "https://p.example.org"


def test_message_links_point_at_the_response_base_url(
    client: FlaskClient, sessions: Any, settings: dict[str, Any]
) -> None:
    with sessions() as session:
        body = session.scalars(sa.select(InboxMessage.body)
                               .where(InboxMessage.volunteer_id == 1)).one()
    assert "https://portal.example.org/responses/" in body
    assert "https://linli.example.org/responses/" not in body
    token = body.split("https://portal.example.org/responses/")[1].split("?")[0]
    shown = client.get(f"/responses/{token}")
    assert shown.status_code == 200
    assert shown.json["volunteer_id"] == 1 and shown.json["assignment_id"] == 101
    assert shown.json["plan_id"] == 1


def test_a_volunteer_sees_and_answers_only_their_own_shifts(
    client: FlaskClient, sessions: Any, settings: dict[str, Any]
) -> None:
    mine = client.get("/volunteers/1/shifts", headers=headers(settings, "volunteer",
                                                               volunteer_id=1))
    assert mine.status_code == 200
    assert [s["assignment_id"] for s in mine.json] == [101]
    assert mine.json[0]["response"] is None and mine.json[0]["shift"]["date"] == "2026-11-25"
    assert client.get("/volunteers/2/shifts", headers=headers(
        settings, "volunteer", volunteer_id=1)).status_code == 404

    own = headers(settings, "volunteer", volunteer_id=1)
    confirmed = client.post("/assignments/101/response", json={"response": "confirmed"},
                            headers=own)
    assert confirmed.status_code == 201 and confirmed.json["channel"] == "web"
    assert client.post("/assignments/101/response", json={"response": "confirmed"},
                       headers=own).status_code == 409
    declined = client.post("/assignments/101/response",
                           json={"response": "declined", "reason": "家里有事"}, headers=own)
    assert declined.status_code == 201
    # Someone else's assignment is not found, for a volunteer and for a coordinator alike.
    assert client.post("/assignments/102/response", json={"response": "declined"},
                       headers=own).status_code == 404
    assert client.post("/assignments/101/response", json={"response": "declined"},
                       headers=headers(settings, "coordinator",
                                       community_ids=[7])).status_code == 404
    latest = client.get("/volunteers/1/shifts", headers=own).json[0]
    assert latest["response"] == "declined" and latest["reason"] == "家里有事"
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Response)) == 2
        types = session.execute(sa.select(outbox.c.type)).scalars().all()
    assert types.count("assignment.response") == 2


def test_plan_responses_follow_the_coordinators_scope(
    client: FlaskClient, settings: dict[str, Any]
) -> None:
    own = headers(settings, "volunteer", volunteer_id=1)
    client.post("/assignments/101/response", json={"response": "declined", "reason": "生病"},
                headers=own)
    coordinator = client.get("/plans/1/responses",
                             headers=headers(settings, "coordinator", community_ids=[7]))
    assert coordinator.status_code == 200
    by_id = {row["assignment_id"]: row for row in coordinator.json}
    assert by_id[101]["response"] == "declined" and by_id[101]["reason"] == "生病"
    assert by_id[102]["response"] is None
    other = client.get("/plans/1/responses",
                       headers=headers(settings, "coordinator", community_ids=[8]))
    assert other.status_code == 200 and other.json == []
    assert client.get("/plans/1/responses", headers=own).status_code == 404
    assert client.get("/plans/1/responses").status_code == 401
