"""Who is logged in, kept in Flask's signed session cookie (HttpOnly, SameSite=Lax).

The session holds the registry bearer token plus what pages need to know without asking:
the role, the communities of a coordinator, the volunteer of a volunteer, a display name.
Either kind of user fits: a coordinator logged in with a password, or a volunteer who came
through their link.
"""

from __future__ import annotations

import time
from typing import Any

import jwt
from flask import session

KEY = "user"


def claims_of(token: str) -> dict[str, Any]:
    """The token's claims, read without checking the signature: the services check it; the
    portal only needs the role and scope to choose what to show."""
    try:
        return dict(jwt.decode(token, options={"verify_signature": False}))
    except jwt.PyJWTError:
        return {}


def log_in(token: str, *, name: str, role: str | None = None, expires_in: int | None = None,
           volunteer_id: int | None = None, extra: dict[str, Any] | None = None) -> None:
    """Start a fresh session for this token (the old session's contents are dropped)."""
    claims = claims_of(token)
    session.clear()
    session.permanent = True
    session[KEY] = {
        "token": token,
        "name": name,
        "role": role or claims.get("role", ""),
        "community_ids": [int(c) for c in claims.get("community_ids") or []],
        "volunteer_id": volunteer_id if volunteer_id is not None else claims.get("volunteer_id"),
        "expires_at": int(time.time()) + int(expires_in or 3600),
        **(extra or {}),
    }


def log_out() -> None:
    """Forget everything."""
    session.clear()


def current() -> dict[str, Any] | None:
    """The logged-in user, or None (also once the token has expired)."""
    user = session.get(KEY)
    if not user:
        return None
    if int(user.get("expires_at", 0)) <= int(time.time()):
        session.pop(KEY, None)
        return None
    return dict(user)


def token() -> str | None:
    """The bearer token of the logged-in user."""
    user = current()
    return user["token"] if user else None


def role() -> str | None:
    """`coordinator`, `admin`, `volunteer`, ... or None when nobody is logged in."""
    user = current()
    return user["role"] if user else None
