"""A bare Flask app: the yardstick the registry benchmark compares against.

It answers the same path with a JSON list of the same page size and does nothing else — no
auth, no database — so the ratio to it measures the registry's own work per request.
"""

from flask import Flask, jsonify

PAGE = [{"id": i, "name": f"志愿者{i}", "community_id": 1, "team": "youth"} for i in range(50)]


def create_app() -> Flask:
    """The bare app."""
    app = Flask(__name__)

    @app.get("/healthz")
    def healthz():  # type: ignore[no-untyped-def]
        return jsonify(status="ok")

    @app.get("/volunteers")
    def volunteers():  # type: ignore[no-untyped-def]
        return jsonify(PAGE)

    return app


app = create_app()
