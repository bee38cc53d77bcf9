"""Changing a plan: hand edits checked against the hard rules, repair after a change, and
ranked candidates for an open slot."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from scheduler.service import engine_port
from scheduler.service.convert import shift_index, with_pins_and_exclusions
from scheduler.service.errors import Conflict, Invalid
from scheduler.service.models import (
    DRAFT,
    SOLVED,
    SOLVING,
    Plan,
    PlanVersion,
)
from scheduler.service.plans import derived, store
from scheduler.service.plans.publishing import key_of
from scheduler.service.plans.service import problem_for_solve, store_result

# -- editing by hand ---------------------------------------------------------------------------


def _violation_keys(violations: Iterable[Mapping[str, Any]]) -> set[str]:
    return {json.dumps(v, sort_keys=True, ensure_ascii=False) for v in violations}


def _needs_of(shift: Mapping[str, Any]) -> dict[str, int]:
    return {n["skill"]: int(n.get("max") or n["min"]) for n in shift.get("needs", [])}


def edit(
    session: Session, plan: Plan, action: str, data: Mapping[str, Any], *,
    if_match: str | None,
) -> PlanVersion:
    """Pin, unpin, assign or unassign by hand; refused with 422 naming the hard rule broken."""
    store.lock(session, plan)
    latest = store.version_of(session, plan)
    store.check_if_match(plan, latest, if_match)
    if latest.state == SOLVING:
        raise Conflict(errors={"state": [latest.state]})
    if latest.result is None:
        raise Conflict("not_solved", errors={"state": [latest.state]})
    volunteer_id, shift_id = int(data["volunteer_id"]), int(data["shift_id"])
    shifts = shift_index(latest.problem)
    shift = shifts.get(str(shift_id))
    if shift is None:
        raise Invalid("unknown_shift", errors={"json": {"shift_id": ["unknown_shift"]}})
    volunteers = {v["id"] for v in latest.problem.get("volunteers", [])}
    if str(volunteer_id) not in volunteers:
        raise Invalid("unknown_volunteer", errors={"json": {"volunteer_id": ["unknown"]}})
    items = store.assignments_of(session, latest)
    current = next((a for a in items if key_of(a) == (volunteer_id, shift_id)), None)
    skill = data.get("skill") or (current or {}).get("skill") or next(iter(_needs_of(shift)))
    if action in ("pin", "assign") and skill not in _needs_of(shift):
        raise Invalid(errors={"json": {"skill": [f"shift needs {sorted(_needs_of(shift))}"]}})
    edited = [dict(a) for a in items]
    if action == "assign":
        if current is not None:
            raise Invalid("already_assigned")
        if data.get("replace") is not None:
            # One change, checked as a whole: taking the leaver off first could break a rule
            # (two adults with children) that the swap itself keeps.
            leaving = (int(data["replace"]), shift_id)
            if not any(key_of(a) == leaving for a in edited):
                raise Invalid("not_assigned", errors={"json": {"replace": ["not_assigned"]}})
            edited = [a for a in edited if key_of(a) != leaving]
        edited.append({"volunteer_id": volunteer_id, "shift_id": shift_id, "skill": skill,
                       "pinned": bool(data.get("pin", True)), "source": "manual"})
    elif action == "pin":
        if current is None:
            edited.append({"volunteer_id": volunteer_id, "shift_id": shift_id, "skill": skill,
                           "pinned": True, "source": "manual"})
        else:
            for a in edited:
                if key_of(a) == (volunteer_id, shift_id):
                    a.update(pinned=True, skill=skill)
    elif action == "unpin":
        if current is None:
            raise Invalid("not_assigned")
        for a in edited:
            if key_of(a) == (volunteer_id, shift_id):
                a["pinned"] = False
    elif action == "unassign":
        if current is None:
            raise Invalid("not_assigned")
        edited = [a for a in edited if key_of(a) != (volunteer_id, shift_id)]
    _check_hard_rules(latest, items, edited)
    version = store.working_version(session, plan, origin="edit")
    store.replace_assignments(session, plan, version, edited)
    version.result = recount(version.problem, edited, version.result or {})
    if version.state == DRAFT:
        version.state = SOLVED
    store.touch(version)
    return version


def _check_hard_rules(
    version: PlanVersion, before: list[dict[str, Any]], after: list[dict[str, Any]]
) -> None:
    """422 naming each hard rule the edit newly breaks."""
    problem = version.problem
    old = _violation_keys(engine_port.validate(problem, store.engine_plan(version, before)))
    new_violations = [
        v for v in engine_port.validate(problem, store.engine_plan(version, after))
        if json.dumps(v, sort_keys=True, ensure_ascii=False) not in old
    ]
    if new_violations:
        raise Invalid("hard_rule", errors={
            "rules": sorted({str(v.get("rule")) for v in new_violations}),
            "violations": new_violations,
        })


def recount(
    problem: Mapping[str, Any], items: Sequence[Mapping[str, Any]], result: Mapping[str, Any]
) -> dict[str, Any]:
    """The report after a hand edit: unfilled slots and loads counted again from the plan."""
    shifts = shift_index(problem)
    have: dict[tuple[str, str], int] = defaultdict(int)
    hours: dict[str, float] = defaultdict(float)
    count: dict[str, int] = defaultdict(int)
    for a in items:
        shift = shifts.get(str(a["shift_id"]))
        if shift is None:
            continue
        have[(shift["id"], a["skill"])] += 1
        h0, m0 = map(int, shift["start"].split(":"))
        h1, m1 = map(int, shift["end"].split(":"))
        minutes = (h1 * 60 + m1) - (h0 * 60 + m0)
        hours[str(a["volunteer_id"])] += (minutes if minutes > 0 else minutes + 1440) / 60
        count[str(a["volunteer_id"])] += 1
    reasons = {(u["shift_id"], u["skill"]): u for u in result.get("unfilled", [])}
    unfilled = []
    shortage: dict[tuple[Any, ...], int] = defaultdict(int)
    for shift in problem.get("shifts", []):
        for need in shift.get("needs", []):
            missing = int(need["min"]) - have[(shift["id"], need["skill"])]
            if missing <= 0:
                continue
            known = reasons.get((shift["id"], need["skill"]), {})
            unfilled.append({
                "shift_id": shift["id"], "skill": need["skill"], "missing": missing,
                "reason": known.get("reason", "人工调整后空缺 / open after a manual edit"),
                "reason_codes": known.get("reason_codes", ["manual_edit"]),
            })
            shortage[(need["skill"], shift.get("community_id"), shift["venue_id"],
                      shift["date"])] += missing
    fair = {row["volunteer_id"]: row.get("fair_share_hours") for row in result.get("loads", [])}
    loads = [
        {"volunteer_id": vid, "shifts": count[vid], "hours": round(hours[vid], 2),
         "fair_share_hours": fair.get(vid)}
        for vid in sorted(count, key=lambda v: (len(v), v))
    ]
    out = dict(result)
    out.update(
        unfilled=unfilled,
        shortage=[
            {"skill": k[0], "community_id": k[1], "venue_id": k[2], "date": k[3], "missing": m}
            for k, m in sorted(shortage.items(), key=lambda kv: str(kv[0]))
        ],
        loads=loads,
        status=result.get("status", "FEASIBLE"),
    )
    return out


# -- repair and candidates ---------------------------------------------------------------------


CHANGE_TYPES = {"withdraw", "add_shift", "cancel_shift", "availability"}


def _engine_change(change: Mapping[str, Any]) -> dict[str, Any]:
    out = {"type": change["type"]}
    for key in ("from", "to", "availability", "leave"):
        if change.get(key) is not None:
            out[key] = change[key]
    if change.get("volunteer_id") is not None:
        out["volunteer_id"] = str(change["volunteer_id"])
    if change.get("shift_id") is not None:
        out["shift_id"] = str(change["shift_id"])
    if change.get("shift") is not None:
        out["shift"] = change["shift"]
    return out


def repair(
    session: Session, plan: Plan, change: Mapping[str, Any], *, lang: str = "zh-CN",
    time_limit: float = 1.5, origin: str = "repair",
) -> tuple[PlanVersion, dict[str, Any]]:
    """A new version repaired after a change, waiting to be published; return it and the diff
    against the published version."""
    store.lock(session, plan)
    base_number = plan.published_version or plan.current_version
    base = store.version_of(session, plan, base_number)
    latest = store.version_of(session, plan)
    if latest.state == SOLVING:
        raise Conflict(errors={"state": [latest.state]})
    if base.result is None:
        raise Conflict("not_solved", errors={"state": [base.state]})
    engine_change = _engine_change(change)
    problem = with_pins_and_exclusions(
        base.problem,
        [a for a in store.assignments_of(session, base) if a["pinned"]],
        store.exclusions_of(session, plan),
    )
    if engine_change["type"] == "cancel_shift":
        problem["pins"] = [p for p in problem["pins"] if p["shift_id"] != engine_change["shift_id"]]
    current = store.engine_plan(base, store.assignments_of(session, base))
    outcome = engine_port.repair(problem, current, engine_change, time_limit=time_limit,
                                 lang=lang)
    repaired = outcome["plan"]
    version = store.new_version(session, plan, latest, origin=origin)
    version.problem = _changed_problem(base.problem, engine_change)
    version.pending_change = dict(change)
    store_result(session, plan, version, repaired, source="repair")
    return version, outcome.get("diff", {})


def _changed_problem(problem: Mapping[str, Any], change: Mapping[str, Any]) -> dict[str, Any]:
    """The stored problem of a repaired version: the change applied as the engine applies it."""
    from scheduler.engine.changes import apply_change  # noqa: PLC0415

    data = apply_change(dict(problem), dict(change))
    data["pins"] = []
    data.pop("previous_plan", None)
    return data


def candidates(
    session: Session, plan: Plan, shift_id: int, skill: str, limit: int, lang: str,
    replacing: int | None = None,
) -> list[dict[str, Any]]:
    """Volunteers ranked for one open slot of the latest version (or the place `replacing`
    would leave)."""
    version = store.version_of(session, plan, light=True)
    result = derived.result(session, version)
    if result is None:
        raise Conflict("not_solved", errors={"state": [version.state]})
    items = store.assignments_of(session, version)
    return engine_port.candidates(
        ranking_problem(session, plan, version), store.engine_plan(version, items, result),
        str(shift_id), skill, limit, lang, None if replacing is None else str(replacing),
    )


def ranking_problem(session: Session, plan: Plan, version: PlanVersion) -> Any:
    """The engine's loaded problem for ranking in `version`, kept while its inputs stand:
    the version (its problem and pins), the published version (the previous plan) and the
    plan's exclusions, which a decline adds without a new revision."""
    published = (
        store.version_of(session, plan, plan.published_version, light=True)
        if plan.published_version else None
    )
    key = (
        derived.version_key(version),
        derived.version_key(published) if published is not None else None,
        tuple(sorted(store.exclusions_of(session, plan))),
    )
    return derived.ranking_problem(
        session, key, lambda: engine_port.load(problem_for_solve(session, plan, version))
    )
