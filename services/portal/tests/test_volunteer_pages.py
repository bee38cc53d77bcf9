"""Volunteer pages through Flask's test client, against a real registry, scheduler and
notifier served over HTTP on free ports (SQLite databases of the test's own)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import BaseWSGIServer

from linli_contracts.envelope import make_event
from linli_testing.servers import serve_wsgi
from notifier import config as notifier_config
from notifier.app import create_app as notifier_app
from notifier.db import make_engine as notifier_engine
from notifier.db import session_factory
from notifier.events import handle_event
from notifier.migrate import upgrade as notifier_upgrade
from notifier.models import InboxMessage, Response
from portal.app import create_app as portal_app
from registry.app import create_app as registry_app
from registry.auth.service import hash_password
from registry.db import make_engine, session_scope
from registry.migrate import upgrade as registry_upgrade
from registry.models import Community, User, Volunteer
from scheduler.service.app import create_app as scheduler_app
from scheduler.service.migrate import upgrade as scheduler_upgrade

SECRET = "linli-portal-test-secret-0123456789abcdef"
PASSWORD = "portal test password"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')




@dataclass
class World:
    """Two volunteers with shifts, the services' URLs and a portal test app."""

    tmp: Path
    urls: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    notifier_settings: dict[str, Any] = field(default_factory=dict)
    portal: Flask | None = None

    def client(self) -> FlaskClient:
        assert self.portal is not None
        return self.portal.test_client()


def _registry(tmp: Path, world: World) -> BaseWSGIServer:
    url = f"sqlite:///{tmp / 'registry.db'}"
    registry_upgrade(url)
    engine = make_engine(url)
    with session_scope(engine) as s:
        community = Community(code="XF", name="幸福社区", district="示例区", calendar_region="CN")
        other = Community(code="HP", name="和平社区", district="示例区", calendar_region="CN")
        s.add_all([community, other])
        s.flush()
        people = {}
        for key, name, phone, where in (("v1", "张三", "13812345678", community),
                                        ("v2", "李四", "13912345678", community),
                                        ("v3", "王五", "13712345678", other)):
            people[key] = Volunteer(
                community_id=where.id, name=name, phone=phone, skills=["tutor"], languages=[],
                qualifications=[], availability=[{"weekday": 2, "start": "16:00",
                                                  "end": "18:00"}],
                leave=[], preferences={}, contact_channels=[], active=True)
            s.add(people[key])
        s.flush()
        digest = hash_password(PASSWORD)
        s.add_all([
            User(username="portal", password_hash=digest, role="service", active=True),
            User(username="coord_xf", password_hash=digest, role="coordinator",
                 community_ids=[community.id], active=True),
        ])
        world.ids.update({k: v.id for k, v in people.items()}, XF=community.id)
    engine.dispose()
    app = registry_app({"DATABASE_URL": url, "TESTING": True, "JWT_SECRET": SECRET})
    server, world.urls["registry"] = serve_wsgi(app)
    return server


def _notifier(tmp: Path, world: World) -> BaseWSGIServer:
    settings = notifier_config.load({
        "DATABASE_URL": f"sqlite:///{tmp / 'notifier.db'}", "JWT_SECRET": SECRET,
        "SMS_OUTBOX_PATH": str(tmp / "sms.log"), "PUBLIC_BASE_URL": "http://notifier.test",
        "RESPONSE_BASE_URL": "http://portal.test",
    })
    world.notifier_settings = settings
    notifier_upgrade(settings["DATABASE_URL"])
    soon, past = date.today() + timedelta(days=10), date.today() - timedelta(days=10)

    def assigned(assignment_id: int, volunteer_id: int, day: date) -> Any:
        return make_event("assignment.assigned", {
            "assignment_id": assignment_id, "plan_id": 1, "plan_version": 1,
            "volunteer_id": volunteer_id, "role": "tutor",
            "shift": {"id": assignment_id, "date": day.isoformat(), "start": "16:30",
                      "end": "18:00", "activity_type": "after_school",
                      "activity_name": "四点半课堂", "venue_id": 3,
                      "venue_name": "幸福邻里中心", "venue_address": "幸福路8号",
                      "community_id": world.ids["XF"]},
        })

    events = [assigned(101, world.ids["v1"], soon), assigned(102, world.ids["v1"], past),
              assigned(201, world.ids["v2"], soon),
              make_event("plan.published", {
                  "plan_id": 1, "version": 1, "community_ids": [world.ids["XF"]],
                  "period_start": past.isoformat(), "period_end": soon.isoformat(),
                  "assignment_count": 3})]
    engine = notifier_engine(settings["DATABASE_URL"])
    for envelope in events:
        with session_factory(engine)() as session, session.begin():
            handle_event(session, envelope, settings)
    engine.dispose()
    app = notifier_app(settings)
    admin = _token("admin")
    with app.test_client() as client:
        for key in ("v1", "v2"):
            put = client.put(f"/volunteers/{world.ids[key]}/channel-settings", headers=admin,
                             json={"community_id": world.ids["XF"], "display_name": key,
                                   "channels": ["inapp"], "consents": {}})
            assert put.status_code == 200, put.json
    server, world.urls["notifier"] = serve_wsgi(app)
    return server


def _scheduler(tmp: Path, world: World) -> BaseWSGIServer:
    url = f"sqlite:///{tmp / 'scheduler.db'}"
    scheduler_upgrade(url)
    app = scheduler_app({"DATABASE_URL": url, "JWT_SECRET": SECRET, "TESTING": True,
                         "REGISTRY_URL": world.urls["registry"]})
    server, world.urls["scheduler"] = serve_wsgi(app)
    return server


def _token(role: str, **claims: Any) -> dict[str, str]:
    now = int(time.time())
    body = {"sub": "1", "role": role, "iss": "linli-registry", "aud": "linli", "iat": now,
            "exp": now + 300, **claims}
    return {"Authorization": "Bearer " + jwt.encode(body, SECRET, algorithm="HS256")}


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path)
    servers = [_registry(tmp_path, w)]
    servers.append(_notifier(tmp_path, w))
    servers.append(_scheduler(tmp_path, w))
    w.portal = portal_app({
        "TESTING": True, "SECRET_KEY": "portal-test-secret", "SERVICE_USERNAME": "portal",
        "SERVICE_PASSWORD": PASSWORD, "REGISTRY_URL": w.urls["registry"],
        "SCHEDULER_URL": w.urls["scheduler"], "NOTIFIER_URL": w.urls["notifier"],
    })
    yield w
    for server in servers:
        server.shutdown()


def tokens_of(world: World, volunteer_id: int) -> list[str]:
    """Response tokens in what the notifier delivered to a volunteer's inbox."""
    engine = notifier_engine(world.notifier_settings["DATABASE_URL"])
    with session_factory(engine)() as session:
        bodies = session.scalars(sa.select(InboxMessage.body)
                                 .where(InboxMessage.volunteer_id == volunteer_id)).all()
    engine.dispose()
    found = re.findall(r"http://portal\.test/responses/([A-Za-z0-9._-]+)\?response=declined",
                       "\n".join(bodies))
    assert found, bodies
    return list(dict.fromkeys(found))


def sign_in(client: FlaskClient, world: World, volunteer_key: str) -> int:
    """Open the volunteer's first link; return the assignment it is about."""
    token = tokens_of(world, world.ids[volunteer_key])[0]
    answer = client.get(f"/responses/{token}?response=declined")
    assert answer.status_code == 302, answer.get_data(as_text=True)
    match = re.search(r"/v/shifts/(\d+)\?response=declined$", answer.headers["Location"])
    assert match, answer.headers["Location"]
    return int(match.group(1))


def csrf(page: str) -> str:
    found = CSRF.search(page)
    assert found, page
    return found.group(1)


def test_a_link_signs_the_volunteer_in_and_a_decline_reaches_the_notifier(world: World) -> None:
    client = world.client()
    assignment = sign_in(client, world, "v1")
    page = client.get(f"/v/shifts/{assignment}?response=declined")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "四点半课堂" in text and 'value="declined" checked' in text
    assert '<label for="reason">' in text
    answered = client.post(f"/v/shifts/{assignment}/answer", data={
        "csrf_token": csrf(text), "response": "declined", "reason": "孩子生病"})
    assert answered.status_code == 302
    after = client.get(f"/v/shifts/{assignment}").get_data(as_text=True)
    assert "已请假" in after and "孩子生病" in after
    engine = notifier_engine(world.notifier_settings["DATABASE_URL"])
    with session_factory(engine)() as session:
        rows = session.execute(sa.select(Response.assignment_id, Response.volunteer_id,
                                         Response.response, Response.reason)).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [(assignment, world.ids["v1"], "declined", "孩子生病")]


def test_home_lists_coming_and_past_shifts_with_calendar_links(world: World) -> None:
    client = world.client()
    sign_in(client, world, "v1")
    page = client.get("/v/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert text.count('class="card shift-card"') == 1  # one coming shift
    assert text.count('class="card shift-card past"') == 1
    assert "webcal://notifier.test/calendar/" in text
    ics = client.get("/v/shifts/101.ics")
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    body = ics.get_data(as_text=True)
    assert "BEGIN:VEVENT" in body and "SUMMARY:四点半课堂" in body
    switched = client.get("/lang/en?next=/v/", follow_redirects=True).get_data(as_text=True)
    assert "Coming shifts" in switched and 'lang="en"' in switched


def test_a_volunteer_cannot_open_or_answer_anothers_shift(world: World) -> None:
    client = world.client()
    sign_in(client, world, "v1")
    token = csrf(client.get("/v/shifts/101").get_data(as_text=True))
    # 201 belongs to the second volunteer: the page, the file and the answer are all refused.
    assert client.get("/v/shifts/201").status_code == 404
    assert client.get("/v/shifts/201.ics").status_code == 404
    refused = client.post("/v/shifts/201/answer", data={"csrf_token": token,
                                                        "response": "declined"})
    assert refused.status_code == 404
    # The volunteer id never comes from the request: a crafted one changes nothing.
    hours = client.get(f"/v/hours?volunteer_id={world.ids['v2']}")
    assert hours.status_code == 200
    engine = notifier_engine(world.notifier_settings["DATABASE_URL"])
    with session_factory(engine)() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0
    engine.dispose()


def test_forms_without_csrf_token_are_refused(world: World) -> None:
    client = world.client()
    assignment = sign_in(client, world, "v1")
    refused = client.post(f"/v/shifts/{assignment}/answer", data={"response": "declined"})
    assert refused.status_code == 400
    assert "表单" in refused.get_data(as_text=True)
    assert client.post("/v/availability", data={"avail-0-weekday": "1"}).status_code == 400


def test_bad_and_missing_links_and_sessions(world: World) -> None:
    client = world.client()
    forged = client.get("/responses/not-a-real-token")
    assert forged.status_code == 404 and "链接" in forged.get_data(as_text=True)
    assert client.get("/v/").status_code == 302
    assert client.get("/v/").headers["Location"].endswith("/v/signed-out")
    # A coordinator's session is no volunteer session.
    login = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"csrf_token": csrf(login), "username": "coord_xf",
                                "password": PASSWORD})
    assert client.get("/v/").status_code == 302


def test_hours_page_shows_total_and_stars(world: World) -> None:
    client = world.client()
    sign_in(client, world, "v1")
    page = client.get("/v/hours")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="total-hours">0 小时' in text and "尚未评星" in text


def test_availability_and_leave_change_only_those_fields(world: World) -> None:
    client = world.client()
    sign_in(client, world, "v1")
    page = client.get("/v/availability").get_data(as_text=True)
    assert 'value="16:00"' in page
    for name in ("avail-0-weekday", "avail-0-start", "leave-0-start", "leave-0-reason"):
        assert f'<label for="{name}">' in page, name
    bad = client.post("/v/availability", data={
        "csrf_token": csrf(page), "avail-0-weekday": "2", "avail-0-start": "18:00",
        "avail-0-end": "16:00", "leave-0-start": "2026-13-01", "leave-0-end": "2026-03-02"})
    assert bad.status_code == 422
    shown = bad.get_data(as_text=True)
    assert 'id="avail-0-end-error"' in shown and 'id="leave-0-start-error"' in shown
    saved = client.post("/v/availability", data={
        "csrf_token": csrf(page), "avail-0-weekday": "2", "avail-0-start": "16:00",
        "avail-0-end": "18:00", "avail-1-weekday": "5", "avail-1-start": "09:00",
        "avail-1-end": "11:30", "leave-0-start": "2026-04-01", "leave-0-end": "2026-04-03",
        "leave-0-reason": "出差", "name": "改名", "phone": "13000000000"})
    assert saved.status_code == 302
    record = client.get("/v/availability").get_data(as_text=True)
    assert 'value="09:00"' in record and 'value="出差"' in record
    engine = make_engine(f"sqlite:///{world.tmp / 'registry.db'}")
    with session_scope(engine) as s:
        volunteer = s.get(Volunteer, world.ids["v1"])
        assert volunteer.name == "张三" and volunteer.phone == "13812345678"
        assert volunteer.leave == [{"start": "2026-04-01", "end": "2026-04-03", "reason": "出差"}]
        assert [w["weekday"] for w in volunteer.availability] == [2, 5]
    engine.dispose()
