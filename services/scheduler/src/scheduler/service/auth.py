"""Bearer tokens issued by the registry, verified here with the shared secret, and the
scope rules every resource applies (404, not 403, outside a caller's communities)."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt
from flask import current_app, g, request
from flask_smorest import abort

from scheduler.service.i18n import t

ALGORITHM = "HS256"
ROLES = ("admin", "coordinator", "volunteer", "service")
PUBLIC_ENDPOINTS = {
    "Health.Healthz",
    "Health.Readyz",
    "api-docs.openapi_json",
    "api-docs.openapi_swagger_ui",
    "static",
}
SCOPE_CACHE_SECONDS = 60.0


class TokenError(Exception):
    """The token is missing, malformed, forged, expired or meant for someone else."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: role plus the communities or volunteer they are limited to."""

    user_id: int
    role: str
    community_ids: frozenset[int] = field(default_factory=frozenset)
    volunteer_id: int | None = None

    @property
    def sees_all(self) -> bool:
        """Admins and services see every community."""
        return self.role in ("admin", "service")

    def can_see_all(self, community_ids: Iterable[int]) -> bool:
        """True when every one of these communities is in the caller's scope."""
        return self.sees_all or set(community_ids) <= self.community_ids

    def can_see_any(self, community_ids: Iterable[int]) -> bool:
        """True when at least one of these communities is in the caller's scope."""
        return self.sees_all or bool(set(community_ids) & self.community_ids)


def decode_token(token: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """Verify signature (HS256 only), expiry, issuer and audience; return the claims."""
    try:
        return jwt.decode(  # type: ignore[no-any-return]
            token,
            config["JWT_SECRET"],
            algorithms=[ALGORITHM],
            audience=config["JWT_AUDIENCE"],
            issuer=config["JWT_ISSUER"],
            options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            leeway=5,
        )
    except jwt.PyJWTError as exc:
        raise TokenError(type(exc).__name__) from exc


class ScopeCache:
    """Coordinator scopes looked up at the registry, kept briefly per token."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, frozenset[int]]] = {}
        self._lock = threading.Lock()

    def get(self, token: str, lookup: Any) -> frozenset[int]:
        """The cached scope of the token, else `lookup(token)` remembered for a minute."""
        key = hashlib.sha256(token.encode()).hexdigest()
        now = time.monotonic()
        with self._lock:
            hit = self._entries.get(key)
            if hit and hit[0] > now:
                return hit[1]
        scope = frozenset(int(c) for c in lookup(token))
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[key] = (now + SCOPE_CACHE_SECONDS, scope)
        return scope


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


def _int_set(values: Any) -> frozenset[int]:
    if not isinstance(values, list):
        return frozenset()
    return frozenset(int(v) for v in values if isinstance(v, int | str) and str(v).isdigit())


def principal_from_claims(
    claims: Mapping[str, Any], token: str, scope_lookup: Any = None
) -> Principal:
    """Build the caller from verified claims; a coordinator's communities come from the
    `community_ids` claim, or else from the registry (`scope_lookup(token)`)."""
    user_id = int(claims["sub"])
    role = claims.get("role")
    if role not in ROLES:
        raise TokenError("role")
    communities = _int_set(claims.get("community_ids"))
    if role == "coordinator" and "community_ids" not in claims and scope_lookup is not None:
        communities = scope_lookup(token)
    volunteer_id = claims.get("volunteer_id")
    return Principal(
        user_id, role, communities, int(volunteer_id) if volunteer_id is not None else None
    )


def authenticate() -> None:
    """Before each request: load the caller from the bearer token, or answer 401."""
    if request.endpoint is None or request.endpoint in PUBLIC_ENDPOINTS:
        return
    if request.method == "OPTIONS":
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 4096:
        _unauthorized()
    try:
        claims = decode_token(token, current_app.config)
        cache: ScopeCache = current_app.extensions["scheduler_scopes"]
        registry = current_app.extensions["scheduler_registry"]
        g.principal = principal_from_claims(
            claims, token, lambda tok: cache.get(tok, registry.communities_of)
        )
    except (TokenError, ValueError, KeyError, TypeError):
        _unauthorized()
