"""The HTTP API: authentication, scopes, inbox, settings, targets, delivery log, responses."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, date, datetime
from typing import Any

import jwt
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from kombu import Consumer
from notifier_factories import assigned, published

from linli_contracts import topology
from linli_contracts.outbox import OutboxRelay
from notifier.app import create_app
from notifier.db import make_engine
from notifier.events import handle_event
from notifier.models import Delivery, InboxMessage, Notification, Response, outbox
from notifier.tokens import make_token

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def token(settings: dict[str, Any], role: str, **claims: Any) -> dict[str, str]:
    now = int(time.time())
    body = {"sub": "1", "role": role, "iss": settings["JWT_ISSUER"],
            "aud": settings["JWT_AUDIENCE"], "iat": now, "exp": now + 300, **claims}
    secret = claims.pop("secret", None) or settings["JWT_SECRET"]
    body.pop("secret", None)
    return {"Authorization": "Bearer " + jwt.encode(body, secret, algorithm="HS256")}


def volunteer(settings: dict[str, Any], vid: int) -> dict[str, str]:
    return token(settings, "volunteer", volunteer_id=vid)


@pytest.fixture
def client(sessions: Any, settings: dict[str, Any]) -> FlaskClient:
    return create_app(settings).test_client()


def seed(sessions: Any, settings: dict[str, Any], *volunteers: int) -> None:
    events = [assigned(100 + v, v, day=date(2026, 11, 25)) for v in volunteers]
    for envelope in [*events, published(1, 1, len(events))]:
        with sessions() as session, session.begin():
            handle_event(session, envelope, settings, NOW)


def test_health_and_openapi_are_public(client: FlaskClient) -> None:
    assert client.get("/healthz").json == {"status": "ok"}
    assert client.get("/readyz").json == {"status": "ok"}
    spec = client.get("/openapi.json").json
    for path in ("/inbox", "/inbox/{message_id}/respond", "/notifications/{notification_id}/resend",
                 "/volunteers/{volunteer_id}/channel-settings", "/webhook-targets",
                 "/responses/{token}", "/calendar/{secret}.ics"):
        assert path in spec["paths"]


@pytest.mark.parametrize("case", ["missing", "none", "wrong-key", "expired", "audience", "issuer"])
def test_bad_tokens_are_refused(client: FlaskClient, settings: dict[str, Any], case: str) -> None:
    now = int(time.time())
    claims = {"sub": "1", "role": "admin", "iss": settings["JWT_ISSUER"],
              "aud": settings["JWT_AUDIENCE"], "exp": now + 60}
    secret = settings["JWT_SECRET"]
    if case == "expired":
        claims["exp"] = now - 60
    if case == "audience":
        claims["aud"] = "other"
    if case == "issuer":
        claims["iss"] = "someone"
    if case == "wrong-key":
        secret = "x" * 40
    raw = jwt.encode(claims, secret, algorithm="HS256")
    if case == "none":
        raw = jwt.encode(claims, None, algorithm="none")
    headers = {} if case == "missing" else {"Authorization": f"Bearer {raw}"}
    assert client.get("/inbox?volunteer_id=1", headers=headers).status_code == 401


def test_volunteer_sees_only_their_own_inbox(
    client: FlaskClient, sessions: Any, settings: dict[str, Any]
) -> None:
    seed(sessions, settings, 1, 2)
    mine = client.get("/inbox", headers=volunteer(settings, 1))
    assert mine.status_code == 200
    assert mine.json["total"] == 1 and mine.json["unread"] == 1
    message = mine.json["items"][0]
    assert message["volunteer_id"] == 1 and "四点半课堂" in message["body"]
    assert client.get("/inbox?volunteer_id=2", headers=volunteer(settings, 1)).status_code == 404
    with sessions() as session:
        other = session.scalars(sa.select(InboxMessage.id)
                                .where(InboxMessage.volunteer_id == 2)).one()
    assert client.post(f"/inbox/{other}/read", headers=volunteer(settings, 1)).status_code == 404
    read = client.post(f"/inbox/{message['id']}/read", headers=volunteer(settings, 1))
    assert read.status_code == 200 and read.json["read_at"]
    assert client.get("/inbox?limit=1000000000", headers=volunteer(settings, 1)).status_code == 422
    assert client.get("/inbox?offset=-1", headers=volunteer(settings, 1)).status_code == 422


def test_inbox_button_records_once_and_queues_the_event(
    client: FlaskClient, sessions: Any, settings: dict[str, Any]
) -> None:
    seed(sessions, settings, 1)
    message = client.get("/inbox", headers=volunteer(settings, 1)).json["items"][0]
    body = {"assignment_id": 101, "response": "confirmed"}
    first = client.post(f"/inbox/{message['id']}/respond", json=body,
                        headers=volunteer(settings, 1))
    assert first.status_code == 201 and first.json["channel"] == "inbox"
    again = client.post(f"/inbox/{message['id']}/respond", json=body,
                        headers=volunteer(settings, 1))
    assert again.status_code == 409
    other = client.post(f"/inbox/{message['id']}/respond", json={**body, "assignment_id": 999},
                        headers=volunteer(settings, 1))
    assert other.status_code == 404
    with sessions() as session:
        events = session.execute(sa.select(outbox.c.type)).scalars().all()
    assert events == ["assignment.response"]


def test_response_link_records_once_and_the_relay_publishes_it(
    client: FlaskClient, sessions: Any, settings: dict[str, Any], redis_url: str
) -> None:
    seed(sessions, settings, 1)
    link = make_token(settings["SECRET_KEY"], 101, 1)
    shown = client.get(f"/responses/{link}?response=declined")
    assert shown.status_code == 200
    assert shown.json["suggested"] == "declined" and shown.json["answered"] is None
    with sessions() as session:  # looking at a link changes nothing
        assert session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0
    posted = client.post(f"/responses/{link}", json={"response": "declined", "reason": "生病"})
    assert posted.status_code == 201
    assert client.post(f"/responses/{link}", json={"response": "confirmed"}).status_code == 409
    assert client.get(f"/responses/{link}").json["answered"] == "declined"
    assert client.post("/responses/forged.token", json={"response": "confirmed"}).status_code == 404
    assert client.post(f"/responses/{link}", json={"response": "maybe"}).status_code == 422

    engine = make_engine(settings["DATABASE_URL"])
    relay = OutboxRelay(engine, outbox, redis_url)
    try:
        with topology.connection(redis_url) as conn:
            topology.declare_all(conn)
        assert relay.relay_once() == 1
    finally:
        relay.close()
        engine.dispose()
    received: list[Any] = []
    with topology.connection(redis_url) as conn, Consumer(
        conn, queues=[topology.queue_for("scheduler.events")],
        callbacks=[lambda body, message: (received.append(body), message.ack())],
        accept=["json"],
    ):
        conn.drain_events(timeout=5)
    payload = (received[0] if isinstance(received[0], dict) else json.loads(received[0]))
    assert payload["type"] == "assignment.response"
    assert payload["payload"]["response"] == "declined"
    assert payload["payload"]["assignment_id"] == 101
    assert payload["payload"]["channel"] == "web"


def test_expired_link_is_gone(client: FlaskClient, sessions: Any, settings: dict[str, Any],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    seed(sessions, settings, 1)
    link = make_token(settings["SECRET_KEY"], 101, 1)
    settings["RESPONSE_TOKEN_MAX_AGE"] = -1
    expired = create_app(settings).test_client()
    assert expired.post(f"/responses/{link}", json={"response": "confirmed"}).status_code == 410


def test_channel_settings_mask_phones_everywhere(
    client: FlaskClient, settings: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body = {"community_id": 7, "display_name": "张明", "language": "en",
            "email": "zhang@example.org", "phone": "13812345678",
            "channels": ["sms", "email"], "consents": {"sms": True, "email": True}}
    put = client.put("/volunteers/1/channel-settings", json=body, headers=volunteer(settings, 1))
    assert put.status_code == 200, put.json
    assert put.json["phone"] == "138****5678"
    assert set(put.json["consents"]) == {"sms", "email"}
    assert put.json["calendar_url"].startswith("https://linli.example.org/calendar/")
    got = client.get("/volunteers/1/channel-settings", headers=volunteer(settings, 1))
    assert "13812345678" not in got.get_data(as_text=True)
    # RFC 3339 date-times, as the OpenAPI document promises, even where SQLite drops the zone.
    assert got.json["updated_at"].endswith("+00:00")
    assert "13812345678" not in caplog.text
    # Unknown fields and mass assignment are refused, nothing stored.
    bad = client.put("/volunteers/1/channel-settings", json={"role": "admin"},
                     headers=volunteer(settings, 1))
    assert bad.status_code == 422 and "role" in json.dumps(bad.json)
    # Another volunteer, or a coordinator of another community, sees nothing.
    assert client.get("/volunteers/1/channel-settings",
                      headers=volunteer(settings, 2)).status_code == 404
    coordinator = token(settings, "coordinator", community_ids=[8])
    assert client.get("/volunteers/1/channel-settings", headers=coordinator).status_code == 404
    own = token(settings, "coordinator", community_ids=[7])
    seen = client.get("/volunteers/1/channel-settings", headers=own)
    assert seen.status_code == 200 and seen.json["calendar_url"] is None


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/hook", "http://169.254.169.254/",
                                 "http://10.0.0.5/", "http://192.168.1.1/", "http://[::1]/"])
def test_default_settings_refuse_internal_webhooks_when_saved(
    sessions: Any, settings: dict[str, Any], url: str
) -> None:
    client = create_app({**settings, "ALLOW_LOOPBACK_WEBHOOKS": False}).test_client()
    admin = token(settings, "admin")
    target = client.post("/webhook-targets", headers=admin, json={
        "kind": "wecom", "name": "群", "url": url, "community_id": 7})
    assert target.status_code == 422
    personal = client.put("/volunteers/1/channel-settings", headers=volunteer(settings, 1),
                          json={"webhook_url": url})
    assert personal.status_code == 422


def test_targets_are_scoped_and_never_show_secrets(
    client: FlaskClient, settings: dict[str, Any], http_sink: Any
) -> None:
    own = token(settings, "coordinator", community_ids=[7])
    created = client.post("/webhook-targets", headers=own, json={
        "kind": "dingtalk", "name": "志愿者群", "url": http_sink.url + "/robot/send",
        "secret": "SECabc", "community_id": 7})
    assert created.status_code == 201
    assert created.json["has_secret"] is True and "secret" not in created.json
    other = token(settings, "coordinator", community_ids=[8])
    assert client.post("/webhook-targets", headers=other, json={
        "kind": "wecom", "name": "x", "url": http_sink.url, "community_id": 7}).status_code == 404
    assert client.get("/webhook-targets", headers=other).json == []
    assert client.get("/webhook-targets", headers=volunteer(settings, 1)).status_code == 403
    robot = created.json["id"]
    put = client.put("/volunteers/3/channel-settings", headers=own, json={
        "community_id": 7, "channels": ["dingtalk"], "consents": {"dingtalk": True},
        "robot_target_id": robot})
    assert put.status_code == 200 and put.json["robot_target_id"] == robot


def test_delivery_log_and_resend(
    client: FlaskClient, sessions: Any, settings: dict[str, Any]
) -> None:
    admin = token(settings, "admin")
    client.put("/volunteers/1/channel-settings", headers=admin, json={
        "community_id": 7, "email": "a@example.org", "channels": ["email"],
        "consents": {"email": True}})
    seed(sessions, settings, 1)
    with sessions() as session, session.begin():
        notification = session.scalars(sa.select(Notification)).one()
        delivery = session.scalars(sa.select(Delivery)).one()
        delivery.status = "failed"
        delivery.last_error = "SMTP 550"
    log = client.get(f"/notifications/{notification.id}/deliveries", headers=admin)
    assert log.status_code == 200
    assert log.json["deliveries"][0]["status"] == "failed"
    assert log.json["deliveries"][0]["idempotency_key"] == f"linli-n{notification.id}-email"
    resent = client.post(f"/notifications/{notification.id}/resend", json={}, headers=admin)
    assert resent.status_code == 202
    assert resent.json["idempotency_key"] == f"linli-n{notification.id}-email-r1"
    assert client.post(f"/notifications/{notification.id}/resend", json={},
                       headers=admin).status_code == 409  # still pending
    assert client.post(f"/notifications/{notification.id}/resend", json={},
                       headers=volunteer(settings, 1)).status_code == 403
    assert client.get(f"/notifications/{notification.id}/deliveries",
                      headers=volunteer(settings, 2)).status_code == 404


def test_oversize_and_malformed_bodies_are_refused_without_500(
    client: FlaskClient, settings: dict[str, Any]
) -> None:
    admin = token(settings, "admin")
    huge = b'{"display_name": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    response = client.put("/volunteers/1/channel-settings", data=huge, headers={
        **admin, "Content-Type": "application/json"})
    assert response.status_code == 413
    broken = client.put("/volunteers/1/channel-settings", data=b"{not json", headers={
        **admin, "Content-Type": "application/json"})
    assert broken.status_code == 400
    deep = client.put("/volunteers/1/channel-settings",
                      json={"channels": ["inapp"] * 10_000}, headers=admin)
    assert deep.status_code == 422
    # Ids beyond the database's integer range: not found in a path, refused in a body.
    huge_id = 10**25
    assert client.post(f"/inbox/{huge_id}/read", headers=admin).status_code == 404
    assert client.post(f"/notifications/{huge_id}/resend", json={},
                       headers=admin).status_code == 404
    robot = client.put("/volunteers/1/channel-settings",
                       json={"community_id": 1, "robot_target_id": huge_id}, headers=admin)
    assert robot.status_code == 422
