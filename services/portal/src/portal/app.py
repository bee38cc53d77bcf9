"""Application factory of the portal: server-rendered pages over the services' APIs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask, redirect, render_template, request, url_for

from linli_contracts.logs import configure_logging, install_flask_correlation
from linli_contracts.metrics import instrument_app
from portal import config, i18n, masking, messages, security, session_user
from portal.clients import BackendError


def create_app(config_overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, PORTAL_* environment, then `config_overrides`."""
    settings = config.load(config_overrides)
    app = Flask(__name__)
    app.config.update(settings)
    app.config.update(
        SESSION_COOKIE_NAME="linli_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(settings["COOKIE_SECURE"]),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        MAX_CONTENT_LENGTH=int(settings["MAX_CONTENT_LENGTH"]),
    )
    # JSON lines with the correlation id; link tokens, bearer tokens, phones masked.
    configure_logging("portal", str(settings["LOG_LEVEL"]), masking.mask_text)
    # First, so /metrics answers before the session, language and CSRF hooks run. Requests
    # are counted by route template (`/responses/<token>`), never by path.
    install_flask_correlation(app)
    instrument_app(app, token=str(settings["METRICS_TOKEN"] or "") or None)
    i18n.register(messages.CATALOG)
    i18n.install(app)
    security.install(app)
    app.jinja_env.globals["current_user"] = session_user.current
    app.jinja_env.globals["has_endpoint"] = lambda name: name in app.view_functions

    from portal.auth import bp as auth  # noqa: PLC0415
    from portal.coordinator import bp as coordinator  # noqa: PLC0415
    from portal.followup import bp as followup  # noqa: PLC0415
    from portal.health import bp as health  # noqa: PLC0415
    from portal.volunteer import bp as volunteer  # noqa: PLC0415

    for blueprint in (health, auth, coordinator, volunteer, followup):
        app.register_blueprint(blueprint)
    _error_pages(app)
    return app


def _error_pages(app: Flask) -> None:
    """Readable pages for 404, 500 and back-end errors that a view did not handle itself."""

    @app.errorhandler(BackendError)
    def backend_error(error: BackendError) -> Any:
        if error.status == 401:
            session_user.log_out()
            return redirect(url_for("auth.login", next=request.path))
        status = error.status if error.status in (403, 404) else 502
        return render_template("error.html", title_key="error_title", message=error.message,
                               details=error.lines()[1:]), status

    @app.errorhandler(404)
    def not_found(_error: Exception) -> Any:
        return render_template("error.html", title_key="error_title",
                               message_key="not_found"), 404

    @app.errorhandler(500)
    def server_error(_error: Exception) -> Any:
        return render_template("error.html", title_key="error_title",
                               message_key="server_error"), 500
