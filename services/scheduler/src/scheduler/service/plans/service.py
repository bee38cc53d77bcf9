"""Plan use cases as plain functions (no Flask): reading, creating and solving.

Publishing and diffs are in `publishing`, hand edits, repair and candidates in `changes`, and
reactions to volunteers in `reactions`. The HTTP views and the queue consumers call these
functions. Each works inside the caller's session and leaves the commit to the caller, so a
change and the events it causes are committed together (transactional outbox).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from linli_contracts import logs
from scheduler.service import engine_port, jobs
from scheduler.service.auth import Principal
from scheduler.service.convert import snapshot_to_problem, with_pins_and_exclusions
from scheduler.service.errors import Conflict, Invalid, NotFound, TooBusy
from scheduler.service.models import (
    DRAFT,
    QUEUED,
    RUNNING,
    SOLVED,
    SOLVING,
    Plan,
    PlanVersion,
    SolveJob,
    utcnow,
)
from scheduler.service.plans import derived, store
from scheduler.service.registry_client import RegistryClient

MAX_DAYS = 62


# -- reading -----------------------------------------------------------------------------------


def visible_plan(session: Session, principal: Principal, plan_id: int) -> Plan:
    """The plan if the caller may see it; 404 otherwise (also outside their communities)."""
    plan = session.get(Plan, plan_id) if 1 <= plan_id <= 2**31 - 1 else None
    if plan is None or not principal.can_see_all(plan.community_ids):
        raise NotFound()
    return plan


def _latest_version_join() -> Any:
    return (PlanVersion.plan_id == Plan.id) & (PlanVersion.number == Plan.current_version)


def list_plans(
    session: Session, principal: Principal, community_id: int | None = None,
    state: str | None = None,
) -> list[int]:
    """Ids of the plans visible to the caller, newest first, filtered by community and by the
    state of their latest versions."""
    # Only small columns: in SQLite a version's later columns sit behind its JSON documents.
    rows = session.execute(
        select(Plan.id, Plan.community_ids, PlanVersion.state)
        .join(PlanVersion, _latest_version_join())
        .order_by(Plan.id.desc())
    ).all()
    out = []
    for plan_id, communities, version_state in rows:
        if not principal.can_see_all(communities):
            continue
        if community_id is not None and community_id not in communities:
            continue
        if state is not None and version_state != state:
            continue
        out.append(plan_id)
    return out


def plans_with_versions(
    session: Session, plan_ids: list[int]
) -> list[tuple[Plan, PlanVersion]]:
    """These plans with their latest versions (large columns unread), in the order given;
    a plan deleted meanwhile is left out."""
    if not plan_ids:
        return []
    rows = session.execute(
        select(Plan, PlanVersion)
        .join(PlanVersion, _latest_version_join())
        .where(Plan.id.in_(plan_ids))
        .options(*(defer(column) for column in store.LARGE))
    ).all()
    found = {plan.id: (plan, version) for plan, version in rows}
    return [found[plan_id] for plan_id in plan_ids if plan_id in found]


def latest_job(session: Session, plan: Plan) -> SolveJob | None:
    """The plan's most recent solve job."""
    return session.scalars(
        select(SolveJob).where(SolveJob.plan_id == plan.id).order_by(SolveJob.created_at.desc())
    ).first()


def latest_jobs(session: Session, plan_ids: list[int]) -> dict[int, SolveJob]:
    """Each plan's most recent solve job (one query; absent when it has none)."""
    out: dict[int, SolveJob] = {}
    if not plan_ids:
        return out
    for job in session.scalars(
        select(SolveJob).where(SolveJob.plan_id.in_(plan_ids))
        .order_by(SolveJob.plan_id, SolveJob.created_at.desc())
    ):
        out.setdefault(job.plan_id, job)
    return out


def job_of(session: Session, plan: Plan, job_id: str) -> SolveJob:
    """One solve job of the plan."""
    job = session.get(SolveJob, job_id)
    if job is None or job.plan_id != plan.id:
        raise NotFound()
    return job


def assignment_rows(
    session: Session, plan: Plan, version: PlanVersion, *, venue_id: int | None = None,
    day: date | None = None, volunteer_id: int | None = None, shift_id: int | None = None,
) -> list[dict[str, Any]]:
    """A version's assignments with their shift details, filtered."""
    # Names as the plan's snapshot has them: the page showing a roster needs no second lookup
    # (and a partner community's volunteer may not be readable in the registry by the caller).
    shifts, names = derived.roster(session, version)
    wanted = _shift_ids(shifts, venue_id, day, shift_id)
    out = []
    for item in store.assignments_of(session, version, shift_ids=wanted,
                                     volunteer_id=volunteer_id):
        shift = shifts.get(str(item["shift_id"]))
        if shift is None:
            continue
        if venue_id is not None and shift["venue_id"] != str(venue_id):
            continue
        if day is not None and shift["date"] != day.isoformat():
            continue
        if volunteer_id is not None and item["volunteer_id"] != volunteer_id:
            continue
        if shift_id is not None and item["shift_id"] != shift_id:
            continue
        out.append({
            **item, "volunteer_name": names.get(str(item["volunteer_id"])),
            "date": shift["date"], "start": shift["start"], "end": shift["end"],
            "venue_id": int(shift["venue_id"]), "venue_name": shift["venue_name"],
            "activity_type": shift["kind"], "activity_name": shift["activity_name"],
            "community_id": int(shift["community_id"]) if shift.get("community_id") else None,
        })
    out.sort(key=lambda a: (a["date"], a["start"], a["shift_id"], a["volunteer_id"]))
    return out


#: Beyond this many shifts a filter is cheaper applied to the rows than sent to the database.
MAX_SHIFT_FILTER = 500


def _shift_ids(
    shifts: Mapping[str, Mapping[str, Any]], venue_id: int | None, day: date | None,
    shift_id: int | None,
) -> set[int] | None:
    """The shift ids the filters leave (None: do not narrow the query by shift)."""
    if shift_id is not None:
        return {shift_id}
    if venue_id is None and day is None:
        return None
    ids = set()
    for key, shift in shifts.items():
        if venue_id is not None and shift["venue_id"] != str(venue_id):
            continue
        if day is not None and shift["date"] != day.isoformat():
            continue
        if not key.isdecimal():
            # An id no assignment row can carry (rows hold integers).
            continue
        ids.add(int(key))
    return ids if len(ids) <= MAX_SHIFT_FILTER else None


def report(version: PlanVersion, result: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Unfilled slots with reasons, shortage, per-volunteer load and the objective (from
    `result` when the caller has the version's result already)."""
    result = (version.result if result is None else result) or {}
    return {
        "status": result.get("status"),
        "objective": result.get("objective"),
        "unfilled": result.get("unfilled", []),
        "shortage": result.get("shortage", []),
        "loads": result.get("loads", []),
        "conflicts": result.get("conflicts", []),
        "solver": result.get("solver"),
    }


# -- creating ----------------------------------------------------------------------------------


def create_plan(
    session: Session, registry: RegistryClient, principal: Principal, data: Mapping[str, Any],
    *, max_shifts: int,
) -> Plan:
    """Fetch the snapshot for the communities and dates, build the problem, store version 1."""
    communities = sorted(set(data["community_ids"]))
    if not principal.can_see_all(communities):
        raise NotFound()
    start, end = data["start"], data["end"]
    if end < start:
        raise Invalid(errors={"json": {"end": ["must not be before start"]}})
    if (end - start).days + 1 > MAX_DAYS:
        raise Invalid(errors={"json": {"end": [f"at most {MAX_DAYS} days"]}})
    snapshot = registry.snapshot(communities, start.isoformat(), end.isoformat())
    return plan_from_snapshot(session, principal, snapshot, data, max_shifts=max_shifts)


def plan_from_snapshot(
    session: Session, principal: Principal, snapshot: Mapping[str, Any],
    data: Mapping[str, Any], *, max_shifts: int,
) -> Plan:
    """Store a new plan (version 1, draft) built from a snapshot the caller already has."""
    communities = sorted(set(data["community_ids"]))
    start, end = data["start"], data["end"]
    problem = snapshot_to_problem(
        snapshot, start.isoformat(), end.isoformat(),
        rules=data.get("rules"), weights=data.get("weights"),
    )
    if len(problem["shifts"]) > max_shifts:
        raise Invalid("too_large", errors={"shifts": [f"at most {max_shifts}"]})
    engine_port.check_problem(problem)
    plan = Plan(
        title=data.get("title") or "",
        community_ids=communities,
        period_start=start,
        period_end=end,
        settings={
            "auto_repair": bool(data.get("auto_repair", False)),
            "auto_publish": bool(data.get("auto_publish", False)),
        },
        current_version=1,
        created_by=principal.user_id,
        correlation_id=logs.correlation_id(),
    )
    session.add(plan)
    session.flush()
    session.add(PlanVersion(plan_id=plan.id, number=1, state=DRAFT, revision=1,
                            origin="created", snapshot=_jsonable(snapshot), problem=problem))
    session.flush()
    return plan


def _jsonable(data: Mapping[str, Any]) -> dict[str, Any]:
    """The snapshot as plain JSON (dates and times as text) for storage."""
    return json.loads(json.dumps(data, default=str, ensure_ascii=False))


def update_settings(plan: Plan, data: Mapping[str, Any]) -> Plan:
    """Change the plan's automation settings (auto-repair, auto-publish) and title."""
    settings = dict(plan.settings or {})
    for key in ("auto_repair", "auto_publish"):
        if key in data:
            settings[key] = bool(data[key])
    plan.settings = settings
    if "title" in data:
        plan.title = data["title"]
    return plan


# -- solving -----------------------------------------------------------------------------------


def follow_correlation(plan: Plan, given: bool) -> str | None:
    """One correlation id follows a plan from creation through solve to every alert: a caller
    who names one (`given`) makes it the plan's; otherwise the work continues under the id the
    plan already has. Return the id now current."""
    current = logs.correlation_id()
    if given or not plan.correlation_id:
        plan.correlation_id = current
    elif plan.correlation_id != current:
        # Reset at the end of the request, with the request's own id.
        logs.set_correlation_id(plan.correlation_id)
    return logs.correlation_id()


def request_solve(
    session: Session, plan: Plan, principal: Principal, *, time_limit: float, max_active: int,
    if_match: str | None = None,
) -> SolveJob:
    """Queue a solve of the plan's working version (a published plan gets a new version)."""
    store.lock(session, plan)
    latest = store.version_of(session, plan)
    store.check_if_match(plan, latest, if_match)
    if latest.state == SOLVING:
        raise Conflict(errors={"state": [latest.state]})
    if jobs.active_jobs(session) >= max_active:
        raise TooBusy()
    version = store.working_version(session, plan, origin="resolve")
    store.touch(version)
    return jobs.enqueue(session, plan, version, time_limit, principal.user_id)


def cancel_solve(session: Session, plan: Plan, job_id: str | None) -> SolveJob:
    """Cancel the given (or latest) solve job of the plan."""
    store.lock(session, plan)
    job = job_of(session, plan, job_id) if job_id else latest_job(session, plan)
    if job is None or job.status not in (QUEUED, RUNNING):
        raise Conflict(errors={"job": ["not queued or running"]})
    jobs.cancel(session, job)
    return job


def problem_for_solve(session: Session, plan: Plan, version: PlanVersion) -> dict[str, Any]:
    """The version's problem with its pins, declined shifts and the published plan added."""
    current = store.assignments_of(session, version)
    previous = None
    if plan.published_version:
        published = store.version_of(session, plan, plan.published_version)
        previous = store.assignments_of(session, published)
    return with_pins_and_exclusions(
        version.problem,
        [a for a in current if a["pinned"]],
        store.exclusions_of(session, plan),
        previous,
    )


def store_result(
    session: Session, plan: Plan, version: PlanVersion, result: Mapping[str, Any], *,
    source: str = "solver",
) -> None:
    """Keep an engine plan as the version's assignments and report; the version is solved."""
    pinned = {
        (a["volunteer_id"], a["shift_id"])
        for a in store.assignments_of(session, version) if a["pinned"]
    }
    flags = {
        (a["volunteer_id"], a["shift_id"]): a["flag"]
        for a in store.assignments_of(session, version) if a["flag"]
    }
    items = []
    for a in result.get("assignments", []):
        key = (int(a["volunteer_id"]), int(a["shift_id"]))
        items.append({
            "volunteer_id": key[0], "shift_id": key[1], "skill": a.get("skill"),
            "pinned": bool(a.get("pinned")) or key in pinned,
            "source": "manual" if key in pinned else source, "flag": flags.get(key),
        })
    store.replace_assignments(session, plan, version, items)
    version.result = {k: v for k, v in result.items() if k != "assignments"}
    version.state = SOLVED
    version.solved_at = utcnow()
    store.touch(version)
