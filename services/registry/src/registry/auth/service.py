"""Password hashing, credential checks and user creation (no Flask)."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry.auth.principal import ROLES
from registry.errors import Invalid
from registry.events import emit_change
from registry.models import User, Volunteer

_hasher = PasswordHasher()
# Verified against when the user does not exist, so both paths cost the same time.
_DUMMY_HASH = _hasher.hash("linli-no-such-user")


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher.hash(password)


def check_credentials(session: Session, username: str, password: str) -> User | None:
    """Return the active user whose password matches, else None."""
    user = session.scalars(select(User).where(User.username == username)).first()
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    return user


def token_community_ids(session: Session, user: User) -> list[int]:
    """Communities a token's scope claim names: a coordinator's, or a volunteer's own."""
    if user.role == "volunteer" and user.volunteer_id is not None:
        volunteer = session.get(Volunteer, user.volunteer_id)
        return [volunteer.community_id] if volunteer else []
    return sorted(int(c) for c in user.community_ids or [])


def volunteer_user(session: Session, volunteer_id: int) -> User | None:
    """The volunteer's login, created without a usable password when they have none yet.

    None when the volunteer does not exist, is inactive, or their login was disabled: the
    link-based sign-in must not bring back someone a coordinator switched off.
    """
    volunteer = session.get(Volunteer, volunteer_id)
    if volunteer is None or not volunteer.active:
        return None
    users = list(session.scalars(
        select(User).where(User.role == "volunteer", User.volunteer_id == volunteer_id)
        .order_by(User.id)
    ))
    if users:
        active = [u for u in users if u.active]
        return active[0] if active else None
    user = User(
        username=f"volunteer-{volunteer_id}",
        # Nobody knows this password: the account is reached only through volunteer tokens.
        password_hash=hash_password(secrets.token_urlsafe(32)),
        role="volunteer",
        community_ids=[],
        volunteer_id=volunteer_id,
        active=True,
    )
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError:
        # A concurrent sign-in of the same volunteer created it first.
        return session.scalars(select(User).where(User.username == user.username)).first()
    emit_change(session, "user", user.id, "created", None, ["role", "volunteer_id"])
    return user


def upsert_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    *,
    community_ids: list[int] | None = None,
    volunteer_id: int | None = None,
) -> User:
    """Create the user, or reset its password, role and scope; the caller commits."""
    if role not in ROLES:
        raise Invalid(errors={"role": [f"must be one of {', '.join(ROLES)}"]})
    user = session.scalars(select(User).where(User.username == username)).first()
    created = user is None
    if user is None:
        user = User(username=username)
        session.add(user)
    user.password_hash = hash_password(password)
    user.role = role
    user.community_ids = sorted(community_ids or [])
    user.volunteer_id = volunteer_id
    user.active = True
    session.flush()
    emit_change(
        session,
        "user",
        user.id,
        "created" if created else "updated",
        None,
        ["password_hash", "role", "community_ids", "volunteer_id"],
    )
    return user
