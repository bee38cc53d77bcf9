"""Short-lived HS256 access tokens with issuer, audience and expiry checked."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import jwt

ALGORITHM = "HS256"


class TokenError(Exception):
    """The token is missing, malformed, forged, expired or meant for someone else."""


def issue_token(
    user_id: int,
    role: str,
    config: Mapping[str, Any],
    *,
    community_ids: Iterable[int] = (),
    volunteer_id: int | None = None,
) -> tuple[str, int]:
    """Return a signed token for the user and its lifetime in seconds.

    The scope claims let the other services check scope without calling back here; the
    registry itself re-reads the user on every request, so a changed scope applies at once.
    """
    ttl = int(config["TOKEN_TTL_SECONDS"])
    now = int(time.time())
    claims = {
        "sub": str(user_id),
        "role": role,
        "community_ids": sorted(int(c) for c in community_ids),
        "volunteer_id": volunteer_id,
        "iss": config["JWT_ISSUER"],
        "aud": config["JWT_AUDIENCE"],
        "iat": now,
        "nbf": now,
        "exp": now + ttl,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, config["JWT_SECRET"], algorithm=ALGORITHM), ttl


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
