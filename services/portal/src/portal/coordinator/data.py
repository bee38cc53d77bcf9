"""What the coordinator pages read from the services, gathered in one place."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from portal.clients import BackendError, Backends

JOB_RUNNING = ("queued", "running")


def communities(api: Backends) -> list[dict[str, Any]]:
    """The communities the caller may see, by name."""
    found = api.all_pages("registry", "/communities")
    return sorted(found, key=lambda c: (c.get("code") or "", c["name"]))


def week_start(day: date) -> date:
    """The Monday of day's week."""
    return day - timedelta(days=day.weekday())


def planning_week(api: Backends, community_ids: list[int], today: date) -> tuple[date, bool]:
    """This week's Monday when shifts are planned this week or later, else the Monday of the
    first week that has shifts (demo data sits in another term); second value: is this week."""
    this_week = week_start(today)
    upcoming = api.get("registry", "/shifts", community_id=community_ids or None,
                       start=this_week.isoformat(), page_size=1)
    if upcoming:
        first = week_start(date.fromisoformat(upcoming[0]["date"]))
        return first, first == this_week
    earliest = api.get("registry", "/shifts", community_id=community_ids or None, page_size=1)
    if earliest:
        return week_start(date.fromisoformat(earliest[0]["date"])), False
    return this_week, True


def plan(api: Backends, plan_id: int) -> dict[str, Any]:
    """One plan with its latest version, job and ETag."""
    return dict(api.get("scheduler", f"/plans/{plan_id}"))


def report(api: Backends, plan_id: int) -> dict[str, Any]:
    """The latest version's report (empty before the first solve)."""
    try:
        return dict(api.get("scheduler", f"/plans/{plan_id}/report"))
    except BackendError as exc:
        if exc.status in (404, 409, 422):
            return {}
        raise


def assignments(api: Backends, plan_id: int, **filters: Any) -> list[dict[str, Any]]:
    """Every assignment of the latest version."""
    return api.all_pages("scheduler", f"/plans/{plan_id}/assignments", page_size=500, **filters)


def shift_rows(api: Backends, plan_view: dict[str, Any], shift_ids: set[int]) -> dict[int, Any]:
    """Registry shifts of the plan's period (with venue and activity names) by id, for slots
    nobody is assigned to yet."""
    if not shift_ids:
        return {}
    rows = api.all_pages("registry", "/shifts", community_id=plan_view["community_ids"],
                         start=plan_view["period_start"], end=plan_view["period_end"])
    venues = {v["id"]: v["name"] for v in api.all_pages("registry", "/venues")}
    activities = {a["id"]: a["name"] for a in api.all_pages("registry", "/activities")}
    out = {}
    for row in rows:
        if row["id"] in shift_ids:
            out[int(row["id"])] = {
                "shift_id": row["id"], "date": row["date"], "start": row["start_time"],
                "end": row["end_time"], "venue_id": row["venue_id"],
                "venue_name": venues.get(row["venue_id"]),
                "activity_name": activities.get(row["activity_id"]),
                "needs": row.get("needs") or [],
            }
    return out


def volunteer_names(api: Backends, rows: list[dict[str, Any]],
                    loads: list[dict[str, Any]] | None = None) -> dict[int, str]:
    """Names by volunteer id: the plan's own rows and loads first; the registry's whole list
    only when some load (or, without loads, anyone) may still lack a name."""
    names = {int(r["volunteer_id"]): r["volunteer_name"] for r in rows if r.get("volunteer_name")}
    if loads is not None:
        for load in loads:
            if load.get("name"):
                names.setdefault(int(load["volunteer_id"]), load["name"])
        if all(int(load["volunteer_id"]) in names for load in loads):
            return names
    try:
        for volunteer in api.all_pages("registry", "/volunteers"):
            names.setdefault(int(volunteer["id"]), volunteer["name"])
    except BackendError:
        pass
    return names


def plan_names(api: Backends, plan: dict[str, Any],
               volunteer_ids: Iterable[int]) -> dict[int, str]:
    """Names of the given volunteers from the plan's published and latest versions (a
    volunteer from a partner community serves the plan, though the coordinator's registry view
    omits them); the registry's list only for someone those versions leave unnamed."""
    wanted = [{"volunteer_id": vid} for vid in dict.fromkeys(int(v) for v in volunteer_ids)]
    if not wanted:
        return {}
    latest = (plan.get("version") or {}).get("number")
    versions = dict.fromkeys(v for v in (plan.get("published_version"), latest) if v)
    rows = [row for version in versions
            for row in api.all_pages("scheduler", f"/plans/{plan['id']}/assignments",
                                     page_size=500, version=version)]
    return volunteer_names(api, rows, wanted)
