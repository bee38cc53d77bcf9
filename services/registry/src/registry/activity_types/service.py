"""Activity type operations (no Flask); built-in types are seeded by a migration."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from registry.auth.principal import Principal
from registry.domain.vocabulary import ACTIVITY_TYPES
from registry.errors import Conflict, Forbidden, Invalid, NotFound
from registry.events import emit_change
from registry.i18n import t
from registry.models import Activity, ActivityType, Community
from registry.records import assign, commit, ensure_exists, require_writer

CHILDREN = {"after_school", "escort"}
OUTREACH = {code for code in ACTIVITY_TYPES if code.startswith("outreach_")}


def built_in_rows() -> list[dict[str, Any]]:
    """The built-in activity types of docs/registry-model.md."""
    return [
        {
            "code": code,
            "name_zh": zh,
            "name_en": en,
            "default_skill": skill,
            "children_present": code in CHILDREN,
            "outreach": code in OUTREACH,
            "risky": code in {"escort", "outreach_health"},
            "community_id": None,
        }
        for code, (zh, en, skill) in ACTIVITY_TYPES.items()
    ]


def list_query(principal: Principal, filters: dict[str, Any]) -> Select[Any]:
    """Built-in types plus those of the communities visible to the caller."""
    query = select(ActivityType)
    scope = principal.community_scope()
    if scope is not None:
        query = query.where(
            or_(ActivityType.community_id.is_(None), ActivityType.community_id.in_(scope))
        )
    if "community_id" in filters:
        query = query.where(
            or_(
                ActivityType.community_id.is_(None),
                ActivityType.community_id == filters["community_id"],
            )
        )
    if "built_in" in filters:
        column = ActivityType.community_id
        query = query.where(column.is_(None) if filters["built_in"] else column.is_not(None))
    return query


def view(item: ActivityType) -> ActivityType:
    """Mark built-in types for dumping."""
    item.built_in = item.community_id is None  # type: ignore[attr-defined]
    return item


def get(session: Session, principal: Principal, type_id: int) -> ActivityType:
    """A type the caller may see."""
    item = session.get(ActivityType, type_id) if 1 <= type_id <= 2**31 - 1 else None
    if item is None or not principal.can_see_community(item.community_id):
        raise NotFound(t("404"))
    return view(item)


def visible_codes(session: Session, community_id: int) -> set[str]:
    """Codes usable by activities of a community."""
    rows = session.scalars(
        select(ActivityType.code).where(
            or_(ActivityType.community_id.is_(None), ActivityType.community_id == community_id)
        )
    )
    return set(rows)


def create(session: Session, principal: Principal, data: dict[str, Any]) -> ActivityType:
    """Define a community's own activity type."""
    require_writer(principal, data["community_id"])
    ensure_exists(session, Community, data["community_id"], "community_id")
    if session.scalar(select(ActivityType.id).where(ActivityType.code == data["code"])):
        raise Invalid(t("duplicate_code"), {"json": {"code": [t("duplicate_code")]}})
    item = ActivityType(**data)
    session.add(item)
    session.flush()
    emit_change(session, "activity_type", item.id, "created", item.community_id)
    commit(session)
    return view(item)


def update(
    session: Session, principal: Principal, item: ActivityType, data: dict[str, Any]
) -> ActivityType:
    """Change a community's own type (built-in types only by admins)."""
    _require_owner(principal, item)
    changed = assign(item, data)
    if changed:
        session.flush()
        emit_change(session, "activity_type", item.id, "updated", item.community_id, changed)
    commit(session)
    return view(item)


def remove(session: Session, principal: Principal, item: ActivityType) -> None:
    """Delete an unused community type."""
    _require_owner(principal, item)
    if item.community_id is None:
        raise Forbidden(t("403"))
    if session.scalar(select(Activity.id).where(Activity.type_code == item.code).limit(1)):
        raise Conflict(t("in_use"))
    emit_change(session, "activity_type", item.id, "deleted", item.community_id)
    session.delete(item)
    commit(session)


def _require_owner(principal: Principal, item: ActivityType) -> None:
    if item.community_id is None:
        if principal.role != "admin":
            raise Forbidden(t("403"))
        return
    require_writer(principal, item.community_id)
