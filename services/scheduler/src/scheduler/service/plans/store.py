"""Storage of plan versions and their assignments, ETags and plan locks (no Flask)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, defer

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

#: JSON columns of a version a read need not decode: the snapshot first (it is only copied).
LARGE = (PlanVersion.snapshot, PlanVersion.problem, PlanVersion.result)


def etag(plan: Plan, version: PlanVersion) -> str:
    """Strong ETag of a plan's latest version: plan id, version number and revision."""
    return f'"plan-{plan.id}-v{version.number}-r{version.revision}"'


def version_of(
    session: Session, plan: Plan, number: int | None = None, *, light: bool = False
) -> PlanVersion:
    """A version of the plan by number (default: the latest).

    The snapshot is only ever copied, so it is read when first touched; `light` leaves the
    problem and result unread too, for callers that take what they need from `derived`.
    """
    wanted = plan.current_version if number is None else number
    large = LARGE if light else LARGE[:1]
    version = session.scalars(
        select(PlanVersion)
        .where(PlanVersion.plan_id == plan.id, PlanVersion.number == wanted)
        .options(*(defer(column) for column in large))
    ).first()
    if version is None:
        raise NotFound()
    return version


def versions_of(session: Session, plan: Plan) -> list[PlanVersion]:
    """Every version of the plan, oldest first, without their large columns."""
    return list(session.scalars(
        select(PlanVersion).where(PlanVersion.plan_id == plan.id).order_by(PlanVersion.number)
        .options(*(defer(column) for column in LARGE))
    ))


def assignment_counts(session: Session, version_ids: Iterable[int]) -> dict[int, int]:
    """How many assignments each of these versions has (one query; absent means none)."""
    ids = list(version_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(VersionAssignment.version_id, func.count())
        .where(VersionAssignment.version_id.in_(ids))
        .group_by(VersionAssignment.version_id)
    )
    return {version_id: count for version_id, count in rows}


def assignments_of(
    session: Session, version: PlanVersion, *, shift_ids: Collection[int] | None = None,
    volunteer_id: int | None = None,
) -> list[dict[str, Any]]:
    """A version's assignments as plain dicts, ordered by assignment id; only those on
    `shift_ids` or of `volunteer_id` when given."""
    # Plain columns rather than ORM objects: a county week has thousands of rows.
    query = (
        select(
            VersionAssignment.assignment_id, Assignment.volunteer_id, Assignment.shift_id,
            VersionAssignment.skill, VersionAssignment.pinned, VersionAssignment.source,
            VersionAssignment.flag,
        )
        .join(Assignment, VersionAssignment.assignment_id == Assignment.id)
        .where(VersionAssignment.version_id == version.id)
        .order_by(VersionAssignment.assignment_id)
    )
    if shift_ids is not None:
        query = query.where(Assignment.shift_id.in_(sorted(shift_ids)))
    if volunteer_id is not None:
        query = query.where(Assignment.volunteer_id == volunteer_id)
    # Keys as the columns are named: assignment_id, volunteer_id, shift_id, skill, pinned,
    # source, flag.
    return [dict(row) for row in session.execute(query).mappings()]


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


def engine_plan(
    version: PlanVersion, items: Iterable[Mapping[str, Any]],
    result: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The version's assignments as an engine plan document (string ids); `result` is the
    version's result when the caller has it already."""
    base = dict((version.result if result is None else result) or {})
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
