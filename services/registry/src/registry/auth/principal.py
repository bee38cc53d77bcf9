"""The authenticated caller and the scope rules every resource applies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app, g, request
from flask_smorest import abort

from registry.auth.tokens import TokenError, decode_token
from registry.db import db
from registry.i18n import t
from registry.models import User, Volunteer

ROLES = ("admin", "coordinator", "volunteer", "service")
PUBLIC_ENDPOINTS = {
    "Auth.Token",
    "Health.Healthz",
    "Health.Readyz",
    "api-docs.openapi_json",
    "api-docs.openapi_swagger_ui",
    "api-docs.openapi_redoc",
    "static",
}


@dataclass(frozen=True)
class Principal:
    """Who is calling: role plus the communities or volunteer they are limited to."""

    user_id: int
    role: str
    community_ids: frozenset[int] = field(default_factory=frozenset)
    volunteer_id: int | None = None
    #: A service account named in CONTACT_READERS: it delivers messages, so it may read
    #: phone numbers and channel addresses unmasked.
    reads_contacts: bool = False

    @property
    def sees_all(self) -> bool:
        """Admins and services see every community."""
        return self.role in ("admin", "service")

    def community_scope(self) -> frozenset[int] | None:
        """Communities visible to the caller; None means all."""
        return None if self.sees_all else self.community_ids

    def can_see_community(self, community_id: int | None) -> bool:
        """True when records of this community are visible (None = built-in/global)."""
        scope = self.community_scope()
        return scope is None or community_id is None or community_id in scope


def contact_readers(config: Any) -> frozenset[str]:
    """Usernames of CONTACT_READERS, given as a list or a comma-separated string."""
    raw = config.get("CONTACT_READERS") or ()
    names = raw.split(",") if isinstance(raw, str) else raw
    return frozenset(str(name).strip() for name in names if str(name).strip())


def current_principal() -> Principal:
    """The caller of the current request (set by `authenticate`)."""
    return g.principal  # type: ignore[no-any-return]


def require_roles(*roles: str) -> Principal:
    """Abort 403 unless the caller has one of the roles."""
    principal = current_principal()
    if principal.role not in roles:
        abort(403, message=t("403"))
    return principal


def _unauthorized() -> None:
    abort(401, message=t("401"), headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def authenticate() -> None:
    """Before each request: load the caller from the bearer token, or answer 401."""
    if request.endpoint is None or request.endpoint in PUBLIC_ENDPOINTS:
        return
    if request.method == "OPTIONS":
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        _unauthorized()
    try:
        claims = decode_token(token.strip(), current_app.config)
        user_id = int(claims["sub"])
    except (TokenError, ValueError, KeyError):
        _unauthorized()
        return
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.role != claims.get("role"):
        _unauthorized()
        return
    community_ids: frozenset[int] = frozenset(int(c) for c in user.community_ids or [])
    if user.role == "volunteer" and user.volunteer_id is not None:
        volunteer = db.session.get(Volunteer, user.volunteer_id)
        community_ids = frozenset([volunteer.community_id]) if volunteer else frozenset()
    reads_contacts = (user.role == "service"
                      and user.username in contact_readers(current_app.config))
    g.principal = Principal(user.id, user.role, community_ids, user.volunteer_id,
                            reads_contacts=reads_contacts)
