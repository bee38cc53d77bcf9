"""Community and pairing operations (no Flask)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, delete, or_, select
from sqlalchemy.orm import Session

from registry.auth.principal import Principal
from registry.errors import Conflict, Invalid, NotFound
from registry.events import emit_change
from registry.i18n import t
from registry.models import Activity, Community, Grid, Pairing, Venue, Volunteer
from registry.records import assign, commit, get_scoped, require_admin, require_writer


def list_query(principal: Principal, filters: dict[str, Any]) -> Select[Any]:
    """Communities visible to the caller, filtered."""
    query = select(Community)
    scope = principal.community_scope()
    if scope is not None:
        query = query.where(Community.id.in_(scope))
    if "code" in filters:
        query = query.where(Community.code == filters["code"])
    if "district" in filters:
        query = query.where(Community.district == filters["district"])
    if "q" in filters:
        query = query.where(Community.name.contains(filters["q"], autoescape=True))
    return query


def pairings_of(session: Session, community_id: int) -> list[dict[str, Any]]:
    """Pairings of one community, from its side."""
    rows = session.scalars(
        select(Pairing)
        .where(or_(Pairing.community_id == community_id, Pairing.partner_id == community_id))
        .order_by(Pairing.id)
    )
    return [
        {
            "partner_id": p.partner_id if p.community_id == community_id else p.community_id,
            "kind": p.kind,
        }
        for p in rows
    ]


def partners_of(session: Session, community_ids: set[int]) -> set[int]:
    """Ids of the communities paired with any of the given ones."""
    rows = session.execute(
        select(Pairing.community_id, Pairing.partner_id).where(
            or_(Pairing.community_id.in_(community_ids), Pairing.partner_id.in_(community_ids))
        )
    )
    return {c for pair in rows for c in pair} - community_ids


def with_pairings(session: Session, community: Community) -> Community:
    """Attach the pairings for dumping."""
    community.pairings = pairings_of(session, community.id)  # type: ignore[attr-defined]
    return community


def _code_taken(session: Session, code: str, own_id: int | None = None) -> bool:
    found = session.scalar(select(Community.id).where(Community.code == code))
    return found is not None and found != own_id


def create(session: Session, principal: Principal, data: dict[str, Any]) -> Community:
    """Create a community (admins only)."""
    require_admin(principal)
    if _code_taken(session, data["code"]):
        raise Invalid(t("duplicate_code"), {"json": {"code": [t("duplicate_code")]}})
    community = Community(**data)
    session.add(community)
    session.flush()
    emit_change(session, "community", community.id, "created", community.id)
    commit(session)
    return community


def get(session: Session, principal: Principal, community_id: int) -> Community:
    """A community the caller may see."""
    return get_scoped(session, Community, community_id, principal)


def update(
    session: Session, principal: Principal, community: Community, data: dict[str, Any]
) -> Community:
    """Change a community (admin, or its coordinator)."""
    require_writer(principal, community.id)
    if "code" in data and _code_taken(session, data["code"], community.id):
        raise Invalid(t("duplicate_code"), {"json": {"code": [t("duplicate_code")]}})
    changed = assign(community, data)
    if changed:
        session.flush()
        emit_change(session, "community", community.id, "updated", community.id, changed)
    commit(session)
    return community


def remove(session: Session, principal: Principal, community: Community) -> None:
    """Delete an unused community (admins only)."""
    require_admin(principal)
    for model in (Grid, Venue, Volunteer, Activity):
        if session.scalar(select(model.id).where(model.community_id == community.id).limit(1)):
            raise Conflict(t("in_use"))
    session.execute(
        delete(Pairing).where(
            or_(Pairing.community_id == community.id, Pairing.partner_id == community.id)
        )
    )
    emit_change(session, "community", community.id, "deleted", community.id)
    session.delete(community)
    commit(session)


def add_pairing(
    session: Session, principal: Principal, community: Community, partner_id: int, kind: str
) -> Community:
    """Pair two communities (symmetric; re-pairing changes the kind)."""
    require_writer(principal, community.id)
    partner = session.get(Community, partner_id) if partner_id != community.id else None
    if partner is None:
        raise Invalid(errors={"json": {"partner_id": [t("404")]}})
    low, high = sorted((community.id, partner_id))
    pairing = session.scalars(
        select(Pairing).where(Pairing.community_id == low, Pairing.partner_id == high)
    ).first()
    if pairing is None:
        session.add(Pairing(community_id=low, partner_id=high, kind=kind))
    else:
        pairing.kind = kind
    for cid in (low, high):
        emit_change(session, "community", cid, "updated", cid, ["pairings"])
    commit(session)
    return with_pairings(session, community)


def remove_pairing(
    session: Session, principal: Principal, community: Community, partner_id: int
) -> None:
    """Unpair two communities."""
    require_writer(principal, community.id)
    low, high = sorted((community.id, partner_id))
    result = session.execute(
        delete(Pairing).where(Pairing.community_id == low, Pairing.partner_id == high)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound(t("404"))
    for cid in (low, high):
        emit_change(session, "community", cid, "updated", cid, ["pairings"])
    commit(session)
