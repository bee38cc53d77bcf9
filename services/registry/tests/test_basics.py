"""Health, error shape, routing errors and the OpenAPI document."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_healthz_and_readyz_answer_without_a_token(client: FlaskClient) -> None:
    assert client.get("/healthz").json == {"status": "ok"}
    assert client.get("/readyz").json == {"status": "ready"}


def test_unknown_route_and_wrong_method_answer_json(client: FlaskClient) -> None:
    missing = client.get("/no-such-thing")
    assert missing.status_code == 404
    assert set(missing.json) >= {"code", "status", "message"}
    wrong = client.delete("/healthz")
    assert wrong.status_code == 405
    assert wrong.json["code"] == 405


def test_english_messages_on_request(client: FlaskClient) -> None:
    answer = client.get("/communities", headers={"Accept-Language": "en"})
    assert answer.status_code == 401
    assert answer.json["message"].startswith("Not authenticated")
    assert "未登录" in client.get("/communities").json["message"]


def test_openapi_and_docs_are_served(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert "/activities/{activity_id}/generate-shifts" in spec["paths"]
    assert "/snapshot" in spec["paths"]
    assert client.get("/docs").status_code == 200


def test_abusive_json_bodies_are_refused(client: FlaskClient) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    answer = client.post("/auth/token", data=deep, content_type="application/json")
    assert answer.status_code == 400 and answer.json["code"] == 400
    broken = client.post("/auth/token", data="{bad", content_type="application/json")
    assert broken.status_code == 400
    many = client.post("/auth/token", json={"username": "x" * 10_000, "password": "y"})
    assert many.status_code == 422 and "username" in many.json["errors"]["json"]
