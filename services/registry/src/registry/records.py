"""Record helpers for service functions: scoped lookup, change tracking, merged validation."""

from __future__ import annotations

from typing import Any, TypeVar

from marshmallow import Schema
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry.auth.principal import Principal
from registry.common import MAX_ID, same_value
from registry.errors import Conflict, Forbidden, Invalid, NotFound
from registry.i18n import t
from registry.models import Community

M = TypeVar("M")


def get_scoped(session: Session, model: type[M], id_: int, principal: Principal) -> M:
    """Load a record the caller may see, else NotFound (never reveal it exists)."""
    obj = session.get(model, id_) if 1 <= id_ <= MAX_ID else None
    if obj is None:
        raise NotFound(t("404"))
    owner = obj.id if isinstance(obj, Community) else getattr(obj, "community_id", None)
    if not principal.can_see_community(owner):
        raise NotFound(t("404"))
    return obj


def require_writer(principal: Principal, community_id: int | None) -> None:
    """Admins write anywhere; coordinators inside their communities; others never."""
    if principal.role == "admin":
        return
    if principal.role != "coordinator":
        raise Forbidden(t("403"))
    if community_id is None or community_id not in principal.community_ids:
        raise Forbidden(t("community_scope"))


def require_admin(principal: Principal) -> None:
    """Only admins."""
    if principal.role != "admin":
        raise Forbidden(t("403"))


def assign(obj: Any, data: dict[str, Any]) -> list[str]:
    """Set attributes from data; return the names of those whose value changed."""
    changed = []
    for name, value in data.items():
        if not same_value(getattr(obj, name), value):
            setattr(obj, name, value)
            changed.append(name)
    return changed


def merged_load(schema: Schema, current: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Validate the record as it would be after the patch (cross-field rules included)."""
    return schema.load({**current, **patch})  # type: ignore[return-value]


def commit(session: Session) -> None:
    """Commit, turning a uniqueness or reference clash into Conflict."""
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(t("409")) from exc


def ensure_exists(session: Session, model: type[Any], id_: int | None, field: str) -> None:
    """Refuse (422 naming the field) a reference to a record that does not exist."""
    if id_ is None:
        return
    if not (1 <= id_ <= MAX_ID) or session.get(model, id_) is None:
        raise Invalid(t("422"), {"json": {field: [t("404")]}})
