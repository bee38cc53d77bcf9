"""Log in (a registry account's username and password) and out; the `login_required` guard."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from portal import session_user
from portal.clients import BackendError, Backends
from portal.i18n import t

bp = Blueprint("auth", __name__)
F = TypeVar("F", bound=Callable[..., Any])


def safe_next(target: str | None, default: str = "/") -> str:
    """A same-site path to go to after logging in (never another host)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def login_required(*roles: str) -> Callable[[F], F]:
    """Send visitors who are not logged in (or lack the role) to the login page."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            user = session_user.current()
            if user is None or (roles and user["role"] not in roles):
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def home_for(role: str | None) -> str:
    """Where a user lands after logging in."""
    if role == "volunteer":
        return url_for("volunteer.home") if _has("volunteer.home") else "/"
    return url_for("coordinator.dashboard")


def _has(endpoint: str) -> bool:
    from flask import current_app  # noqa: PLC0415

    return endpoint in current_app.view_functions


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """The login form; on success a fresh session and a redirect to the user's home page."""
    error = None
    username = ""
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        if not username or not password:
            error = t("login_missing")
        else:
            try:
                answer = Backends(token="").post(
                    "registry", "/auth/token", {"username": username, "password": password})
            except BackendError as exc:
                error = t("login_failed") if exc.status in (400, 401, 422) else exc.message
            else:
                session_user.log_in(answer["access_token"], name=username,
                                    role=answer.get("role"), expires_in=answer.get("expires_in"))
                target = safe_next(request.args.get("next"), home_for(answer.get("role")))
                return redirect(target)
    return render_template("login.html", error=error, username=username), (
        401 if error else 200)


@bp.post("/logout")
def logout() -> Response:
    """Forget the session."""
    session_user.log_out()
    return redirect(url_for("auth.login"))


@bp.get("/")
def index() -> Response:
    """The one entry URL: the user's home page, or the login form."""
    user = session_user.current()
    if user is None:
        return redirect(url_for("auth.login"))
    return redirect(home_for(user["role"]))
