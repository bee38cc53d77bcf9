"""Tokens: issuing, and refusing forged, expired and misdirected ones."""

from __future__ import annotations

import base64
import json
import time

import jwt
from flask.testing import FlaskClient

from .conftest import PASSWORD, World


def _token(world: World, **overrides: object) -> str:
    config = world.app.config
    now = int(time.time())
    claims = {
        "sub": str(world.ids["user_admin"]),
        "role": "admin",
        "iss": config["JWT_ISSUER"],
        "aud": config["JWT_AUDIENCE"],
        "iat": now,
        "nbf": now,
        "exp": now + 60,
    }
    key = overrides.pop("key", config["JWT_SECRET"])
    claims.update(overrides)
    return jwt.encode(claims, key, algorithm="HS256")  # type: ignore[arg-type]


def _get(client: FlaskClient, token: str) -> int:
    return client.get("/communities", headers={"Authorization": f"Bearer {token}"}).status_code


def test_password_login_issues_a_working_token(client: FlaskClient, world: World) -> None:
    answer = client.post("/auth/token", json={"username": "coord_a", "password": PASSWORD})
    assert answer.status_code == 200
    body = answer.json
    assert body["token_type"] == "Bearer" and body["role"] == "coordinator"
    assert 0 < body["expires_in"] <= 900
    assert _get(client, body["access_token"]) == 200


def test_tokens_carry_the_scope_other_services_check(
    client: FlaskClient, world: World
) -> None:
    """Coordinators' tokens name their communities; volunteers' name themself and theirs."""
    import jwt  # noqa: PLC0415

    def claims(username: str) -> dict:
        token = client.post("/auth/token", json={"username": username, "password": PASSWORD})
        return jwt.decode(token.json["access_token"], options={"verify_signature": False})

    assert claims("coord_a")["community_ids"] == [world.ids["A"]]
    volunteer = claims("vol_a1")
    assert volunteer["volunteer_id"] == world.ids["va1"]
    assert volunteer["community_ids"] == [world.ids["A"]]
    assert claims("admin")["volunteer_id"] is None


def test_service_credentials_log_in(client: FlaskClient, world: World) -> None:
    answer = client.post("/auth/token", json={"username": "scheduler", "password": PASSWORD})
    assert answer.status_code == 200 and answer.json["role"] == "service"


def test_wrong_password_and_unknown_user_are_refused(client: FlaskClient, world: World) -> None:
    for body in (
        {"username": "admin", "password": "nope"},
        {"username": "nobody", "password": PASSWORD},
    ):
        answer = client.post("/auth/token", json=body)
        assert answer.status_code == 401
        assert answer.json["code"] == 401


def test_token_attacks_are_401(client: FlaskClient, world: World) -> None:
    assert _get(client, _token(world)) == 200
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    claims = jwt.decode(_token(world), options={"verify_signature": False})
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode())
    unsigned = header.rstrip(b"=").decode() + "." + payload.rstrip(b"=").decode() + "."
    assert _get(client, unsigned) == 401
    assert _get(client, _token(world, key="another-secret-that-is-long-enough-32b")) == 401
    assert _get(client, _token(world, exp=int(time.time()) - 120)) == 401
    assert _get(client, _token(world, aud="someone-else")) == 401
    assert _get(client, _token(world, iss="evil")) == 401
    assert _get(client, _token(world, sub="999999")) == 401
    assert _get(client, _token(world, role="volunteer")) == 401
    assert _get(client, "garbage") == 401
    assert client.get("/communities").status_code == 401
    assert client.get("/communities", headers={"Authorization": "Basic abc"}).status_code == 401
