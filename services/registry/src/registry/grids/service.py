"""Grid operations (no Flask)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from registry.auth.principal import Principal
from registry.errors import Conflict
from registry.events import emit_change
from registry.i18n import t
from registry.models import Community, Grid, Volunteer
from registry.records import assign, commit, ensure_exists, get_scoped, require_writer


def list_query(principal: Principal, filters: dict[str, Any]) -> Select[Any]:
    """Grids visible to the caller, filtered."""
    query = select(Grid)
    scope = principal.community_scope()
    if scope is not None:
        query = query.where(Grid.community_id.in_(scope))
    if "community_id" in filters:
        query = query.where(Grid.community_id == filters["community_id"])
    if "q" in filters:
        query = query.where(Grid.name.contains(filters["q"], autoescape=True))
    return query


def create(session: Session, principal: Principal, data: dict[str, Any]) -> Grid:
    """Create a grid in a community the caller runs."""
    require_writer(principal, data["community_id"])
    ensure_exists(session, Community, data["community_id"], "community_id")
    grid = Grid(**data)
    session.add(grid)
    session.flush()
    emit_change(session, "grid", grid.id, "created", grid.community_id)
    commit(session)
    return grid


def get(session: Session, principal: Principal, grid_id: int) -> Grid:
    """A grid the caller may see."""
    return get_scoped(session, Grid, grid_id, principal)


def update(session: Session, principal: Principal, grid: Grid, data: dict[str, Any]) -> Grid:
    """Change a grid (moving it needs write access to both communities)."""
    require_writer(principal, grid.community_id)
    if "community_id" in data:
        require_writer(principal, data["community_id"])
        ensure_exists(session, Community, data["community_id"], "community_id")
    changed = assign(grid, data)
    if changed:
        session.flush()
        emit_change(session, "grid", grid.id, "updated", grid.community_id, changed)
    commit(session)
    return grid


def remove(session: Session, principal: Principal, grid: Grid) -> None:
    """Delete a grid no volunteer belongs to."""
    require_writer(principal, grid.community_id)
    if session.scalar(select(Volunteer.id).where(Volunteer.grid_id == grid.id).limit(1)):
        raise Conflict(t("in_use"))
    emit_change(session, "grid", grid.id, "deleted", grid.community_id)
    session.delete(grid)
    commit(session)
