"""Signing a volunteer in from their message link, without a password.

The link's token is checked by the notifier (`GET /responses/<token>` names the volunteer);
the portal then uses its own service account to get that volunteer's own short-lived token
from the registry (`POST /auth/volunteer-token`). Every volunteer page acts with that token
only, and takes the volunteer id from the session, never from the URL or a form.

The session also remembers which volunteer signed in by link (it is signed and HttpOnly), so
an expired 15-minute token is renewed quietly for as long as the session lasts.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, redirect, session, url_for

from portal import session_user
from portal.clients import BackendError, Backends

F = TypeVar("F", bound=Callable[..., Any])
LINK_KEY = "volunteer_link"
_lock = threading.Lock()


def service_token() -> str:
    """The portal's own registry token, reused until shortly before it expires."""
    cache = current_app.extensions.setdefault("portal_service_token", {})
    with _lock:
        if cache.get("token") and cache.get("until", 0) > time.time():
            return str(cache["token"])
        answer = Backends(token="").post("registry", "/auth/token", {
            "username": current_app.config["SERVICE_USERNAME"],
            "password": current_app.config["SERVICE_PASSWORD"],
        })
        cache["token"] = answer["access_token"]
        cache["until"] = time.time() + max(30, int(answer.get("expires_in", 300)) - 60)
        return str(answer["access_token"])


def _volunteer_token(volunteer_id: int) -> dict[str, Any]:
    body = {"volunteer_id": volunteer_id}
    try:
        return Backends(token=service_token()).post(  # type: ignore[no-any-return]
            "registry", "/auth/volunteer-token", body)
    except BackendError as exc:
        if exc.status != 401:
            raise
        # The cached service token was revoked or the secret rotated: log in once more.
        current_app.extensions.pop("portal_service_token", None)
        return Backends(token=service_token()).post(  # type: ignore[no-any-return]
            "registry", "/auth/volunteer-token", body)


def link_grant(token: str) -> dict[str, Any]:
    """What the notifier says a link token answers (BackendError 404/410 when it is not valid).

    Looking records nothing, so link previews in chat apps are harmless.
    """
    return Backends(token="").get("notifier", f"/responses/{token}")  # type: ignore[no-any-return]


def sign_in(volunteer_id: int) -> None:
    """Start a fresh volunteer session (the previous one, of anyone, is dropped)."""
    answer = _volunteer_token(volunteer_id)
    name = ""
    try:
        record = Backends(token=answer["access_token"]).get("registry",
                                                            f"/volunteers/{volunteer_id}")
        name = str(record.get("name") or "")
    except BackendError:
        pass  # the name is a courtesy; the pages work without it
    session_user.log_in(answer["access_token"], name=name, role="volunteer",
                        expires_in=answer.get("expires_in"), volunteer_id=volunteer_id)
    session[LINK_KEY] = {"volunteer_id": volunteer_id}


def _renew() -> bool:
    """Renew an expired token of a link sign-in; False when there is nothing to renew."""
    link = session.get(LINK_KEY)
    if not link:
        return False
    try:
        sign_in(int(link["volunteer_id"]))
    except BackendError:
        session.pop(LINK_KEY, None)
        return False
    return True


def current_volunteer_id() -> int:
    """The signed-in volunteer (the guard below made sure there is one)."""
    user = session_user.current()
    assert user is not None and user.get("volunteer_id") is not None
    return int(user["volunteer_id"])


def volunteer_required(view: F) -> F:
    """Only a signed-in volunteer gets through; an expired link session is renewed."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        user = session_user.current()
        if user is None and _renew():
            user = session_user.current()
        if user is None or user.get("role") != "volunteer" or user.get("volunteer_id") is None:
            return redirect(url_for("volunteer.signed_out"))
        return view(*args, **kwargs)

    return guarded  # type: ignore[return-value]
