"""Storage of plan versions and their assignments, ETags and plan locks (no Flask)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from scheduler.service.errors import NotFound, Stale
from scheduler.service.models import (
    PUBLISHED,
    SOLVED,
    SUPERSEDED,
    Assignment,
    Exclusion,
    Plan,
    PlanVersion,
    VersionAssignment,
    utcnow,
)


def etag(plan: Plan, version: PlanVersion) -> str:
    """Strong ETag of a plan's latest version: plan id, version number and revision."""
    return f'"plan-{plan.id}-v{version.number}-r{version.revision}"'


def version_of(session: Session, plan: Plan, number: int | None = None) -> PlanVersion:
    """A version of the plan by number (default: the latest)."""
    wanted = plan.current_version if number is None else number
    version = session.scalars(
        select(PlanVersion).where(PlanVersion.plan_id == plan.id, PlanVersion.number == wanted)
    ).first()
    if version is None:
        raise NotFound()
    return version


def rows_of(session: Session, version: PlanVersion) -> list[VersionAssignment]:
    """The assignment rows of a version."""
    return list(
        session.scalars(
            select(VersionAssignment).where(VersionAssignment.version_id == version.id)
        )
    )


def assignments_of(session: Session, version: PlanVersion) -> list[dict[str, Any]]:
    """A version's assignments as plain dicts, ordered by assignment id."""
    rows = rows_of(session, version)
    items = [
        {
            "assignment_id": r.assignment_id,
            "volunteer_id": r.assignment.volunteer_id,
            "shift_id": r.assignment.shift_id,
            "skill": r.skill,
            "pinned": r.pinned,
            "source": r.source,
            "flag": r.flag,
        }
        for r in rows
    ]
    return sorted(items, key=lambda a: a["assignment_id"])


def replace_assignments(
    session: Session, plan: Plan, version: PlanVersion, items: Iterable[Mapping[str, Any]]
) -> None:
    """Make `items` the version's assignments, reusing each (volunteer, shift) identity."""
    known = {
        (a.volunteer_id, a.shift_id): a
        for a in session.scalars(select(Assignment).where(Assignment.plan_id == plan.id))
    }
    session.execute(delete(VersionAssignment).where(VersionAssignment.version_id == version.id))
    seen: set[tuple[int, int]] = set()
    for item in items:
        key = (int(item["volunteer_id"]), int(item["shift_id"]))
        if key in seen:
            continue
        seen.add(key)
        identity = known.get(key)
        if identity is None:
            identity = Assignment(plan_id=plan.id, volunteer_id=key[0], shift_id=key[1])
            session.add(identity)
            session.flush()
            known[key] = identity
        session.add(
            VersionAssignment(
                version_id=version.id,
                assignment_id=identity.id,
                skill=str(item.get("skill") or "general"),
                pinned=bool(item.get("pinned", False)),
                source=str(item.get("source") or "solver"),
                flag=item.get("flag"),
            )
        )
    session.flush()


def engine_plan(version: PlanVersion, items: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The version's assignments as an engine plan document (string ids)."""
    base = dict(version.result or {})
    base.setdefault("format", "linli-plan/1")
    base.setdefault("status", "FEASIBLE")
    base["assignments"] = [
        {"volunteer_id": str(a["volunteer_id"]), "shift_id": str(a["shift_id"]),
         "skill": a["skill"], "pinned": bool(a.get("pinned"))}
        for a in items
    ]
    return base


def exclusions_of(session: Session, plan: Plan) -> list[tuple[int, int]]:
    """(volunteer, shift) pairs the plan must avoid (declined shifts)."""
    return [
        (e.volunteer_id, e.shift_id)
        for e in session.scalars(select(Exclusion).where(Exclusion.plan_id == plan.id))
    ]


def new_version(
    session: Session, plan: Plan, base: PlanVersion, *, origin: str, state: str = SOLVED
) -> PlanVersion:
    """A new latest version copying `base` (snapshot, problem, result and assignments)."""
    number = plan.current_version + 1
    version = PlanVersion(
        plan_id=plan.id,
        number=number,
        state=state,
        revision=1,
        origin=origin,
        parent_number=base.number,
        snapshot=base.snapshot,
        problem=base.problem,
        result=base.result,
        solved_at=base.solved_at,
    )
    session.add(version)
    session.flush()
    replace_assignments(
        session, plan, version,
        [{**a, "flag": a.get("flag")} for a in assignments_of(session, base)],
    )
    plan.current_version = number
    return version


def working_version(session: Session, plan: Plan, *, origin: str) -> PlanVersion:
    """The latest version if it may still change, else a new version copied from it."""
    latest = version_of(session, plan)
    if latest.state in (PUBLISHED, SUPERSEDED):
        return new_version(session, plan, latest, origin=origin)
    return latest


def touch(version: PlanVersion) -> None:
    """Record a change of the version's content (new ETag)."""
    version.revision += 1


def mark_published(plan: Plan, version: PlanVersion, previous: PlanVersion | None,
                   user_id: int | None) -> None:
    """Set the states of a publication: this version published, the previous superseded."""
    if previous is not None and previous.id != version.id:
        previous.state = SUPERSEDED
    version.state = PUBLISHED
    version.published_at = utcnow()
    version.published_by = user_id
    plan.published_version = version.number


def check_if_match(plan: Plan, version: PlanVersion, if_match: str | None) -> None:
    """412 when If-Match names another revision of the plan's latest version."""
    if if_match is None:
        return
    tags = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    if "*" not in tags and etag(plan, version) not in tags:
        raise Stale()


def lock(session: Session, plan: Plan) -> Plan:
    """Hold the plan's row until commit, so two changes to one plan happen one after the other
    (PostgreSQL row lock; SQLite transactions hold the write lock from their start)."""
    session.execute(select(Plan.id).where(Plan.id == plan.id).with_for_update())
    session.refresh(plan)
    return plan
