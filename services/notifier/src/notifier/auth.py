"""Bearer tokens issued by the registry (HS256), and the scope rules of each role.

Claims used: `sub`, `role` (admin, coordinator, volunteer, service), `community_ids`
(coordinators) and `volunteer_id` (volunteers). Objects outside a caller's scope answer 404.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import jwt
from flask import g, request
from flask_smorest import abort

from notifier.web import settings

ROLES = ("admin", "coordinator", "volunteer", "service")
PUBLIC_ENDPOINTS = {
    "Health.Healthz", "Health.Readyz", "Calendar.Feed", "Responses.Response",
    "api-docs.openapi_json", "api-docs.openapi_swagger_ui", "api-docs.openapi_redoc", "static",
}


@dataclass(frozen=True)
class Principal:
    """The caller: role plus the communities or the volunteer they are limited to."""

    subject: str
    role: str
    community_ids: frozenset[int] = field(default_factory=frozenset)
    volunteer_id: int | None = None

    @property
    def sees_all(self) -> bool:
        """Admins and services see everything."""
        return self.role in ("admin", "service")

    def can_see_volunteer(self, volunteer_id: int, community_id: int | None) -> bool:
        """Whether records of this volunteer (in this community) are visible to the caller."""
        if self.sees_all:
            return True
        if self.role == "volunteer":
            return self.volunteer_id == volunteer_id
        if self.role == "coordinator":
            return community_id is not None and community_id in self.community_ids
        return False

    def can_manage_community(self, community_id: int | None) -> bool:
        """Whether the caller may manage things owned by this community."""
        if self.sees_all:
            return True
        return self.role == "coordinator" and community_id in self.community_ids


def decode(token: str, config: dict[str, Any]) -> Principal:
    """Verify signature (HS256 only), expiry, issuer and audience; raise on any failure."""
    claims = jwt.decode(
        token, config["JWT_SECRET"], algorithms=["HS256"], audience=config["JWT_AUDIENCE"],
        issuer=config["JWT_ISSUER"], options={"require": ["exp", "sub", "iss", "aud"]}, leeway=5,
    )
    role = claims.get("role")
    if role not in ROLES:
        raise jwt.InvalidTokenError("unknown role")
    volunteer_id = claims.get("volunteer_id")
    if role == "volunteer" and not isinstance(volunteer_id, int):
        raise jwt.InvalidTokenError("volunteer token without volunteer_id")
    communities: Iterable[Any] = claims.get("community_ids") or []
    return Principal(str(claims["sub"]), role, frozenset(int(c) for c in communities),
                     volunteer_id if role == "volunteer" else None)


def authenticate() -> None:
    """Before each request: load the caller from the bearer token, or answer 401."""
    if request.endpoint is None or request.endpoint in PUBLIC_ENDPOINTS:
        return
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        abort(401, message="需要登录 / authentication required",
              headers={"WWW-Authenticate": "Bearer"})
    try:
        g.principal = decode(token.strip(), settings())
    except (jwt.PyJWTError, TypeError, ValueError):
        abort(401, message="登录凭证无效 / invalid token",
              headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def principal() -> Principal:
    """The caller of the current request."""
    return g.principal  # type: ignore[no-any-return]


def require_roles(*roles: str) -> Principal:
    """Abort 403 unless the caller has one of the roles."""
    caller = principal()
    if caller.role not in roles:
        abort(403, message="无权执行此操作 / not allowed")
    return caller
