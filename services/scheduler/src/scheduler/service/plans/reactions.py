"""Reacting to volunteers: a decline reopens the slot (and may repair and publish), a
deactivated volunteer's future assignments are flagged."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.service.convert import shift_index
from scheduler.service.errors import NotFound
from scheduler.service.models import (
    SOLVED,
    SOLVING,
    SUPERSEDED,
    Assignment,
    Exclusion,
    Plan,
    PlanVersion,
    VersionAssignment,
)
from scheduler.service.plans import store
from scheduler.service.plans.changes import recount, repair
from scheduler.service.plans.publishing import publish

# -- reacting to volunteers --------------------------------------------------------------------


def decline(
    session: Session, assignment_id: int, volunteer_id: int, *, lang: str = "zh-CN"
) -> PlanVersion | None:
    """A volunteer declined: reopen the slot in a new version, keep them off it, and repair
    (then publish) when the plan's settings say so. None when nothing changed."""
    identity = session.get(Assignment, assignment_id)
    if identity is None or identity.volunteer_id != volunteer_id:
        raise NotFound()
    plan = session.get(Plan, identity.plan_id)
    assert plan is not None
    store.lock(session, plan)
    if session.get(Exclusion, (plan.id, volunteer_id, identity.shift_id)) is None:
        session.add(Exclusion(plan_id=plan.id, volunteer_id=volunteer_id,
                              shift_id=identity.shift_id, reason="declined"))
        session.flush()
    latest = store.version_of(session, plan)
    if latest.state == SOLVING:
        # The running solve started before the decline; the exclusion applies to the next one.
        return None
    items = store.assignments_of(session, latest)
    if not any(a["assignment_id"] == assignment_id for a in items):
        return None
    settings = plan.settings or {}
    if settings.get("auto_repair"):
        version, _ = repair(
            session, plan, {"type": "availability", "volunteer_id": volunteer_id},
            lang=lang, origin="decline",
        )
        version.pending_change = {"type": "decline", "assignment_id": assignment_id}
    else:
        version = store.working_version(session, plan, origin="decline")
        kept = [a for a in store.assignments_of(session, version)
                if a["assignment_id"] != assignment_id]
        store.replace_assignments(session, plan, version, kept)
        version.result = recount(version.problem, kept, version.result or {})
        version.pending_change = {"type": "decline", "assignment_id": assignment_id}
        store.touch(version)
    if settings.get("auto_publish") and version.state == SOLVED:
        publish(session, plan, None, None)
    return version


def flag_inactive_volunteer(session: Session, volunteer_id: int, today: date) -> int:
    """Flag a deactivated volunteer's future assignments in latest and published versions;
    return how many rows were flagged."""
    flagged = 0
    rows = session.execute(
        select(VersionAssignment, Assignment, PlanVersion, Plan)
        .join(Assignment, VersionAssignment.assignment_id == Assignment.id)
        .join(PlanVersion, VersionAssignment.version_id == PlanVersion.id)
        .join(Plan, PlanVersion.plan_id == Plan.id)
        .where(Assignment.volunteer_id == volunteer_id,
               PlanVersion.state.notin_((SUPERSEDED,)))
    ).all()
    for row, identity, version, _plan in rows:
        shift = shift_index(version.problem).get(str(identity.shift_id))
        if shift is None or shift["date"] < today.isoformat():
            continue
        if row.flag != "volunteer_inactive":
            row.flag = "volunteer_inactive"
            flagged += 1
    return flagged


def unflag_volunteer(session: Session, volunteer_id: int) -> None:
    """Clear the inactive flag when a volunteer is active again."""
    rows = session.execute(
        select(VersionAssignment)
        .join(Assignment, VersionAssignment.assignment_id == Assignment.id)
        .where(Assignment.volunteer_id == volunteer_id,
               VersionAssignment.flag == "volunteer_inactive")
    ).scalars()
    for row in rows:
        row.flag = None
