"""Publishing plan versions with their assignment events, and comparing versions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from linli_contracts import logs
from scheduler.service.auth import Principal
from scheduler.service.convert import shift_index
from scheduler.service.errors import Conflict, Invalid
from scheduler.service.events import assignment_payload, emit
from scheduler.service.models import (
    PUBLISHED,
    SOLVED,
    Plan,
    PlanVersion,
)
from scheduler.service.plans import store

# -- publishing --------------------------------------------------------------------------------


def key_of(item: Mapping[str, Any]) -> tuple[int, int]:
    """(volunteer, shift): what identifies an assignment across versions."""
    return int(item["volunteer_id"]), int(item["shift_id"])


def _shift_changed(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    fields = ("date", "start", "end", "venue_id")
    return any(a.get(f) != b.get(f) for f in fields)


def publication_events(
    plan: Plan, version: PlanVersion, items: list[dict[str, Any]],
    previous: PlanVersion | None, previous_items: list[dict[str, Any]],
) -> list[tuple[str, dict[str, Any]]]:
    """The assignment events that publishing `version` over `previous` causes."""
    shifts = shift_index(version.problem)
    old_shifts = shift_index(previous.problem) if previous else {}
    old = {key_of(a): a for a in previous_items}
    new = {key_of(a): a for a in items}
    events: list[tuple[str, dict[str, Any]]] = []
    for key, item in sorted(new.items(), key=lambda kv: kv[1]["assignment_id"]):
        shift = shifts[str(item["shift_id"])]
        payload = assignment_payload(plan.id, version.number, item["assignment_id"], key[0],
                                     item["skill"], shift)
        before = old.get(key)
        if before is None:
            events.append(("assignment.assigned", payload))
            continue
        old_shift = old_shifts.get(str(before["shift_id"]), shift)
        if before["skill"] != item["skill"] or _shift_changed(old_shift, shift):
            previous_payload = assignment_payload(plan.id, version.number, 1, key[0],
                                                  before["skill"], old_shift)
            payload["previous"] = {"role": before["skill"], "shift": previous_payload["shift"]}
            events.append(("assignment.changed", payload))
    for key, item in sorted(old.items(), key=lambda kv: kv[1]["assignment_id"]):
        if key in new:
            continue
        shift = old_shifts[str(item["shift_id"])]
        payload = assignment_payload(plan.id, version.number, item["assignment_id"], key[0],
                                     item["skill"], shift)
        payload["reason"] = None
        events.append(("assignment.cancelled", payload))
    return events


def publish(
    session: Session, plan: Plan, principal: Principal | None, if_match: str | None
) -> tuple[PlanVersion, int]:
    """Publish the latest version; return it and how many events were written (0 if it was
    published already). A newer version supersedes the published one."""
    store.lock(session, plan)
    version = store.version_of(session, plan)
    store.check_if_match(plan, version, if_match)
    if version.state == PUBLISHED:
        return version, 0
    if version.state != SOLVED:
        raise Conflict("not_solved", errors={"state": [version.state]})
    previous = (
        store.version_of(session, plan, plan.published_version)
        if plan.published_version else None
    )
    items = store.assignments_of(session, version)
    previous_items = store.assignments_of(session, previous) if previous else []
    events = publication_events(plan, version, items, previous, previous_items)
    store.mark_published(plan, version, previous, principal.user_id if principal else None)
    correlation = (logs.correlation_id() or plan.correlation_id
                   or f"plan-{plan.id}-v{version.number}")
    emit(session, "plan.published", {
        "plan_id": plan.id,
        "version": version.number,
        "community_ids": plan.community_ids,
        "period_start": plan.period_start.isoformat(),
        "period_end": plan.period_end.isoformat(),
        "assignment_count": len(items),
        "published_by": principal.user_id if principal and principal.user_id >= 1 else None,
    }, correlation_id=correlation)
    for type_, payload in events:
        emit(session, type_, payload, correlation_id=correlation)
    return version, len(events) + 1


# -- comparing ---------------------------------------------------------------------------------


def diff(
    session: Session, plan: Plan, from_number: int | None, to_number: int | None
) -> dict[str, Any]:
    """Added, removed and changed assignments between two versions (default: the published
    one, or the parent, against the latest)."""
    target = store.version_of(session, plan, to_number)
    if from_number is None:
        from_number = (
            plan.published_version
            if plan.published_version and plan.published_version != target.number
            else target.parent_number
        )
    if from_number is None:
        raise Invalid("no_previous")
    source = store.version_of(session, plan, from_number)
    events = publication_events(
        plan, target, store.assignments_of(session, target), source,
        store.assignments_of(session, source),
    )
    groups: dict[str, list[dict[str, Any]]] = {"added": [], "removed": [], "changed": []}
    names = {"assignment.assigned": "added", "assignment.cancelled": "removed",
             "assignment.changed": "changed"}
    for type_, payload in events:
        payload.pop("plan_version", None)
        payload.pop("reason", None)
        groups[names[type_]].append(payload)
    return {"from_version": source.number, "to_version": target.number, **groups}
