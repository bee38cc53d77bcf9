"""`POST /auth/volunteer-token`: services get a volunteer's own token, nobody else does."""

from __future__ import annotations

import jwt
from flask.testing import FlaskClient
from sqlalchemy import select

from registry.db import make_engine, session_scope
from registry.models import User, Volunteer

from .conftest import World


def _ask(client: FlaskClient, world: World, who: str | None, volunteer_id: object) -> object:
    headers = world.h(who) if who else {}
    return client.post("/auth/volunteer-token", json={"volunteer_id": volunteer_id},
                       headers=headers)


def test_a_service_gets_a_token_that_acts_as_the_volunteer(
    client: FlaskClient, world: World
) -> None:
    answer = _ask(client, world, "service", world.ids["va1"])
    assert answer.status_code == 200, answer.json
    assert answer.json["role"] == "volunteer" and answer.json["expires_in"] <= 900
    token = answer.json["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["role"] == "volunteer" and claims["volunteer_id"] == world.ids["va1"]
    assert claims["community_ids"] == [world.ids["A"]]
    # The volunteer's existing login is the subject, so the token works like theirs.
    assert claims["sub"] == str(world.ids["user_vol_a1"])
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/volunteers/{world.ids['va1']}", headers=auth).status_code == 200
    assert client.get(f"/volunteers/{world.ids['va2']}", headers=auth).status_code == 404


def test_a_volunteer_without_a_login_gets_one_without_a_password(
    client: FlaskClient, world: World
) -> None:
    first = _ask(client, world, "service", world.ids["vb1"])
    again = _ask(client, world, "service", world.ids["vb1"])
    assert first.status_code == again.status_code == 200
    subjects = {jwt.decode(a.json["access_token"], options={"verify_signature": False})["sub"]
                for a in (first, again)}
    assert len(subjects) == 1
    engine = make_engine(world.app.config["DATABASE_URL"])
    with session_scope(engine) as session:
        users = session.scalars(select(User).where(User.volunteer_id == world.ids["vb1"])).all()
        expected = [("volunteer", f"volunteer-{world.ids['vb1']}")]
        assert [(u.role, u.username) for u in users] == expected
    engine.dispose()
    auth = {"Authorization": f"Bearer {first.json['access_token']}"}
    assert client.get(f"/volunteers/{world.ids['vb1']}", headers=auth).status_code == 200


def test_only_services_may_ask(client: FlaskClient, world: World) -> None:
    for who in ("coord_a", "vol_a1", "admin"):
        assert _ask(client, world, who, world.ids["va1"]).status_code == 403, who
    assert _ask(client, world, None, world.ids["va1"]).status_code == 401


def test_unknown_inactive_or_malformed_volunteers_are_refused(
    client: FlaskClient, world: World
) -> None:
    assert _ask(client, world, "service", 999_999).status_code == 404
    engine = make_engine(world.app.config["DATABASE_URL"])
    with session_scope(engine) as session:
        session.get(Volunteer, world.ids["vc1"]).active = False
    engine.dispose()
    assert _ask(client, world, "service", world.ids["vc1"]).status_code == 404
    for bad in ("1", 0, None, 2**40):
        answer = _ask(client, world, "service", bad)
        assert answer.status_code == 422 and "volunteer_id" in str(answer.json), bad
